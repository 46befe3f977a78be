// The per-session frame rate limit of the command channel: every incoming frame (request, garbage
// or notification) takes a token; without one it is refused (RATE_LIMITED), and a session that
// keeps sending while refused — `closeAfter` refusals within one window — is closed. Pure.
import { TokenBucket } from './TokenBucket';

export interface RequestGateOptions {
  /** Sustained frames per second (`limits.session.requests_per_s`). */
  ratePerSecond: number;
  /** Frames accepted at once above the rate (`limits.session.request_burst`). */
  burst: number;
  /** Refused frames within `windowMs` that close the session (`limits.session.flood_close`). */
  closeAfter: number;
  /** Default 10000. */
  windowMs?: number;
}

export type GateVerdict = 'accept' | 'refuse' | 'close';

export class RequestGate {
  readonly #bucket: TokenBucket;
  readonly #closeAfter: number;
  readonly #windowMs: number;
  #refused = 0;
  #windowStart: number;

  constructor(options: RequestGateOptions, now: number) {
    this.#bucket = new TokenBucket(options.ratePerSecond, options.burst, now);
    this.#closeAfter = options.closeAfter;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#windowStart = now;
  }

  admit(now: number): GateVerdict {
    if (this.#bucket.take(now)) return 'accept';
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#refused = 0;
    }
    this.#refused += 1;
    return this.#refused >= this.#closeAfter ? 'close' : 'refuse';
  }
}
