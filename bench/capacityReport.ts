// The BENCHMARKS.md sections of the capacity benchmarks (bench/capacity.ts, manyStreams.ts,
// flashCrowd.ts, profile.ts): every figure with how it was taken and the bare router's beside it.
import type { CapacityResult, Ladder, StepRow } from './capacity';
import type { FlashCrowdResult } from './flashCrowd';
import type { ManyStreamsResult } from './manyStreams';
import type { ProfileSummary } from './profile';
import { fmt, median } from './stats';

/** The headings (after "## ") of the sections written here, in order: BENCH_ONLY=capacity replaces them. */
export const CAPACITY_HEADINGS = ['Capacity:', 'Many streams:', 'Flash crowd:', 'Where the time goes', 'How noisy the machine was'];

export interface CapacityReport {
  capacity: CapacityResult;
  many: ManyStreamsResult;
  crowd: FlashCrowdResult;
  profiles: { what: string; summary: ProfileSummary | null }[];
  /** Milliseconds of the fixed calibration work, taken through the run. */
  calibrationMs: number[];
  loadAverages: number[];
  nice: number;
  seconds: number;
}

const pct = (x: number, d = 0) => `${fmt(x * 100, d)}%`;
/** Viewers of 100 packets/s one worker could serve at 90% of a core, from µs per packet. */
const cpuBound = (us: number) => Math.floor(0.9e6 / (us * 100));

function rows(l: Ladder): string[] {
  return l.rows.map(
    (r: StepRow) =>
      `| ${l.name} | ${r.viewers} | ${fmt(r.forwardedPerS, 0)} | ${r.workerCpu.map((c) => pct(c)).join(' + ')} | ${fmt(r.usPerPacket)} | ${pct(r.delivery, 2)} | ${pct(r.bestDelivery, 2)} | ${pct(r.worstViewer, 1)} | ${fmt(r.workerKbPerViewer, 0)} | ${fmt(r.processKbPerViewer, 0)} | ${pct(r.processCpu, 1)} | ${pct(r.sinkCpu)} / ${pct(r.benchCpu)} | ${fmt(r.loadAvg, 1)} | ${r.held ? 'yes' : 'no'} |`,
  );
}

/** Node µs/packet over bare µs/packet, per step both were measured at. */
function ratios(node: Ladder, bare: Ladder): { viewers: number; ratio: number }[] {
  return node.rows.flatMap((n) => {
    const b = bare.rows.find((r) => r.viewers === n.viewers);
    return b ? [{ viewers: n.viewers, ratio: n.usPerPacket / b.usPerPacket }] : [];
  });
}

const usMedian = (l: Ladder) => median(l.rows.map((r) => r.usPerPacket));
const lastHeld = (l: Ladder) => [...l.rows].reverse().find((r) => r.held) ?? l.rows[l.rows.length - 1];

export function capacityMarkdown(r: CapacityReport): string {
  const { node, bare, srtp, scaled } = r.capacity;
  const rs = ratios(node, bare);
  const ratio = median(rs.map((x) => x.ratio));
  const countRatio = bare.viewers > 0 ? node.viewers / bare.viewers : NaN;
  const efficiency = node.viewers > 0 ? scaled.viewers / (scaled.workers * node.viewers) : NaN;
  const scaledTop = lastHeld(scaled);
  const nodeMem = lastHeld(node);
  const bareMem = lastHeld(bare);
  const c = r.crowd;
  const m = r.many;
  const profile = r.profiles
    .map(({ what, summary: s }) => {
      if (!s) return `- ${what}: no profile was written.`;
      const areas = s.byArea
        .slice(0, 7)
        .map((a) => `${a.area} ${fmt(a.ms, 0)}`)
        .join(', ');
      const ours = s.ours
        .slice(0, 6)
        .map((f) => `\`${f.fn}\` (${f.where.replace(/:\d+$/, '')}) ${fmt(f.ms, 0)}`)
        .join(', ');
      return `- **${what}**: ${fmt(s.totalMs / 1000, 1)} s profiled, ${fmt(s.busyMs, 0)} ms busy (${pct(s.busyMs / s.totalMs, 1)} of one core). By area, ms: ${areas}. Our own functions with the most self time, ms: ${ours || 'none sampled'}.`;
    })
    .join('\n');
  return `## Capacity: viewers per worker at 1 Mbit/s (node vs bare mediasoup router, same run)

\`viewers per worker at 1 Mbit/s: ${node.viewers} (bare mediasoup router, same run: ${bare.viewers})\`

Worker CPU per forwarded packet, node / bare router: **${fmt(ratio)}x** (median over the ${rs.length}
step(s) both were measured at: ${rs.map((x) => `${x.viewers}: ${fmt(x.ratio)}x`).join(', ')}); viewer counts, node / bare:
${fmt(countRatio)}. With SRTP viewers (what a WebRTC player costs the worker) the bare router holds
${srtp.viewers} (${fmt(usMedian(srtp))} µs per packet against ${fmt(usMedian(bare))} without).
From CPU alone (90% of a core / (µs per packet x 100 packets/s)), a worker would serve
${cpuBound(usMedian(node))} viewers of the node, ${cpuBound(usMedian(bare))} of the bare router and ${cpuBound(usMedian(srtp))} with SRTP.
Ladders stopped by: node: ${node.stoppedBy}; bare: ${bare.stoppedBy}; bare SRTP: ${srtp.stoppedBy}.

How: one stream of VP8, 100 packets/s of 1250 bytes (1 Mbit/s; each packet a whole frame, a
keyframe every second and on request), from one paced generator (\`bench/generator.ts\`). (a) **node**:
a node process with one worker, the stream published over the command channel, each viewer its own
WebSocket session doing what the SDK's plain-RTP player does (\`getRouterRtpCapabilities\`, \`play\`
with \`transport: 'plain'\`, \`connectTransport\`, \`resumeConsumer\`): the real play path. (b) **bare**:
a separate process (\`bench/bareRouter.ts\`) with one worker and one router with the product's codec
list, the product's own transport factory (\`createClientTransport\`, the same plain transport), one
consumer per viewer made with the router's RTP capabilities as the node's viewers send them (so
NACK, RTX and the header extensions are negotiated the same), created paused and resumed; nothing
else. (c) **bare, SRTP**: the same with \`enableSrtp\` on the viewers' transports. All viewers send
to one **receiver**: a C program (\`bench/sink.c\`, compiled by the bench) with 4 UDP sockets
drained by \`recvmmsg\`, 64 datagrams a call, counting per consumer SSRC. A Node.js socket per
viewer would cost a callback and a Buffer per packet, most of a core at 100 000 packets/s, taken
from the worker under test; the sink's CPU is in the table (first figure of "sink / bench").

Each step adds viewers to every set-up still holding, then takes ${r.capacity.rounds} windows of ${r.capacity.windowMs / 1000} s per set-up, **in
turn** (node, bare, SRTP, node, ...; only the measured set-up's stream is sent meanwhile). A window
starts and ends with nothing in flight (the source silent, the sink drained), so delivery is exact:
packets received by the viewers / (packets sent x viewers). Worker CPU is utime + stime from
\`/proc\` over the window and its drain, divided by the window's length: the CPU one second of the
stream costs, which passes 100% when the worker falls behind and forwards a backlog after the
source stops; "Node.js CPU" is the same for the set-up's Node.js process. µs per packet = worker CPU time / packets the viewers received;
memory per viewer = (RSS now - RSS before the first viewer) / viewers, for the worker(s) and for
the Node.js process (the node's, or the bare router's process). A step **holds** when the worker's
median window stays under 90% of a core and the best window delivered at least 99%: on this shared
machine a window in which other jobs took the core loses packets the SFU forwards when it has
its core (median and best are both shown). Measured workers and the sink run at nice ${r.nice}
(\`BENCH_NICE\`, our own processes only, all set-ups alike) so the other jobs do not decide the figure.

| set-up | viewers | forwarded packets/s | worker CPU | µs per packet | delivery (median window) | best window | worst viewer | worker KB per viewer | Node.js KB per viewer | Node.js CPU | sink / bench CPU | load avg | holds |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${[...rows(node), ...rows(bare), ...rows(srtp)].join('\n')}

**Memory per viewer** (at the last step that held): node ${fmt(nodeMem?.workerKbPerViewer ?? NaN, 0)} KB in the worker +
${fmt(nodeMem?.processKbPerViewer ?? NaN, 0)} KB in the Node.js process; bare router ${fmt(bareMem?.workerKbPerViewer ?? NaN, 0)} KB + ${fmt(bareMem?.processKbPerViewer ?? NaN, 0)} KB. The
worker's share is mediasoup's own and the same for both: a consumer with NACK keeps a retransmission
store of 600 packets of up to 1600 bytes plus a 65 536-entry index (\`RtpStreamSend\`,
\`SimpleConsumer.cpp\`: \`bufferSize = params.useNack ? 600u : 0u\`), about 1.5 MB once a stream of
full-size packets has filled it. The 100 KB target can only be met by the Node.js side.

**Watchdog under load.** The bare router's worker, asked for its resource usage every 500 ms as
the node's watchdog asks, answered at worst ${(() => {
    const worst = Math.max(...[...bare.rows, ...srtp.rows].map((x) => x.slowestProbeMs ?? 0));
    return fmt(worst, 0);
  })()} ms late during the steps (column not shown: per step ${bare.rows.map((x) => `${x.viewers}: ${fmt(x.slowestProbeMs ?? NaN, 0)} ms`).join(', ')}).
A worker forwarding near its limit on a busy machine answers late, and at the default
\`worker.probe_timeout_ms=1500\` the node's watchdog killed such a healthy worker (and every viewer
on it) in trial runs; the bench's nodes run with 10 000 ms.

### All workers: scaling

The node with ${scaled.workers} workers (one per core), players spread over them and the stream piped into the second
worker's router, stepped up from the one-worker figure: **${scaled.viewers} viewers** held (stopped by: ${scaled.stoppedBy}).
Scaling efficiency ${scaled.viewers} / (${scaled.workers} x ${node.viewers}) = **${fmt(efficiency)}** (target 0.8; the steps go up to ${scaled.workers} x the one-worker figure, so 1.00 means at least that). Beside it, the load generator's
own CPU at the last step held: the sink ${pct(scaledTop?.sinkCpu ?? NaN)} and the bench process (generator and
${scaledTop?.viewers ?? 0} WebSocket clients) ${pct(scaledTop?.benchCpu ?? NaN)} of a core, on the same 2 cores as the 2 workers.

| set-up | viewers | forwarded packets/s | worker CPU | µs per packet | delivery (median window) | best window | worst viewer | worker KB per viewer | Node.js KB per viewer | Node.js CPU | sink / bench CPU | load avg | holds |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows(scaled).join('\n')}

## Many streams: an origin with ${m.edges} edges and ${m.streams} streams

${m.streams} publishers (one command-channel session each, audio + video, 10 + 10 light packets/s: the relay's
set-up and upkeep are measured, not forwarding), 16 at a time, on an origin with ${m.edges} edges.

| figure | value |
| --- | --- |
| first publish -> every publisher's tracks produced | ${fmt(m.publishMs / 1000, 1)} s |
| first publish -> every edge lists every stream with both tracks | ${fmt(m.allOnEdgesMs / 1000, 1)} s |
| origin CPU spent until then (Node.js process + worker) | ${fmt(m.originCpuSecondsToRelay, 1)} s |
| origin CPU while relaying (5 s window): Node.js process / worker | ${pct(m.originProcessCpu)} / ${pct(m.originWorkerCpu)} of a core |
| origin JS heap used: before / relaying | ${fmt(m.originHeapMb.before, 1)} / ${fmt(m.originHeapMb.relaying, 1)} MB |
| origin RSS: before / relaying | ${fmt(m.originRssMb.before, 1)} / ${fmt(m.originRssMb.relaying, 1)} MB |
| UDP ports held by the origin's worker: before / relaying | ${m.originPorts.before} / ${m.originPorts.relaying} |
| UDP ports held by each edge's worker: before / relaying | ${m.edgePorts.map((e) => `${e.before} / ${e.relaying}`).join(', ')} |
| publishers leave -> no stream listed anywhere | ${fmt(m.dropMs / 1000, 2)} s |

**Pipe sharing: not done; what the numbers show.** One PipeTransport pair per stream per edge
holds ${m.originPorts.relaying - m.originPorts.before - m.streams} ports on the origin for ${m.streams} x ${m.edges} relays (beside the ${m.streams} publishers' own) and one
per stream on each edge. Time and CPU do not argue for sharing: the relays reach every edge
${fmt((m.allOnEdgesMs - m.publishMs) / 1000, 2)} s after the last publish, and the origin's CPU while relaying is forwarding, per
packet and per edge, the same with shared pipes. **Ports do**: the origin needs streams x (edges + 1)
ports, and the default \`media_port_from\`-\`media_port_to\` (31001-32000, 1000 ports) holds only
${Math.floor(1000 / (m.edges + 1))} streams with ${m.edges} edges (this bench gives the origin 3000 ports); each edge spends one port per
relayed stream out of the same range as its players. Shared pipes (one pair per router and edge,
as \`pipeToRouter\` does between routers) would need streams + edges ports on the origin and would
tie every stream on an edge to one transport's fate. Left as a follow-up: until then an origin
must be given a media port range of at least streams x (edges + 1) (\`conf/flashphoner.properties\`
does not say so yet).

## Flash crowd: ${c.players} players ask the origin within ${c.spreadMs / 1000} s

One stream (audio + video, 10 + 10 packets/s) published on the origin and relayed to ${Object.keys(c.perEdge).length} edges; each of
${c.players} players asks at a random moment within ${c.spreadMs / 1000} s: connects to the origin, plays (gets the
redirect), connects to the edge, plays over a plain transport into the sink, resumes. First packet
= the sink's first packet of any of its consumers (the same monotonic clock).

| figure | value |
| --- | --- |
| got a redirect | ${c.redirected} of ${c.players} (per edge: ${Object.entries(c.perEdge)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}) |
| playing from an edge within 5 s of asking | **${c.playingWithin5s} of ${c.players}** (target: all) |
| failed | ${c.failed}${c.firstErrors.length ? ` (${c.firstErrors.join('; ')})` : ''} |
| ask -> first packet, p50 / p99 / max | ${fmt(c.firstPacketMs.p50, 0)} / ${fmt(c.firstPacketMs.p99, 0)} / ${fmt(c.firstPacketMs.max, 0)} ms |
| origin's answer (connect + capabilities + play -> redirect), p50 / p99 | ${fmt(c.answerMs.all.p50, 0)} / ${fmt(c.answerMs.all.p99, 0)} ms |
| the same, p50 of the first tenth / of the last tenth of the crowd | ${fmt(c.answerMs.firstTenthP50, 0)} / ${fmt(c.answerMs.lastTenthP50, 0)} ms |
| the same alone (40 asks one after the other, median): nobody watching / the crowd watching | ${fmt(c.answerMs.nobodyWatching, 1)} / ${fmt(c.answerMs.crowdWatching, 1)} ms |
| origin CPU during the crowd: Node.js process / worker | ${pct(c.originProcessCpu)} / ${pct(c.originWorkerCpu)} of a core |
| each edge's Node.js process; the bench process (the crowd's clients) | ${c.edgeProcessCpu.map((x) => pct(x)).join(', ')}; ${pct(c.benchCpu)} |

The origin's answer path does no work that grows with the players watching: \`OriginCluster.redirectPlay\`
chooses among the edges' links (\`selectEdge\` over at most one candidate per edge, with each link's
reported player count plus the redirects since its last report: counters, not lists); nothing on
it walks players or sessions. Measured alone (asks one after the other, so the crowd's own
signalling does not queue them), an answer takes about as long with the crowd watching as with
nobody watching; within the crowd, later asks wait longer when the machine fills up (the edges
forward to more players, and the crowd's clients run on the same 2 cores), which the origin's own
CPU (above) does not follow.

## Where the time goes (\`--cpu-prof\` of the node's Node.js process)

${profile}

Self time by area and function from the V8 sample profiles (\`bench/profile.ts\`; one sample every
5 ms, idle left out; "Node.js internals" is mostly socket and pipe I/O: WebSocket frames, the
worker's channel). The mediasoup worker, a separate process, does the forwarding. Under steady
fan-out the node's Node.js process has nothing to do per packet or per player: no per-player timer
(the only periodic work per session is a WebSocket ping every 15 s), no stats polling (the load
meter and the watchdog ask each worker, not each consumer, once or twice a second), no
notification (the viewers get none between \`PLAYING\` and the end), no log line; its CPU in the
capacity table's windows ("Node.js CPU") is its whole cost beside the worker. Its cost is per
request: the command channel's JSON (\`parseFrame\`, \`Peer.#send\`), the play itself, and
mediasoup's own channel to its worker (in \`Node.js internals\`: since mediasoup 3.13 a flatbuffers
message per request; mediasoup's, left alone).

**Fixed here:** the origin copied (\`structuredClone\`) and validated each player's RTP
capabilities before deciding to redirect it: the largest own item of the origin's profile in a
flash crowd (\`#play\`, about 0.7 ms a player), for capabilities a redirected player takes to the
edge, which checks them. \`Session.#play\` now checks them only for a player it serves itself.

**Left on the steady path: \`consumerScore\`.** The Playback listener and \`Peer.#send\` in the steady
profile are consumer score notifications: whenever the stream's score changes (here at each
window's start and stop, as the source goes silent and comes back) every viewer gets one, a JSON
frame of its own (checked apart: 200 viewers, the source stopped and restarted 3 times: 1200
\`consumerScore\` frames). The SDK does not use them; coalescing them, or sending them only to
clients that ask, changes the protocol (\`docs/protocol.md\`) and is left for a follow-up.

## How noisy the machine was

The run took ${Math.round(r.seconds)} s of these sections. A fixed CPU task (SHA-256 over 32 MB, \`calibrate\` in \`bench/proc.ts\`)
took ${r.calibrationMs.map((x) => fmt(x, 0)).join(', ')} ms at points through the run (the spread is other jobs on the
machine); the 1-minute load average was ${fmt(Math.min(...r.loadAverages), 1)}-${fmt(Math.max(...r.loadAverages), 1)} on ${2} cores. Absolute figures
move with it; the node/bare ratios are taken window by window in turn and are what to compare.
`;
}
