// Which origin owns a stream name when several origins could (docs/protocol.md, "Stream ownership
// between origins"). Pure: every node runs these same functions on the same claims, so every node
// decides the same without asking anyone (no consensus: "the origin that holds the publisher owns
// the stream", and a deterministic tie-break when two do).

/** One origin's claim to a stream name: it holds the publisher. */
export interface Claim {
  stream: string;
  originId: string;
  /** 1 for a fresh name; the dead holder's gen + 1 for a takeover, so it beats the old claim when that origin comes back. */
  gen: number;
  /** When the claim was made, in ms since the epoch on the claiming origin's clock. */
  at: number;
}

/**
 * Orders two claims of one name: negative when `a` wins, positive when `b` does, 0 for the same
 * claim. The higher gen wins, then the earlier `at`, then the lower originId (string order). The
 * single comparator: every place that settles a contest calls this one.
 */
export function compareClaims(a: Claim, b: Claim): number {
  if (a.gen !== b.gen) return b.gen - a.gen;
  if (a.at !== b.at) return a.at - b.at;
  return a.originId < b.originId ? -1 : a.originId > b.originId ? 1 : 0;
}

/** The winning claim of those given (any order), or null for none. */
export function winner(claims: readonly Claim[]): Claim | null {
  return claims.reduce<Claim | null>((best, c) => (best === null || compareClaims(c, best) < 0 ? c : best), null);
}

/** A peer's claim to the name, and whether its link to this origin is up. */
export interface HeldElsewhere {
  claim: Claim;
  up: boolean;
}

export type PublishDecision = { ok: true; gen: number } | { ok: false; holder: Claim };

/**
 * A publish of a name on this origin, given the peers' claims to it: refused while a peer whose
 * link is up holds it (as a local duplicate is); accepted as a takeover (gen above the highest held)
 * when only peers whose links are down hold it; else a fresh claim (gen 1).
 */
export function decidePublish(held: readonly HeldElsewhere[]): PublishDecision {
  const live = winner(held.filter((h) => h.up).map((h) => h.claim));
  if (live) return { ok: false, holder: live };
  const top = held.reduce((max, h) => Math.max(max, h.claim.gen), 0);
  return { ok: true, gen: top + 1 };
}
