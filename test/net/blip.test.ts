// A blip of the control link is not an origin that died (issue 18, item 2). The relay link's TCP
// between the origin and edge1 is blocked for 5 s with nftables, the media pipes (UDP) left alone,
// while SDK and WHEP players in Chromium watch on edge1: no player hears UNPUBLISHED, every player
// keeps decoding frames, no pipe is re-created, and new players are sent to edge2 during the block
// and to edge1 again after it. Then a relay removed on edge1 while the link is blocked (the worker
// holding it killed, so its notice cannot reach the origin) is restored by the first digest after.
// Times are printed.
import { PROPERTY_SPECS } from '../../src/config/propertiesSchema';
import { bedUnavailable } from './shell';
import { until } from './bed';
import { type BedCluster, holds, whepRedirectTarget, startBedCluster } from './bedCluster';
import { type InboundVideo, type Player, sdkPlayer, whepPlayer } from './players';
import type { NodeProcess } from '../helpers/nodes';

const STREAM = 'net-blip';
const BLOCK_MS = 5000;
/** Players of each kind on edge1: 10 in all, as the issue asks (measured passing on 2 cores at a load average of 7). */
const PLAYERS = Number(process.env.BLIP_PLAYERS ?? 5);
let cluster: BedCluster;

/** The port the relay link runs on, the one the block targets (media is left alone). */
function relayLinkPort(): number {
  // The bed's nodes keep the default relay port (TLS, cdn.relay_port), each on its own address.
  return PROPERTY_SPECS.cdnRelayPort.default;
}

beforeAll(async () => {
  const why = bedUnavailable();
  if (why) throw new Error(why);
  cluster = await startBedCluster({ stream: STREAM, props: { 'log.level': 'info' } });
  await until(async () => (await holds(cluster.edges[0], STREAM)) && (await holds(cluster.edges[1], STREAM)), 15000, 'both edges to hold the stream');
}, 90000);

afterAll(async () => {
  await cluster?.close();
}, 30000);

/** Four redirects in a row: round robin alternates between the edges, so all four on one edge means the other is skipped. */
async function redirects(): Promise<string[]> {
  const out = [];
  for (let i = 0; i < 4; i++) out.push(await whepRedirectTarget(cluster, STREAM));
  return out;
}

function count(node: NodeProcess, line: string): number {
  return node
    .output()
    .split('\n')
    .filter((l) => l.includes(line)).length;
}

async function frames(p: Player): Promise<number> {
  return (await p.inbound())?.framesDecoded ?? 0;
}

/** One sample during the block: when it was taken and each player's inbound video (frames, packets, layer, freezes). */
interface Sample {
  atMs: number;
  inbound: (InboundVideo | null)[];
}

/** A player's samples as one line, so a stall says whether packets stopped (the network) or only decoding (the browser). */
function sampleLine(samples: Sample[], i: number): string {
  return samples
    .map((s) => {
      const v = s.inbound[i];
      return v ? `${s.atMs}ms:${v.framesDecoded}f/${v.packetsReceived}p/${v.frameWidth}w/${v.freezeCount}fz/${v.pliCount}pli` : `${s.atMs}ms:-`;
    })
    .join(' ');
}

/** The statuses an SDK player went through (window.player.events of player.html). */
async function sdkStatuses(p: Player): Promise<string[]> {
  return p.page.evaluate(() => (window as unknown as { player: { events: { event: string }[] } }).player.events.map((e) => e.event));
}

test('the relay TCP blocked for 5 s: players on the edge keep playing, no pipe is re-created, new players go elsewhere meanwhile and back after', async () => {
  const [edge1] = cluster.edges;
  const edge1Ip = cluster.bed.host('edge1').ip;
  const edge2Ip = cluster.bed.host('edge2').ip;
  // Players straight on edge1 (its own page and WHEP endpoint), so all of them sit where the block is.
  const players: Player[] = [];
  try {
    for (let i = 0; i < PLAYERS; i++) players.push(await sdkPlayer(cluster.browser, edge1, STREAM));
    for (let i = 0; i < PLAYERS; i++) players.push(await whepPlayer(cluster.browser, edge1, STREAM));
    for (const p of players) await until(async () => (await frames(p)) > 0, 15000, `a first frame on the ${p.kind} player`);
    const pipesOpened = count(edge1, 'relay pipe opened');
    const relaysAdded = count(edge1, 'relayed stream added');
    expect(pipesOpened).toBeGreaterThan(0);

    const before = await Promise.all(players.map(frames));
    const start = Date.now();
    cluster.bed.blockTcp('origin', 'edge1', relayLinkPort());
    let skippedMs: number;
    const during: Sample[] = [];
    try {
      // The origin notices the silent link (cdn.heartbeat_timeout_ms, 1.5 s) and sends players to edge2 only.
      skippedMs = await until(async () => (await redirects()).every((h) => h === edge2Ip), 3500, 'the origin to send new players to edge2 only', 100);
      while (Date.now() - start < BLOCK_MS) {
        during.push({ atMs: Date.now() - start, inbound: await Promise.all(players.map((p) => p.inbound())) });
        expect(await redirects()).toEqual([edge2Ip, edge2Ip, edge2Ip, edge2Ip]);
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      cluster.bed.unblockTcp('origin', 'edge1');
    }
    const blockEnd = await Promise.all(players.map(frames));
    const backMs = await until(async () => (await redirects()).includes(edge1Ip), 15000, 'the origin to send players to edge1 again', 100);
    const after = await Promise.all(players.map(frames));
    await new Promise((r) => setTimeout(r, 1000));
    const later = await Promise.all(players.map(frames));

    const figures = players.map((p, i) => `${p.kind} ${before[i]}->${blockEnd[i]}->${later[i]}`).join(', ');
    console.log(
      `relay TCP blocked ${BLOCK_MS} ms: new players skipped edge1 after ${skippedMs} ms; sent there again ${backMs} ms after the unblock ` +
        `(${Date.now() - start} ms after the block began); frames decoded before->end of block->1 s after: ${figures}`,
    );
    for (const [i, p] of players.entries()) {
      // Frames kept coming through the block: at least 2 s worth at a low 10 fps, and more after it.
      expect(blockEnd[i] - before[i]).toBeGreaterThanOrEqual(20);
      // No stall over 1.5 s: every sample during the block shows progress over the one 3 samples earlier.
      const decoded = during.map((s) => s.inbound[i]?.framesDecoded ?? 0);
      const stalled = decoded.findIndex((f, s) => s >= 3 && f <= decoded[s - 3]);
      if (stalled >= 0) console.log(`${p.kind} player ${i} stalled by ${during[stalled].atMs} ms: ${sampleLine(during, i)}`);
      expect(stalled).toBe(-1);
      expect(later[i]).toBeGreaterThan(after[i]);
      if (p.kind === 'sdk') {
        expect(await sdkStatuses(p)).not.toContain('UNPUBLISHED');
        const node = await p.node();
        // A player that moved: what it went through, to tell a false alarm of its heartbeat from a real loss.
        if (node !== 'edge1') console.log(`sdk player ${i} moved to ${node}: ${JSON.stringify(await sdkStatuses(p))}`);
        expect(node).toBe('edge1');
      }
    }
    // The same pipe and the same relayed stream throughout: nothing was set up again on edge1.
    expect(count(edge1, 'relay pipe opened')).toBe(pipesOpened);
    expect(count(edge1, 'relayed stream added')).toBe(relaysAdded);
    expect(edge1.output()).toContain('origin link back within cdn.link_grace_ms; its streams resume as they were');
    expect(edge1.output()).not.toContain('relayed stream lost');
  } finally {
    for (const p of players) await p.close().catch(() => undefined);
  }
}, 120000);

test('a relay lost on the edge while the link is blocked (its worker killed) is restored by the first digest after', async () => {
  const [edge1] = cluster.edges;
  const { origin } = cluster;
  const [workerPid] = ((await (await fetch(`${edge1.http}/healthz`)).json()) as { workers: number[] }).workers;
  const restoresBefore = count(origin, 'edge lost relays (relayHeld); relaying them again');
  cluster.bed.blockTcp('origin', 'edge1', relayLinkPort());
  try {
    // Blocked long enough for both ends to see the link down, then the worker holding the pipe dies:
    // edge1 drops the stream, and its relayPipeClosed has no link to go out on.
    await until(
      async () =>
        ((await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()) as { edges: { id: string; state: string }[] }).edges.find(
          (e) => e.id === 'edge1',
        )?.state !== 'up',
      4000,
      'the origin to see the link to edge1 down',
      100,
    );
    process.kill(workerPid, 'SIGKILL');
    await until(async () => !(await holds(edge1, STREAM)), 3000, 'edge1 to lose the stream with its worker', 100);
  } finally {
    cluster.bed.unblockTcp('origin', 'edge1');
  }
  const unblocked = Date.now();
  // The origin still counts the relay as done (it never heard of the loss): only the digest's
  // answer (relayHeld) tells it the stream is missing there.
  const restoredMs = await until(() => holds(edge1, STREAM), 15000, 'edge1 to hold the stream again', 100);
  expect(count(origin, 'edge lost relays (relayHeld); relaying them again')).toBe(restoresBefore + 1);
  const player = await sdkPlayer(cluster.browser, edge1, STREAM);
  try {
    await until(async () => (await frames(player)) > 0, 15000, 'a first frame on edge1 after the restore');
  } finally {
    await player.close();
  }
  console.log(`relay lost on edge1 during a block: back on edge1 ${restoredMs} ms after the unblock (${Date.now() - unblocked} ms to a decoded frame)`);
}, 90000);
