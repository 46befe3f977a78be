// "Did you mean": which known name an unknown one is close enough to be a typo of. Pure.
//
// Close means: after folding case and treating ".", "_" and "-" alike (`ws_port`, `WS.PORT` are
// `ws.port`), at most one edit for names of up to four characters and at most two otherwise, where
// an edit inserts, deletes or replaces a character, or swaps two neighbours (`cdn_secert`,
// `load_balancing_enabeld`: one edit each). That is what a slip of the hand does; names of another
// product's settings (WCS's `user_agent`, `disable_rest_auth`, `rtmp.port`) are further from every
// name of ours, which test/unit/config.wcs.test.ts checks against a full WCS file.

/** Edits between `a` and `b`: insert, delete, replace, or swap two adjacent characters (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], rows[i - 2][j - 2] + 1);
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}

const fold = (s: string): string => s.toLowerCase().replace(/[._-]/g, '_');

/** The candidate nearest to `name` when it is close enough to be a typo of it, else null. */
export function nearest(name: string, candidates: Iterable<string>): string | null {
  const folded = fold(name);
  const limit = folded.length <= 4 ? 1 : 2;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(folded, fold(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= limit ? best : null;
}
