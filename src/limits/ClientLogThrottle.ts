// Log lines a client causes (refused frames, refused requests, refused connections) are limited
// per client address: the first `perWindow` in each window are logged one by one, the rest are
// counted and summed up once per window ("N refused frames from <ip> in the last 10 s"), so a
// flood costs one line per address per window. Pure: the caller flushes at the end of each window.

export interface ThrottleSummary {
  address: string;
  suppressed: number;
}

export class ClientLogThrottle {
  readonly #perWindow: number;
  readonly #seen = new Map<string, { logged: number; suppressed: number }>();

  /** `perWindow`: lines logged one by one per address between two flushes. */
  constructor(perWindow: number) {
    this.#perWindow = perWindow;
  }

  /** True when this line may be logged; false when it was counted instead. */
  admit(address: string): boolean {
    const entry = this.#seen.get(address) ?? { logged: 0, suppressed: 0 };
    this.#seen.set(address, entry);
    if (entry.logged < this.#perWindow) {
      entry.logged += 1;
      return true;
    }
    entry.suppressed += 1;
    return false;
  }

  /** The addresses whose lines were suppressed since the last flush, and how many; starts a new window. */
  flush(): ThrottleSummary[] {
    const out = [...this.#seen].filter(([, e]) => e.suppressed > 0).map(([address, e]) => ({ address, suppressed: e.suppressed }));
    this.#seen.clear();
    return out;
  }
}
