// A partition between the origin and an edge: every packet between their hosts dropped, both
// processes alive. The origin must stop sending players to that edge and the edge must drop the
// streams it relayed (its players then move on by themselves: an SDK player is watched doing so);
// once healed, the edge must get the stream again. The times are printed. The targets are 2 s to exclude and 5 s to heal; the relay
// link's own heartbeat (cdn.heartbeat_ms 500, cdn.heartbeat_timeout_ms 1500) is what notices the
// silence on both sides. Each bound below adds the polling step to its target.
import { bedUnavailable } from './shell';
import { until } from './bed';
import { type BedCluster, holds, whepRedirectTarget, startBedCluster } from './bedCluster';
import { playerState } from '../helpers/pages';
import { sdkPlayer } from './players';

const STREAM = 'net-part';
/** Target 2000 ms, plus one round of redirect probes (4 requests). */
const EXCLUDE_MS = 2500;
/** The edge's silence watch has the same 1.5 s timeout; 3 s leaves room for the event loop. */
const DROP_MS = 3000;
const HEAL_MS = 5000;
/**
 * An SDK player on the cut-off edge: the edge drops the stream after ~1.5 s, the player is told
 * UNPUBLISHED and retries through the origin a second later (its retryIntervalMs), which by then
 * sends it to the other edge. 10 s leaves room for a second retry.
 */
const MOVE_MS = 10000;
let cluster: BedCluster;

beforeAll(async () => {
  const why = bedUnavailable();
  if (why) throw new Error(why);
  cluster = await startBedCluster({ stream: STREAM, props: { 'log.level': 'warn' } });
  await until(async () => (await holds(cluster.edges[0], STREAM)) && (await holds(cluster.edges[1], STREAM)), 15000, 'both edges to hold the stream');
}, 90000);

afterAll(async () => {
  await cluster?.close();
}, 30000);

test('partitioned from the origin, an edge gets no more players and drops the relayed stream; healed, it gets the stream again within 5 s', async () => {
  const edge1 = cluster.bed.host('edge1').ip;
  const cut = Date.now();
  cluster.bed.partition('origin', 'edge1');
  let excludedMs: number;
  let droppedMs: number;
  try {
    // Several redirects in a row, none to edge1 (round robin would alternate otherwise).
    expect(await whepRedirectTarget(cluster, STREAM)).toMatch(/^10\./);
    excludedMs = await until(
      async () => {
        for (let i = 0; i < 4; i++) if ((await whepRedirectTarget(cluster, STREAM)) === edge1) return false;
        return true;
      },
      EXCLUDE_MS,
      'the origin to stop sending players to edge1',
      100,
    );
    droppedMs = await until(async () => !(await holds(cluster.edges[0], STREAM)), DROP_MS, 'edge1 to drop the relayed stream', 100).then(
      () => Date.now() - cut,
    );
    expect(cluster.edges[0].exited).toBe(false);
  } finally {
    cluster.bed.heal('origin', 'edge1');
  }
  const healed = Date.now();
  const backMs = await until(() => holds(cluster.edges[0], STREAM), HEAL_MS, 'edge1 to hold the stream again after the heal', 50);
  console.log(
    `partition origin<->edge1: players no longer sent there after ${excludedMs} ms (target 2000), ` +
      `edge1 dropped the stream after ${droppedMs} ms; healed: stream back on edge1 after ${backMs} ms (target 5000)`,
  );
  expect(Date.now() - healed).toBeLessThan(HEAL_MS + 1000);
  // edge2 was never affected.
  expect(await holds(cluster.edges[1], STREAM)).toBe(true);
}, 90000);

test('an SDK player whose edge is cut off from the origin moves to the other edge by itself and plays on', async () => {
  const player = await sdkPlayer(cluster.browser, cluster.origin, STREAM);
  try {
    const first = await player.node();
    expect(['edge1', 'edge2']).toContain(first);
    const other = first === 'edge1' ? 'edge2' : 'edge1';
    await until(async () => ((await player.inbound())?.framesDecoded ?? 0) > 0, 15000, 'a first decoded frame');
    const cut = Date.now();
    cluster.bed.partition('origin', first);
    try {
      const movedMs = await until(
        async () => (await player.node()) === other && (await playerState(player.page)).status === 'PLAYING',
        MOVE_MS,
        `the player to play from ${other}`,
        100,
      );
      // Frames decoded from the other edge (its transport's stats), and more keep coming: 20 more
      // (a second's worth) within 5 s, room for the climb up the simulcast layers a new player makes.
      await until(async () => ((await player.inbound())?.framesDecoded ?? 0) > 0, 5000, `a first frame from ${other}`);
      const frameMs = Date.now() - cut;
      const a = (await player.inbound())?.framesDecoded ?? 0;
      const moreMs = await until(async () => ((await player.inbound())?.framesDecoded ?? 0) >= a + 20, 5000, `20 more frames from ${other}`, 100);
      console.log(
        `partition origin<->${first}: its SDK player PLAYING from ${other} after ${movedMs} ms, first frame there after ${frameMs} ms, 20 more frames in ${moreMs} ms`,
      );
    } finally {
      cluster.bed.heal('origin', first);
    }
  } finally {
    await player.close();
  }
}, 60000);
