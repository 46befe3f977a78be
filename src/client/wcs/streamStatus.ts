// The WCS status (and its info string, stream.getInfo()) that a status of the core stream becomes.
// Pure, so the rules read in one place: the stream object applies them and fires the callbacks.
//
// The one difference from this SDK's own streams: a player whose publisher stops gets STOPPED with
// "Stopped by publisher stop", as from WCS, instead of UNPUBLISHED and retries; `failover: true`
// (this product's extension) brings back the retries and the UNPUBLISHED status.
import { type ErrorInfo, STREAM_STATUS as CORE_STATUS, type StreamStatus } from '../constants';
import { STREAM_STATUS, STREAM_STATUS_INFO } from './constants';
import { failureInfo } from './statusInfo';

/** The statuses that end the stream for the page: its local media is let go, and the session's end no longer fails it. */
const ENDED: readonly string[] = [STREAM_STATUS.FAILED, STREAM_STATUS.STOPPED, STREAM_STATUS.UNPUBLISHED];

export function isEnded(status: string): boolean {
  return ENDED.includes(status);
}

/** Whether getRemoteBitrate() keeps measuring in this status (a player short of bandwidth still receives). */
export function measuresBitrate(status: string): boolean {
  return status === STREAM_STATUS.PLAYING || status === STREAM_STATUS.NOT_ENOUGH_BANDWIDTH;
}

/** What the core stream knows when it reports a status. */
export interface CoreFacts {
  role: 'publisher' | 'player' | null;
  failover: boolean;
  /** The node's own words with the status (e.g. "Stopped by rest /terminate"); null when none. */
  statusMessage: string | null;
  error: ErrorInfo | null;
}

export function wcsStatusOf(core: StreamStatus, facts: CoreFacts): { status: string; info: string } {
  if (core === CORE_STATUS.UNPUBLISHED && facts.role === 'player' && !facts.failover)
    return { status: STREAM_STATUS.STOPPED, info: STREAM_STATUS_INFO.STOPPED_BY_PUBLISHER_STOP };
  // The node says why when it ended the stream itself ("Stopped by rest /terminate").
  if (core === CORE_STATUS.UNPUBLISHED && facts.role === 'publisher') return { status: core, info: facts.statusMessage ?? STREAM_STATUS_INFO.STOPPED_BY_USER };
  if (core === CORE_STATUS.STOPPED) return { status: core, info: STREAM_STATUS_INFO.STOPPED_BY_USER };
  if (core === CORE_STATUS.FAILED) return { status: core, info: failureInfo(facts.error) };
  return { status: core, info: '' };
}
