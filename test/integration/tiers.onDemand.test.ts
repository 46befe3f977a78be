// On-demand relay tiers with real processes on loopback: origin -> relay r1 -> edge e1, the whole
// tree distribution="on_demand". A player at e1 makes e1 pull the stream from r1, which pulls it
// from the origin (a chain); when the player leaves, e1 lets it go after the linger time, and r1,
// which held it only for e1, after its own.
import { playViaOrigin, TestClient } from '../helpers/client';
import { Cleanup, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { startTree, type Tree, treeRoutes } from '../helpers/tiers';

const LINGER_MS = 1000;
let tree: Tree;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);
const holds = async (node: NodeProcess, stream: string): Promise<boolean> => (await streamsOn(node)).some((s) => s.name === stream);

beforeAll(async () => {
  tree = await startTree({
    relays: ['r1'],
    edges: [{ name: 'e1', parent: 'r1' }],
    distribution: 'on_demand',
    props: { 'cdn.on_demand_linger_ms': LINGER_MS, 'cdn.relay_digest_ms': 300 },
  });
});

afterEach(() => cleanup.run());

afterAll(async () => {
  // The relay the last test killed exited with SIGKILL (stopping it only removes its configuration).
  const killed = (tree?.all ?? []).filter((n) => n.exited);
  const codes = await stopAll((tree?.all ?? []).filter((n) => !killed.includes(n)));
  await stopAll(killed);
  expect(codes).toEqual(codes.map(() => 0));
});

test('a stream with no players reaches neither the relay nor the edge', async () => {
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('idle', { audio: true }));
  await new Promise((r) => setTimeout(r, 1500));
  expect(await holds(tree.relays[0], 'idle')).toBe(false);
  expect(await holds(tree.edges[0], 'idle')).toBe(false);
});

test('a player at the leaf pulls the stream through its relay; both let it go after the linger, the relay last', async () => {
  const [r1] = tree.relays;
  const [e1] = tree.edges;
  const publisher = track(await TestClient.connect(tree.origin.url));
  const sender = track(await publisher.publishRtp('chain', { audio: true }));
  sender.keyframeEvery = 1_000_000; // a keyframe only on request: the first frame needs one across three hops

  const player = await TestClient.connect(e1.url);
  const t0 = Date.now();
  const { receiver, redirect } = await player.playRtp('chain');
  expect(redirect).toBeUndefined();
  await receiver.waitFor(1, VIDEO_PT, 5000);
  console.log(`tiers on demand: first frame at a cold leaf, pulled through its relay, ${Date.now() - t0} ms`);
  await receiver.waitFor(20, VIDEO_PT);
  expect(await holds(r1, 'chain')).toBe(true);
  await until(
    async () => {
      const view = await treeRoutes(tree.origin);
      return view.find((e) => e.id === 'r1')?.held.chain === 'pulled' && view.find((e) => e.id === 'e1' && e.via === 'r1')?.held.chain === 'pulled';
    },
    5000,
    'show_routes: r1 pulled, e1 pulled via r1',
  );

  await receiver.close();
  await player.close();
  const left = Date.now();
  let edgeGone = 0;
  await until(
    async () => {
      if (!edgeGone && !(await holds(e1, 'chain'))) edgeGone = Date.now() - left;
      return edgeGone > 0 && !(await holds(r1, 'chain'));
    },
    15000,
    'e1, then r1, to let "chain" go',
  );
  const relayGone = Date.now() - left;
  console.log(`tiers on demand: "chain" left e1 ${edgeGone} ms and r1 ${relayGone} ms after the last player (linger ${LINGER_MS} ms each)`);
  expect(edgeGone).toBeGreaterThanOrEqual(LINGER_MS - 200);
  // The relay kept it while e1 held it, and lingered on its own after.
  expect(relayGone).toBeGreaterThanOrEqual(edgeGone + LINGER_MS - 200);
  // Ended for good: the digests (every 300 ms) do not bring it back.
  await new Promise((r) => setTimeout(r, 1000));
  expect(await holds(r1, 'chain')).toBe(false);
  expect(await holds(e1, 'chain')).toBe(false);
});

test('a player asking the origin is sent to a node of the tree and plays there', async () => {
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('asked'));
  const played = await playViaOrigin(tree.origin.url, 'asked');
  played.clients.forEach(track);
  track(played.receiver);
  await played.receiver.waitFor(10, VIDEO_PT, 5000);
  expect(['r1', 'e1']).toContain(played.nodeId);
});

// Last: it kills r1.
test('the relay killed while a leaf has a pulled stream: the origin sends it that stream, in place', async () => {
  const [e1] = tree.edges;
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('kept'));
  const player = track(await TestClient.connect(e1.url));
  const { receiver } = await player.playRtp('kept');
  track(receiver);
  await receiver.waitFor(10, VIDEO_PT);
  const on = async () => (await streamsOn(e1)).find((s) => s.name === 'kept') as unknown as { origin?: string; mediaSessionId: string } | undefined;
  const before = (await on())!;
  expect(before.origin).toBe('r1');
  // The relay's report of what e1 holds reached the origin (what its stand-in is to send).
  await until(async () => (await treeRoutes(tree.origin)).find((e) => e.id === 'e1')?.held.kept === 'pulled', 5000, 'e1 listed holding "kept"');

  const killed = Date.now();
  await tree.relays[0].kill();
  await until(async () => (await on())?.origin === 'origin', 3000, 'the origin to feed e1 "kept"');
  console.log(`tiers on demand: relay killed; the origin feeds e1 its pulled stream ${Date.now() - killed} ms later`);
  expect((await on())!.mediaSessionId).toBe(before.mediaSessionId);
  // Pulled there, not pushed: the idle stream of the first test is not sent to e1.
  await new Promise((r) => setTimeout(r, 500));
  expect(await holds(e1, 'idle')).toBe(false);
});
