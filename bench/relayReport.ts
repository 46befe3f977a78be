// The BENCHMARKS.md sections of the relay link: the hop over the secure link against plain ws://
// (bench/relayHop.ts) and the restore after a blocked control link (bench/relayRestore.ts).
import type { HopOptions, HopRun, LinkMode } from './relayHop';
import type { RestoreRun } from './relayRestore';
import { fmt, median, percentile } from './stats';

export const RELAY_HOP_HEADING = 'Added latency of the relay hop, secure link against plain';
export const RELAY_RESTORE_HEADING = 'The control link blocked: relays kept, and restored';

export function relayHopMarkdown(runs: HopRun[], o: HopOptions): string {
  const of = (mode: LinkMode) => runs.filter((r) => r.mode === mode);
  const figures = (mode: LinkMode) => {
    const rs = of(mode);
    const hop = rs.flatMap((r) => r.hopMs);
    return {
      packets: hop.length,
      median: median(hop),
      p90: percentile(hop, 90),
      p99: percentile(hop, 99),
      edgeUs: median(rs.map((r) => r.edgeWorkerUsPerPacket)),
      originUs: median(rs.map((r) => r.originWorkerUsPerPacket)),
    };
  };
  const secure = figures('secure');
  const plain = figures('plain');
  const row = (name: string, f: typeof secure) =>
    `| ${name} | ${f.packets} | ${fmt(f.median, 3)} | ${fmt(f.p90, 3)} | ${fmt(f.p99, 3)} | ${fmt(f.edgeUs, 1)} | ${fmt(f.originUs, 1)} |`;
  return `## ${RELAY_HOP_HEADING}

The same packets (matched by a counter in their payload) received by a player on the origin and by
a player on an edge, in one process with one clock: arrival at the edge minus arrival at the origin.
One video packet every ${o.intervalMs} ms, a ${o.windowMs / 1000} s window per measurement, ${of('secure').length} measurement(s) of
each set-up on fresh nodes, taken in turn. Worker CPU per packet: the worker's utime + stime over the
window divided by the packets the edge's player got (the edge's worker takes each packet off the pipe
and forwards it; the origin's takes it from the publisher and sends it to its player and down the
pipe); /proc counts in 10 ms ticks, so these are coarse. "Secure" is the default relay link (TLS on
\`cdn.relay_port\`, both ends proving the cluster secret); "plain" is \`cdn.relay_tls=false\` on both
nodes. Media takes the same SRTP pipe either way: the link only carries the pipe's keys and the relay
commands, so the two should cost the same. Targets: under 1 ms median on loopback; secure within 5%
of plain.

| link | packets | median ms | p90 ms | p99 ms | edge worker µs/packet | origin worker µs/packet |
| --- | --- | --- | --- | --- | --- | --- |
${row('secure (TLS)', secure)}
${row('plain (ws://)', plain)}

Secure / plain: latency ${fmt(secure.median / plain.median)}x, edge worker CPU per packet ${fmt(secure.edgeUs / plain.edgeUs)}x.
`;
}

export function relayRestoreMarkdown(runs: RestoreRun[]): string {
  const rows = runs.map(
    (r) => `| ${r.streams} | ${r.blockMs / 1000} s | ${r.graceMs / 1000} s | ${r.fewestOnEdge} | ${fmt(r.linkUpMs, 0)} | ${fmt(r.allBackMs, 0)} |`,
  );
  return `## ${RELAY_RESTORE_HEADING}

An origin and one edge on loopback, S streams relayed (audio + video, light media), then the relay
link's TCP dropped both ways by nftables (the edge's \`cdn.relay_port\`) while the media pipes keep
flowing, then let through again. "Link up" is from the unblock to the origin reporting the link up
(the edge back in rotation for new players); "all back" to the edge listing every stream with both
tracks. With the default \`cdn.link_grace_ms\` the edge keeps every relay through the block and the
digest after the return finds nothing to restore; with a grace shorter than the block the edge drops
every relay when the grace ends, and "all back" is the time to relay all S again.

| streams | block | link grace | fewest on the edge | link up, ms | all back, ms |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}
