// Relay tiers with real processes on loopback: an origin, two relays it feeds (r1, r2), and four
// edges, two under each relay (loadbalancing.xml parent="r1" / "r2"). The origin relays a stream to
// the two relays only; each relay relays it on to its edges; players on every edge receive RTP;
// the origin sends players to the edges below the relays; show_routes and /metrics say via which
// relay each edge holds the stream.
import { playViaOrigin, TestClient } from '../helpers/client';
import { Cleanup, routes, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';
import { startTree, type Tree, treeRoutes, TWO_RELAYS_FOUR_EDGES } from '../helpers/tiers';

let tree: Tree;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);
const holds = async (node: NodeProcess, stream: string): Promise<boolean> =>
  (await streamsOn(node)).some((s) => s.name === stream && s.status === 'PUBLISHING');

beforeAll(async () => {
  tree = await startTree(TWO_RELAYS_FOUR_EDGES);
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
  // A relay's own show_routes lists the nodes it feeds.
  const onRelay = (await routes(tree.relays[1])).edges as unknown as { id: string; state: string; held: Record<string, string> }[];
  expect(onRelay.map((e) => [e.id, e.state, e.held.tier])).toEqual([
    ['e3', 'up', 'pushed'],
    ['e4', 'up', 'pushed'],
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

test('GET /rtcloadbalance names nodes below the relays too, and pins one with machine=', async () => {
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('lb', { audio: true }));
  await until(async () => (await treeRoutes(tree.origin)).filter((e) => e.held.lb).length === 6, 10000, '"lb" on every node');
  const pinned = (await (await fetch(`${tree.origin.http}/rtcloadbalance?stream=lb&machine=e4&format=json`)).json()) as { node: string; url: string };
  expect(pinned).toMatchObject({ node: 'e4', url: `ws://127.0.0.1:${tree.edges[3].port}` });
  const named = new Set<string>();
  for (let i = 0; i < 6; i++) named.add(((await (await fetch(`${tree.origin.http}/rtcloadbalance?stream=lb&format=json`)).json()) as { node: string }).node);
  expect([...named].sort()).toEqual(['e1', 'e2', 'e3', 'e4', 'r1', 'r2']);
});

test('WHEP on the origin: the 307 names a node below a relay that holds the stream, whose answer has every track', async () => {
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('whep', { audio: true }));
  await until(async () => (await treeRoutes(tree.origin)).filter((e) => e.held.whep).length === 6, 10000, '"whep" on every node');
  const playOffer = offer([audio('recvonly'), video('recvonly', 'all')]);
  const post = (url: string) => fetch(url, { method: 'POST', body: playOffer, headers: { 'Content-Type': 'application/sdp' }, redirect: 'manual' });
  const targets = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const res = await post(`${tree.origin.http}/whep/whep`);
    expect(res.status).toBe(307);
    const target = res.headers.get('location')!;
    const node = [...tree.relays, ...tree.edges].find((n) => target.startsWith(`http://127.0.0.1:${n.port}/`))!;
    targets.add(node.name);
    if (!node.name.startsWith('e')) continue;
    const played = await post(target);
    expect(played.status).toBe(201);
    expect((await played.text()).match(/^m=/gm)).toHaveLength(2);
    expect((await fetch(played.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
  }
  expect([...targets].sort()).toEqual(['e1', 'e2', 'e3', 'e4', 'r1', 'r2']);
});

test('a publisher reaching an edge below a relay is sent to the origin', async () => {
  await until(async () => (await routes(tree.origin)).edges.length === 6, 5000, 'tree');
  const client = track(await TestClient.connect(tree.edges[2].url));
  const answer = await client.request<{ redirect?: { url: string } }>('publish', { stream: 'where' }).catch((err: unknown) => err);
  expect((answer as { redirect?: { url: string } }).redirect?.url).toBe(tree.origin.url);
});

// Last: it kills and restarts r1.
test('a relay killed: the origin feeds its edges in place within 2 s; back, the relay feeds them again, one copy each', async () => {
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('fail'));
  await until(async () => (await treeRoutes(tree.origin)).filter((e) => e.held.fail).length === 6, 10000, '"fail" on every node');
  const [e1, e2] = tree.edges;
  const before = new Map<string, string>();
  const receivers = [];
  for (const edge of [e1, e2]) {
    const info = (await streamsOn(edge)).find((s) => s.name === 'fail') as unknown as { mediaSessionId: string };
    before.set(edge.name, info.mediaSessionId);
    const player = track(await TestClient.connect(edge.url));
    const { receiver } = await player.playRtp('fail');
    track(receiver);
    await receiver.waitFor(5, VIDEO_PT);
    receivers.push(receiver);
  }
  const source = async (edge: NodeProcess) =>
    (await streamsOn(edge)).find((s) => s.name === 'fail') as unknown as { origin?: string; mediaSessionId: string } | undefined;

  const r1 = tree.relays[0];
  const killed = Date.now();
  await r1.kill();
  await until(async () => (await Promise.all([e1, e2].map(source))).every((s) => s?.origin === 'origin'), 3000, 'the origin to feed e1 and e2');
  const fedAfter = Date.now() - killed;
  console.log(`tiers: relay r1 SIGKILLed; the origin feeds e1 and e2 ${fedAfter} ms later`);
  expect(fedAfter).toBeLessThan(2000);
  // In place: the same stream (and so the same players) on each edge.
  for (const edge of [e1, e2]) expect((await source(edge))!.mediaSessionId).toBe(before.get(edge.name));
  // The node-side players here get new SSRCs (an SDK player re-attaches: see the e2e test); the edges have media again.

  tree.relays[0] = await tree.restart(r1);
  tree.all[1] = tree.relays[0];
  await until(async () => (await Promise.all([e1, e2].map(source))).every((s) => s?.origin === 'r1'), 10000, 'r1 to feed e1 and e2 again');
  for (const edge of [e1, e2]) expect((await source(edge))!.mediaSessionId).toBe(before.get(edge.name));
  // The origin let go of them: it links to the two relays again, e1 and e2 are listed via r1 only.
  await handedBack('r1', 'fail');
  // One copy each: a single relayed stream of the name on each edge, from r1.
  for (const edge of [e1, e2]) expect((await streamsOn(edge)).filter((s) => s.name === 'fail')).toHaveLength(1);
});

/** Waits until the origin links to the two relays only again and lists both of `relay`'s edges holding `stream` via it. */
async function handedBack(relay: string, stream: string): Promise<void> {
  await until(
    async () => {
      const view = await treeRoutes(tree.origin);
      const direct = view
        .filter((e) => !e.via)
        .map((e) => e.id)
        .sort()
        .join();
      return direct === 'r1,r2' && view.filter((e) => e.via === relay && e.held[stream]).length === 2;
    },
    15000,
    `the origin to hand ${relay}'s edges back to it`,
  );
}

// Last: it stops and continues r2.
test('a relay hung (SIGSTOP): the origin feeds its edges in place once the heartbeat times out; SIGCONT: the relay feeds them again', async () => {
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('hung'));
  await until(async () => (await treeRoutes(tree.origin)).filter((e) => e.held.hung).length === 6, 10000, '"hung" on every node');
  const [, , e3, e4] = tree.edges;
  const source = async (edge: NodeProcess) =>
    (await streamsOn(edge)).find((s) => s.name === 'hung') as unknown as { origin?: string; mediaSessionId: string } | undefined;
  const before = new Map(await Promise.all([e3, e4].map(async (e) => [e.name, (await source(e))!.mediaSessionId] as const)));
  const r2 = tree.relays[1];
  const stopped = Date.now();
  r2.child.kill('SIGSTOP');
  try {
    await until(async () => (await Promise.all([e3, e4].map(source))).every((s) => s?.origin === 'origin'), 5000, 'the origin to feed e3 and e4');
    const fedAfter = Date.now() - stopped;
    console.log(`tiers: relay r2 SIGSTOPped; the origin feeds e3 and e4 ${fedAfter} ms later (cdn.heartbeat_timeout_ms 1500)`);
    expect(fedAfter).toBeLessThan(2500);
    for (const edge of [e3, e4]) expect((await source(edge))!.mediaSessionId).toBe(before.get(edge.name));
  } finally {
    r2.child.kill('SIGCONT');
  }
  await until(async () => (await Promise.all([e3, e4].map(source))).every((s) => s?.origin === 'r2'), 15000, 'r2 to feed e3 and e4 again');
  for (const edge of [e3, e4]) expect((await source(edge))!.mediaSessionId).toBe(before.get(edge.name));
  await handedBack('r2', 'hung');
  for (const edge of [e3, e4]) expect((await streamsOn(edge)).filter((s) => s.name === 'hung')).toHaveLength(1);
});
