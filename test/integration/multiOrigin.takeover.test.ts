// A hung origin (SIGSTOP) among two (loadbalancing.xml <origin>, issue 21): the other origin sees
// its peer link go down within the heartbeat timeout (cdn.heartbeat_timeout_ms, 1.5 s), then takes
// a new publish of the hung origin's stream name (a takeover: gen 2). When the hung origin resumes,
// its claim (gen 1) loses on every node: it ends its stale publication with STREAM_NAME_TAKEN, and
// each stream has exactly one owner. Real processes; the stopped one is always resumed.
import { TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, startEdge, stopAll, streamsOn } from '../helpers/cluster';
import { ownerOn, peerRoutes, startOrigins } from '../helpers/origins';
import { type NodeProcess, startNodeFromConf, until } from '../helpers/nodes';

let edges: NodeProcess[] = [];
let a: NodeProcess;
let b: NodeProcess;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  edges = await Promise.all([startEdge('edge1'), startEdge('edge2')]);
  [a, b] = await startOrigins(['oa', 'ob'], edges);
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([a, b, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

test('SIGSTOP of the origin holding a stream: the other takes the name over (gen 2); on SIGCONT the stale copy ends', async () => {
  const publisherA = track(await TestClient.connect(a.url));
  track(await publisherA.publishRtp('held', { audio: true }));
  await until(() => relayedEverywhere(a, 'held'), 5000, 'the stream on both edges');
  await until(async () => (await ownerOn(b, 'held'))?.origin === 'oa', 2000, 'B to hear A’s claim');

  const stoppedAt = Date.now();
  process.kill(a.child.pid!, 'SIGSTOP');
  let resumedAt: number;
  try {
    const seenDown = await until(async () => (await peerRoutes(b)).peers.find((p) => p.id === 'oa')?.state === 'down', 4000, 'B to see A down', 50);
    console.log(`B saw A down ${seenDown} ms after SIGSTOP`);
    expect(seenDown).toBeLessThan(2000);
    // A takeover: accepted, and its claim is one gen above A's.
    const publisherB = track(await TestClient.connect(b.url));
    track(await publisherB.publishRtp('held', { audio: true }));
    expect(await ownerOn(b, 'held')).toEqual({ origin: 'ob', gen: 2 });
    console.log(`publish of the same name accepted on B ${Date.now() - stoppedAt} ms after SIGSTOP`);
  } finally {
    process.kill(a.child.pid!, 'SIGCONT');
    resumedAt = Date.now(); // read after the finally, once A runs again
  }

  // A's claim loses on A too: its publisher is told, and the stale stream ends.
  const ended = await publisherA.waitStatus('held', 'FAILED', 10000);
  expect(ended.data.code).toBe('STREAM_NAME_TAKEN');
  console.log(`A ended its stale publication ${Date.now() - resumedAt} ms after SIGCONT`);
  await until(async () => !(await streamsOn(a)).some((s) => s.name === 'held'), 3000, 'the stale stream gone from A');
  const agreed = await until(
    async () => {
      const [ownA, ownB] = await Promise.all([ownerOn(a, 'held'), ownerOn(b, 'held')]);
      return ownA?.origin === 'ob' && ownA.gen === 2 && ownB?.origin === 'ob' && ownB.gen === 2;
    },
    5000,
    'both origins to agree that B owns the stream',
  );
  console.log(`both origins agree on B's claim ${agreed} ms after A's publication ended`);
  const relinked = await until(
    async () => (await Promise.all([a, b].map(peerRoutes))).every((r) => r.peers.every((p) => p.state === 'up')),
    5000,
    'the origins linked again',
  );
  console.log(`the origins' peer links are both up again ${relinked} ms later`);
  // No edge keeps A's copy; they hold B's once its relay gets through.
  const relayed = await until(
    async () => {
      for (const edge of edges) {
        const held = (await streamsOn(edge)).find((s) => s.name === 'held') as { origin?: string } | undefined;
        if (held?.origin !== 'ob') return false;
      }
      return true;
    },
    10000,
    'every edge to hold B’s relay of the stream, and none A’s',
  );
  console.log(`every edge holds B's relay ${relayed} ms later`);
});

test('SIGKILL of the origin holding a stream: seen down at once, taken over; the restarted origin links back without a second copy', async () => {
  const publisherB = track(await TestClient.connect(b.url));
  track(await publisherB.publishRtp('killed', { audio: true }));
  await until(async () => (await ownerOn(a, 'killed'))?.origin === 'ob', 2000, 'A to hear B’s claim');

  const killedAt = Date.now();
  await b.kill();
  const seenDown = await until(async () => (await peerRoutes(a)).peers.find((p) => p.id === 'ob')?.state === 'down', 3000, 'A to see B down', 20);
  console.log(`A saw B down ${seenDown} ms after SIGKILL`);
  // Players asking A for the dead origin's stream: not found (nobody holds it now).
  const asking = track(await TestClient.connect(a.url));
  await expect(asking.playRtp('killed')).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
  // Republished on A: a takeover.
  const publisherA = track(await TestClient.connect(a.url));
  track(await publisherA.publishRtp('killed', { audio: true }));
  expect(await ownerOn(a, 'killed')).toEqual({ origin: 'oa', gen: 2 });
  console.log(`publish of the same name accepted on A ${Date.now() - killedAt} ms after SIGKILL of B`);

  const restartedAt = Date.now();
  b = await startNodeFromConf(b.confDir, b.port, 'ob');
  const back = await until(
    async () => (await Promise.all([a, b].map(peerRoutes))).every((r) => r.peers.every((p) => p.state === 'up')),
    10000,
    'the restarted origin linked again',
  );
  console.log(`the restarted origin is linked to the other again ${back} ms after its start returned (${Date.now() - restartedAt} ms after the restart began)`);
  for (const origin of [a, b]) expect(await ownerOn(origin, 'killed')).toEqual({ origin: 'oa', gen: 2 });
  expect((await streamsOn(b)).some((s) => s.name === 'killed')).toBe(false);
});
