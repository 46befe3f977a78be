// Relay tiers with real processes on loopback: an origin, two relays it feeds (r1, r2), and four
// edges, two under each relay (loadbalancing.xml parent="r1" / "r2"). The origin relays a stream to
// the two relays only; each relay relays it on to its edges; players on every edge receive RTP;
// the origin sends players to the edges below the relays; show_routes and /metrics say via which
// relay each edge holds the stream.
import { playViaOrigin, TestClient } from '../helpers/client';
import { Cleanup, routes, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { startTree, type Tree, treeRoutes } from '../helpers/tiers';

let tree: Tree;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);
const holds = async (node: NodeProcess, stream: string): Promise<boolean> =>
  (await streamsOn(node)).some((s) => s.name === stream && s.status === 'PUBLISHING');

beforeAll(async () => {
  tree = await startTree({
    relays: ['r1', 'r2'],
    edges: [
      { name: 'e1', parent: 'r1' },
      { name: 'e2', parent: 'r1' },
      { name: 'e3', parent: 'r2' },
      { name: 'e4', parent: 'r2' },
    ],
  });
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll(tree?.all ?? []);
  expect(codes).toEqual(codes.map(() => 0));
});

test('a stream reaches every relay and edge, the origin sending it once per relay; players on every edge receive RTP', async () => {
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('tier', { audio: true }));
  const t0 = Date.now();
  await until(async () => (await Promise.all([...tree.relays, ...tree.edges].map((n) => holds(n, 'tier')))).every(Boolean), 10000, '"tier" on every node');
  console.log(`tiers: "tier" on 2 relays and 4 edges ${Date.now() - t0} ms after its publish`);

  // The origin relays to the relays alone: its own relays of the stream are two.
  const onOrigin = (await streamsOn(tree.origin)).find((s) => s.name === 'tier')!;
  const direct = onOrigin.edges!.filter((e) => !(e as { via?: string }).via);
  expect(direct.map((e) => [e.id, e.relay])).toEqual([
    ['r1', 'relayed'],
    ['r2', 'relayed'],
  ]);
  // The edges are relayed the stream by their relay: their source names it.
  for (const edge of tree.edges) {
    const held = (await streamsOn(edge)).find((s) => s.name === 'tier') as unknown as { source: string; origin: string };
    expect(held).toMatchObject({ source: 'relay', origin: edge.name === 'e1' || edge.name === 'e2' ? 'r1' : 'r2' });
  }

  for (const edge of tree.edges) {
    const player = track(await TestClient.connect(edge.url));
    const { receiver, redirect } = await player.playRtp('tier');
    expect(redirect).toBeUndefined();
    track(receiver);
    await receiver.waitFor(10, VIDEO_PT);
  }

  // show_routes: each edge via its relay, holding the stream (pushed); the relays with no via.
  await until(async () => (await treeRoutes(tree.origin)).filter((e) => e.held.tier === 'pushed').length === 6, 5000, 'every node listed holding "tier"');
  const view = await treeRoutes(tree.origin);
  expect(view.map((e) => [e.id, e.via ?? null, e.held.tier]).sort()).toEqual([
    ['e1', 'r1', 'pushed'],
    ['e2', 'r1', 'pushed'],
    ['e3', 'r2', 'pushed'],
    ['e4', 'r2', 'pushed'],
    ['r1', null, 'pushed'],
    ['r2', null, 'pushed'],
  ]);
  // The players on the edges reach the origin through the relays' reports.
  await until(
    async () => (await treeRoutes(tree.origin)).filter((e) => e.id.startsWith('e') && e.players === 1).length === 4,
    5000,
    'edge players on the origin',
  );

  const metrics = await (await fetch(`${tree.origin.http}/metrics`)).text();
  expect(metrics).toContain('cdn_edge_stream_held{edge="e3",cluster="default",stream="tier",reason="pushed",via="r2",node="origin"} 1');
  expect(metrics).toContain('cdn_edge_stream_held{edge="r1",cluster="default",stream="tier",reason="pushed",via="",node="origin"} 1');
});

test('the origin sends players to the edges below the relays, and they play there', async () => {
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('spread'));
  await until(async () => (await treeRoutes(tree.origin)).filter((e) => e.held.spread).length === 6, 10000, '"spread" on every node');
  const placed: string[] = [];
  for (let i = 0; i < 6; i++) {
    const played = await playViaOrigin(tree.origin.url, 'spread');
    played.clients.forEach(track);
    track(played.receiver);
    await played.receiver.waitFor(5, VIDEO_PT);
    placed.push(played.nodeId!);
  }
  // ROUNDROBIN over the six nodes that hold it: each of them once.
  expect(placed.sort()).toEqual(['e1', 'e2', 'e3', 'e4', 'r1', 'r2']);
});

test('a publisher reaching an edge below a relay is sent to the origin', async () => {
  await until(async () => (await routes(tree.origin)).edges.length === 6, 5000, 'tree');
  const client = track(await TestClient.connect(tree.edges[2].url));
  const answer = await client.request<{ redirect?: { url: string } }>('publish', { stream: 'where' }).catch((err: unknown) => err);
  expect((answer as { redirect?: { url: string } }).redirect?.url).toBe(tree.origin.url);
});
