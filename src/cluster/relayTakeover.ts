// Which origin's relay of a name an edge keeps when two origins relay it (issue 21), the decision
// alone, pure. A stream lives on the origin its publisher reached; when that origin dies, the SDK
// publisher republishes the same name on another origin, which relays it to every edge while the
// edge still holds the dead origin's relay (its session in grace, cdn.link_grace_ms). The new relay
// takes the name over then, so the edge's players keep their Stream and only change producers.
//
// An origin whose link is up keeps what it relays: two live origins relaying one name is a clash of
// publishers, which the origins' own ownership rule settles (the loser's publisher is refused), not
// the edge; the newcomer is refused with STREAM_NAME_TAKEN and its origin retries. The same holds
// when the old origin's link comes back within the grace while the name has passed to another:
// the live holder keeps it, and the old origin's relay is refused.
//
// One wait in between: an origin that hangs (SIGSTOP) still counts as up on the edge until its
// link has been silent for cdn.heartbeat_timeout_ms, and its publisher, which notices sooner or
// later than the edge does, may already be relayed by another origin. Refused at once, that relay
// would come back only after the origin's retry back-off (seconds); so the newcomer's relayStream
// waits, up to the silence timeout, for the holder to leave 'up', and is refused only if it has not.
//
// Relay tiers (issue 22): the "origins" here are feeders, an origin or a relay. Each tells the node
// how near it is in the tree (its rank, relayProtocol.ts `upstream`); a nearer feeder's relay takes
// the name even from a feeder that is up: that is a relay back from a failure, whose feeder stood
// in for it meanwhile (tiers.ts). Between feeders of one rank (origins) the rule above holds.

/** The rank of a feeder that does not say (an origin of before relay tiers): after every relay. */
export const ORIGIN_RANK = Number.MAX_SAFE_INTEGER;

export interface HeldRelay {
  /** The origin whose relay the edge holds now. */
  originId: string;
  /** Whether that origin's relay session is up, in grace (its link down), or gone altogether. */
  holder: 'up' | 'in-grace' | 'gone';
  /** How near that feeder is to this node in the relay tree (tiers.ts feedRank); ORIGIN_RANK when absent. */
  rank?: number;
}

/**
 * 'take': `newOriginId`'s relay replaces the one held; 'wait': ask again once the holder's state
 * changes or `waited` (for up to cdn.heartbeat_timeout_ms); 'refuse': STREAM_NAME_TAKEN.
 */
export function relayTakeover(held: HeldRelay, newOriginId: string, waited: boolean, newRank: number = ORIGIN_RANK): 'take' | 'wait' | 'refuse' {
  // The same origin's newer relay is its own business (EdgeRelaySession drops its stale one first).
  if (held.originId === newOriginId) return 'refuse';
  if (held.holder !== 'up') return 'take';
  // Relay tiers: a relay back after a failure feeds its node again, taking the stream in place from
  // the feeder that stood in for it (one tier up); the stand-in then lets go of the node (tiers.ts).
  if (newRank < (held.rank ?? ORIGIN_RANK)) return 'take';
  return waited ? 'refuse' : 'wait';
}
