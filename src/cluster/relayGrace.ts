// Relay sessions that survive a blip of the control link (issue 18), the decisions alone: pure
// functions of what was observed, so they are tested without sockets, workers or clocks.
//
// A control link that goes quiet or drops is not an origin that died: while the media pipes still
// carry packets, the edge keeps the origin's relayed streams (and their players) for
// `cdn.link_grace_ms`, and the origin keeps its relays and pipes. A pipe on which no byte arrived
// for `cdn.heartbeat_timeout_ms` is dead whatever the link says (a partition, a dead origin
// worker), and its streams go at once. When the link comes back from the same origin instance, the
// two sides reconcile by relay id (reconcileHeld); from a new instance (a restarted origin), the
// old session goes at once.

/** One pipe's received-bytes counter as last sampled on the edge. */
export interface PipeActivity {
  bytes: number;
  /** When `bytes` last changed (or was first seen), epoch ms. */
  changedAt: number;
}

/** The activity after a new sample of the pipe's received bytes. */
export function notePipeBytes(previous: PipeActivity | undefined, bytes: number, now: number): PipeActivity {
  if (!previous || bytes !== previous.bytes) return { bytes, changedAt: now };
  return previous;
}

/** Pipes silent for `silenceMs` or more (no byte received): their streams are gone whatever the link says. */
export function silentPipes(pipes: ReadonlyMap<string, PipeActivity>, now: number, silenceMs: number): string[] {
  return [...pipes].filter(([, a]) => now - a.changedAt >= silenceMs).map(([id]) => id);
}

/** An origin's relays on an edge whose link is down: kept until `graceMs` after the link went down. */
export function graceExpired(downSince: number, now: number, graceMs: number): boolean {
  return now - downSince >= graceMs;
}

/**
 * What the edge does with an origin's relay session when that origin authenticates a link:
 * 'resume' (the same instance came back: keep every pipe and stream, players undisturbed),
 * 'replace' (a new instance, i.e. a restarted origin: drop the old session's streams at once, as
 * its relay ids mean nothing to the new one), 'new' (no session yet).
 */
export function sessionOnLink(existing: { instanceId: string } | null, instanceId: string): 'resume' | 'replace' | 'new' {
  if (!existing) return 'new';
  return existing.instanceId === instanceId ? 'resume' : 'replace';
}

/** What the origin listed in one `relayDigest` (only what it had sent to the edge by then). */
export interface DigestSnapshot {
  seq: number;
  pipes: ReadonlySet<string>;
  /** relayId -> stream name. */
  relays: ReadonlyMap<string, string>;
}

/** What the edge holds, as its `relayHeld` answer to a digest says. */
export interface HeldReport {
  seq: number;
  pipes: readonly string[];
  relayIds: readonly string[];
}

/**
 * The origin's side of the two-way digest: of what it listed in digest `snapshot` (pipes and
 * relays it had already sent), what the edge no longer holds. Those relays are relayed again at
 * once, on new pipes for the missing pipes; what the edge holds beyond the list it dropped itself
 * when it read the digest. An answer to an older digest is ignored (null): what was in flight then
 * may have been settled since.
 */
export function reconcileHeld(
  snapshot: DigestSnapshot | null,
  held: HeldReport,
): { missingPipes: string[]; missingRelays: { relayId: string; stream: string }[] } | null {
  if (!snapshot || snapshot.seq !== held.seq) return null;
  const pipes = new Set(held.pipes);
  const relayIds = new Set(held.relayIds);
  return {
    missingPipes: [...snapshot.pipes].filter((p) => !pipes.has(p)),
    missingRelays: [...snapshot.relays].filter(([relayId]) => !relayIds.has(relayId)).map(([relayId, stream]) => ({ relayId, stream })),
  };
}
