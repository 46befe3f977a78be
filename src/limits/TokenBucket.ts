// A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Pure (the clock is passed
// in), so the request rate limit is unit-tested without timers.

export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(ratePerSecond: number, burst: number, now: number) {
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  /** Takes one token if there is one; false when the bucket is empty. */
  take(now: number): boolean {
    // A clock that goes backwards refills nothing rather than draining the bucket.
    const elapsed = Math.max(0, now - this.#at);
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
