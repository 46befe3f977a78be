// Relay sockets that have not authenticated yet (issue 18 item 4): each counts against a cap per
// remote address and a total cap from the moment it is accepted, and is destroyed when it has not
// proved cdn_secret within the deadline (TLS, upgrade, challenge and hello together), whatever
// stage it stalls at. Destroyed, not closed: a stranger that stops reading must not keep the fd
// while a close handshake waits for it. So one address holds at most `perAddress` fds of this
// node, and everyone together `total`, however many sockets they open.

/** What the gate needs of a socket: to be destroyed, and to say when it is gone. */
export interface GatedSocket {
  destroy(): void;
  once(event: 'close', listener: () => void): unknown;
}

export interface PendingRelaysOptions {
  perAddress: number;
  total: number;
  /** Destroys a socket that has not authenticated this long after admission. */
  deadlineMs: number;
  /** Told when a socket was destroyed at the deadline (for the log). */
  onDeadline?: (address: string) => void;
}

/** An admitted socket: `authenticated()` frees its slot and cancels its deadline (idempotent). */
export interface PendingRelay {
  authenticated(): void;
}

export type Refusal = 'address' | 'total';

export class PendingRelays {
  readonly #options: PendingRelaysOptions;
  readonly #byAddress = new Map<string, number>();
  #total = 0;

  constructor(options: PendingRelaysOptions) {
    this.#options = options;
  }

  /** Sockets admitted and not yet authenticated nor closed. */
  get size(): number {
    return this.#total;
  }

  /**
   * Admits a socket, or says which cap refuses it (the caller answers, if it can, and destroys it).
   * Counting and the check happen in one synchronous step: no await between them.
   */
  admit(socket: GatedSocket, address: string): PendingRelay | Refusal {
    const mine = this.#byAddress.get(address) ?? 0;
    if (mine >= this.#options.perAddress) return 'address';
    if (this.#total >= this.#options.total) return 'total';
    this.#byAddress.set(address, mine + 1);
    this.#total++;
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      this.#total--;
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#byAddress.set(address, left);
      else this.#byAddress.delete(address);
    };
    const deadline = setTimeout(() => {
      if (done) return;
      release();
      this.#options.onDeadline?.(address);
      socket.destroy();
    }, this.#options.deadlineMs);
    deadline.unref();
    socket.once('close', release);
    return { authenticated: release };
  }
}
