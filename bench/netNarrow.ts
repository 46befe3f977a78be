// A narrow edge->player link, in the network test bed (test/net/bed.ts): the runs of
// test/net/narrow.test.ts (test/net/narrowRun.ts), repeated and reported rather than judged. An
// SDK player sent to an edge plays the top simulcast layer, the clients' downlink is limited below
// that layer's rate, the player moves down, plays on the narrow link, and climbs back once the
// limit goes.
import { until } from '../test/net/bed';
import { holds, startBedCluster } from '../test/net/bedCluster';
import { describeLayers, describeNarrow, type NarrowFigures, type NarrowOptions, narrowRun, TOP } from '../test/net/narrowRun';
import { fmt, median } from './stats';

export const NARROW_HEADING = 'A narrow link: the player moves down, plays on, climbs back (network namespaces, Chromium)';

export async function netNarrow(runs: number, o: NarrowOptions, log: (m: string) => void): Promise<NarrowFigures[]> {
  const cluster = await startBedCluster({ stream: o.stream, props: { 'log.level': 'warn' } });
  const out: NarrowFigures[] = [];
  try {
    await until(async () => (await holds(cluster.edges[0], o.stream)) && (await holds(cluster.edges[1], o.stream)), 15000, 'both edges to hold the stream');
    for (let i = 0; i < runs; i++) {
      const f = await narrowRun(cluster, o);
      log(describeNarrow(f, o));
      out.push(f);
    }
  } finally {
    await cluster.close();
  }
  return out;
}

/** One row of the section's table, for run `i` (0-based; test/net/narrow.test.ts prints its run with it too). */
export function narrowRow(f: NarrowFigures, i: number, o: NarrowOptions): string {
  const below = f.limitedSamples.every((s) => s.layer !== null && s.layer < TOP);
  const climbed = f.climbed.layer === TOP && f.climbed.video.frameWidth === f.topWidth;
  return (
    `| ${i + 1} | ${f.switchMs} (layer ${f.switched.layer ?? '-'}, ${f.switched.video.frameWidth} px) | ${f.stallSwitchingMs} | ` +
    `${below ? 'yes' : 'no'} | ${f.fps.toFixed(1)} of ${f.layerSent?.fps.toFixed(1) ?? '?'} | ${f.frozenLimitedS.toFixed(2)} s in ${f.windowS.toFixed(1)} s | ` +
    `${climbed ? f.climbMs : `not within ${o.climbBackMs}`} |`
  );
}

export function netNarrowSection(runs: NarrowFigures[], o: NarrowOptions): string {
  if (runs.length === 0) return `## ${NARROW_HEADING}\n\nNot measured in this run.\n`;
  const sent = runs[0] ? describeLayers(runs[0].sentBefore) : 'n/a';
  return `## ${NARROW_HEADING}

The bed of the loss section; the publisher sends VP8 simulcast (before the first run: ${sent}). An SDK
player (the Embed Player page) asks the origin, is sent to an edge and plays the top layer for 2 s;
then the clients' downlink is limited to ${o.limitKbit} kbit/s by a token bucket (\`tc tbf\`, one packet of
burst, 200 ms of queue), below the top layer's rate. Figures from the player's \`getStats()\` and the
SDK's layer events, sampled every 250 ms: the time until it is seen below the top layer (and where),
the longest time without a new frame while switching and ${o.settleMs / 1000} s of settling, whether every later
sample stayed below the top layer, frames per second decoded over the next ${o.limitedWindowMs / 1000} s against what the
publisher sent of that layer, the frozen time in that window, and, once the limit goes, the time
until it is back on the top layer. \`test/net/narrow.test.ts\` asserts the same run in \`npm test\`.

| run | moved down after, ms | longest stall switching, ms | stayed below the top | fps decoded of sent | frozen on the narrow link | back on top after, ms |
| --- | --- | --- | --- | --- | --- | --- |
${runs.map((f, i) => narrowRow(f, i, o)).join('\n')}

Medians over ${runs.length} run(s): moved down after ${fmt(median(runs.map((f) => f.switchMs)), 0)} ms, frozen ${fmt(median(runs.map((f) => f.frozenLimitedS)))} s per ${o.limitedWindowMs / 1000} s.
`;
}
