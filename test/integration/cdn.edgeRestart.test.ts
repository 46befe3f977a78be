// Destructive, so in a cluster of its own (one origin, one edge): the edge is killed (SIGKILL)
// and started again from the same configuration.
import { TestClient } from '../helpers/client';
import { Cleanup, routes, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, startNodeFromConf, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';

let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  edges = [await startEdge('edge1')];
  origin = await startOrigin(edges);
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([origin, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

test('an edge killed and started again gets the live streams back within 5 s, including one published while it was down, and serves new players', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('survive'));
  await until(async () => (await streamsOn(edges[0])).some((s) => s.name === 'survive'));
  const victim = edges[0];
  await victim.kill();
  await until(async () => (await routes(origin)).edges.find((e) => e.id === 'edge1')!.state !== 'up', 5000, 'origin to see edge1 down');
  // Published while edge1 is down: relayed to it when it comes back.
  const latePublisher = track(await TestClient.connect(origin.url));
  track(await latePublisher.publishRtp('while-down'));
  edges[0] = await startNodeFromConf(victim.confDir, victim.port, 'edge1');
  const ms = await until(
    async () => {
      const names = (await streamsOn(edges[0])).map((s) => s.name);
      return names.includes('survive') && names.includes('while-down');
    },
    5000,
    'edge1 to get both streams',
  );
  expect(ms).toBeLessThan(5000);
  const player = track(await TestClient.connect(edges[0].url));
  const { receiver } = await player.playRtp('survive');
  track(receiver);
  await receiver.waitFor(20, VIDEO_PT);
});
