// A request rate limit per client address (HTTP routes: /rtcloadbalance, REST, WHIP/WHEP): one
// token bucket per address, addresses in the exempt list never limited. Pure (the clock is passed
// in). Memory stays bounded: buckets that have refilled are forgotten on a sweep (a full bucket is
// the same as none), and beyond `maxAddresses` new addresses share one overflow bucket.
import { TokenBucket } from './TokenBucket';

export interface AddressRateOptions {
  ratePerSecond: number;
  burst: number;
  exempt: readonly string[];
  /** Most addresses tracked at once (default 100 000). */
  maxAddresses?: number;
}

export class AddressRate {
  readonly #options: AddressRateOptions;
  readonly #exempt: ReadonlySet<string>;
  readonly #buckets = new Map<string, { bucket: TokenBucket; last: number }>();
  #overflow: TokenBucket | null = null;
  #lastSweep: number;

  constructor(options: AddressRateOptions, now: number) {
    this.#options = options;
    this.#exempt = new Set(options.exempt);
    this.#lastSweep = now;
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes a token for `address`; false when it is over its rate. */
  admit(address: string, now: number): boolean {
    if (this.#exempt.has(address)) return true;
    this.#sweep(now);
    let entry = this.#buckets.get(address);
    if (!entry) {
      if (this.#buckets.size >= (this.#options.maxAddresses ?? 100_000)) {
        this.#overflow ??= new TokenBucket(this.#options.ratePerSecond, this.#options.burst, now);
        return this.#overflow.take(now);
      }
      entry = { bucket: new TokenBucket(this.#options.ratePerSecond, this.#options.burst, now), last: now };
      this.#buckets.set(address, entry);
    }
    entry.last = now;
    return entry.bucket.take(now);
  }

  /** Forgets, at most once a second, the buckets that have had time to refill completely. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < 1000) return;
    this.#lastSweep = now;
    const refillMs = (1000 * this.#options.burst) / this.#options.ratePerSecond;
    for (const [address, entry] of this.#buckets) if (now - entry.last >= refillMs) this.#buckets.delete(address);
  }
}
