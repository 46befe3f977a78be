// Hung-peer detection on a relay link, where TCP and WebSocket pings notice a stopped or cut-off
// peer only after many seconds. The origin sends a `ping` request every `intervalMs` and takes the
// edge as hung when no answer arrived for `timeoutMs` (LinkHeartbeat); the edge takes the origin as
// gone when nothing at all arrived from it for `timeoutMs` (SilenceWatch alone).
import type { Logger } from '../log';

export interface SilenceWatchOptions {
  timeoutMs: number;
  /** Called once, with how long the peer has been silent; the watch is stopped by then. */
  onSilent: (silentMs: number) => void;
}

/** Calls onSilent when heard() was not called for timeoutMs. */
export class SilenceWatch {
  readonly #options: SilenceWatchOptions;
  #last = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #dueAt = 0;
  #stopped = false;

  constructor(options: SilenceWatchOptions) {
    this.#options = options;
    this.#arm(options.timeoutMs);
  }

  /** The peer said something. */
  heard(): void {
    this.#last = Date.now();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(delayMs: number): void {
    this.#dueAt = Date.now() + delayMs;
    this.#timer = setTimeout(() => this.#check(), delayMs);
    this.#timer.unref();
  }

  #check(): void {
    const firedLateBy = Date.now() - this.#dueAt;
    // Timers run before the event loop reads sockets: an answer that came while this timer waited
    // is read in the poll phase that follows. setImmediate runs after it, so the verdict sees it.
    setImmediate(() => {
      if (this.#stopped) return;
      const { timeoutMs, onSilent } = this.#options;
      const now = Date.now();
      // A timer this late means our own process was stalled (GC, CPU starvation, SIGSTOP of this
      // node): the peer could not be heard meanwhile, which is not its silence. Start over.
      if (firedLateBy > timeoutMs / 3) this.#last = now;
      const silent = now - this.#last;
      if (silent < timeoutMs) return this.#arm(timeoutMs - silent);
      this.stop();
      onSilent(silent);
    });
  }
}

export interface LinkHeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Sends one ping request; resolves with its answer. */
  ping: () => Promise<unknown>;
  /** Called once when no ping was answered for timeoutMs; the heartbeat is stopped by then. */
  onHung: (silentMs: number) => void;
  logger: Logger;
}

/** Pings every intervalMs (the first one at once) and calls onHung when answers stop for timeoutMs. */
export class LinkHeartbeat {
  readonly #watch: SilenceWatch;
  readonly #timer: NodeJS.Timeout;

  constructor(options: LinkHeartbeatOptions) {
    this.#watch = new SilenceWatch({
      timeoutMs: options.timeoutMs,
      onSilent: (silentMs) => {
        clearInterval(this.#timer);
        options.onHung(silentMs);
      },
    });
    const ping = () =>
      options.ping().then(
        () => this.#watch.heard(),
        // TIMEOUT long after the watch decided, or NODE_CLOSING as the link goes: the watch is what counts.
        (err: Error) => options.logger.debug({ err: err.message }, 'heartbeat ping got no answer'),
      );
    this.#timer = setInterval(() => void ping(), options.intervalMs);
    this.#timer.unref();
    void ping();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#watch.stop();
  }
}
