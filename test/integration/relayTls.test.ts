// The relay link as a party on the path sees it (issue 18): real nodes on loopback, the origin's
// loadbalancing.xml pointing at something of the test's between origin and edge: a tap that
// records every byte (and can inject some), or a man in the middle with a certificate of its own.
import fs from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import WebSocket, { WebSocketServer } from 'ws';
import { nodeCertificate } from '../../src/cluster/nodeCertificate';
import { TestClient } from '../helpers/client';
import { Cleanup, routes, startEdge, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { TcpTap, tlsRecords } from '../helpers/tcpTap';

let edge: NodeProcess;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  edge = await startEdge('edge1');
});

afterEach(() => cleanup.run());

afterAll(async () => {
  expect(await stopAll([edge])).toEqual([0]);
});

/** An origin whose only edge is reached at `relayPort` (a tap or a man in the middle), players at the edge's ws port. */
async function originVia(relayPort: number, name = 'origin'): Promise<NodeProcess> {
  const xml =
    '<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n' +
    `  <node id="edge1"><ip>127.0.0.1</ip><ws>${edge.port}</ws><wss>0</wss><relay>${relayPort}</relay></node>\n` +
    '</loadbalancer>\n';
  const origin = await startNode({ name, props: { load_balancing_enabled: true }, xml });
  cleanup.add(() => origin.stop());
  return origin;
}

type Route = { id: string; state: string; lastError?: string };
const edgeRoute = async (origin: NodeProcess): Promise<Route> => ((await routes(origin)).edges as Route[])[0];
/** Relayed with its track: a player that starts before the track arrives gets it later, paused (the test client resumes only what `play` answered). */
const relayedOnEdge = async (stream: string): Promise<boolean> =>
  (await streamsOn(edge)).some((s) => s.name === stream && s.source === 'relay' && (s.tracks?.length ?? 0) > 0);

/** A player on the edge receives the stream's RTP (the relay works end to end). */
async function playsOnEdge(stream: string): Promise<void> {
  const player = track(await TestClient.connect(edge.url));
  const { receiver } = await player.playRtp(stream);
  track(receiver);
  await receiver.waitFor(20, VIDEO_PT);
}

test('a capture of the relay link holds only TLS records: no SRTP key, no stream name, no relay command in clear', async () => {
  const tap = track(await TcpTap.start(edge.relayPort));
  const origin = await originVia(tap.port);
  await until(async () => (await edgeRoute(origin)).state === 'up', 10000, 'the link up through the tap');
  const stream = 'capture-me-3f9a';
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp(stream, { audio: true }));
  await until(() => relayedOnEdge(stream), 5000, 'the stream relayed through the tap');
  await playsOnEdge(stream);
  // A few heartbeats and load reports more, so the capture holds the link's steady traffic too.
  await new Promise((r) => setTimeout(r, 1000));

  expect(await (await fetch(`${origin.http}/metrics`)).text()).toMatch(/^cdn_relay_tls\{node="origin"\} 1$/m);
  const captured = tap.all();
  expect(captured.length).toBeGreaterThan(2000);
  for (const clear of [stream, 'keyBase64', 'srtpParameters', 'relayStream', 'relayProducer', 'cryptoSuite', 'challenge', 'hello', 'proof', 'ping']) {
    expect(captured.includes(Buffer.from(clear))).toBe(false);
  }
  // Each direction is a sequence of whole TLS records: handshake, then application data only.
  for (const direction of ['toEdge', 'toOrigin'] as const) {
    const bytes = Buffer.concat(tap.connections[0][direction]);
    const records = tlsRecords(bytes);
    expect(records.reduce((n, r) => n + r.bytes.length, 0)).toBe(bytes.length);
    expect(records[0].type).toBe(22); // handshake
    expect(records.filter((r) => r.type === 23).length).toBeGreaterThan(5); // application data
    expect(records.every((r) => [20, 21, 22, 23].includes(r.type))).toBe(true);
  }
}, 30000);

test('a man in the middle with a certificate of its own cannot complete the link; the origin says why and sends it nothing', async () => {
  // It terminates the origin's TLS (and WebSocket) with its own certificate and re-dials the edge,
  // reading every frame of both sessions in clear: all it can do is pass frames on.
  const { cert, key } = await nodeCertificate({ tlsCertFile: null, tlsKeyFile: null, nodeId: 'mallory' });
  const fromOrigin: string[] = [];
  const server = https.createServer({ cert, key, minVersion: 'TLSv1.3' });
  const wss = new WebSocketServer({ server, path: '/cdn/relay' });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (originSide) => {
    const edgeSide = new WebSocket(`wss://127.0.0.1:${edge.relayPort}/cdn/relay`, { rejectUnauthorized: false });
    sockets.add(originSide).add(edgeSide);
    const early: string[] = [];
    originSide.on('message', (d) => {
      fromOrigin.push(d.toString());
      if (edgeSide.readyState === WebSocket.OPEN) edgeSide.send(d.toString());
      else early.push(d.toString());
    });
    edgeSide.once('open', () => early.splice(0).forEach((m) => edgeSide.send(m)));
    edgeSide.on('message', (d) => originSide.readyState === WebSocket.OPEN && originSide.send(d.toString()));
    const end = () => {
      originSide.terminate();
      edgeSide.terminate();
    };
    for (const s of [originSide, edgeSide]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(async () => {
    for (const s of sockets) s.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
  });
  const mitm = server;
  const origin = await originVia((mitm.address() as net.AddressInfo).port, 'origin-mitm');
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('behind-mallory'));
  await until(async () => ((await edgeRoute(origin)).lastError ?? '').includes('did not prove cdn_secret'), 10000, 'the origin to refuse the edge it reached');
  // Several attempts (the origin retries), none of them up.
  await until(() => fromOrigin.filter((m) => m.includes('"challenge"')).length >= 2, 10000, 'the origin to try again');
  const route = await edgeRoute(origin);
  expect(route.state).not.toBe('up');
  expect(route.lastError).toContain('the edge did not prove cdn_secret over this TLS session');
  expect(origin.output()).toContain('relay link handshake failed');
  // What the man in the middle read: challenges, never a hello, a stream or a key.
  const plaintext = fromOrigin.join('\n');
  expect(plaintext).toContain('"challenge"');
  for (const never of ['"hello"', 'relayStream', 'behind-mallory', 'keyBase64']) expect(plaintext).not.toContain(never);
  // The edge never took this origin's link either.
  const edgeRoutes = (await (await fetch(`${edge.http}/rest-api/cdn/show_routes`)).json()) as { origins: { originId: string }[] };
  expect(edgeRoutes.origins.map((o) => o.originId)).not.toContain('origin-mitm');
  expect(await relayedOnEdge('behind-mallory')).toBe(false);
}, 30000);

test('bytes injected into an established link, or a record replayed, are refused: the TLS session fails, the link comes back by itself, and players keep playing', async () => {
  const tap = track(await TcpTap.start(edge.relayPort));
  const origin = await originVia(tap.port, 'origin-inject');
  await until(async () => (await edgeRoute(origin)).state === 'up', 10000, 'the link up');
  const stream = 'injected-into';
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp(stream));
  await until(() => relayedOnEdge(stream), 5000, 'the stream relayed');
  // A player on the edge from before the attack to after it: the link's grace (cdn.link_grace_ms)
  // keeps its stream while the pipe still carries media, so it must not notice the link's loss.
  const watcher = track(await TestClient.connect(edge.url));
  const { receiver: watching } = await watcher.playRtp(stream);
  track(watching);
  await watching.waitFor(20, VIDEO_PT);
  const watchFrom = watching.packets.length;

  // 1. Forged bytes: a well-formed TLS application-data record whose content the attacker made up.
  const first = tap.current()!;
  first.upstream.write(Buffer.concat([Buffer.from([23, 3, 3, 0, 48]), Buffer.alloc(48, 0x41)]));
  await until(() => first.closed, 5000, 'the forged record to end the TLS session');
  await until(() => tap.connections.length >= 2 && !tap.connections[1].closed, 10000, 'the origin to reconnect');
  await until(async () => (await edgeRoute(origin)).state === 'up', 10000, 'the link up again');
  await until(() => relayedOnEdge(stream), 10000, 'the stream relayed again');

  // 2. A replayed record: one the origin itself sent earlier on this very session.
  await new Promise((r) => setTimeout(r, 500));
  const second = tap.current()!;
  const sent = tlsRecords(Buffer.concat(second.toEdge)).filter((r) => r.type === 23);
  expect(sent.length).toBeGreaterThan(2);
  second.upstream.write(sent[sent.length - 1].bytes);
  await until(() => second.closed, 5000, 'the replayed record to end the TLS session');
  await until(async () => tap.connections.length >= 3 && (await edgeRoute(origin)).state === 'up', 10000, 'the link up a third time');
  await until(() => relayedOnEdge(stream), 10000, 'the stream relayed again');
  await playsOnEdge(stream);
  expect(origin.output()).toContain('edge link down');

  // The first player kept its stream and its packets (one every 10 ms) through both attacks, and
  // for half a second after them.
  await new Promise((r) => setTimeout(r, 500));
  expect(watcher.notifications.filter((n) => n.method === 'streamStatus' && n.data.status === 'UNPUBLISHED')).toEqual([]);
  const video = watching.packets.slice(watchFrom).filter((p) => p.pt === VIDEO_PT);
  const gapsMs = video.slice(1).map((p, i) => Number(p.at - video[i].at) / 1e6);
  console.log(`injection: the player on the edge got ${video.length} video packets, longest gap ${Math.max(...gapsMs).toFixed(0)} ms`);
  expect(video.length).toBeGreaterThan(100);
  expect(Math.max(...gapsMs)).toBeLessThan(1000);
}, 45000);

test('plain relay links only by explicit setting on both nodes, warned at start and in /metrics; a TLS edge tells a plain origin where to go', async () => {
  const plainEdge = await startEdge('edge-plain', { 'cdn.relay_tls': false });
  cleanup.add(() => plainEdge.stop());
  const xml = (e: NodeProcess, id: string) =>
    '<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n' +
    `  <node id="${id}"><ip>127.0.0.1</ip><ws>${e.port}</ws><wss>0</wss><relay>${e.relayPort}</relay></node>\n` +
    '</loadbalancer>\n';
  const plainOrigin = await startNode({
    name: 'origin-plain',
    props: { load_balancing_enabled: true, 'cdn.relay_tls': false },
    xml: xml(plainEdge, 'edge-plain'),
  });
  cleanup.add(() => plainOrigin.stop());
  await until(async () => (await edgeRoute(plainOrigin)).state === 'up', 10000, 'the plain link up');
  for (const node of [plainEdge, plainOrigin]) {
    expect(node.output()).toMatch(/"security":true,"msg":"cdn\.relay_tls=false: relay links between nodes are plain ws:\/\//);
    expect(await (await fetch(`${node.http}/metrics`)).text()).toMatch(/^cdn_relay_tls\{node="[\w-]+"\} 0$/m);
  }
  // A plain origin and the TLS edge: refused at the upgrade with the port to use, never up.
  const mismatched = await startNode({ name: 'origin-mismatch', props: { load_balancing_enabled: true, 'cdn.relay_tls': false }, xml: xml(edge, 'edge1') });
  cleanup.add(() => mismatched.stop());
  await until(async () => ((await edgeRoute(mismatched)).lastError ?? '').includes('426'), 10000, 'the TLS edge to refuse the plain link');
  expect((await edgeRoute(mismatched)).state).not.toBe('up');
  // What the origin got, as a plain WebSocket client gets it (fetch cannot send Upgrade headers).
  const refused = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.get(`${edge.http}/cdn/relay`, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  expect(refused.status).toBe(426);
  expect(refused.text).toContain(`relay links to this node use TLS on port ${edge.relayPort}`);
}, 45000);

test("on the relay port, an unfinished TLS handshake and an unfinished HTTP upgrade are destroyed after cdn.handshake_timeout_ms; on the command port (where plain relay links come) an unfinished upgrade after 10 s; not Node's 60-120 s", async () => {
  const started = Date.now();
  const closedAfter = (s: net.Socket) =>
    new Promise<number>((resolve) => {
      s.on('error', () => undefined);
      s.once('close', () => resolve(Date.now() - started));
    });
  const silent = net.connect(edge.relayPort, '127.0.0.1'); // TCP only: no ClientHello
  const half = tls.connect({ host: '127.0.0.1', port: edge.relayPort, rejectUnauthorized: false }, () =>
    half.write('GET /cdn/relay HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'),
  );
  const halfPlain = net.connect(edge.port, '127.0.0.1', () => halfPlain.write('GET /cdn/relay HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'));
  halfPlain.resume(); // reads the 408 and the end that follows it (a paused socket never sees them)
  const plainClosed = closedAfter(halfPlain);
  // And a request target that is no path at all is refused, not a crash.
  const odd = await new Promise<string>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: edge.relayPort, rejectUnauthorized: false }, () =>
      s.write('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'),
    );
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('error', () => undefined);
    s.once('close', () => resolve(got));
  });
  expect(odd).toMatch(/^HTTP\/1\.1 (400|404) /);
  expect((await fetch(`${edge.http}/healthz`)).status).toBe(200);
  const [tlsMs, upgradeMs] = await Promise.all([closedAfter(silent), closedAfter(half)]);
  for (const ms of [tlsMs, upgradeMs]) {
    expect(ms).toBeGreaterThanOrEqual(5000 - 100);
    expect(ms).toBeLessThan(5000 + 1500);
  }
  // The command port's HTTP server: 10 s for the headers, checked every second.
  const plainMs = await plainClosed;
  expect(plainMs).toBeGreaterThanOrEqual(10000 - 100);
  expect(plainMs).toBeLessThan(10000 + 2000);
}, 30000);

test('3000 unauthenticated relay sockets from one address: the edge holds at most cdn.relay_pending_per_ip of them, back to baseline within seconds, players served meanwhile', async () => {
  const target = await startEdge('edge-flooded');
  cleanup.add(() => target.stop());
  const origin = await startNode({
    name: 'origin-flood',
    props: { load_balancing_enabled: true },
    xml:
      '<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n' +
      `  <node id="edge-flooded"><ip>127.0.0.1</ip><ws>${target.port}</ws><wss>0</wss><relay>${target.relayPort}</relay></node>\n` +
      '</loadbalancer>\n',
  });
  cleanup.add(() => origin.stop());
  await until(async () => (await edgeRoute(origin)).state === 'up', 10000, 'the link up');
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('during-flood'));
  await until(async () => (await streamsOn(target)).some((s) => s.name === 'during-flood'), 5000, 'relayed');

  const fds = () => fs.readdirSync(`/proc/${target.child.pid}/fd`).length;
  const baseline = fds();
  let maxFds = baseline;
  // Stopped however the test ends: a sampler left running would fail every later test file of this jest process.
  const sampler = setInterval(() => (maxFds = Math.max(maxFds, target.exited ? 0 : fds())), 20);
  cleanup.add(async () => clearInterval(sampler));

  // 3000 sockets that open TCP and say nothing (a stalled TLS handshake), at most 500 at a time.
  const TOTAL = 3000;
  let opened = 0;
  let closed = 0;
  const started = Date.now();
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const s = net.connect(target.relayPort, '127.0.0.1');
      opened++;
      s.on('error', () => undefined);
      s.once('close', () => {
        closed++;
        resolve();
      });
    });
  const flood = (async () => {
    const running = new Set<Promise<void>>();
    while (opened < TOTAL) {
      const p = one().then(() => void running.delete(p));
      running.add(p);
      if (running.size >= 500) await Promise.race(running);
    }
    await Promise.all(running);
  })();
  // Meanwhile a player on the flooded edge gets the stream.
  const player = track(await TestClient.connect(target.url));
  const { receiver } = await player.playRtp('during-flood');
  track(receiver);
  await receiver.waitFor(20, VIDEO_PT);
  await flood;
  const floodMs = Date.now() - started;
  expect(closed).toBe(TOTAL);
  // Back to baseline (the player's own socket aside) once the last pending ones hit cdn.handshake_timeout_ms.
  await until(() => fds() <= baseline + 1, 8000, 'the edge back to its baseline fd count');
  clearInterval(sampler);
  // The documented bound: cdn.relay_pending_per_ip (8) from this address, plus the player's socket
  // and a few being accepted and destroyed between two samples.
  console.log(`relay flood: ${TOTAL} sockets in ${floodMs} ms; edge fds baseline ${baseline}, max ${maxFds}`);
  expect(maxFds - baseline).toBeLessThanOrEqual(8 + 1 + 4);
  expect((await edgeRoute(origin)).state).toBe('up');
  expect(receiver.count(VIDEO_PT)).toBeGreaterThanOrEqual(20);
}, 60000);
