// `npm run bench`: the static CDN's costs on loopback, each a median over repeated runs and a
// ratio against the same work done directly on one node in the same run. Writes BENCHMARKS.md.
//   propagation: publish on the origin -> stream listed PUBLISHING on every one of N edges
//   relay hop:   a packet's arrival at a player on an edge minus at a player on the origin, and
//                worker CPU per packet, over the secure link and plain ws:// (bench/relayHop.ts)
//   restore:     the relay link blocked for seconds: relays kept, or dropped and restored (bench/relayRestore.ts)
//   failover:    two origins, the publisher's killed 10 times: publisher and players back (bench/originFailover.ts)
//   join time:   player asks the origin -> first RTP packet from the edge, vs playing on the origin
//   capacity:    viewers per worker at 1 Mbit/s, node vs bare mediasoup router; all workers;
//                many streams over 4 edges; a flash crowd; CPU profiles of the node (bench/capacity*.ts)
//   soak:        hundreds of churning users for minutes; memory and counts before, during, after
//   loss:        Chromium players on an edge across two lossy hops (bench/netLoss.ts)
//   narrow:      a player's layer on a narrow link: down, on, back up (bench/netNarrow.ts)
//   engines:     the old engine against the new, mediasoup 3.8.4 and 3.27: worker memory per viewer,
//                µs per packet, viewers per worker (bench/engines.ts)
//   fifty edges: an origin and 50 edges, push, on demand and relay tiers side by side (bench/fiftyEdges.ts)
// BENCH_ONLY=fifty runs it alone and replaces its section of BENCHMARKS.md (with --smoke: tiny, printed);
// BENCH_ONLY=net runs the loss and narrow-link sections alone (root; about 5 minutes) and replaces them;
// BENCH_ONLY=soak runs the soak alone and replaces only its section of BENCHMARKS.md (failover too);
// BENCH_ONLY=capacity does the same for the capacity sections, BENCH_ONLY=engines for the engines'.
// BENCH_ONLY=engines BENCH_ENGINES_SMOKE=1 runs the engines' section in seconds with tiny counts and
// prints it instead of writing it (what the engines' smoke test runs).
// `npm run bench:smoke` (`--smoke`) runs every other section with tiny sizes (but loss and narrow
// link, which test/net/ runs), in about a minute and a half, and
// writes the report to BENCH_OUT (a temporary file by default), never to BENCHMARKS.md: what
// test/integration/bench.smoke.test.ts runs, so a change that breaks a benchmark fails `npm test`.
// Its figures mean nothing.
import { version as mediasoupVersion } from 'mediasoup';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestClient } from '../test/helpers/client';
import { edgesXml, type NodeProcess, startNode, until } from '../test/helpers/nodes';
import { type RtpReceiver, VIDEO_PT } from '../test/helpers/rtp';
import { fmt, median, percentile } from './stats';
import { fanout, type FanoutResult } from './fanout';
import { HOP_FULL, HOP_SMOKE, type HopOptions, relayHops } from './relayHop';
import { relayRestore } from './relayRestore';
import { originFailover, originFailoverMarkdown, type OriginFailoverOptions, ORIGIN_FAILOVER_HEADING } from './originFailover';
import { relayHopMarkdown, relayRestoreMarkdown } from './relayReport';
import { PROPERTY_SPECS } from '../src/config/propertiesSchema';
import { soak, soakMarkdown, type SoakResult } from './soak';
import { LOSS_HEADING, netLoss, netLossSection } from './netLoss';
import { NARROW_HEADING, netNarrow, netNarrowSection } from './netNarrow';
import { NARROW_OPTIONS, type NarrowOptions } from '../test/net/narrowRun';
import { capacity } from './capacity';
import { capacityMarkdown, CAPACITY_HEADINGS, type CapacityReport } from './capacityReport';
import { flashCrowd } from './flashCrowd';
import { FIFTY_EDGES_HEADING, fiftyEdges, fiftyEdgesMarkdown, type FiftyEdgesResult, type FiftySizes } from './fiftyEdges';
import { manyStreams } from './manyStreams';
import { engines, ENGINES_HEADING, enginesMarkdown, type EnginesResult, fullOptions, smokeOptions } from './engines';
import { mainProfile } from './node';
import { calibrate, loadAverage, BENCH_NICE, prioritise } from './proc';
import { summarise } from './profile';
import { RtpSink } from './sink';

const SMOKE = process.argv.includes('--smoke');
if (SMOKE) {
  // The capacity ladder's sizes (bench/capacity.ts reads them when a ladder starts).
  process.env.BENCH_CAPACITY_STEPS ??= '4,8';
  process.env.BENCH_CAPACITY_WINDOW_MS ??= '300';
  process.env.BENCH_CAPACITY_ROUNDS ??= '1';
}

/** How much of everything one run does: the full figures, or the smoke test's tiny sizes. */
interface Sizes {
  runs: number;
  fanoutPlayers: number;
  fanoutWindowMs: number;
  soakUsers: number;
  soakMs: number;
  manyStreams: number;
  /** The many-streams section's window of steady relaying (origin CPU). */
  manySteadyMs: number;
  crowdPlayers: number;
  crowdSpreadMs: number;
  hop: HopOptions;
  hopRounds: number;
  restoreStreams: number;
  restoreBlockMs: number;
  /** cdn.link_grace_ms of the restore run whose relays all drop: shorter than the block. */
  restoreShortGraceMs: number;
  lossRates: number[];
  lossWindowMs: number;
  narrowRuns: number;
  narrow: NarrowOptions;
  failover: Omit<OriginFailoverOptions, 'log'>;
  fifty: FiftySizes;
}

const env = process.env;
const SIZES: Sizes = SMOKE
  ? {
      runs: 1,
      fanoutPlayers: 5,
      fanoutWindowMs: 500,
      soakUsers: 6,
      soakMs: 3000,
      manyStreams: 6,
      manySteadyMs: 1000,
      crowdPlayers: 12,
      crowdSpreadMs: 500,
      hop: HOP_SMOKE,
      hopRounds: 1,
      restoreStreams: 4,
      restoreBlockMs: 2500,
      restoreShortGraceMs: 500,
      // The loss and narrow sections are the runs of test/net/loss.test.ts and narrow.test.ts
      // (test/net/players.ts `measure`, test/net/narrowRun.ts), which print their rows with this
      // report's own functions: the smoke run leaves them to those tests (45 s of Chromium saved).
      lossRates: [],
      lossWindowMs: 1000,
      narrowRuns: 0,
      narrow: NARROW_OPTIONS,
      failover: { kills: 1, streams: 20, windowMs: 1000 },
      fifty: { edges: 3, streams: 2, playerEdges: 2, watched: 1, crowd: 12, crowdSpreadMs: 500, windowMs: 1000, relays: 1 },
    }
  : {
      runs: Number(env.BENCH_RUNS ?? 15),
      fanoutPlayers: Number(env.BENCH_FANOUT_PLAYERS ?? 500),
      fanoutWindowMs: 5000,
      soakUsers: Number(env.BENCH_SOAK_USERS ?? 300),
      soakMs: Number(env.BENCH_SOAK_S ?? 180) * 1000,
      manyStreams: Number(env.BENCH_MANY_STREAMS ?? 300),
      manySteadyMs: 5000,
      crowdPlayers: Number(env.BENCH_CROWD_PLAYERS ?? 1000),
      crowdSpreadMs: 10000,
      hop: HOP_FULL,
      hopRounds: 3,
      restoreStreams: Number(env.BENCH_RESTORE_STREAMS ?? 300),
      restoreBlockMs: 5000,
      restoreShortGraceMs: 2000,
      lossRates: [0, 2, 5],
      lossWindowMs: 10000,
      narrowRuns: Number(env.BENCH_NARROW_RUNS ?? 3),
      narrow: NARROW_OPTIONS,
      failover: { kills: Number(env.BENCH_FAILOVER_KILLS ?? 10), streams: 150, windowMs: 10000 },
      fifty: {
        edges: Number(env.BENCH_FIFTY_EDGES ?? 50),
        streams: 20,
        playerEdges: 5,
        watched: 10,
        crowd: Number(env.BENCH_FIFTY_CROWD ?? 1000),
        crowdSpreadMs: 10000,
        windowMs: 5000,
        relays: 5,
      },
    };
const RUNS = SIZES.runs;
const FANOUT_PLAYERS = SIZES.fanoutPlayers;
const BENCHMARKS_MD = path.join(__dirname, '..', 'BENCHMARKS.md');
const OUT = SMOKE ? (env.BENCH_OUT ?? path.join(os.tmpdir(), 'BENCHMARKS.smoke.md')) : BENCHMARKS_MD;
const nodes: NodeProcess[] = [];
const benchStarted = performance.now();
const log = (msg: string) => process.stdout.write(`[bench +${((performance.now() - benchStarted) / 1000).toFixed(0)} s] ${msg}\n`);

async function listed(node: NodeProcess, stream: string): Promise<boolean> {
  const list = await (await fetch(`${node.http}/rest-api/stream/find_all`)).json();
  return list.some((s: { name: string; status: string }) => s.name === stream && s.status === 'PUBLISHING');
}

async function startOrigin(edges: NodeProcess[], mode = 'ROUNDROBIN'): Promise<NodeProcess> {
  const origin = await startNode({
    name: 'origin',
    // Direct plays on the origin (noRedirect) are what the relay hop and join times compare with.
    props: { load_balancing_enabled: true, 'log.level': 'warn', 'play.allow_no_redirect': true },
    xml: edgesXml(
      edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort })),
      mode,
    ),
  });
  nodes.push(origin);
  await until(
    async () => (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()).edges.every((e: { state: string }) => e.state === 'up'),
    10000,
  );
  return origin;
}

async function stopNode(node: NodeProcess): Promise<void> {
  await node.stop();
  nodes.splice(nodes.indexOf(node), 1);
}

/** Time from the publisher's produce answer to the stream listed on every target node. */
async function propagation(origin: NodeProcess, targets: NodeProcess[], name: string): Promise<number> {
  const pub = await TestClient.connect(origin.url);
  const sender = await pub.publishRtp(name);
  const start = performance.now();
  await Promise.all(targets.map((t) => until(() => listed(t, name), 5000, `${name} on ${t.name}`, 2)));
  const ms = performance.now() - start;
  await sender.close();
  await pub.close();
  await until(async () => !(await Promise.all(targets.map((t) => listed(t, name)))).some(Boolean), 5000);
  return ms;
}

/** Runs the soak; fails the run (after writing the figures) when a count did not come back. */
async function runSoak(): Promise<SoakResult> {
  // The smoke run closes idle relay pipes after 1 s, not 10: its counts are back 9 s sooner.
  const r = await soak({ users: SIZES.soakUsers, durationMs: SIZES.soakMs, log, ...(SMOKE ? { pipeIdleMs: 1000 } : {}) });
  for (const n of r.nodes) {
    log(`soak ${n.name}: RSS ${n.before.rssMb.toFixed(1)} -> peak ${n.peak.rssMb.toFixed(1)} -> ${n.after.rssMb.toFixed(1)} MB; counts back: ${n.countsBack}`);
  }
  if (!r.nodes.every((n) => n.countsBack)) process.exitCode = 1;
  return r;
}

/** Replaces the section under `## heading` of BENCHMARKS.md (up to the next section) with `section`, or appends it. */
function replaceSection(heading: string, section: string): void {
  const text = fs.readFileSync(BENCHMARKS_MD, 'utf8');
  const start = text.indexOf(`## ${heading}`);
  if (start < 0) return fs.writeFileSync(BENCHMARKS_MD, `${text.trimEnd()}\n\n${section}`);
  const next = text.indexOf('\n## ', start + 3);
  fs.writeFileSync(BENCHMARKS_MD, text.slice(0, start) + section + (next < 0 ? '' : text.slice(next + 1)));
}

/** Replaces the soak section of an existing BENCHMARKS.md (up to the next section), or appends it. */
function writeSoakOnly(r: SoakResult): void {
  const text = fs.readFileSync(BENCHMARKS_MD, 'utf8');
  const start = text.indexOf('## Soak');
  const section = soakMarkdown(r);
  if (start < 0) return fs.writeFileSync(BENCHMARKS_MD, `${text.trimEnd()}\n\n${section}`);
  const next = text.indexOf('\n## ', start + 1);
  fs.writeFileSync(BENCHMARKS_MD, text.slice(0, start) + section + (next < 0 ? '' : text.slice(next)));
}

/** The capacity benchmarks (bench/capacity.ts and the rest), with CPU profiles of the node. */
async function runCapacity(): Promise<CapacityReport> {
  const started = Date.now();
  const calibrationMs = [calibrate()];
  const loadAverages = [loadAverage()];
  const note = () => (calibrationMs.push(calibrate()), loadAverages.push(loadAverage()));
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-prof-'));
  const sink = await RtpSink.start(4);
  prioritise(sink.pid);
  try {
    const cap = await capacity(sink, log, os.cpus().length, profileDir);
    note();
    const many = await manyStreams(4, SIZES.manyStreams, log, SIZES.manySteadyMs);
    note();
    const crowd = await flashCrowd(sink, SIZES.crowdPlayers, SIZES.crowdSpreadMs, 4, log, profileDir, SMOKE);
    note();
    const profile = (name: string, ranges: [number, number][] | null = null) => {
      const file = mainProfile(profileDir, name);
      return file ? summarise(file, ranges) : null;
    };
    return {
      capacity: cap,
      many,
      crowd,
      profiles: [
        {
          what: 'Fan-out, steady: the one-worker node of the capacity ladder, its measuring windows only (forwarding, no signalling)',
          summary: profile('capacity-1w', cap.node.windows),
        },
        { what: "Fan-out, whole life: the same node from start to stop (every step's joins included)", summary: profile('capacity-1w') },
        { what: 'Flash crowd: the origin (its whole life: start, the relay to 4 edges, the crowd)', summary: profile('origin') },
      ],
      calibrationMs,
      loadAverages,
      nice: BENCH_NICE,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await sink.stop();
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}

/**
 * Fifty edges (bench/fiftyEdges.ts), push, on demand and relay tiers side by side, with an RTP sink of its own
 * for the crowd. Relay tiers: add 'tiers' to the topologies once they are built (issue 22, item 2).
 */
async function runFifty(): Promise<FiftyEdgesResult> {
  const sink = await RtpSink.start(4);
  prioritise(sink.pid);
  try {
    return await fiftyEdges(sink, { ...SIZES.fifty, topologies: ['push', 'on_demand', 'tiers'], log });
  } finally {
    await sink.stop();
  }
}

/** Replaces the capacity sections of an existing BENCHMARKS.md (up to the next section not theirs), or appends them. */
function writeCapacityOnly(r: CapacityReport): void {
  const text = fs.readFileSync(BENCHMARKS_MD, 'utf8');
  const start = text.indexOf(`## ${CAPACITY_HEADINGS[0]}`);
  const section = capacityMarkdown(r);
  if (start < 0) return fs.writeFileSync(BENCHMARKS_MD, `${text.trimEnd()}\n\n${section}`);
  let end = start;
  for (;;) {
    const next = text.indexOf('\n## ', end + 1);
    if (next < 0) return fs.writeFileSync(BENCHMARKS_MD, text.slice(0, start) + section);
    if (!CAPACITY_HEADINGS.some((h) => text.startsWith(`## ${h}`, next + 1))) {
      return fs.writeFileSync(BENCHMARKS_MD, text.slice(0, start) + section + text.slice(next + 1));
    }
    end = next;
  }
}

/** The engine comparison (bench/engines.ts), with its own sink (the nice level the capacity sections use). */
async function runEngines(smoke = false): Promise<EnginesResult> {
  const sink = await RtpSink.start(4);
  prioritise(sink.pid);
  try {
    return await engines(sink, smoke ? smokeOptions(log) : fullOptions(log));
  } finally {
    await sink.stop();
  }
}

/**
 * Replaces the engines section of an existing BENCHMARKS.md (up to the next section); when it has
 * none, puts it where a full run does, before the soak (or appends it).
 */
function writeEnginesOnly(r: EnginesResult): void {
  const text = fs.readFileSync(BENCHMARKS_MD, 'utf8');
  const section = enginesMarkdown(r);
  const start = text.indexOf(`## ${ENGINES_HEADING}`);
  if (start < 0) {
    const soak = text.indexOf('\n## Soak');
    if (soak < 0) return fs.writeFileSync(BENCHMARKS_MD, `${text.trimEnd()}\n\n${section}`);
    return fs.writeFileSync(BENCHMARKS_MD, `${text.slice(0, soak + 1)}${section}\n${text.slice(soak + 1)}`);
  }
  const next = text.indexOf('\n## ', start + 1);
  fs.writeFileSync(BENCHMARKS_MD, text.slice(0, start) + section + (next < 0 ? '' : text.slice(next)));
}

async function main(): Promise<void> {
  if (process.env.BENCH_ONLY === 'engines') {
    if (process.env.BENCH_ENGINES_SMOKE === '1') {
      process.stdout.write(enginesMarkdown(await runEngines(true)));
      return;
    }
    writeEnginesOnly(await runEngines());
    log('wrote the engines section of BENCHMARKS.md');
    return;
  }
  if (process.env.BENCH_ONLY === 'capacity') {
    writeCapacityOnly(await runCapacity());
    log('wrote the capacity sections of BENCHMARKS.md');
    return;
  }
  if (process.env.BENCH_ONLY === 'failover') {
    replaceSection(ORIGIN_FAILOVER_HEADING, originFailoverMarkdown(await originFailover({ ...SIZES.failover, log })));
    log('wrote the origin failover section of BENCHMARKS.md');
    return;
  }
  if (process.env.BENCH_ONLY === 'fifty') {
    const section = fiftyEdgesMarkdown(await runFifty());
    // The smoke mode prints it: its figures mean nothing and BENCHMARKS.md is left alone.
    if (SMOKE) process.stdout.write(section);
    else {
      replaceSection(FIFTY_EDGES_HEADING, section);
      log('wrote the fifty edges section of BENCHMARKS.md');
    }
    return;
  }
  if (process.env.BENCH_ONLY === 'net') {
    // Needs root (network namespaces): see docs/networks.md. The smoke sizes measure neither.
    const loss = await netLoss(SIZES.lossRates, SIZES.lossWindowMs, ['sdk', 'whep'], log);
    const narrow = await netNarrow(SIZES.narrowRuns, SIZES.narrow, log);
    // Each followed by a blank line, as in the whole report.
    replaceSection(LOSS_HEADING, `${netLossSection(loss, SIZES.lossWindowMs)}\n`);
    replaceSection(NARROW_HEADING, `${netNarrowSection(narrow, SIZES.narrow)}\n`);
    log('wrote the loss and narrow-link sections of BENCHMARKS.md');
    return;
  }
  if (process.env.BENCH_ONLY === 'soak') {
    writeSoakOnly(await runSoak());
    log('wrote the soak section of BENCHMARKS.md');
    return;
  }
  const started = Date.now();
  log(`starting 4 edges (runs per figure: ${RUNS})`);
  const edges: NodeProcess[] = [];
  for (let i = 1; i <= 4; i++) {
    const e = await startNode({ name: `edge${i}`, props: { 'log.level': 'warn' } });
    edges.push(e);
    nodes.push(e);
  }

  // Propagation: for N edges, vs the same publish becoming listed on the origin itself.
  const propagationRows: string[] = [];
  for (const n of [1, 2, 4]) {
    const origin = await startOrigin(edges.slice(0, n));
    const direct: number[] = [];
    const relayed: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      direct.push(await propagation(origin, [origin], `prop-d-${n}-${i}`));
      relayed.push(await propagation(origin, edges.slice(0, n), `prop-r-${n}-${i}`));
    }
    const row = `| ${n} | ${fmt(median(direct))} | ${fmt(median(relayed))} | ${fmt(percentile(relayed, 90))} | ${fmt(median(relayed) / median(direct))}x |`;
    propagationRows.push(row);
    log(`propagation N=${n}: direct ${fmt(median(direct))} ms, to all edges ${fmt(median(relayed))} ms`);
    await stopNode(origin);
  }

  // Join time on a 1-origin/2-edge cluster.
  const origin = await startOrigin(edges.slice(0, 2));
  const pub = await TestClient.connect(origin.url);
  const sender = await pub.publishRtp('hop', { intervalMs: 5 });
  // Keyframes only when asked (PLI/FIR), like a real encoder: join time then measures the
  // signalling and the keyframe round trip through the relay, not a fixed keyframe interval.
  sender.keyframeEvery = 1_000_000;
  await until(() => Promise.all(edges.slice(0, 2).map((e) => listed(e, 'hop'))).then((r) => r.every(Boolean)), 5000);

  async function joinOnce(viaOrigin: boolean): Promise<number> {
    const start = performance.now();
    let receiver: RtpReceiver;
    let clients: TestClient[];
    if (viaOrigin) {
      const c = await TestClient.connect(origin.url);
      const first = await c.playRtp('hop');
      await c.close();
      const e = await TestClient.connect(first.redirect!.url);
      receiver = (await e.playRtp('hop')).receiver;
      clients = [e];
    } else {
      const c = await TestClient.connect(origin.url);
      receiver = (await c.playRtp('hop', { noRedirect: true })).receiver;
      clients = [c];
    }
    await receiver.waitFor(1, VIDEO_PT);
    const ms = performance.now() - start;
    await receiver.close();
    for (const c of clients) await c.close();
    return ms;
  }
  const joinDirect: number[] = [];
  const joinEdge: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    joinDirect.push(await joinOnce(false));
    joinEdge.push(await joinOnce(true));
  }
  log(`join: direct ${fmt(median(joinDirect))} ms, via origin to edge ${fmt(median(joinEdge))} ms`);
  await sender.close();
  await pub.close();

  for (const n of [...nodes]) await stopNode(n);

  // The relay hop over the secure link and over plain ws://, on nodes of their own (bench/relayHop.ts).
  const hops = await relayHops(SIZES.hopRounds, SIZES.hop, log);
  // The control link blocked while the pipes flow: kept by the grace, and dropped then restored (bench/relayRestore.ts).
  const restores = [
    await relayRestore(SIZES.restoreStreams, SIZES.restoreBlockMs, PROPERTY_SPECS.cdnLinkGraceMs.default, log),
    await relayRestore(SIZES.restoreStreams, SIZES.restoreBlockMs, SIZES.restoreShortGraceMs, log),
  ];

  // Two origins, the publisher's killed again and again (bench/originFailover.ts).
  const failover = await originFailover({ ...SIZES.failover, log });
  // An origin and fifty edges: push, on demand and relay tiers side by side (bench/fiftyEdges.ts).
  const fifty = await runFifty();

  const fan: FanoutResult[] = [];
  for (const workers of [1, 2]) {
    const r = await fanout(workers, FANOUT_PLAYERS, SIZES.fanoutWindowMs);
    fan.push(r);
    log(
      `fan-out ${r.players} players, ${workers} worker(s): median delivery ${fmt(r.medianDelivery * 100, 1)}%, worker CPU ${r.workerCpu.map((c) => fmt(c * 100, 0) + '%').join(' + ')}`,
    );
  }

  const capacityReport = await runCapacity();
  // The smoke run leaves the engines to their own smoke test (test/integration/engines.smoke.test.ts).
  const enginesReport = SMOKE ? null : await runEngines();
  const soaked = await runSoak();
  // Needs root (network namespaces): see docs/networks.md.
  const lossWindowMs = SIZES.lossWindowMs;
  const loss = SIZES.lossRates.length > 0 ? await netLoss(SIZES.lossRates, lossWindowMs, ['sdk', 'whep'], log) : [];
  const narrow = SIZES.narrowRuns > 0 ? await netNarrow(SIZES.narrowRuns, SIZES.narrow, log) : [];

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const md = `# Benchmarks

Produced by \`npm run bench\` (${RUNS} runs per figure; \`BENCH_RUNS\` changes it) on ${new Date().toISOString().slice(0, 10)},
${os.cpus().length} cores (${cpu}), Node ${process.version}, every node a separate process with one
mediasoup ${mediasoupVersion} worker, all on loopback. Media is synthetic VP8 over plain RTP (one packet every
5-10 ms, a keyframe every 10 frames; \`test/helpers/rtp.ts\`). Medians and ratios come from one run of
the command, so they compare like with like on a shared, noisy machine; absolute milliseconds vary
from run to run. The whole run took ${Math.round((Date.now() - started) / 1000)} s.

## Propagation: publish on the origin -> stream listed as PUBLISHING on every edge

Clock starts when the origin has answered the publisher's \`produce\`; it stops when every target
node's \`/rest-api/stream/find_all\` lists the stream (polled every 2 ms; the poll and its HTTP round
trip bound the resolution to a millisecond or two). "Direct" is the same publish becoming listed on the origin itself.

| edges (N) | direct, median ms | all N edges, median ms | all N edges, p90 ms | ratio |
| --- | --- | --- | --- | --- |
${propagationRows.join('\n')}

${relayHopMarkdown(hops, SIZES.hop)}
${relayRestoreMarkdown(restores)}
${originFailoverMarkdown(failover)}
${fiftyEdgesMarkdown(fifty)}
## Join time: player asks the origin -> first RTP packet

"Via origin" connects to the origin, gets the redirect, connects to the edge, plays there and waits
for the first video packet. "Direct" plays on the origin (\`noRedirect\`). Both include WebSocket
connects and the keyframe round trip: the synthetic publisher sends keyframes only when a PLI/FIR
asks for one, so an edge player's first packet waits for its keyframe request to cross the relay to
the publisher and the keyframe to come back. Target: under 1.5x.

| direct, median ms | via origin to edge, median ms | ratio |
| --- | --- | --- |
| ${fmt(median(joinDirect))} | ${fmt(median(joinEdge))} | ${fmt(median(joinEdge) / median(joinDirect))}x |

## Fan-out: one stream to ${FANOUT_PLAYERS} players on one node

One publisher (VP8, 50 packets/s) and ${FANOUT_PLAYERS} plain-RTP players on one node, with one and with two
mediasoup workers (players spread over the workers; the stream's tracks are piped to the second
worker once). Delivery is the share of the packets sent in a 5 s window that each player received
(packets in flight at the window's edges can make it differ from 100% by about 1% either way). Worker CPU is each
worker's utime + stime over the window per second of wall time (100% = one core). The players'
receiving sockets live in the benchmark process on the same 2 cores. ${FANOUT_PLAYERS} is the per-node
connection count the seed's load balancer plans for (\`max_connections\` defaults to 500).

| workers | players | packets sent | median delivery | worst player | CPU per worker |
| --- | --- | --- | --- | --- | --- |
${fan.map((r) => `| ${r.workers} | ${r.players} | ${r.packetsSent} | ${fmt(r.medianDelivery * 100, 1)}% | ${fmt(r.minDelivery * 100, 1)}% | ${r.workerCpu.map((c) => fmt(c * 100, 0) + '%').join(' + ')} |`).join('\n')}

${capacityMarkdown(capacityReport)}
${enginesReport ? enginesMarkdown(enginesReport) : `## ${ENGINES_HEADING}\n\nNot run by the smoke run: test/integration/engines.smoke.test.ts runs it.\n`}
${soakMarkdown(soaked)}
${netLossSection(loss, lossWindowMs)}
${netNarrowSection(narrow, SIZES.narrow)}
## Reading the figures

- "Direct" propagation is the registry update on the origin itself, so its ratio mostly says how
  much work a relay is (one \`relayStream\` and one \`relayProducer\` round trip per edge, plus a
  PipeTransport pair and a \`relayPipe\` round trip for the first stream of a worker); the milliseconds are what a viewer would notice. Relays to different edges run in
  parallel, but on this 2-core machine the origin's one worker and the N edge processes share the
  cores, which is why N = 4 costs more than N = 1.
- The relay hop is one more mediasoup worker and one loopback UDP packet, SRTP-encrypted and decrypted.
- Join via the origin adds a WebSocket connect and one request to the origin before the same steps
  on the edge.
- Fan-out with two workers spends a little more CPU in total (the pipe into the second worker's
  router) but halves the busiest core's share, which is what lets a node serve more players of one
  popular stream than one core could.
`;
  fs.writeFileSync(OUT, md);
  log(`wrote ${OUT}`);
}

main()
  .catch(async (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const n of nodes) await n.stop();
  });
