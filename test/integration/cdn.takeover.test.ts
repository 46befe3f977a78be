// Two origins relaying one name to an edge (issue 21), in one process: the relay core of each
// origin on real mediasoup workers, linked to one shared edge by in-memory socket pairs. When the
// origin that relayed a stream dies (its link down, the edge holding its relays in grace) and the
// publisher's new origin relays the same name, the edge keeps the Stream, and so its players, and
// swaps in the new origin's tracks; the old origin's later commands about the name touch nothing.
// While both origins are up, the one that holds the name keeps it (relayTakeover.ts).
import type * as ms from 'mediasoup/types';
import type { MediaPool } from '../../src/media/MediaPool';
import type { Stream } from '../../src/streams/Stream';
import { mediaPool, type Published, RelayWorld } from '../helpers/relayCore';
import { RtpSender } from '../helpers/rtp';
import { until } from '../helpers/until';

let pools: MediaPool[] = [];
const worlds: RelayWorld[] = [];

beforeAll(async () => {
  pools = await Promise.all([mediaPool(), mediaPool(), mediaPool()]);
});

afterEach(async () => {
  // The second origin first: the first owns the edge.
  for (const world of worlds.splice(0).reverse()) await world.close();
});

afterAll(() => {
  for (const pool of pools) pool.close();
});

/** Origins A and B, each linked to the one edge. */
async function twoOrigins(): Promise<{ a: RelayWorld; b: RelayWorld }> {
  const a = new RelayWorld({ originId: 'originA', originPool: pools[0], edgePools: [pools[2]] });
  worlds.push(a);
  await a.start();
  const b = new RelayWorld({ originId: 'originB', originPool: pools[1], edgePools: [], edgesOf: a });
  worlds.push(b);
  await b.start();
  return { a, b };
}

/** Publishes `name` on `world` with a video track that receives RTP (so its pipe is not silent). */
async function publishWithMedia(world: RelayWorld, name: string): Promise<Published> {
  const published = await world.publish(name, ['video']);
  const sender = new RtpSender(published.target, { video: published.ssrc.video });
  world.onClose(() => sender.close());
  await (published.publication.transport as ms.PlainTransport).connect({ ip: '127.0.0.1', port: await sender.bind() });
  sender.start(10);
  return published;
}

/** The edge's stream of that name, once its video comes from `published` (relayed producers keep the origin's ids). */
async function heldFrom(world: RelayWorld, published: Published): Promise<Stream> {
  const { registry } = world.edge();
  const id = published.producer('video').id;
  await until(() => registry.get(published.name)?.producers.some((p) => p.id === id) === true, 4000, `the edge to hold ${published.name} from its publisher`);
  return registry.get(published.name)!;
}

/** Bytes the edge's producer of that id received (media from the publisher behind it). */
async function bytesOn(stream: Stream, producerId: string): Promise<number> {
  const producer = stream.producers.find((p) => p.id === producerId);
  if (!producer) return 0;
  return (await producer.getStats()).reduce((sum, s) => sum + (s.byteCount ?? 0), 0);
}

test("an origin in grace loses its stream to another origin's relay: the same Stream on the edge, the new tracks in, the old origin's late relay refused", async () => {
  const { a, b } = await twoOrigins();
  const fromA = await publishWithMedia(a, 'moving');
  const onEdge = await heldFrom(a, fromA);
  expect(onEdge.source).toMatchObject({ kind: 'relay', originId: 'originA' });
  const takeovers: string[] = [];
  const closedProducers: string[] = [];
  onEdge.on('takeover', () => takeovers.push(onEdge.source.kind === 'relay' ? onEdge.source.originId : 'local'));
  onEdge.on('producerclose', (p) => closedProducers.push(p.id));

  // Origin A's link drops and stays down (A "died"); the edge keeps A's relays in grace.
  const edge = a.edge();
  a.reachable = false;
  edge.pairs[0].server.terminate();
  await until(() => a.link().state === 'down', 2000, "the edge to drop A's link");

  // The publisher moved: B publishes the name and relays it; the edge swaps it in.
  const fromB = await publishWithMedia(b, 'moving');
  const after = await heldFrom(b, fromB);
  expect(after).toBe(onEdge);
  expect(onEdge.closed).toBe(false);
  expect(onEdge.source).toMatchObject({ kind: 'relay', originId: 'originB' });
  expect(takeovers).toEqual(['originB']);
  expect(closedProducers).toEqual([fromA.producer('video').id]);
  expect(onEdge.producers.map((p) => p.id)).toEqual([fromB.producer('video').id]);
  // B's publisher's media reaches the edge on the taken-over stream.
  await until(async () => (await bytesOn(onEdge, fromB.producer('video').id)) > 0, 3000, "B's media on the edge");
  expect(edge.service.links()).toEqual(expect.arrayContaining([expect.objectContaining({ originId: 'originB', streams: ['moving'] })]));

  // A comes back within the grace, still publishing the name (its publisher's session has not
  // ended there yet): B is up and keeps the stream; A's relay of it is refused.
  a.reachable = true;
  await until(() => a.link().state === 'up', 3000, "A's link back");
  await until(() => a.cluster.relayStates('moving')[0].error?.includes('STREAM_NAME_TAKEN') === true, 5000, "A's relay refused");
  expect(edge.registry.get('moving')).toBe(onEdge);
  expect(onEdge.source).toMatchObject({ kind: 'relay', originId: 'originB' });
  // A's publisher goes at last: A's unpublish of its relay touches nothing of B's.
  fromA.stream.close();
  await new Promise((r) => setTimeout(r, 300));
  expect(edge.registry.get('moving')).toBe(onEdge);
  expect(onEdge.producers.map((p) => p.id)).toEqual([fromB.producer('video').id]);
  expect(await bytesOn(onEdge, fromB.producer('video').id)).toBeGreaterThan(0);
});

test('while both origins are up, the one holding a name keeps it: the other relay of it waits for the silence timeout, then is refused', async () => {
  const { a, b } = await twoOrigins();
  const fromA = await publishWithMedia(a, 'clash');
  const onEdge = await heldFrom(a, fromA);
  const started = Date.now();
  await b.publish('clash', ['video']);
  await until(() => b.cluster.relayStates('clash')[0].error?.includes('STREAM_NAME_TAKEN') === true, 5000, "B's relay refused");
  // Refused only after the edge waited for A to go silent (cdn.heartbeat_timeout_ms, 1500 ms by default).
  expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  expect(a.edge().registry.get('clash')).toBe(onEdge);
  expect(onEdge.source).toMatchObject({ kind: 'relay', originId: 'originA' });
  expect(onEdge.producers.map((p) => p.id)).toEqual([fromA.producer('video').id]);
});
