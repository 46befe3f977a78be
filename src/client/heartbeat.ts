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

/**
 * Whether this tick of the heartbeat came late: more than two periods after the previous one. The
 * page itself was not running (a starved renderer on a busy machine, a long task, a throttled
 * tab), and an answer that arrived meanwhile may still wait in the event queue behind this timer.
 */
export function tickLate(previousTickAt: number | null, now: number, tickMs: number): boolean {
  return previousTickAt !== null && now - previousTickAt > 2 * tickMs;
}

/**
 * 'dead': close the channel as lost; 'ping': send one now; 'wait': one is out, not yet late. A
 * late tick (`late`, see tickLate) never judges the node dead: the next one, a period later, does,
 * once the queued answer (if any) had its turn. Without it, a page stalled for a second on a busy
 * machine took its own stall for the node's silence and moved its players away.
 */
export function heartbeatStep(state: HeartbeatState, now: number, timeoutMs: number, late = false): 'dead' | 'ping' | 'wait' {
  const { lastHeardAt, pingSentAt } = state;
  if (pingSentAt === null || lastHeardAt >= pingSentAt) return 'ping';
  return now - pingSentAt >= timeoutMs && !late ? 'dead' : 'wait';
}
