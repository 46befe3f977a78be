// Loss recovery across two lossy hops, in the network test bed (test/net/bed.ts): origin, two
// edges and the clients each on a host (network namespace) of their own; random UDP loss each way
// on every edge's link, so both the origin->edge and the edge->player hops lose packets. For each
// loss rate, an SDK player and a WHEP player in Chromium, both redirected to an edge by the origin,
// are measured from their own getStats() over a window.
import { until } from '../test/net/bed';
import { holds, startBedCluster } from '../test/net/bedCluster';
import { describe, measure, type PlayFigures, type PlayerKind, sdkPlayer, whepPlayer } from '../test/net/players';

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

if (require.main === module) {
  const rates = (process.argv[2] ?? '0,2,5').split(',').map(Number);
  netLoss(rates, Number(process.argv[3] ?? 10000)).then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
