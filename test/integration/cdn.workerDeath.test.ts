// Destructive, so in a cluster of its own (one origin, one edge): a mediasoup worker of the edge
// is killed under a relayed stream that a player is watching.
import { TestClient } from '../helpers/client';
import { Cleanup, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
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

test('an edge whose worker dies under a relayed stream gets it relayed again by itself', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('heal'));
  await until(async () => (await streamsOn(edges[0])).some((s) => s.name === 'heal'));
  const player = track(await TestClient.connect(edges[0].url));
  track((await player.playRtp('heal')).receiver);
  const [workerPid] = (await (await fetch(`${edges[0].http}/healthz`)).json()).workers as number[];
  process.kill(workerPid, 'SIGKILL');
  // The player there learns it; the origin stops sending players to edge1 until the relay is back.
  await player.waitNotification((n) => n.method === 'streamStatus' && ['FAILED', 'UNPUBLISHED'].includes(n.data.status as string));
  await until(
    async () => {
      const s = (await streamsOn(edges[0])).find((x) => x.name === 'heal');
      return s?.source === 'relay' && s.status === 'PUBLISHING';
    },
    8000,
    'edge1 to get the stream relayed again',
  );
  const again = track(await TestClient.connect(edges[0].url));
  const { receiver } = await again.playRtp('heal');
  track(receiver);
  await receiver.waitFor(20, VIDEO_PT);
  // The pipe went with the worker: the edge reported the pipe (and so every stream on it) at once.
  expect(edges[0].output()).toContain('relay pipe lost; asking the origin to relay its streams again');
});
