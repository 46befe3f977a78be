// Notices a mediasoup worker that stopped answering (stopped with SIGSTOP, stuck in a loop,
// starved): a worker that is alive but hung never emits 'died', so its streams would freeze with
// nobody told. Every `probeMs` it asks the worker a cheap question over its channel (its resource
// usage) when no probe is in flight; a probe left unanswered for `timeoutMs` makes it call onHung.
import type * as ms from 'mediasoup/lib/types';
import type { Logger } from '../log';

export interface WorkerWatchdogOptions {
  worker: ms.Worker;
  /** Probe interval. */
  probeMs: number;
  /** How long a probe may stay unanswered. */
  timeoutMs: number;
  /** Called once, with how long the probe has waited; the watchdog is stopped by then. */
  onHung: (unansweredMs: number) => void;
  logger: Logger;
}

export class WorkerWatchdog {
  readonly #options: WorkerWatchdogOptions;
  readonly #interval: NodeJS.Timeout;
  /** When the probe in flight was sent; null when none is. */
  #sentAt: number | null = null;
  #deadline: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(options: WorkerWatchdogOptions) {
    this.#options = options;
    this.#interval = setInterval(() => this.#probe(), options.probeMs);
    this.#interval.unref();
  }

  /** How long the probe in flight has waited (0 when none is). */
  get unansweredMs(): number {
    return this.#sentAt === null ? 0 : Date.now() - this.#sentAt;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#interval);
    if (this.#deadline) clearTimeout(this.#deadline);
  }

  #probe(): void {
    const { worker, timeoutMs, logger } = this.#options;
    if (this.#stopped || this.#sentAt !== null || worker.closed) return;
    const sentAt = Date.now();
    this.#sentAt = sentAt;
    this.#arm(timeoutMs);
    worker.getResourceUsage().then(
      () => {
        if (this.#sentAt !== sentAt) return;
        this.#sentAt = null;
        if (this.#deadline) clearTimeout(this.#deadline);
      },
      // The worker closed (died, or the node is closing): its 'died' path or close() takes over.
      (err: Error) => logger.debug({ pid: worker.pid, err: err.message }, 'worker probe failed'),
    );
  }

  #arm(delayMs: number): void {
    const dueAt = Date.now() + delayMs;
    this.#deadline = setTimeout(() => this.#check(dueAt), delayMs);
    this.#deadline.unref();
  }

  #check(dueAt: number): void {
    const firedLateBy = Date.now() - dueAt;
    // Timers run before the event loop reads the worker's channel: setImmediate runs after that
    // read, so an answer that came while this timer waited is counted.
    setImmediate(() => {
      if (this.#stopped || this.#sentAt === null) return;
      const { timeoutMs, onHung } = this.#options;
      // So late a timer means this process was stalled itself, and could not read the answer:
      // give the worker a whole new deadline rather than kill it for our own stall.
      if (firedLateBy > timeoutMs / 3) return this.#arm(timeoutMs);
      const waited = this.unansweredMs;
      if (waited < timeoutMs) return this.#arm(timeoutMs - waited);
      this.stop();
      onHung(waited);
    });
  }
}
