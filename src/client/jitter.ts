// Jitter for every back-off (edge links, relay retries, SDK reconnects): many clients that failed
// at the same moment (a dead edge worker, a restarted origin) must not all retry at the same
// moment again. "Equal jitter": half the delay is kept, the other half is drawn at random, so a
// retry never comes sooner than half the planned delay (the back-off still backs off) and the
// retries of a crowd spread over the other half. Pure: the random source is injectable for tests.
// It lives in src/client because the browser SDK (which may import nothing outside src/client)
// uses it too; the server imports it from here.

/** A source of uniform numbers in [0, 1), like Math.random. */
export type RandomSource = () => number;

/**
 * `delayMs` with equal jitter: a value in [delayMs / 2, delayMs], uniformly; never negative, never
 * more than `delayMs`, whatever the random source returns (it is clamped to [0, 1]).
 */
export function equalJitter(delayMs: number, random: RandomSource = Math.random): number {
  if (!Number.isFinite(delayMs) || delayMs <= 0) return 0;
  const r = random();
  const clamped = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  const half = delayMs / 2;
  return Math.round(half + clamped * half);
}
