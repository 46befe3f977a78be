// The node's log for lines a client causes, throttled per client address (ClientLogThrottle):
// what is over the allowance is summed up every `windowMs` in one warn line per address.
import type { Logger } from '../log';
import { ClientLogThrottle } from './ClientLogThrottle';

export interface ClientLogOptions {
  /** Lines logged one by one per address and window. Default 20. */
  perWindow?: number;
  /** Default 10000. */
  windowMs?: number;
}

export class ClientLog {
  readonly #logger: Logger;
  readonly #throttle: ClientLogThrottle;
  readonly #timer: NodeJS.Timeout;
  readonly #windowMs: number;

  constructor(logger: Logger, options: ClientLogOptions = {}) {
    this.#logger = logger;
    this.#throttle = new ClientLogThrottle(options.perWindow ?? 20);
    this.#windowMs = options.windowMs ?? 10_000;
    this.#timer = setInterval(() => this.flush(), this.#windowMs);
    this.#timer.unref();
  }

  info(address: string, fields: Record<string, unknown>, message: string): void {
    if (this.#throttle.admit(address)) this.#logger.info({ remote: address, ...fields }, message);
  }

  warn(address: string, fields: Record<string, unknown>, message: string): void {
    if (this.#throttle.admit(address)) this.#logger.warn({ remote: address, ...fields }, message);
  }

  /** Logs the suppressed counts of the window that ends now. */
  flush(): void {
    for (const { address, suppressed } of this.#throttle.flush()) {
      this.#logger.warn(
        { remote: address, suppressed },
        `${suppressed} refused frames from ${address} in the last ${Math.round(this.#windowMs / 1000)} s (not logged one by one)`,
      );
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
