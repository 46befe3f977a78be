// The concentration rule of on-demand edges, pure: which edge serves the next player of a stream.
// An on-demand edge costs the origin one relay (the stream's bitrate out of the origin) per stream
// it holds, whatever its players, so players of a stream are packed onto the edges that already
// hold it (or are receiving it) until each has `threshold` players of that stream
// (cdn.on_demand_edge_players); only then is the stream started on another edge, chosen among the
// rest by the cluster's mode. When every edge holds it and all are past the threshold, the holder
// with the fewest players of the stream takes the player. docs/architecture.md "On-demand edges".
import type { BalancingMode } from '../config/types';
import { type Candidate, selectEdge, type SelectionState } from './selection';

export interface StreamCandidate extends Candidate {
  /** The edge holds the stream, or its relay is on its way (a push edge always does). */
  holds: boolean;
  /** Players of this stream on the edge: its last report plus players sent there since. */
  streamPlayers: number;
}

export interface Concentrated {
  choice: StreamCandidate;
  /** The edge does not hold the stream yet: the origin starts relaying it there. */
  start: boolean;
}

export function concentrate(
  mode: BalancingMode,
  candidates: readonly StreamCandidate[],
  threshold: number,
  state: SelectionState,
  random: () => number = Math.random,
): Concentrated | null {
  const below = candidates.filter((c) => c.holds && c.streamPlayers < threshold);
  const filling = pick(mode, below, state, random);
  if (filling) return { choice: filling, start: false };
  const cold = pick(
    mode,
    candidates.filter((c) => !c.holds),
    state,
    random,
  );
  if (cold) return { choice: cold, start: true };
  const holders = candidates.filter((c) => c.holds);
  if (holders.length === 0) return null;
  return { choice: holders.reduce((best, c) => (c.streamPlayers < best.streamPlayers ? c : best)), start: false };
}

function pick(mode: BalancingMode, candidates: StreamCandidate[], state: SelectionState, random: () => number): StreamCandidate | null {
  const choice = selectEdge(mode, candidates, state, random);
  return choice ? candidates.find((c) => c.id === choice.id)! : null;
}
