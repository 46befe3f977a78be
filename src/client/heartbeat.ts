// The command channel's heartbeat, the decision alone (pure, unit-tested): a node that stops
// answering without closing its socket (SIGSTOP, a hung host, a cut cable) is noticed from the
// client's side, as the SDK's WebSocket would otherwise wait for TCP to give up (minutes).
//
// The channel sends `ping` on every tick (heartbeatMs) once the previous one was answered; a ping
// left unanswered for timeoutMs, with nothing else heard since it went out, means the node is gone.
// Judged against the last ping sent, not against the clock alone: a browser throttling a hidden
// tab's timers to once a minute must not take its own sleep for the node's silence.

export interface HeartbeatState {
  /** When anything last came from the node (an answer, a notification), epoch ms. */
  lastHeardAt: number;
  /** When the last ping went out, or null before the first. */
  pingSentAt: number | null;
}

/**
 * How long a ping may go unanswered: the configured time, or four round trips when the link is
 * slower than that allows (a mobile link whose pings take 400 ms must not be declared dead at 1 s
 * by one late answer). `srttMs`: the smoothed round trip of the pings answered so far (null: none yet).
 */
export function heartbeatTimeout(configuredMs: number, srttMs: number | null): number {
  return srttMs === null ? configuredMs : Math.max(configuredMs, Math.ceil(4 * srttMs));
}

/** The smoothed round trip after one more answered ping (RFC 6298's 1/8 gain). */
export function smoothRtt(srttMs: number | null, sampleMs: number): number {
  return srttMs === null ? sampleMs : srttMs + (sampleMs - srttMs) / 8;
}

/** 'dead': close the channel as lost; 'ping': send one now; 'wait': one is out, not yet late. */
export function heartbeatStep(state: HeartbeatState, now: number, timeoutMs: number): 'dead' | 'ping' | 'wait' {
  const { lastHeardAt, pingSentAt } = state;
  if (pingSentAt === null || lastHeardAt >= pingSentAt) return 'ping';
  return now - pingSentAt >= timeoutMs ? 'dead' : 'wait';
}
