// When an origin ends a stream's relay to an on-demand edge, pure. The edge's load report
// (every cdn.load_report_ms) says how many players of each stream it has; a stream that has had
// none for cdn.on_demand_linger_ms is released. A stream just pulled is kept until a report shows
// a player of it, or PULL_GRACE_MS at most, so the player the origin sent there (still connecting
// when the next report leaves the edge) finds it.

/** How long a player sent to an edge has to show up in its load reports before the stream may go. */
export const PULL_GRACE_MS = 5000;

export interface PullState {
  /** When a player last needed the stream on this edge (a redirect or the edge's own pullStream). */
  readonly pulledAt: number;
  /** Since when the edge's reports show no player of it; null while it has some. */
  readonly idleSince: number | null;
  /** A report showed a player of it since the last pull: the pull's player arrived. */
  readonly arrived: boolean;
}

/** The state of a stream a player was just sent to (or asked for on the edge). */
export function pulledNow(now: number): PullState {
  return { pulledAt: now, idleSince: null, arrived: false };
}

export function lingerStep(state: PullState, players: number, now: number, lingerMs: number): { state: PullState; release: boolean } {
  if (players > 0) return { state: { pulledAt: state.pulledAt, idleSince: null, arrived: true }, release: false };
  const idleSince = state.idleSince ?? now;
  const release = now - idleSince >= lingerMs && (state.arrived || now - state.pulledAt >= PULL_GRACE_MS);
  return { state: { ...state, idleSince }, release };
}
