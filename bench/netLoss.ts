// Loss recovery across two lossy hops, in the network test bed (test/net/bed.ts): origin, two
// edges and the clients each on a host (network namespace) of their own; random UDP loss each way
// on every edge's link, so both the origin->edge and the edge->player hops lose packets. For each
// loss rate, an SDK player and a WHEP player in Chromium, both redirected to an edge by the origin,
// are measured from their own getStats() over a window.
import { until } from '../test/net/bed';
import { holds, startBedCluster } from '../test/net/bedCluster';
import { describe, measure, type PlayFigures, type PlayerKind, sdkPlayer, whepPlayer } from '../test/net/players';

export const LOSS_HEADING = 'Loss recovery across two lossy hops (network namespaces, Chromium)';

export interface LossRow {
  lossPct: number;
  figures: PlayFigures;
}

export async function netLoss(
  lossRates = [0, 2, 5],
  windowMs = 10000,
  kinds: PlayerKind[] = ['sdk', 'whep'],
  log = (s: string) => process.stdout.write(`${s}\n`),
): Promise<LossRow[]> {
  const stream = 'net-loss';
  const cluster = await startBedCluster({ stream, props: { 'log.level': 'warn' } });
  const rows: LossRow[] = [];
  try {
    await until(async () => (await holds(cluster.edges[0], stream)) && (await holds(cluster.edges[1], stream)), 15000, 'both edges to hold the stream');
    // The publisher's encoder starts low and takes a few seconds to bring up every layer.
    await cluster.publisher.waitForTimeout(4000);
    for (const lossPct of lossRates) {
      for (const e of ['edge1', 'edge2']) cluster.bed.loss(e, lossPct * 10);
      for (const kind of kinds) {
        const player = kind === 'sdk' ? await sdkPlayer(cluster.browser, cluster.origin, stream) : await whepPlayer(cluster.browser, cluster.origin, stream);
        try {
          const figures = await measure(player, cluster.publisher, windowMs);
          log(`${lossPct}% loss: ${describe(figures)}`);
          rows.push({ lossPct, figures });
        } finally {
          await player.close();
        }
      }
    }
  } finally {
    await cluster.close();
  }
  return rows;
}

/** The BENCHMARKS.md section for these rows. */
/** One row of the section's table (test/net/loss.test.ts prints its runs with it too). */
export const lossRow = ({ lossPct, figures: f }: LossRow): string =>
  `| ${lossPct}% | ${f.kind === 'sdk' ? 'SDK' : 'WHEP'} | ${f.fps.toFixed(1)} | ${(100 * f.delivery).toFixed(0)}% | ${f.freezes} / ${f.freezeS.toFixed(2)} s | ${f.nacks} | ${f.lost} of ${f.lost + f.received} | ${f.firstFrameMs} |`;

export function netLossSection(rows: LossRow[], windowMs: number): string {
  if (rows.length === 0) return `## ${LOSS_HEADING}\n\nNot measured in this run.\n`;
  return `## ${LOSS_HEADING}

The test bed of \`test/net/\` (docs/networks.md): origin, two edges and the clients each in a network
namespace of its own on a bridge; random UDP loss (nftables \`numgen random\`) on each edge's link, in
both directions, so the origin->edge hop and the edge->player hop both lose packets, and so do the
NACKs and retransmissions that repair them. The publisher is the Two Way Streaming page in
Chromium (fake camera, VP8 simulcast) on the origin; each player, the SDK's Embed Player or a bare
WHEP player, asks the origin and is redirected to an edge. Figures are the player's own
\`getStats()\` over ${windowMs / 1000} s once it gets the publisher's best layer (at least 3 s after its first frame): frames decoded per second, the same as a share
of the frames per second the publisher sent meanwhile (of its busiest layer: every layer that is on
runs at the capture's rate, and Chromium's encoder lowers that rate when the machine is busy), freezes, NACKs the player sent, packets never received after recovery,
and the time from the answer to the first decoded frame. One player at a time; every node and
Chromium share the machine's cores.

| loss each way | player | fps | of frames sent | freezes / time | NACKs | lost after recovery | first frame, ms |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.map(lossRow).join('\n')}
`;
}

if (require.main === module) {
  const rates = (process.argv[2] ?? '0,2,5').split(',').map(Number);
  const windowMs = Number(process.argv[3] ?? 10000);
  netLoss(rates, windowMs).then(
    (rows) => {
      process.stdout.write(netLossSection(rows, windowMs));
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
