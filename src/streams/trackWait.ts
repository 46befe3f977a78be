// How long a WHEP play waits for tracks its offer asks for that the stream does not have yet,
// pure. A WHEP answer is fixed: a section answered without its track stays empty for the whole
// session (later tracks are not offered, docs/whip-whep.md). A stream's tracks arrive one after
// another as it starts, or again after another origin took its relay over (the publisher moved,
// Stream.takeOver): a player whose POST lands in between would get audio and never video. So a
// play waits, while the stream's tracks are young (TRACK_WAIT_MS since they began arriving), for
// the kinds it asks for; a stream that has none of them by then is played with what it has.

/** How long after a stream's tracks began arriving a WHEP play waits for the rest. */
export const TRACK_WAIT_MS = 2000;

/**
 * Milliseconds to wait before answering (0: answer now): the stream lacks a kind the offer wants,
 * and its tracks began arriving less than TRACK_WAIT_MS ago.
 */
export function trackWaitMs(now: number, tracksSince: number, have: readonly string[], want: readonly string[], maxMs = TRACK_WAIT_MS): number {
  if (want.every((kind) => have.includes(kind))) return 0;
  return Math.max(0, tracksSince + maxMs - now);
}
