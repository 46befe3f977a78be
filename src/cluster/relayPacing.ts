// When the origin's relays to its edges do their work, so that a publisher's answers do not depend
// on how many edges there are (issue 22, item 3). Measured before (test/integration/publishAnswer.test.ts,
// 2 cores): a cold publish answered in 59 ms with 1 edge and 290 ms with 12 edge processes, a warm
// one in 14 ms and about 100 ms. Per-request timing showed where: the publisher's publish waited
// behind the 12 pipes' createPipeTransport on the stream's worker, each produce behind the 12 pipe
// consumers of the track before it, and, on one machine, behind the CPU the 12 edges spent making
// their side of each relay at that same moment. Two rules:
//
// 1. A stream's relays start their work once its publisher has been quiet (no new stream, no new
//    track) for RELAY_SETTLE_MS: a publisher's publish, produce, produce, connect come within a
//    round trip of each other, so the relays run after them, not between them. A stream published
//    a while ago (a player pulling it to a cold edge, an edge coming up) waits for nothing.
// 2. Their requests to a worker go through that worker's gate (relayGate.ts): at most
//    RELAY_WORKER_REQUESTS in hand at once, so another publisher arriving meanwhile waits behind
//    two of them, not behind every edge's.
import type { Stream } from '../streams/Stream';
import { RelayGate } from './relayGate';

/** How long a stream's publisher must have been quiet before its relays start (ms). */
export const RELAY_SETTLE_MS = 40;

/** How long a relay step still waits, the stream's last change (stream or track added) at `changedAt` (pure). */
export function settleWait(changedAt: number | undefined, now: number, settleMs = RELAY_SETTLE_MS): number {
  return changedAt === undefined ? 0 : Math.max(0, changedAt + settleMs - now);
}

export class RelayPacing {
  readonly #gates = new WeakMap<object, RelayGate>();
  /** Per local stream: when it or its last track was added (performance.now()). */
  readonly #changedAt = new WeakMap<Stream, number>();
  readonly #settleMs: number;

  constructor(settleMs = RELAY_SETTLE_MS) {
    this.#settleMs = settleMs;
  }

  /** A new local stream: its relays wait for its publisher to settle (call before they start). */
  watch(stream: Stream): void {
    this.#changedAt.set(stream, performance.now());
    const onProducer = () => this.#changedAt.set(stream, performance.now());
    stream.on('producer', onProducer);
    stream.once('close', () => stream.off('producer', onProducer));
  }

  /** Resolves once `stream`'s publisher has added nothing for RELAY_SETTLE_MS (at once for a settled or unknown stream). */
  async settled(stream: Stream): Promise<void> {
    for (;;) {
      const wait = settleWait(this.#changedAt.get(stream), performance.now(), this.#settleMs);
      if (wait === 0 || stream.closed) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** The gate of the worker whose router is `router`, shared by the relays to every edge. */
  gate(router: object): RelayGate {
    let gate = this.#gates.get(router);
    if (!gate) {
      gate = new RelayGate();
      this.#gates.set(router, gate);
    }
    return gate;
  }
}
