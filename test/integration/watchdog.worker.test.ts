// A mediasoup worker that hangs (SIGSTOP) is noticed by its node's watchdog, killed and replaced
// within 3 s: /healthz says so meanwhile, the publisher and the players on it are told, a relayed
// stream on an edge is relayed again by the origin, and new plays work afterwards. Destructive, so
// in a cluster of its own (one origin, one edge, separate processes).
import { TestClient } from '../helpers/client';
import { Cleanup, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';

let origin: NodeProcess;
let edge: NodeProcess;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  edge = await startEdge('edge1');
  // Its players play on the origin itself (noRedirect), next to the edge's.
  origin = await startOrigin([edge], { props: { 'play.allow_no_redirect': true } });
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([origin, edge]);
  expect(codes).toEqual(codes.map(() => 0));
});

interface Health {
  status: string;
  reason?: string;
  workers: number[];
}

async function health(node: NodeProcess): Promise<{ code: number; body: Health }> {
  const res = await fetch(`${node.http}/healthz`);
  return { code: res.status, body: (await res.json()) as Health };
}

/**
 * Stops the node's only worker and waits for a new one; returns when /healthz first said 503 and
 * when the new worker answered, both in ms after the SIGSTOP. The stopped worker is always resumed
 * if it is still there (it should have been killed).
 */
async function hangWorker(node: NodeProcess): Promise<{ unhealthyAfter: number; replacedAfter: number; reason: string }> {
  const [pid] = (await health(node)).body.workers;
  const stoppedAt = Date.now();
  process.kill(pid, 'SIGSTOP');
  try {
    let unhealthyAfter = -1;
    let reason = '';
    const replacedAfter = await until(
      async () => {
        const { code, body } = await health(node);
        if (code === 503 && unhealthyAfter < 0) [unhealthyAfter, reason] = [Date.now() - stoppedAt, body.reason ?? ''];
        return code === 200 && body.workers.length === 1 && body.workers[0] !== pid;
      },
      6000,
      `${node.name}'s hung worker to be replaced`,
      20,
    );
    return { unhealthyAfter, replacedAfter, reason };
  } finally {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Killed by the watchdog, as it should be: nothing to resume.
    }
  }
}

function told(client: TestClient, stream: string, role: string, statuses: string[]) {
  return client.waitNotification(
    (n) => n.method === 'streamStatus' && n.data.stream === stream && n.data.role === role && statuses.includes(n.data.status as string),
    5000,
  );
}

test('a hung worker of the origin is killed and replaced within 3 s; its publisher and players are told, and new plays work', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('hang'));
  await until(async () => (await streamsOn(edge)).some((s) => s.name === 'hang' && s.tracks?.length === 1), 5000, 'the edge to hold hang');
  const onOrigin = track(await TestClient.connect(origin.url));
  const local = await onOrigin.playRtp('hang', { noRedirect: true });
  track(local.receiver);
  await local.receiver.waitFor(10, VIDEO_PT);
  const onEdge = track(await TestClient.connect(edge.url));
  const relayed = await onEdge.playRtp('hang');
  track(relayed.receiver);
  await relayed.receiver.waitFor(10, VIDEO_PT);

  const times = await hangWorker(origin);
  process.stdout.write(`origin worker hung: /healthz 503 after ${times.unhealthyAfter} ms ("${times.reason}"), replaced after ${times.replacedAfter} ms\n`);
  expect(times.replacedAfter).toBeLessThan(3000);
  expect(times.unhealthyAfter).toBeGreaterThanOrEqual(0);
  expect(times.reason).toMatch(/^worker \d+ (has not answered for \d+ ms|died and is being replaced)/);
  const failed = await told(publisher, 'hang', 'publisher', ['FAILED']);
  expect(failed.data.code).toEqual(expect.any(String));
  await told(onOrigin, 'hang', 'player', ['FAILED', 'UNPUBLISHED']);
  await told(onEdge, 'hang', 'player', ['UNPUBLISHED', 'FAILED']);
  expect(origin.output()).toContain('mediasoup worker is not answering its watchdog probe');

  // The replacement serves new publishers and players, here and through the edge.
  const again = track(await TestClient.connect(origin.url));
  track(await again.publishRtp('hang2'));
  const player = track(await TestClient.connect(origin.url));
  const fresh = await player.playRtp('hang2', { noRedirect: true });
  track(fresh.receiver);
  await fresh.receiver.waitFor(10, VIDEO_PT);
  await until(async () => (await streamsOn(edge)).some((s) => s.name === 'hang2' && s.tracks?.length === 1), 5000, 'the edge to hold hang2');
  const viaEdge = track(await TestClient.connect(edge.url));
  const edgePlay = await viaEdge.playRtp('hang2');
  track(edgePlay.receiver);
  await edgePlay.receiver.waitFor(10, VIDEO_PT);
});

test('a hung worker of an edge is replaced within 3 s; its players are told and the origin relays the stream there again', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('edgehang'));
  await until(async () => (await streamsOn(edge)).some((s) => s.name === 'edgehang' && s.tracks?.length === 1), 5000, 'the edge to hold edgehang');
  const player = track(await TestClient.connect(edge.url));
  const first = await player.playRtp('edgehang');
  track(first.receiver);
  await first.receiver.waitFor(10, VIDEO_PT);

  const times = await hangWorker(edge);
  process.stdout.write(`edge worker hung: /healthz 503 after ${times.unhealthyAfter} ms, replaced after ${times.replacedAfter} ms\n`);
  expect(times.replacedAfter).toBeLessThan(3000);
  await told(player, 'edgehang', 'player', ['FAILED', 'UNPUBLISHED']);
  // The origin's publisher is untouched; the origin pipes the stream to the edge's new worker.
  const healedAfter = await until(
    async () => (await streamsOn(edge)).some((s) => s.name === 'edgehang' && s.source === 'relay' && s.tracks?.length === 1),
    8000,
    'the origin to relay edgehang to the edge again',
  );
  process.stdout.write(`edge worker hung: stream relayed again ${healedAfter} ms after the replacement\n`);
  const again = track(await TestClient.connect(edge.url));
  const second = await again.playRtp('edgehang');
  track(second.receiver);
  await second.receiver.waitFor(10, VIDEO_PT);
});
