// How many of the relays' requests an origin worker has in hand at once (issue 22, item 3).
//
// A worker answers its channel's requests in order, one after the other. A publish makes every
// edge's relay ask the stream's worker for something at the same moment: a pipe (createPipeTransport,
// connect) for an edge's first stream from that worker, then a pipe consumer per track. With 12 edges
// that was 12-24 requests queued in front of the publisher's own createWebRtcTransport, produce and
// connect, so the publisher's answers grew with the number of edges (measured: a cold publish
// answered in 59 ms with 1 edge, 290 ms with 12; test/integration/publishAnswer.test.ts). The
// relays' worker requests go through this gate instead, per worker: at most `limit` in hand, the
// rest wait here, in order, so a publisher's request waits behind at most `limit` of them whatever
// the number of edges. The round trips to the edges (relayPipe, relayStream, relayProducer) are not
// gated: they load neither the worker nor, much, the event loop, and gating them would only slow
// the relays.
//
// Pure: no I/O, no timers; the tasks are the caller's.

/** The relays' requests an origin worker has in hand at once (the others wait in order). */
export const RELAY_WORKER_REQUESTS = 2;

export class RelayGate {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit = RELAY_WORKER_REQUESTS) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a relay gate needs a limit of at least 1, not ${limit}`);
    this.#limit = limit;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` once fewer than `limit` tasks run, after those that came before it; its result or error is the caller's. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    // The slot is taken here or handed over by the task that frees it (never re-checked after the
    // wait): a task arriving meanwhile cannot slip in between.
    if (this.#running < this.#limit) this.#running++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
