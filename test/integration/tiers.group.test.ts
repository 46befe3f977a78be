// A group of relays (loadbalancing.xml parent="r1 r2"): r1 feeds e1; r2, its fall-back, keeps a
// standby link to e1 and sends it nothing. r1 killed: e1 asks its other feeders for the streams it
// held, r2 sends them, and e1 takes each over in place (no player disturbed); the origin does not
// link to e1. r1 back: it feeds e1 again, in place, and r2 lets go (one copy of each stream).
import { TestClient } from '../helpers/client';
import { Cleanup, routes, stopAll, streamsOn } from '../helpers/cluster';
import { until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { startTree, type Tree, treeRoutes } from '../helpers/tiers';

let tree: Tree;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  tree = await startTree({ relays: ['r1', 'r2'], edges: [{ name: 'e1', parent: 'r1 r2' }] });
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll(tree?.all ?? []);
  expect(codes).toEqual(codes.map(() => 0));
});

test('the first relay of the group feeds the node; a killed one is stood in for by the next, in place; back, it feeds again', async () => {
  const [r1, r2] = tree.relays;
  const [e1] = tree.edges;
  const publisher = track(await TestClient.connect(tree.origin.url));
  track(await publisher.publishRtp('g'));
  const onE1 = async () => (await streamsOn(e1)).filter((s) => s.name === 'g') as unknown as { origin?: string; mediaSessionId: string }[];
  await until(async () => (await onE1())[0]?.origin === 'r1', 10000, 'e1 to hold "g" from r1');
  const player = track(await TestClient.connect(e1.url));
  const { receiver } = await player.playRtp('g');
  track(receiver);
  await receiver.waitFor(10, VIDEO_PT);
  const before = (await onE1())[0].mediaSessionId;
  // r2 holds the stream (the origin pushes it there) and links to e1, but sends it nothing.
  await until(
    async () => ((await routes(r2)).edges as unknown as { id: string; state: string }[]).some((e) => e.id === 'e1' && e.state === 'up'),
    5000,
    "r2's standby link to e1",
  );
  expect((await streamsOn(r2)).some((s) => s.name === 'g')).toBe(true);
  expect(await onE1()).toHaveLength(1);

  const killed = Date.now();
  await r1.kill();
  await until(async () => (await onE1())[0]?.origin === 'r2', 3000, 'r2 to stand in for r1 on e1');
  const stoodIn = Date.now() - killed;
  console.log(`tiers group: r1 SIGKILLed; its fall-back r2 feeds e1 ${stoodIn} ms later`);
  expect(stoodIn).toBeLessThan(2000);
  expect((await onE1()).map((s) => s.mediaSessionId)).toEqual([before]);
  // The fall-back stands in, not the origin.
  expect((await treeRoutes(tree.origin)).filter((e) => !e.via).map((e) => e.id)).not.toContain('e1');

  tree.relays[0] = await tree.restart(r1);
  tree.all[1] = tree.relays[0];
  await until(async () => (await onE1())[0]?.origin === 'r1', 10000, 'r1 to feed e1 again');
  expect((await onE1()).map((s) => s.mediaSessionId)).toEqual([before]);
  // r2 let go of it (its relay refused, not retried): e1 is listed on r2 holding nothing.
  await until(
    async () => {
      const view = (await routes(r2)).edges as unknown as { id: string; held: Record<string, string> }[];
      return view.find((e) => e.id === 'e1')?.held.g === undefined;
    },
    10000,
    'r2 to let go of "g" on e1',
  );
  expect(await onE1()).toHaveLength(1);
});
