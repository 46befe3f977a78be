// Concurrent things (command-channel connections, WHIP/WHEP sessions) per client address, with a
// cap and a list of exempt addresses (loopback by default: behind a reverse proxy on the same host
// every client comes from it, so the proxy is where per-address limits belong). Pure.

/** IPv4 clients of a dual-stack socket appear as `::ffff:a.b.c.d`: count them as `a.b.c.d`. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export class AddressCounter {
  readonly #cap: number;
  readonly #exempt: ReadonlySet<string>;
  readonly #counts = new Map<string, number>();

  constructor(cap: number, exempt: readonly string[]) {
    this.#cap = cap;
    this.#exempt = new Set(exempt.map(normalizeAddress));
  }

  get cap(): number {
    return this.#cap;
  }

  count(address: string): number {
    return this.#counts.get(normalizeAddress(address)) ?? 0;
  }

  /** Takes a slot for the address; returns its release (idempotent), or null at the cap. */
  acquire(address: string): (() => void) | null {
    const key = normalizeAddress(address);
    if (this.#exempt.has(key)) return () => undefined;
    const n = this.#counts.get(key) ?? 0;
    if (n >= this.#cap) return null;
    this.#counts.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left <= 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }
}
