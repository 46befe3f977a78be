// Destructive, so in a cluster of its own (one origin, two edges): the origin is stopped and a new
// one started with the same node id while the edges keep running.
import { playViaOrigin, TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';

let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  edges = [await startEdge('edge1'), await startEdge('edge2')];
  origin = await startOrigin(edges);
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([origin, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

test("a restarted origin: edges drop its streams at once, and take the new origin's relays", async () => {
  // Not tracked: they go with the origin they are connected to.
  const publisher = await TestClient.connect(origin.url);
  const sender = await publisher.publishRtp('again');
  await until(async () => (await Promise.all(edges.map(streamsOn))).every((l) => l.some((s) => s.name === 'again')));
  const edgePlayer = track(await TestClient.connect(edges[0].url));
  track((await edgePlayer.playRtp('again')).receiver);

  expect(await origin.stop()).toBe(0);
  await sender.close();
  await edgePlayer.waitStatus('again', 'UNPUBLISHED', 2000);
  for (const edge of edges) expect((await streamsOn(edge)).some((s) => s.name === 'again')).toBe(false);

  // Same node id, new instance: resolves once its links to both edges are up.
  origin = await startOrigin(edges);
  const publisher2 = track(await TestClient.connect(origin.url));
  track(await publisher2.publishRtp('again'));
  await until(() => relayedEverywhere(origin, 'again'));
  const played = await playViaOrigin(origin.url, 'again');
  played.clients.forEach(track);
  track(played.receiver);
  expect(played.nodeId).toMatch(/^edge[12]$/);
  await played.receiver.waitFor(20, VIDEO_PT);
});
