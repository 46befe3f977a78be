// Edge selection, pure: which of the candidate edges serves the next player. The candidates are
// already filtered to edges whose link is up and that hold the stream.
import type { BalancingMode } from '../config/types';

export interface Candidate {
  id: string;
  /** Players on the edge: its last report plus redirects sent since. */
  players: number;
  /** CPU load reported by the edge, 0..1 (per core average). */
  cpuLoad: number;
}

export interface SelectionState {
  /** Round-robin position; advanced by every ROUNDROBIN choice. */
  next: number;
}

/**
 * Picks one candidate, or null when there are none. Ties go to the first candidate in the
 * configured order, so choices are reproducible in tests.
 */
export function selectEdge(mode: BalancingMode, candidates: readonly Candidate[], state: SelectionState, random: () => number = Math.random): Candidate | null {
  if (candidates.length === 0) return null;
  switch (mode) {
    case 'ROUNDROBIN': {
      const choice = candidates[state.next % candidates.length];
      state.next = (state.next + 1) % Number.MAX_SAFE_INTEGER;
      return choice;
    }
    case 'FEWESTCALLS':
      return candidates.reduce((best, c) => (c.players < best.players ? c : best));
    case 'RANDOM':
      return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))];
    case 'LESS_LOADED_NODE':
      return candidates.reduce((best, c) => (c.cpuLoad < best.cpuLoad ? c : best));
    default: {
      const never: never = mode;
      throw new Error(`unknown balancing mode ${String(never)}`);
    }
  }
}
