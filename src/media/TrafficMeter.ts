// This node's media traffic in bits/s: what its transports receive (publishers, relays in) and send
// (players). Reading it costs one worker request per transport, so it is read only while someone
// looks (a console here, or the origin's console through `watch`), and at most once a second: a
// read within a second of the last returns the last figures.
import type * as ms from 'mediasoup/types';
import type { Logger } from '../log';

export interface Traffic {
  /** bits/s received by the transports. */
  in: number;
  /** bits/s sent by the transports. */
  out: number;
  /** When it was measured (ms since the epoch). */
  at: number;
}

export class TrafficMeter {
  readonly #transports: () => ms.Transport[];
  readonly #logger: Logger;
  readonly #minIntervalMs: number;
  #last: Traffic | null = null;
  #reading: Promise<Traffic> | null = null;

  /** `minIntervalMs` (default 1000): reads closer together than this share one measurement. */
  constructor(transports: () => ms.Transport[], logger: Logger, minIntervalMs = 1000) {
    this.#transports = transports;
    this.#logger = logger;
    this.#minIntervalMs = minIntervalMs;
  }

  /** The last measurement, or null before the first. */
  get last(): Traffic | null {
    return this.#last;
  }

  /** Measures (or returns a measurement less than a second old). */
  read(): Promise<Traffic> {
    if (this.#last && Date.now() - this.#last.at < this.#minIntervalMs) return Promise.resolve(this.#last);
    this.#reading ??= this.#measure().finally(() => (this.#reading = null));
    return this.#reading;
  }

  async #measure(): Promise<Traffic> {
    let bitsIn = 0;
    let bitsOut = 0;
    const live = this.#transports().filter((t) => !t.closed);
    const stats = await Promise.allSettled(live.map((t) => t.getStats() as Promise<{ recvBitrate?: number; sendBitrate?: number }[]>));
    let failed = 0;
    for (const result of stats) {
      if (result.status === 'rejected') {
        // A transport that closed between the list and its answer: it carries nothing any more.
        failed++;
        continue;
      }
      for (const s of result.value) {
        bitsIn += s.recvBitrate ?? 0;
        bitsOut += s.sendBitrate ?? 0;
      }
    }
    if (failed > 0) this.#logger.debug({ failed }, 'traffic meter: transports closed while being read');
    this.#last = { in: bitsIn, out: bitsOut, at: Date.now() };
    return this.#last;
  }
}
