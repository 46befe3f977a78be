// One real node process: a client publishes synthetic VP8+Opus over RTP, another plays it and
// receives the packets; protocol errors come back with their codes; SIGTERM exits 0.
import WebSocket from 'ws';
import { TestClient } from '../helpers/client';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { AUDIO_PT, type RtpSender, VIDEO_PT } from '../helpers/rtp';

let node: NodeProcess;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  // A small frame limit, for the oversized-frame test, with room for a play request carrying
  // mediasoup 3.27's router capabilities (4.7 KB: 18 header extensions).
  node = await startNode({ name: 'solo', props: { 'ws.max_payload': 16384, max_connections: 20, 'publish.allow_direct': true } });
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

afterAll(async () => {
  if (node) expect(await node.stop()).toBe(0);
});

function track<T extends { close(): Promise<unknown> }>(x: T): T {
  cleanup.push(() => x.close());
  return x;
}

test('healthz answers 200 once the workers are up', async () => {
  const res = await fetch(`${node.http}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ status: 'ok', nodeId: 'solo', role: 'standalone', workers: [expect.any(Number)] });
});

test('a published stream is played by another client, which receives its RTP', async () => {
  const publisher = track(await TestClient.connect(node.url));
  const sender: RtpSender = track(await publisher.publishRtp('cam1', { audio: true }));
  await publisher.waitStatus('cam1', 'PUBLISHING');

  const player = track(await TestClient.connect(node.url));
  const { receiver } = await player.playRtp('cam1');
  track(receiver);
  await player.waitStatus('cam1', 'PLAYING');
  await receiver.waitFor(30, VIDEO_PT);
  await receiver.waitFor(30, AUDIO_PT);
  expect(receiver.maxSeqGap(VIDEO_PT)).toBe(1);
  expect(sender.sent).toBeGreaterThan(30);

  const list = await (await fetch(`${node.http}/rest-api/stream/find_all`, { method: 'POST' })).json();
  expect(list).toEqual([expect.objectContaining({ name: 'cam1', status: 'PUBLISHING', source: 'local', players: 1 })]);
  const clients = await (await fetch(`${node.http}/rest-api/connection/find_all`, { method: 'POST' })).json();
  expect(clients).toHaveLength(2);
});

test('a second publisher of the same name is refused with STREAM_NAME_TAKEN', async () => {
  const first = track(await TestClient.connect(node.url));
  track(await first.publishRtp('dup'));
  const second = track(await TestClient.connect(node.url));
  await expect(second.request('publish', { stream: 'dup', transport: 'plain' })).rejects.toMatchObject({ code: 'STREAM_NAME_TAKEN' });
});

test('unpublish tells the player UNPUBLISHED and removes the stream', async () => {
  const publisher = track(await TestClient.connect(node.url));
  track(await publisher.publishRtp('gone'));
  const player = track(await TestClient.connect(node.url));
  const { receiver } = await player.playRtp('gone');
  track(receiver);
  await receiver.waitFor(5, VIDEO_PT);
  await publisher.request('unpublish', { stream: 'gone' });
  await player.waitStatus('gone', 'UNPUBLISHED');
  await publisher.waitStatus('gone', 'UNPUBLISHED');
  const list = await (await fetch(`${node.http}/rest-api/stream/find_all`)).json();
  expect(list.find((s: { name: string }) => s.name === 'gone')).toBeUndefined();
});

test('a publisher that disconnects unpublishes its stream for its players', async () => {
  const publisher = await TestClient.connect(node.url);
  track(await publisher.publishRtp('drop'));
  const player = track(await TestClient.connect(node.url));
  track((await player.playRtp('drop')).receiver);
  await publisher.close();
  await player.waitStatus('drop', 'UNPUBLISHED');
});

test('stop ends playback with STOPPED', async () => {
  const publisher = track(await TestClient.connect(node.url));
  track(await publisher.publishRtp('stopme'));
  const player = track(await TestClient.connect(node.url));
  track((await player.playRtp('stopme')).receiver);
  await player.request('stop', { stream: 'stopme' });
  await player.waitStatus('stopme', 'STOPPED');
});

test('protocol mistakes get stable error codes and the session survives them', async () => {
  const client = track(await TestClient.connect(node.url));
  await expect(client.request('fly', {})).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND' });
  await expect(client.request('publish', { stream: '../etc' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  await expect(client.request('play', { stream: 'nothing', rtpCapabilities: {} })).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
  await expect(client.request('resumeConsumer', { consumerId: 'x' })).rejects.toMatchObject({ code: 'CONSUMER_NOT_FOUND' });
  await expect(client.request('connect', {})).rejects.toMatchObject({ code: 'ALREADY_CONNECTED' });
  const { transport } = await client.request('publish', { stream: 'badrtp', transport: 'plain' });
  await expect(client.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: { codecs: 'no' } })).rejects.toMatchObject({
    code: 'BAD_REQUEST',
  });
  expect(await client.request('getRouterRtpCapabilities')).toHaveProperty('rtpCapabilities.codecs');
});

test('commands before connect are refused with NOT_CONNECTED', async () => {
  const ws = new WebSocket(node.url);
  await new Promise((r) => ws.once('open', r));
  const reply = new Promise<{ id: number; ok: boolean; error: { code: string } }>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
  ws.send(JSON.stringify({ id: 1, method: 'publish', data: { stream: 'x' } }));
  expect(await reply).toEqual({ id: 1, ok: false, error: expect.objectContaining({ code: 'NOT_CONNECTED' }) });
  ws.close();
});

test('malformed frames get BAD_REQUEST and oversized frames close the socket with 1009', async () => {
  const ws = new WebSocket(node.url);
  await new Promise((r) => ws.once('open', r));
  const reply = new Promise<{ id: number; ok: boolean; error: { code: string } }>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
  ws.send('{not json');
  expect((await reply).error.code).toBe('BAD_REQUEST');
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  ws.send(JSON.stringify({ id: 2, method: 'connect', data: { clientName: 'x'.repeat(20000) } }));
  expect(await closed).toBe(1009);
  // The node is still alive.
  expect((await fetch(`${node.http}/healthz`)).status).toBe(200);
});

test("any path opens the command channel, as WCS's pages connect to ws://host:8080/<id>, except HTTP routes and reserved paths", async () => {
  for (const path of ['/ab12cd34', '/ws', '/some/deeper/path?x=1']) {
    const client = track(await TestClient.connect(`ws://127.0.0.1:${node.port}${path}`));
    expect(await client.request('getRouterRtpCapabilities')).toHaveProperty('rtpCapabilities');
  }
  for (const path of ['/healthz', '/rest-api/stream/find_all', '/proxy/edge1/', '/cdn/relay/x']) {
    const ws = new WebSocket(`ws://127.0.0.1:${node.port}${path}`);
    const refused = await new Promise<{ status: number; body: string }>((r) =>
      ws.once('unexpected-response', (_q, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => r({ status: res.statusCode ?? 0, body }));
      }),
    );
    expect([path, refused]).toEqual([path, { status: 404, body: 'no WebSocket endpoint at this path\n' }]);
  }
});

test('the metrics endpoint reports sessions in Prometheus text', async () => {
  const client = track(await TestClient.connect(node.url));
  await until(async () => /cdn_sessions\{node="solo"\} [1-9]/.test(await (await fetch(`${node.http}/metrics`)).text()));
  await client.close();
});

test("mediasoup's own log lines are routed into the node's JSON log", async () => {
  const publisher = track(await TestClient.connect(node.url));
  track(await publisher.publishRtp('logs'));
  const player = track(await TestClient.connect(node.url));
  const { rtpCapabilities } = await player.request('getRouterRtpCapabilities');
  const answer = await player.request('play', { stream: 'logs', rtpCapabilities });
  // The worker refuses a cap below 30 kbps, and mediasoup logs a warning (client-caused: not an error).
  await expect(player.request('setMaxOutgoingBitrate', { transportId: answer.transport.id, bitrate: 10000 })).rejects.toMatchObject({
    code: 'BAD_REQUEST',
  });
  await until(() => /"level":40,[^\n]*"component":"mediasoup"[^\n]*request failed/.test(node.output()), 3000, 'mediasoup warning in the log');
  expect(node.output()).not.toMatch(/"level":50,[^\n]*"component":"mediasoup"[^\n]*setMaxOutgoingBitrate/);
});

test('a mediasoup worker that dies is replaced: its publisher gets FAILED, the node lives on and takes new streams', async () => {
  const before = (await (await fetch(`${node.http}/healthz`)).json()).workers as number[];
  const publisher = track(await TestClient.connect(node.url));
  track(await publisher.publishRtp('doomed'));
  await publisher.waitStatus('doomed', 'PUBLISHING');
  process.kill(before[0], 'SIGKILL');
  await publisher.waitStatus('doomed', 'FAILED');
  await until(
    async () => {
      const now = (await (await fetch(`${node.http}/healthz`)).json()).workers as number[];
      return now.length === 1 && now[0] !== before[0];
    },
    5000,
    'a replacement worker',
  );
  const again = track(await TestClient.connect(node.url));
  track(await again.publishRtp('reborn'));
  const player = track(await TestClient.connect(node.url));
  const { receiver } = await player.playRtp('reborn');
  track(receiver);
  await receiver.waitFor(10, VIDEO_PT);
  expect(node.output()).toContain('mediasoup worker died; replacing it');
});
