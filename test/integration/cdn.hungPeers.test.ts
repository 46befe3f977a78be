// Hung peers between origin and edges, noticed by the relay link's own heartbeat (cdn.heartbeat_ms,
// cdn.heartbeat_timeout_ms; defaults 500 ms and 1.5 s) rather than TCP or WebSocket pings: an edge
// stopped with SIGSTOP is no longer chosen for players within 2 s and gets every live stream again
// soon after SIGCONT; an origin stopped with SIGSTOP makes the edges drop its streams within 3 s, so
// their players are told. Separate processes; a stopped process is always resumed in a finally.
//
// A stopped origin's workers (processes of their own) keep forwarding the publisher's media, so to
// the edges it looks like a blip of the control link: they keep its streams for cdn.link_grace_ms
// (issue 18). The edges here take a 1 s grace, so the 3 s bound is the heartbeat timeout (1.5 s),
// the grace and a margin, as before the grace existed.
import { TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, routes, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';

let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  const grace = { 'cdn.link_grace_ms': 1000 };
  edges = await Promise.all([startEdge('edge1', grace), startEdge('edge2', grace)]);
  origin = await startOrigin(edges);
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([origin, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

/** Runs `during` with `node` stopped (SIGSTOP), and resumes it whatever happens. */
async function whileStopped<T>(node: NodeProcess, during: (stoppedAt: number) => Promise<T>): Promise<T> {
  process.kill(node.child.pid!, 'SIGSTOP');
  const stoppedAt = Date.now();
  try {
    return await during(stoppedAt);
  } finally {
    process.kill(node.child.pid!, 'SIGCONT');
  }
}

async function linkState(edgeId: string): Promise<string | undefined> {
  return (await routes(origin)).edges.find((e) => e.id === edgeId)?.state;
}

test('an edge stopped with SIGSTOP is not chosen for players within 2 s, and gets every live stream again after SIGCONT', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('hung-edge'));
  await until(() => relayedEverywhere(origin, 'hung-edge'), 5000, 'hung-edge relayed to both edges');

  const excludedAfter = await whileStopped(edges[0], async (stoppedAt) => {
    await until(async () => (await linkState('edge1')) !== 'up', 4000, "the origin to drop edge1's link", 20);
    const ms = Date.now() - stoppedAt;
    // Every player is sent to edge2 now.
    for (let i = 0; i < 4; i++) {
      const asker = await TestClient.connect(origin.url);
      const { redirect } = await asker.playRtp('hung-edge');
      await asker.close();
      expect(redirect?.nodeId).toBe('edge2');
    }
    return ms;
  });
  const resumedAt = Date.now();
  process.stdout.write(`edge stopped: excluded from redirects after ${excludedAfter} ms\n`);
  expect(excludedAfter).toBeLessThan(2000);

  await until(async () => (await linkState('edge1')) === 'up', 5000, "edge1's link to come back", 20);
  const upAfter = Date.now() - resumedAt;
  await until(() => relayedEverywhere(origin, 'hung-edge'), 5000, 'hung-edge relayed to edge1 again', 20);
  const relayedAfter = Date.now() - resumedAt;
  process.stdout.write(`edge resumed: link up after ${upAfter} ms, every stream relayed again after ${relayedAfter} ms\n`);
  expect(relayedAfter).toBeLessThan(5000);
  const player = track(await TestClient.connect(edges[0].url));
  const { receiver } = await player.playRtp('hung-edge');
  track(receiver);
  await receiver.waitFor(10, VIDEO_PT);
  expect(origin.output()).toContain('edge is not answering heartbeat pings; dropping its link');
});

test('an origin stopped with SIGSTOP makes the edges drop its streams within 3 s, telling their players; after SIGCONT they get them again', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('hung-origin'));
  await until(() => relayedEverywhere(origin, 'hung-origin'), 5000, 'hung-origin relayed to both edges');
  const players: TestClient[] = [];
  for (const edge of edges) {
    const player = track(await TestClient.connect(edge.url));
    const { receiver } = await player.playRtp('hung-origin');
    track(receiver);
    await receiver.waitFor(10, VIDEO_PT);
    players.push(player);
  }

  const toldAfter = await whileStopped(origin, async (stoppedAt) => {
    const times = await Promise.all(
      players.map(async (p) => {
        await p.waitStatus('hung-origin', 'UNPUBLISHED', 5000);
        return Date.now() - stoppedAt;
      }),
    );
    for (const edge of edges) expect((await streamsOn(edge)).map((s) => s.name)).not.toContain('hung-origin');
    return times;
  });
  process.stdout.write(`origin stopped: edge players told UNPUBLISHED after ${toldAfter.join(' and ')} ms\n`);
  for (const ms of toldAfter) expect(ms).toBeLessThan(3000);
  for (const edge of edges) {
    expect(edge.output()).toContain('origin silent past cdn.heartbeat_timeout_ms; dropping its link');
    expect(edge.output()).toContain('origin link still down after cdn.link_grace_ms (1000 ms); its streams dropped');
  }

  // The publisher never left: once the origin runs again, both edges get the stream back.
  const resumedAt = Date.now();
  // Asked of the edges themselves: the origin's own view is stale for a moment after it resumes.
  const onBoth = async () => {
    const lists = await Promise.all(edges.map((e) => streamsOn(e)));
    return lists.every((list) => list.some((s) => s.name === 'hung-origin' && s.tracks?.length === 1));
  };
  await until(onBoth, 5000, 'hung-origin on both edges again', 20);
  process.stdout.write(`origin resumed: stream on both edges again after ${Date.now() - resumedAt} ms\n`);
  const player = track(await TestClient.connect(edges[1].url));
  const { receiver } = await player.playRtp('hung-origin');
  track(receiver);
  await receiver.waitFor(10, VIDEO_PT);
});
