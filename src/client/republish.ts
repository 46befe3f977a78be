// What a publisher does when its publication fails (pure, unit-tested): move to the session's next
// origin and publish the same name there, or give up and report the failure.
//
// A publication that was PUBLISHING (or is already a republish) and lost its node is republished:
// the socket closed or the heartbeat found the node silent (CONNECTION_LOST), the new node did not
// open or answer (CONNECTION_FAILED, TIMEOUT), or it was shutting down (NODE_CLOSING). A republish
// refused with STREAM_NAME_TAKEN is tried again for NAME_TAKEN_GRACE_MS after the loss: the dead
// origin's claim on the name may still stand for a moment (the cluster drops it when it notices the
// origin is gone); after that the name is someone else's and the failure is reported. Anything
// else (UNAUTHORIZED, MEDIA_ACCESS_FAILED, ...) is reported at once, and so is every failure of the
// first attempt before it published (as WCS does: the page hears why publish() did not work).
import type { ErrorInfo } from './constants';

/** How long after the loss a republish refused with STREAM_NAME_TAKEN is tried again. */
export const NAME_TAKEN_GRACE_MS = 5000;
/** The delay between those attempts (jittered: half to all of it). */
export const NAME_TAKEN_RETRY_MS = 200;

const NODE_LOST: readonly string[] = ['CONNECTION_LOST', 'CONNECTION_FAILED', 'TIMEOUT', 'NODE_CLOSING'];

export interface RepublishFacts {
  /** The stream was PUBLISHING on some node before (this attempt, or one before it). */
  wasPublishing: boolean;
  /** The stream's `republish` option. */
  republish: boolean;
  /** When the node was lost (epoch ms), or null when this is not a republish. */
  lostAt: number | null;
  now: number;
}

/** 'node-lost': wait for the session's origin and publish there; 'name-taken': the same, after a short delay; 'fail': report. */
export function republishAfter(error: Pick<ErrorInfo, 'code'>, facts: RepublishFacts): 'node-lost' | 'name-taken' | 'fail' {
  if (!facts.republish || !facts.wasPublishing) return 'fail';
  if (NODE_LOST.includes(error.code)) return 'node-lost';
  if (error.code === 'STREAM_NAME_TAKEN' && facts.lostAt !== null && facts.now - facts.lostAt < NAME_TAKEN_GRACE_MS) return 'name-taken';
  return 'fail';
}
