// The static CDN with real processes on loopback: one origin, two edges. Publishing on the origin
// reaches both edges; players asking the origin are redirected to an edge and receive the
// publisher's RTP there. Every test leaves the cluster as it found it, so each runs alone (`-t`);
// the destructive ones (an edge killed, an edge's worker killed, the origin restarted) have files
// of their own: cdn.edgeRestart, cdn.workerDeath and cdn.originRestart.test.ts.
import { playViaOrigin, TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, routes, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { openRelay, originHandshake } from '../helpers/relaySocket';
import { type RtpSender, VIDEO_PT } from '../helpers/rtp';

let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  // Two tests publish directly on an edge (a squatter's local stream): this cluster's edges allow it.
  const direct = { 'publish.allow_direct': true };
  edges = [await startEdge('edge1', direct), await startEdge('edge2', direct)];
  origin = await startOrigin(edges);
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([origin, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

test('a stream published on the origin is listed by both edges within a second', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('cdn1', { audio: true }));
  const ms = await until(
    async () => {
      const lists = await Promise.all(edges.map(streamsOn));
      return lists.every((l) => l.some((s) => s.name === 'cdn1' && s.source === 'relay' && s.status === 'PUBLISHING'));
    },
    1000,
    'both edges to list cdn1',
  );
  expect(ms).toBeLessThan(1000);
  const onOrigin = (await streamsOn(origin)).find((s) => s.name === 'cdn1')!;
  expect(onOrigin.edges!.map((e) => e.relay)).toEqual(['relayed', 'relayed']);
});

test("a player asking the origin is redirected to an edge and receives the publisher's RTP there", async () => {
  const publisher = track(await TestClient.connect(origin.url));
  const sender: RtpSender = track(await publisher.publishRtp('cdn2'));
  await until(() => relayedEverywhere(origin, 'cdn2'));
  const played = await playViaOrigin(origin.url, 'cdn2');
  played.clients.forEach(track);
  track(played.receiver);
  expect(['edge1', 'edge2']).toContain(played.nodeId);
  await played.receiver.waitFor(50, VIDEO_PT);
  expect(played.receiver.maxSeqGap(VIDEO_PT)).toBe(1);
  expect(sender.sent).toBeGreaterThanOrEqual(50);
});

test('a keyframe request from a player on an edge reaches the publisher on the origin', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  const sender = track(await publisher.publishRtp('kf'));
  sender.keyframeEvery = 1_000_000; // only the first frame and requested ones are keyframes
  await until(async () => (await streamsOn(edges[1])).some((s) => s.name === 'kf'));
  const before = sender.keyframeRequests;
  const player = track(await TestClient.connect(edges[1].url));
  const { receiver } = await player.playRtp('kf');
  track(receiver);
  await receiver.waitFor(10, VIDEO_PT);
  expect(sender.keyframeRequests).toBeGreaterThan(before);
});

test('a player asking the origin right after the publish is sent to an edge, not served by the origin', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('fresh', { audio: true }));
  // No waiting: the relays to the edges are still being set up.
  const played = await playViaOrigin(origin.url, 'fresh');
  played.clients.forEach(track);
  track(played.receiver);
  expect(played.nodeId).toMatch(/^edge[12]$/);
  await played.receiver.waitFor(10, VIDEO_PT);
});

test('round robin sends consecutive players to alternating edges', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('rr'));
  await until(() => relayedEverywhere(origin, 'rr'));
  const chosen: string[] = [];
  for (let i = 0; i < 4; i++) {
    const c = track(await TestClient.connect(origin.url));
    const { redirect } = await c.playRtp('rr');
    chosen.push(redirect!.nodeId);
  }
  expect(chosen[0]).not.toBe(chosen[1]);
  expect(chosen[1]).not.toBe(chosen[2]);
  expect(chosen[0]).toBe(chosen[2]);
  expect(new Set(chosen)).toEqual(new Set(['edge1', 'edge2']));
});

test('a player cannot pin itself to the origin with noRedirect unless the origin allows it', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('pinned'));
  await until(() => relayedEverywhere(origin, 'pinned'));
  const c = track(await TestClient.connect(origin.url));
  await expect(c.playRtp('pinned', { noRedirect: true })).rejects.toMatchObject({ code: 'NOT_ALLOWED', message: /play\.allow_no_redirect/ });
  // On an edge there is nowhere to be redirected to: the flag changes nothing there.
  const onEdge = track(await TestClient.connect(edges[0].url));
  const { receiver } = await onEdge.playRtp('pinned', { noRedirect: true });
  track(receiver);
  await receiver.waitFor(5, VIDEO_PT);
});

test('asking the origin for a stream that exists nowhere gives STREAM_NOT_FOUND', async () => {
  const c = track(await TestClient.connect(origin.url));
  await expect(c.playRtp('nowhere')).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND', message: expect.stringContaining('CDN stream not found') });
});

test('unpublish on the origin tells players on both edges UNPUBLISHED and clears every list', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('bye'));
  await until(async () => (await Promise.all(edges.map(streamsOn))).every((l) => l.some((s) => s.name === 'bye')));
  const players = [];
  for (const edge of edges) {
    const p = track(await TestClient.connect(edge.url));
    track((await p.playRtp('bye')).receiver);
    players.push(p);
  }
  await publisher.request('unpublish', { stream: 'bye' });
  await Promise.all(players.map((p) => p.waitStatus('bye', 'UNPUBLISHED')));
  await until(async () => (await Promise.all([origin, ...edges].map(streamsOn))).every((l) => !l.some((s) => s.name === 'bye')));
});

test("pausing and resuming the publisher's track on the origin reaches players on an edge", async () => {
  const publisher = track(await TestClient.connect(origin.url));
  const sender = track(await publisher.publishRtp('pz'));
  await until(async () => (await streamsOn(edges[0])).some((s) => s.name === 'pz'));
  const player = track(await TestClient.connect(edges[0].url));
  const { receiver } = await player.playRtp('pz');
  track(receiver);
  await receiver.waitFor(10, VIDEO_PT);
  await publisher.request('pauseProducer', { producerId: sender.videoProducerId });
  await player.waitNotification((n) => n.method === 'consumerPaused');
  const paused = (await (await fetch(`${edges[0].http}/rest-api/stream/find_all`)).json()).find((s: { name: string }) => s.name === 'pz');
  expect(paused.tracks[0].paused).toBe(true);
  // Nothing arrives while paused: a negative, so it can only be watched for a while. The first
  // 100 ms let packets already in flight land.
  await new Promise((r) => setTimeout(r, 100));
  const before = receiver.count(VIDEO_PT);
  await new Promise((r) => setTimeout(r, 300));
  expect(receiver.count(VIDEO_PT)).toBe(before);
  await publisher.request('resumeProducer', { producerId: sender.videoProducerId });
  await player.waitNotification((n) => n.method === 'consumerResumed');
  await receiver.waitFor(before + 10, VIDEO_PT);
});

test('an edge that already has a local stream of the same name refuses its relay; players go to the other edge until it is free', async () => {
  const direct = track(await TestClient.connect(edges[0].url));
  track(await direct.publishRtp('taken'));
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('taken'));
  await until(async () => {
    const s = (await streamsOn(origin)).find((x) => x.name === 'taken');
    return s?.edges?.[0].relay === 'failed' && s.edges[1].relay === 'relayed';
  });
  const onOrigin = (await streamsOn(origin)).find((x) => x.name === 'taken')!;
  expect(onOrigin.edges![0].error).toContain('STREAM_NAME_TAKEN');
  for (let i = 0; i < 3; i++) {
    const c = track(await TestClient.connect(origin.url));
    expect((await c.playRtp('taken')).redirect?.nodeId).toBe('edge2');
  }
  // Once the edge's own stream is gone, the origin's relay is retried and lands there too.
  await direct.request('unpublish', { stream: 'taken' });
  await until(async () => (await streamsOn(edges[0])).some((x) => x.name === 'taken' && x.source === 'relay'), 5000, 'the retried relay on edge1');
  const onOriginAfter = (await streamsOn(origin)).find((x) => x.name === 'taken')!;
  expect(onOriginAfter.edges!.map((e) => e.relay)).toEqual(['relayed', 'relayed']);
});

test('fewest-calls sends a player to the edge with fewer players', async () => {
  // A second origin of the same edges, in FEWESTCALLS mode.
  const fc = await startOrigin(edges, { name: 'origin-fc', mode: 'FEWESTCALLS' });
  cleanup.add(() => fc.stop());
  const publisher = track(await TestClient.connect(fc.url));
  track(await publisher.publishRtp('fc'));
  await until(async () => (await Promise.all(edges.map(streamsOn))).every((l) => l.some((s) => s.name === 'fc')));
  for (let i = 0; i < 2; i++) {
    const p = track(await TestClient.connect(edges[0].url));
    track((await p.playRtp('fc')).receiver);
  }
  await until(async () => (await routes(fc)).edges.find((e) => e.id === 'edge1')!.players >= 2, 3000, 'edge1 to report 2 players');
  const chosen = [];
  for (let i = 0; i < 2; i++) {
    const c = track(await TestClient.connect(fc.url));
    chosen.push((await c.playRtp('fc')).redirect!.nodeId);
  }
  // Two redirects: the first to the empty edge2, the second still to edge2 (1 player) rather than edge1 (2).
  expect(chosen).toEqual(['edge2', 'edge2']);
});

test('publishing directly on an edge makes a local stream that is not relayed to other edges', async () => {
  const direct = track(await TestClient.connect(edges[0].url));
  track(await direct.publishRtp('local-only'));
  const list = await streamsOn(edges[0]);
  expect(list.find((s) => s.name === 'local-only')).toMatchObject({ source: 'local' });
  expect((await streamsOn(edges[1])).some((s) => s.name === 'local-only')).toBe(false);
});

test('an edge contacted without the cluster secret refuses the relay with UNAUTHORIZED', async () => {
  const intruder = await TestClient.connect(`ws://127.0.0.1:${edges[0].port}/cdn/relay`).catch((e) => e);
  // TestClient sends `connect` first, which the relay channel does not know: use the raw peer.
  expect(intruder).toBeInstanceOf(Error);
  const { ws, binding } = await openRelay(edges[0].relayPort);
  const answers: { id?: number; ok?: boolean; error?: { code: string } }[] = [];
  ws.on('message', (d) => answers.push(JSON.parse(d.toString())));
  ws.send(JSON.stringify({ id: 1, method: 'relayPipe', data: { pipeId: 'evil', ip: '127.0.0.1', port: 9, srtpParameters: {} } }));
  const handshake = originHandshake('wrong', binding);
  ws.send(JSON.stringify({ id: 2, method: 'challenge', data: handshake.challenge }));
  await until(() => answers.some((a) => a.id === 2));
  const { nonce } = (answers.find((a) => a.id === 2) as unknown as { data: { nonce: string } }).data;
  ws.send(JSON.stringify({ id: 3, method: 'hello', data: handshake.hello(nonce, 'evil', 'x') }));
  const closed = new Promise((r) => ws.once('close', r));
  await closed;
  expect(answers.find((a) => a.id === 1)?.error?.code).toBe('UNAUTHORIZED');
  expect(answers.find((a) => a.id === 3)?.error?.code).toBe('UNAUTHORIZED');
  expect(edges[0].output()).toContain('relay handshake failed');
  expect((await streamsOn(edges[0])).some((s) => s.name === 'evil')).toBe(false);
});
