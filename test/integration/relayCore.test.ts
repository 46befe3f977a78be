// The relay core (OriginCluster, EdgeLink, StreamRelay, EdgeRelayService) in one process, in
// seconds: an origin and its edges on real mediasoup workers, their links on in-memory socket
// pairs. What crosses is checked where a user would see it: the edge's stream registry, the
// origin's relay states and redirects, and RTP packets arriving behind the edge.
import pino from 'pino';
import type * as ms from 'mediasoup/types';
import { originHandshake } from '../helpers/relaySocket';
import { Peer } from '../../src/rpc/Peer';
import type { MediaPool } from '../../src/media/MediaPool';
import { lowestLayerBitrate } from '../../src/streams/Playback';
import { memorySocketPair } from '../helpers/memorySocket';
import { logger, LOOPBACK, mediaPool, RelayWorld } from '../helpers/relayCore';
import { RtpReceiver, RtpSender, VIDEO_RTP_PARAMETERS } from '../helpers/rtp';
import { until } from '../helpers/until';

let originPool: MediaPool;
let edgePool: MediaPool;
/** A second edge needs its own worker: its relayed producers keep the origin's producer ids. */
let edgePool2: MediaPool;
let world: RelayWorld;

beforeAll(async () => {
  [originPool, edgePool, edgePool2] = await Promise.all([mediaPool(), mediaPool(), mediaPool()]);
});

afterEach(async () => {
  await world?.close();
});

afterAll(() => {
  originPool?.close();
  edgePool?.close();
  edgePool2?.close();
});

async function linked(edges?: string[]): Promise<RelayWorld> {
  world = new RelayWorld({ originPool, edgePools: [edgePool, edgePool2], edges });
  await world.start();
  return world;
}

/** The edge's stream of that name, once it is relayed with `tracks` tracks. */
async function relayedOn(edgeId: string, name: string, tracks: number) {
  const { registry } = world.edge(edgeId);
  await until(() => registry.get(name)?.producers.length === tracks, 3000, `${edgeId} to hold ${name} with ${tracks} tracks`);
  return registry.get(name)!;
}

test('a local stream is relayed and appears in the edge registry with its tracks', async () => {
  await linked();
  const published = await world.publish('core1', ['video', 'audio']);
  const onEdge = await relayedOn('edge1', 'core1', 2);
  expect(onEdge.source).toMatchObject({ kind: 'relay', originId: 'origin' });
  expect(onEdge.status).toBe('PUBLISHING');
  // The edge's producers are the origin's, by id: pause/resume/close commands name them.
  expect(onEdge.producers.map((p) => [p.id, p.kind]).sort()).toEqual(published.stream.producers.map((p) => [p.id, p.kind]).sort());
  await until(() => world.link().relayOf('core1')?.complete === true, 2000, 'the relay to be complete');
  expect(world.cluster.relayStates('core1')).toEqual([{ id: 'edge1', link: 'up', relay: 'relayed', complete: true, reason: 'pushed' }]);
  expect(world.edge().service.links()).toEqual([expect.objectContaining({ originId: 'origin', streams: ['core1'] })]);
});

test("a simulcast track reaches the edge with its layers' bitrates, the floor of the edge's players", async () => {
  await linked();
  const published = await world.publish('layers', []);
  const encodings = [
    { ssrc: 4001, maxBitrate: 150_000 },
    { ssrc: 4002, maxBitrate: 500_000 },
    { ssrc: 4003, maxBitrate: 1_500_000 },
  ];
  await published.publication.produce('video', { ...VIDEO_RTP_PARAMETERS(4001), encodings } as ms.RtpParameters);
  const onEdge = await relayedOn('edge1', 'layers', 1);
  expect(onEdge.producers[0].type).toBe('simulcast');
  expect(onEdge.producers[0].rtpParameters.encodings!.map((e) => e.maxBitrate)).toEqual([150_000, 500_000, 1_500_000]);
  expect(lowestLayerBitrate(onEdge.producers[0])).toBe(150_000);
});

test('a track added after the stream was relayed crosses to the edge too', async () => {
  await linked();
  const published = await world.publish('late', ['video']);
  await relayedOn('edge1', 'late', 1);
  const audio = await published.produce('audio');
  const onEdge = await relayedOn('edge1', 'late', 2);
  expect(onEdge.producers.find((p) => p.kind === 'audio')?.id).toBe(audio.id);
  await until(() => world.link().relayOf('late')?.complete === true, 2000, 'the relay to be complete again');
});

test('pausing, resuming and closing a producer on the origin does the same to its copy on the edge', async () => {
  await linked();
  const published = await world.publish('pz', ['video', 'audio']);
  const onEdge = await relayedOn('edge1', 'pz', 2);
  const video = published.producer('video');
  const copy = () => onEdge.producers.find((p) => p.id === video.id);
  await video.pause();
  await until(() => copy()?.paused === true, 2000, 'the edge copy to pause');
  await video.resume();
  await until(() => copy()?.paused === false, 2000, 'the edge copy to resume');
  video.close();
  await until(() => copy() === undefined, 2000, 'the edge copy to close');
  expect(onEdge.producers.map((p) => p.kind)).toEqual(['audio']);
  expect(onEdge.closed).toBe(false);
});

test('unpublishing on the origin removes the stream from the edge', async () => {
  await linked();
  const published = await world.publish('bye', ['video']);
  const onEdge = await relayedOn('edge1', 'bye', 1);
  published.stream.close();
  await until(() => world.edge().registry.get('bye') === undefined, 2000, 'the edge to drop bye');
  expect(onEdge.status).toBe('UNPUBLISHED');
  expect(world.edge().service.links()[0].streams).toEqual([]);
});

test('a dropped link whose pipe carries no media: the edge drops its streams once the pipe is silent, and the next link restores them', async () => {
  await linked();
  // No RTP is sent: the pipe is silent, so the link's drop is not taken for a blip.
  await world.publish('heal', ['video', 'audio']);
  const first = await relayedOn('edge1', 'heal', 2);
  const edge = world.edge();
  edge.reachable = false;
  edge.pairs.at(-1)!.server.terminate();
  await until(() => edge.registry.get('heal') === undefined, 2500, 'the edge to drop heal with its silent pipe');
  expect(first.status).toBe('UNPUBLISHED');
  await until(() => world.link().state === 'down' && world.link().lastError !== '', 2000, 'the origin to see the link down');
  // The origin keeps its relay through cdn.link_grace_ms, and sends no player there meanwhile.
  expect(world.cluster.relayStates('heal')[0]).toMatchObject({ link: 'down', relay: 'relayed' });
  expect(await world.cluster.redirectPlay('heal', false, 0)).toBeNull();
  edge.reachable = true;
  // The digest's answer says the edge lost it: relayed again at once, on a new pipe.
  const again = await relayedOn('edge1', 'heal', 2);
  expect(again).not.toBe(first);
  expect(world.link().pipes.created).toBe(2);
  expect(edge.pairs.length).toBeGreaterThanOrEqual(2);
  await until(() => world.link().relayOf('heal')?.complete === true, 2000, 'the relay over the new link to complete');
});

test('a link that drops while its pipe carries media is a blip: the edge keeps the stream, and the next link resumes it without a new pipe or relay', async () => {
  await linked();
  const published = await world.publish('blip', ['video']);
  const sender = new RtpSender(published.target, { video: published.ssrc.video });
  world.onClose(() => sender.close());
  await (published.publication.transport as ms.PlainTransport).connect({ ip: '127.0.0.1', port: await sender.bind() });
  sender.start(10);
  const onEdge = await relayedOn('edge1', 'blip', 1);
  await until(() => world.link().relayOf('blip')?.complete === true, 2000, 'the relay to be complete');
  const relayId = world.link().relayOf('blip')!.id;
  const edge = world.edge();
  edge.reachable = false;
  edge.pairs.at(-1)!.server.terminate();
  await until(() => world.link().state === 'down', 2000, 'the origin to see the link down');
  // Down for three times the silence timeout: the media keeps the stream on the edge.
  await new Promise((r) => setTimeout(r, 3 * 1500));
  expect(edge.registry.get('blip')).toBe(onEdge);
  expect(onEdge.closed).toBe(false);
  expect(await world.cluster.redirectPlay('blip', false, 0)).toBeNull();
  edge.reachable = true;
  await until(() => world.link().state === 'up', 3000, 'the link back');
  await until(async () => (await world.cluster.redirectPlay('blip', false, 0))?.nodeId === 'edge1', 2000, 'players sent to edge1 again');
  // Reconciled: the same relay, the same pipe, the same stream on the edge.
  expect(world.link().relayOf('blip')!.id).toBe(relayId);
  expect(world.link().pipes.created).toBe(1);
  expect(edge.registry.get('blip')).toBe(onEdge);
  expect(edgePool.load[0].transports).toBe(1);
});

test('an origin that closes a link on purpose (edge removed, origin stopping) ends its relays there at once, with no grace', async () => {
  await linked();
  await world.publish('bye-now', ['video']);
  const onEdge = await relayedOn('edge1', 'bye-now', 1);
  const closedAt = Date.now();
  world.link().close();
  await until(() => onEdge.closed, 1000, 'the edge to drop the stream');
  // relayEnd, not the pipe's silence (cdn.heartbeat_timeout_ms, 1.5 s), ended it.
  expect(Date.now() - closedAt).toBeLessThan(500);
  expect(world.edge().registry.get('bye-now')).toBeUndefined();
});

/** Opens a raw relay link to the edge, as an intruder (or a test) would. */
async function rawLink(edge: ReturnType<RelayWorld['edge']>, remote = 'memory:intruder'): Promise<Peer> {
  const { client, server } = memorySocketPair();
  edge.service.adopt(server, remote);
  const peer = new Peer(client, { logger, heartbeatMs: 0 });
  await new Promise((r) => client.once('open', r));
  return peer;
}

test('a link that answers the challenge with the wrong secret is answered UNAUTHORIZED and closed', async () => {
  world = new RelayWorld({ originPool, edgePools: [edgePool] });
  const edge = world.edge();
  const intruder = await rawLink(edge);
  await expect(intruder.request('relayPipe', { pipeId: 'p1', ip: '127.0.0.1', port: 9, srtpParameters: {} })).rejects.toMatchObject({
    code: 'UNAUTHORIZED',
  });
  const handshake = originHandshake('wrong', null);
  const { nonce } = await intruder.request<{ nonce: string }>('challenge', handshake.challenge);
  expect(nonce).toMatch(/^[\w-]{43}$/);
  await expect(intruder.request('hello', handshake.hello(nonce, 'evil', 'x'))).rejects.toMatchObject({
    code: 'UNAUTHORIZED',
    message: 'cluster secret does not match',
  });
  await new Promise((r) => intruder.once('close', r));
  expect(edge.service.linked).toBe(false);
  expect(edge.registry.size).toBe(0);
});

test('the origin proves the secret without sending it, and a recorded hello cannot be replayed', async () => {
  world = new RelayWorld({ originPool, edgePools: [edgePool] });
  const edge = world.edge();
  world.cluster.start();
  // Every frame the origin sends on its link, as the edge receives it.
  const frames: string[] = [];
  edge.pairs[0].server.on('message', (frame: Buffer) => frames.push(frame.toString()));
  await until(() => world.link().state === 'up', 2000, 'the link up');
  const hello = frames.map((f) => JSON.parse(f) as { method?: string; data?: Record<string, unknown> }).find((f) => f.method === 'hello');
  expect(hello?.data).toEqual({ originId: 'origin', instanceId: expect.any(String), proof: expect.stringMatching(/^[\w-]{43}$/) });
  expect(frames.join('\n')).not.toContain('core-secret');
  // The same hello on a new link: its challenge differs, so the proof no longer fits.
  const replay = await rawLink(edge, 'memory:replay');
  await replay.request('challenge', originHandshake('core-secret', null).challenge);
  await expect(replay.request('hello', hello!.data!)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  // Nor does a hello without any challenge.
  const bare = await rawLink(edge, 'memory:bare');
  await expect(bare.request('hello', hello!.data!)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  expect(world.link().state).toBe('up');
});

test('a relay socket that never completes the handshake is closed after cdn.handshake_timeout_ms', async () => {
  world = new RelayWorld({ originPool, edgePools: [edgePool], edgeOverrides: { cdnHandshakeTimeoutMs: 300 } });
  const started = Date.now();
  const silent = await rawLink(world.edge(), 'memory:silent');
  await new Promise((r) => silent.once('close', r));
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expect(Date.now() - started).toBeLessThan(2000);
});

test('an origin of relay protocol 1 (a bare challenge) is told RELAY_VERSION and cannot go on', async () => {
  world = new RelayWorld({ originPool, edgePools: [edgePool] });
  const old = await rawLink(world.edge(), 'memory:old');
  await expect(old.request('challenge', {})).rejects.toMatchObject({ code: 'RELAY_VERSION', message: expect.stringContaining('relay protocol 2') });
  await expect(old.request('hello', { originId: 'old', instanceId: 'x', proof: 'x' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  expect(world.edge().service.linked).toBe(false);
});

test('the edge proves the secret before the origin sends hello: an edge with another secret gets no hello', async () => {
  world = new RelayWorld({ originPool, edgePools: [edgePool], edgeOverrides: { cdnSecret: 'another-secret' } });
  world.cluster.start();
  const edge = world.edge();
  await until(() => edge.pairs.length > 0 && world.link().lastError !== '', 2000, 'the origin to give up on the link');
  expect(world.link().lastError).toContain('did not prove cdn_secret');
  const frames = edge.pairs.flatMap((p) => p.client.sentFrames.map((f) => (JSON.parse(f) as { method?: string }).method));
  expect(frames).toContain('challenge');
  expect(frames).not.toContain('hello');
  expect(world.link().state).not.toBe('up');
});

test('failed handshakes from one address are logged as one summary line, not one line each', async () => {
  const lines: { msg: string; count?: number; remote?: string }[] = [];
  const capture = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  world = new RelayWorld({ originPool, edgePools: [edgePool], edgeLogger: capture });
  const edge = world.edge();
  for (let i = 0; i < 30; i++) {
    const peer = await rawLink(edge, `10.9.8.7:${40000 + i}`);
    const handshake = originHandshake('guess', null);
    const { nonce } = await peer.request<{ nonce: string }>('challenge', handshake.challenge);
    await expect(peer.request('hello', handshake.hello(nonce, 'evil', 'x'))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    peer.close(1000, 'done');
  }
  edge.service.close(); // flushes the summary of the window
  const failures = lines.filter((l) => /relay handshake/.test(l.msg));
  expect(failures.map((l) => l.msg)).toEqual(['relay handshake failed', '30 failed relay handshakes from 10.9.8.7 in the last 10 s']);
  expect(failures[1]).toMatchObject({ remote: '10.9.8.7', count: 30 });
});

test('an origin with the wrong secret never brings its link up nor relays anything', async () => {
  world = new RelayWorld({ originPool, edgePools: [edgePool], originSecret: 'not-the-cluster-secret' });
  world.cluster.start();
  await world.publish('secret', ['video']);
  // Secrets differ, so the edge's proof (checked first) fails on the origin, which then sends nothing more.
  await until(() => world.link().lastError.includes('the edge did not prove cdn_secret'), 2000, 'the origin to refuse the link');
  expect(world.link().state).not.toBe('up');
  expect(world.edge().registry.get('secret')).toBeUndefined();
  expect(world.edge().service.linked).toBe(false);
});

test('an edge with a local stream of that name refuses the relay with STREAM_NAME_TAKEN, and the origin keeps its player', async () => {
  await linked();
  world.edge().registry.create('taken', edgePool.pickRouter(), { kind: 'local', sessionId: 'edge-publisher' });
  await world.publish('taken', ['video']);
  await until(() => world.link().relayOf('taken')?.state === 'failed', 2000, 'the relay to fail');
  expect(world.link().relayOf('taken')!.error).toMatch(/^STREAM_NAME_TAKEN: /);
  expect(world.edge().registry.get('taken')!.source.kind).toBe('local');
  // No edge holds it, so the origin serves the player itself.
  expect(await world.cluster.redirectPlay('taken', false, 0)).toBeNull();
});

test('redirectPlay chooses only edges holding every track of the stream', async () => {
  await linked(['edge1', 'edge2']);
  const published = await world.publish('rp', ['audio']);
  await until(() => world.cluster.links.every((l) => l.relayOf('rp')?.complete), 2000, 'both relays complete');
  // Freeze edge1's side of its link, then add a track: only edge2 gets it.
  world.edge('edge1').pairs.at(-1)!.server.hold();
  await published.produce('video');
  await relayedOn('edge2', 'rp', 2);
  expect(world.link('edge1').relayOf('rp')!.complete).toBe(false);
  const chosen = [];
  for (let i = 0; i < 4; i++) chosen.push((await world.cluster.redirectPlay('rp', false, 0))!.nodeId);
  expect(chosen).toEqual(['edge2', 'edge2', 'edge2', 'edge2']);
  // Once edge1 has the new track too, round robin uses both.
  world.edge('edge1').pairs.at(-1)!.server.release();
  await relayedOn('edge1', 'rp', 2);
  await until(() => world.link('edge1').relayOf('rp')!.complete, 2000, 'edge1 complete');
  const next = [];
  for (let i = 0; i < 2; i++) next.push((await world.cluster.redirectPlay('rp', false, 0))!.nodeId);
  expect(next.sort()).toEqual(['edge1', 'edge2']);
  await expect(world.cluster.redirectPlay('nowhere', false, 0)).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
});

test("RTP sent to the origin's stream arrives on a plain consumer on the edge's router", async () => {
  await linked();
  const published = await world.publish('media', ['video']);
  const sender = new RtpSender(published.target, { video: published.ssrc.video });
  world.onClose(() => sender.close());
  // The origin's plain transport takes RTP from the source it was connected to, and no other.
  await (published.publication.transport as ms.PlainTransport).connect({ ip: '127.0.0.1', port: await sender.bind() });
  sender.start(10);
  const onEdge = await relayedOn('edge1', 'media', 1);
  const receiver = await RtpReceiver.create();
  world.onClose(() => receiver.close());
  const transport = await onEdge.router.createPlainTransport({ listenInfo: LOOPBACK, rtcpMux: true, comedia: false });
  world.onClose(() => transport.close());
  await transport.connect({ ip: '127.0.0.1', port: receiver.port });
  const consumer = await transport.consume({ producerId: onEdge.producers[0].id, rtpCapabilities: onEdge.router.rtpCapabilities });
  const pt = consumer.rtpParameters.codecs[0].payloadType;
  await receiver.waitFor(30, pt, 5000);
  // The payload is the sender's, byte for byte: its tag is the sender's packet counter. (Other
  // payload types are mediasoup's bandwidth probes.)
  const tags = receiver.packets.filter((p) => p.pt === pt).map((p) => p.tag);
  expect(tags.every((t, i) => i === 0 || t > tags[i - 1])).toBe(true);
  expect(Math.max(...tags)).toBeLessThan(sender.sent);
  expect(receiver.maxSeqGap(pt)).toBe(1);
});

test('the edge reports its load to the origin every cdn.load_report_ms', async () => {
  await linked();
  const edge = world.edge();
  Object.assign(edge.load, { players: 7, cpuLoad: 0.25, connections: 9 });
  await until(() => world.link().players === 7, 1000, 'the origin to see 7 players');
  expect([world.link().cpuLoad, world.link().connections]).toEqual([0.25, 9]);
  edge.load.players = 3;
  await until(() => world.link().players === 3, 1000, 'the origin to see 3 players');
});

// ---- one pipe per worker pair (issue 18) ----

test('every stream of one origin worker reaches an edge on one pipe, closed cdn.pipe_idle_ms after its last stream', async () => {
  world = new RelayWorld({ originPool, edgePools: [edgePool], originOverrides: { cdnPipeIdleMs: 300 } });
  await world.start();
  const edgeTransports = () => edgePool.load[0].transports;
  const published = [];
  for (let i = 0; i < 5; i++) published.push(await world.publish(`shared${i}`, ['video', 'audio']));
  for (let i = 0; i < 5; i++) await relayedOn('edge1', `shared${i}`, 2);
  const link = world.link();
  expect(link.pipes.list()).toHaveLength(1);
  expect(link.pipes.created).toBe(1);
  expect(new Set(link.relays().map((r) => r.pipeId))).toEqual(new Set([link.pipes.list()[0].id]));
  // The edge holds one pipe transport for the five streams, all on its router.
  expect(edgeTransports()).toBe(1);
  // A stream that ends takes its consumers, not the pipe the others use.
  published[0].stream.close();
  await until(() => world.edge().registry.get('shared0') === undefined, 1000, 'the edge to drop shared0');
  expect(link.pipes.list()).toHaveLength(1);
  expect(world.edge().registry.get('shared1')?.producers).toHaveLength(2);
  // The last one out leaves the pipe idle: it closes on both sides after cdn.pipe_idle_ms.
  const lastOut = Date.now();
  for (const p of published.slice(1)) p.stream.close();
  await until(() => link.pipes.list().length === 0 && edgeTransports() === 0, 2000, 'the idle pipe to close on both sides');
  expect(Date.now() - lastOut).toBeGreaterThanOrEqual(250);
  // The next stream opens a new one.
  await world.publish('after', ['video']);
  await relayedOn('edge1', 'after', 1);
  expect(link.pipes.created).toBe(2);
});

test('a stream published while the pipe is idle reuses it', async () => {
  world = new RelayWorld({ originPool, edgePools: [edgePool], originOverrides: { cdnPipeIdleMs: 5000 } });
  await world.start();
  const first = await world.publish('idle1', ['video']);
  await relayedOn('edge1', 'idle1', 1);
  first.stream.close();
  await until(() => world.edge().registry.get('idle1') === undefined, 1000, 'the edge to drop idle1');
  await world.publish('idle2', ['video']);
  await relayedOn('edge1', 'idle2', 1);
  expect(world.link().pipes.created).toBe(1);
  expect(edgePool.load[0].transports).toBe(1);
});

// ---- relays racing the stream's end, reconciliation, hung peers (issue 9) ----

/** True once `socket` has sent a request of that method. */
function sent(socket: { sentFrames: string[] }, method: string): boolean {
  return socket.sentFrames.some((f) => (JSON.parse(f) as { method?: string }).method === method);
}

/**
 * A raw origin on its own link to edge1: hello done, no heartbeat unless the test pings. `pipe`
 * relays a stream on the link's one pipe (opened with the first stream).
 */
async function rawOrigin(originId = 'raw-origin') {
  const edge = world.edge();
  const { client, server } = memorySocketPair();
  edge.service.adopt(server, 'memory:raw');
  const peer = new Peer(client, { logger, heartbeatMs: 0 });
  world.onClose(() => peer.close());
  await new Promise((r) => client.once('open', r));
  const handshake = originHandshake('core-secret', null);
  const { nonce } = await peer.request<{ nonce: string }>('challenge', handshake.challenge);
  await peer.request('hello', handshake.hello(nonce, originId, 'raw-1'));
  const router = originPool.pickRouter();
  let pipes = 0;
  const openPipe = async () => {
    const transport = await router.createPipeTransport({ listenInfo: LOOPBACK, enableSrtp: true, enableRtx: true });
    world.onClose(() => transport.close());
    const pipeId = `raw-pipe-${++pipes}`;
    await peer.request('relayPipe', { pipeId, ip: '127.0.0.1', port: transport.tuple.localPort, srtpParameters: transport.srtpParameters });
    return pipeId;
  };
  let shared: Promise<string> | null = null;
  const pipe = async (stream: string, relayId: string) => {
    shared ??= openPipe();
    return peer.request('relayStream', { stream, relayId, pipeId: await shared });
  };
  return { peer, pipe, openPipe, client, server };
}

test('a stream that ends before the edge answers relayStream is dropped on the edge without waiting for that answer', async () => {
  await linked();
  // A first stream opens the worker's pipe to the edge; the next ones only send relayStream.
  await world.publish('opener', ['video']);
  await relayedOn('edge1', 'opener', 1);
  const pair = world.edge().pairs.at(-1)!;
  // The edge's answers (relayStream's among them) stay held: the origin must not need them.
  pair.client.hold();
  const published = await world.publish('early', ['video']);
  await until(() => world.edge().registry.get('early') !== undefined, 1000, 'the edge to make the stream');
  published.stream.close();
  await until(() => world.edge().registry.get('early') === undefined, 1000, 'the edge to drop early while its answer is held');
  pair.client.release();
  expect(world.edge().service.links()[0].streams).toEqual(['opener']);
  expect(world.link().state).toBe('up');
});

test('a relayPipeClose that reaches the edge while it is still making the pipe cancels it there', async () => {
  await linked();
  const raw = await rawOrigin();
  const edgePipes = () => edgePool.load[0].transports;
  const before = edgePipes();
  // Both arrive together: relayPipe starts making the pipe, relayPipeClose cancels it, so the
  // pipe is closed as soon as it is made and never kept for the link.
  raw.server.hold();
  const opened = raw.openPipe();
  await until(() => sent(raw.client, 'relayPipe'), 1000, 'relayPipe to leave the origin');
  const closedAnswer = raw.peer.request('relayPipeClose', { pipeId: 'raw-pipe-1' });
  raw.server.release();
  await expect(opened).rejects.toMatchObject({ code: 'PIPE_NOT_FOUND' });
  await expect(closedAnswer).resolves.toEqual({});
  expect(edgePipes()).toBe(before);
  await expect(raw.peer.request('relayStream', { stream: 'midway', relayId: 'm1', pipeId: 'raw-pipe-1' })).rejects.toMatchObject({ code: 'PIPE_NOT_FOUND' });
  expect(world.edge().registry.get('midway')).toBeUndefined();
});

test("the origin's relayDigest makes the edge drop relayed streams of that link the origin no longer lists", async () => {
  await linked();
  const raw = await rawOrigin();
  await raw.pipe('orphan', 'r1');
  await raw.pipe('kept', 'r2');
  const { registry } = world.edge();
  expect([registry.get('orphan')?.source.kind, registry.get('kept')?.source.kind]).toEqual(['relay', 'relay']);
  // A late relayUnpublish about another relay of the name leaves the current one alone.
  await expect(raw.peer.request('relayUnpublish', { stream: 'kept', relayId: 'r0' })).resolves.toEqual({});
  // The edge's answer, not its load reports (every 20 ms here) that may come first.
  const held = new Promise((r) => {
    const onNotification = (n: { method: string }) => {
      if (n.method !== 'relayHeld') return;
      raw.peer.off('notification', onNotification);
      r(n);
    };
    raw.peer.on('notification', onNotification);
  });
  raw.peer.notify('relayDigest', { seq: 1, pipes: ['raw-pipe-1'], streams: [{ stream: 'kept', relayId: 'r2', pipeId: 'raw-pipe-1' }] });
  await until(() => registry.get('orphan') === undefined, 1000, 'the edge to drop the orphan');
  // The edge answers with what it holds now (the two-way digest).
  expect(await held).toEqual({
    method: 'relayHeld',
    data: { seq: 1, pipes: ['raw-pipe-1'], streams: [{ stream: 'kept', relayId: 'r2', pipeId: 'raw-pipe-1' }] },
  });
  expect(registry.get('kept')?.status).toBe('PENDING');
  // The other origin's link (the world's) is not touched by this link's digest.
  const published = await world.publish('other', ['video']);
  await relayedOn('edge1', 'other', 1);
  raw.peer.notify('relayDigest', { seq: 2, pipes: ['raw-pipe-1'], streams: [] });
  await until(() => registry.get('kept') === undefined, 1000, 'the edge to drop kept');
  expect(registry.get('other')?.closed).toBe(false);
  expect(published.stream.closed).toBe(false);
});

test('a new relay of a name replaces a stale relay of that name from the same link', async () => {
  await linked();
  const raw = await rawOrigin();
  await raw.pipe('stale', 'r1');
  const first = world.edge().registry.get('stale')!;
  await raw.pipe('stale', 'r2');
  const second = world.edge().registry.get('stale')!;
  expect(first.closed).toBe(true);
  expect(second).not.toBe(first);
  expect(second.closed).toBe(false);
});

test('an edge drops the link of an origin that stops talking for cdn.heartbeat_timeout_ms, and its streams once their pipe is silent too', async () => {
  await linked();
  const raw = await rawOrigin();
  await raw.pipe('quiet', 'q1');
  const closed = new Promise<number>((r) => raw.peer.once('close', () => r(Date.now())));
  const since = Date.now();
  const at = await closed;
  const silentFor = at - since;
  // 1500 ms by default, counted from the last frame (the relayStream just before `since`).
  expect(silentFor).toBeGreaterThan(1000);
  expect(silentFor).toBeLessThan(2500);
  // The raw origin sends no media: the pipe is as silent as the link, so this is no blip.
  await until(() => world.edge().registry.get('quiet') === undefined, 1000, 'the edge to drop the stream of the silent pipe');
});

test('the origin drops the link of an edge that stops answering pings within cdn.heartbeat_timeout_ms, and relays again once it answers', async () => {
  await linked();
  await world.publish('held', ['video']);
  await relayedOn('edge1', 'held', 1);
  const pair = world.edge().pairs.at(-1)!;
  const since = Date.now();
  pair.server.hold();
  await until(() => world.link().state !== 'up', 3000, 'the origin to drop the link', 10);
  const after = Date.now() - since;
  expect(after).toBeGreaterThan(900);
  expect(after).toBeLessThan(2000);
  expect(world.link().lastError).toMatch(/^no answer to heartbeat pings for \d+ ms$/);
  expect(await world.cluster.redirectPlay('held', false, 0)).toBeNull();
  // The link is redone on a new socket pair, and the stream relayed over it.
  await until(() => world.link().state === 'up' && world.link().relayOf('held')?.complete === true, 3000, 'the link and the relay to come back');
  expect(world.edge().pairs.at(-1)).not.toBe(pair);
  expect((await world.cluster.redirectPlay('held', false, 0))?.nodeId).toBe('edge1');
});
