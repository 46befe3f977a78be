// Failed relay handshakes per remote address: a flood of wrong proofs must neither cost a log line
// each nor keep being answered. Pure (the clock is passed in): the edge relay service records
// failures, refuses an address over the limit until its window passes, and logs one summary line
// per address per window.

export interface FailureWindowOptions {
  /** Length of a window, ms. Default 10000. */
  windowMs?: number;
  /** Failures in one window after which the address is refused until the window ends. Default 10. */
  maxFailures?: number;
}

interface Entry {
  start: number;
  count: number;
  /** Failures not yet reported in a summary. */
  unreported: number;
}

export class HandshakeFailures {
  readonly windowMs: number;
  readonly maxFailures: number;
  readonly #byAddress = new Map<string, Entry>();

  constructor(options: FailureWindowOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000;
    this.maxFailures = options.maxFailures ?? 10;
  }

  /** Counts a failure; `first` is true for the first one of the address's window (log it alone). */
  record(address: string, now: number): { first: boolean } {
    let entry = this.#current(address, now);
    const first = !entry;
    if (!entry) {
      entry = { start: now, count: 0, unreported: 0 };
      this.#byAddress.set(address, entry);
    }
    entry.count++;
    if (!first) entry.unreported++;
    return { first };
  }

  /** True while the address has used up its failures for the current window. */
  blocked(address: string, now: number): boolean {
    const entry = this.#current(address, now);
    return entry !== undefined && entry.count >= this.maxFailures;
  }

  /**
   * The failures not yet logged, one line's worth per address (`count` in the window so far), and
   * forgets the windows that ended. Call it every windowMs.
   */
  drain(now: number): { address: string; count: number; unreported: number }[] {
    const out: { address: string; count: number; unreported: number }[] = [];
    for (const [address, entry] of this.#byAddress) {
      if (entry.unreported > 0) out.push({ address, count: entry.count, unreported: entry.unreported });
      entry.unreported = 0;
      if (now - entry.start >= this.windowMs) this.#byAddress.delete(address);
    }
    return out;
  }

  /** Addresses with a live window (for tests and metrics). */
  get size(): number {
    return this.#byAddress.size;
  }

  #current(address: string, now: number): Entry | undefined {
    const entry = this.#byAddress.get(address);
    if (entry && now - entry.start >= this.windowMs) {
      // The window ended; what it did not report yet is dropped with it only after a drain.
      if (entry.unreported === 0) {
        this.#byAddress.delete(address);
        return undefined;
      }
      entry.start = now;
      entry.count = 0;
      return entry;
    }
    return entry;
  }
}
