// Every way in answers and closes, and one client cannot take what others need: malformed upgrades
// and requests the HTTP parser refuses are answered and closed (no file descriptor leaks), a session
// that never sends `connect` is closed, a session exhausting media ports is refused with a coded
// error while another client still publishes, a flooding session is rate-limited and then closed
// with one summary log line, client mistakes get 4xx codes, and shutdown is bounded.
import fs from 'node:fs';
import net from 'node:net';
import WebSocket from 'ws';
import { TestClient } from '../helpers/client';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_RTP_PARAMETERS } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';

let node: NodeProcess;

beforeAll(async () => {
  // Loopback is exempt from the per-address caps by default; this node counts it like any address.
  // Defaults everywhere else: they are what must stop the attacks.
  node = await startNode({
    name: 'waysin',
    props: {
      'ws.connect_timeout_ms': 400,
      'limits.ip.exempt': '',
      'limits.ip.connections': 6,
      'limits.ip.webrtc_http_sessions': 1,
      // A standalone node: clients publish here (test nodes share a cdn_secret, which makes them edges).
      'publish.allow_direct': true,
    },
  });
});

afterAll(async () => {
  expect(await node.stop()).toBe(0);
  expect(node.output()).not.toMatch(/"level":60/);
});

const openFds = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).length;

/** Sends raw bytes on a fresh TCP connection; resolves with all the server sent before it closed. */
function raw(port: number, text: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`socket not closed by the server; got ${JSON.stringify(answer)}`))), timeoutMs);
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => undefined); // a reset after the answer still counts as closed
    socket.on('close', () => (clearTimeout(timer), resolve(answer)));
    socket.write(text);
  });
}

async function sessionCount(): Promise<number> {
  return (await (await fetch(`${node.http}/rest-api/connection/find_all`, { method: 'POST' })).json()).length;
}

function refusal(ws: WebSocket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('handshake accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

test('malformed WebSocket upgrades are answered 400 and closed, and the node leaks no file descriptors', async () => {
  const pid = node.child.pid!;
  const upgrade = (target: string) =>
    `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
  const baseline = openFds(pid);
  const targets = ['//', 'http://[', '/proxy/%zz/'];
  for (let round = 0; round < 100; round++) {
    const answers = await Promise.all(targets.map((t) => raw(node.port, upgrade(t))));
    for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 (400|404) /);
  }
  expect((await raw(node.port, upgrade('//'))).startsWith('HTTP/1.1 400 ')).toBe(true);
  await until(() => openFds(pid) <= baseline + 2, 5000, `open fds back to ${baseline}`);
  expect(node.output()).not.toMatch(/uncaught exception/);
});

test('requests the HTTP parser refuses get a status and a closed socket', async () => {
  expect(await raw(node.port, 'NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Connection: close/);
  expect(await raw(node.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
  expect(await raw(node.port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
  expect((await fetch(`${node.http}/whip/%zz`, { method: 'POST' })).status).toBe(400);
});

test('a session that never sends connect is closed after ws.connect_timeout_ms, and its slot is free again', async () => {
  await until(async () => (await sessionCount()) === 0, 5000, 'no sessions');
  const ws = new WebSocket(node.url);
  await new Promise((r) => ws.once('open', r));
  expect(await sessionCount()).toBe(1); // counted from the handshake, before connect
  const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
  expect(code).toBe(1008);
  await until(async () => (await sessionCount()) === 0, 2000, 'the slot to be freed');
});

test('connections beyond limits.ip.connections from one address are refused with 429 LIMIT_REACHED, counted before connect', async () => {
  const sockets = await Promise.all(
    Array.from({ length: 6 }, async () => {
      const ws = new WebSocket(node.url);
      await new Promise((r) => ws.once('open', r));
      return ws;
    }),
  );
  const refused = await refusal(new WebSocket(node.url));
  expect(refused.status).toBe(429);
  expect(refused.body).toContain('LIMIT_REACHED');
  for (const ws of sockets) ws.terminate();
  await until(async () => (await sessionCount()) === 0, 3000, 'the sockets to go');
  const again = await TestClient.connect(node.url);
  await again.close();
});

test('one session trying to take every media port is refused with LIMIT_REACHED, and another client still publishes', async () => {
  const attacker = await TestClient.connect(node.url);
  const answers: string[] = [];
  for (let i = 0; i < 40; i++) {
    answers.push(
      await attacker.request('publish', { stream: `empty${i}`, transport: 'plain' }).then(
        () => 'ok',
        (err: { code: string }) => err.code,
      ),
    );
  }
  // The default cap (limits.session.publishes=4) lets a real publisher's streams through, not 40.
  expect(answers.filter((a) => a === 'ok')).toHaveLength(4);
  expect(new Set(answers.slice(4))).toEqual(new Set(['LIMIT_REACHED']));

  const publisher = await TestClient.connect(node.url);
  const sender = await publisher.publishRtp('real');
  await publisher.waitStatus('real', 'PUBLISHING');
  const player = await TestClient.connect(node.url);
  const { receiver } = await player.playRtp('real');
  await receiver.waitFor(5);

  // Unpublishing frees the attacker's slots.
  await attacker.request('unpublish', { stream: 'empty0' });
  await attacker.request('publish', { stream: 'empty-again', transport: 'plain' });
  await Promise.all([receiver.close(), sender.close(), player.close(), publisher.close(), attacker.close()]);
});

test('a flooding session gets RATE_LIMITED, is closed, and the log sums it up instead of one line per frame', async () => {
  const ws = new WebSocket(node.url);
  await new Promise((r) => ws.once('open', r));
  const codes: string[] = [];
  ws.on('message', (d) => codes.push(JSON.parse(d.toString()).error?.code ?? 'ok'));
  const closed = new Promise<number>((r) => ws.once('close', (c) => r(c)));
  for (let i = 1; i <= 400 && ws.readyState === WebSocket.OPEN; i++) ws.send(i % 2 ? `{"id":${i},"method":"nope","data":{}}` : 'garbage{');
  expect(await closed).toBe(1008);
  expect(codes).toContain('RATE_LIMITED');
  expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThan(100);
  // 20 lines one by one per window, then the sum at the window's end (10 s): wait for it.
  await until(() => /refused frames from 127\.0\.0\.1 in the last 10 s/.test(node.output()), 12000, 'the summary line', 200);
  const lines = node
    .output()
    .split('\n')
    .filter((l) => /refused frame|RATE_LIMITED/.test(l));
  expect(lines.length).toBeLessThan(60);
}, 20000);

test('client mistakes that reach mediasoup are 4xx codes and never error lines', async () => {
  const client = await TestClient.connect(node.url);
  const { transport } = await client.request('publish', { stream: 'classes' });
  const video = VIDEO_RTP_PARAMETERS(4242);
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: { code: string }) => err.code,
    );
  expect(
    await code(
      client.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: { ...video, codecs: [{ ...video.codecs[0], clockRate: 1e12 }] } }),
    ),
  ).toBe('BAD_REQUEST');
  expect(await code(client.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: video }))).toBe('BAD_REQUEST');
  expect(await code(client.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: video }))).toBe('ok');
  const audioParams = { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 4242 }] };
  expect(await code(client.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: audioParams }))).toBe('BAD_REQUEST');
  const dtlsParameters = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: Array(32).fill('AB').join(':') }] };
  expect(await code(client.request('connectTransport', { transportId: transport.id, dtlsParameters }))).toBe('ok');
  expect(await code(client.request('connectTransport', { transportId: transport.id, dtlsParameters }))).toBe('NOT_ALLOWED');
  const player = await TestClient.connect(node.url);
  expect(await code(player.request('play', { stream: 'classes', rtpCapabilities: { codecs: 'x' } }))).toBe('BAD_REQUEST');
  await Promise.all([client.close(), player.close()]);
  expect(node.output()).not.toMatch(/"level":50/);
});

test('WHIP sessions beyond limits.ip.webrtc_http_sessions from one address are refused with 429 LIMIT_REACHED', async () => {
  const post = (name: string) =>
    fetch(`${node.http}/whip/${name}`, {
      method: 'POST',
      body: offer([audio('sendonly', 1111), video('sendonly', 'all', 2222)]),
      headers: { 'Content-Type': 'application/sdp' },
    });
  const first = await post('whip1');
  expect(first.status).toBe(201);
  const second = await post('whip2');
  expect(second.status).toBe(429);
  expect((await second.json()).code).toBe('LIMIT_REACHED');
  expect((await fetch(first.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
  const third = await post('whip3');
  expect(third.status).toBe(201);
  await fetch(third.headers.get('location')!, { method: 'DELETE' });
});

test('SIGTERM ends a node within a few seconds and exits 0, even with clients that never answer the close handshake', async () => {
  const other = await startNode({ name: 'waysin-stop', props: { 'publish.allow_direct': true } });
  const stuck = await TestClient.connect(other.url);
  // Stop reading: the server's close frame is never answered.
  (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const half = net.connect(other.port, '127.0.0.1');
  half.on('error', () => undefined);
  half.write('GET / HTTP/1.1\r\nHost: x\r\n'); // a request that never ends
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  expect(await other.stop()).toBe(0);
  expect(Date.now() - t0).toBeLessThan(4000);
  stuck.ws.terminate();
  half.destroy();
});
