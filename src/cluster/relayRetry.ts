// When a failed relay of a stream to an edge is tried again, pure: which failures cannot change
// by waiting, and how long to wait before the next attempt of those that can.
import { equalJitter, type RandomSource } from '../client/jitter';
import type { ErrorCode } from '../errors';

/** Why one relay of a stream to one edge failed. */
export interface RelayFailure {
  code: ErrorCode;
  message: string;
  /**
   * 'edge': a relay command failed, with the edge's answer or with no answer (TIMEOUT, link
   * closed); 'origin': something failed here (a pipe transport, a consumer).
   */
  where: 'edge' | 'origin';
}

/**
 * Answers of the edge that the same request will get again, whatever the wait: the edge refuses
 * the stream's name or a command (it runs another version) or cannot take the stream's codec.
 * Everything else (STREAM_NAME_TAKEN, TIMEOUT, MEDIA_UNAVAILABLE, NODE_CLOSING, INTERNAL, a pipe
 * failing here) may pass, so it is retried.
 */
export const PERMANENT_EDGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['BAD_REQUEST', 'UNKNOWN_COMMAND', 'CANNOT_CONSUME']);

export function isPermanent(failure: RelayFailure): boolean {
  return failure.where === 'edge' && PERMANENT_EDGE_CODES.has(failure.code);
}

/** First retry delay; doubled per consecutive failure of the same stream. */
export const RELAY_RETRY_BASE_MS = 2000;
/** Longest retry delay, so an edge catches up within half a minute once the cause is gone. */
export const RELAY_RETRY_MAX_MS = 30_000;

/** The back-off before retry number `attempt` (0 for the first retry after a failure): 2 s, 4 s, 8 s ... 30 s. */
export function relayRetryBackoff(attempt: number): number {
  if (Number.isNaN(attempt) || attempt <= 0) return RELAY_RETRY_BASE_MS;
  // 2 s * 2^4 = 32 s is already past the cap: no need to compute larger powers.
  return Math.min(RELAY_RETRY_BASE_MS * 2 ** Math.min(attempt, 4), RELAY_RETRY_MAX_MS);
}

/**
 * The delay actually waited before retry number `attempt`: its back-off with equal jitter (between
 * half and all of it), so the relays of many streams that failed together (a dead edge worker) do
 * not all retry in the same instant.
 */
export function relayRetryDelay(attempt: number, random: RandomSource = Math.random): number {
  return equalJitter(relayRetryBackoff(attempt), random);
}
