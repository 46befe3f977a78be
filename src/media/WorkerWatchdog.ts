// Notices a mediasoup worker that stopped answering (stopped with SIGSTOP, stuck in a loop,
// starved): a worker that is alive but hung never emits 'died', so its streams would freeze with
// nobody told. Every `probeMs` it asks the worker a cheap question over its channel (its resource
// usage) when no probe is in flight; a probe left unanswered for `timeoutMs` makes it call onHung
// — unless the worker is visibly working. A worker forwarding for a thousand viewers can answer a
// probe seconds late on a loaded machine; killing it would cut every one of them off. So at the
// deadline the watchdog reads the worker's state and CPU time from /proc: a stopped worker (SIGSTOP,
// state T) or one whose CPU time has not moved since the probe was sent is hung; one that is
// running and burning CPU gets more time, up to `hardTimeoutMs` (a worker spinning in a loop for
// that long is killed anyway). Where /proc cannot be read, the deadline alone decides.
import fs from 'node:fs';
import type * as ms from 'mediasoup/types';
import type { Logger } from '../log';

/** What /proc/<pid>/stat says of a process: its state letter and its CPU time in clock ticks. */
export interface ProcSample {
  state: string;
  cpuTicks: number;
}

/** Reads /proc/<pid>/stat; null where it cannot (not Linux, process gone). */
export function readProcSample(pid: number): ProcSample | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return { state: fields[0], cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/**
 * Pure: is a worker whose probe has waited `waitedMs` (past its timeout) hung, or busy and worth
 * waiting for? `before` was sampled when the probe was sent, `now` at the deadline.
 */
export function probeVerdict(before: ProcSample | null, now: ProcSample | null, waitedMs: number, hardTimeoutMs: number): 'hung' | 'busy' {
  if (waitedMs >= hardTimeoutMs) return 'hung';
  if (!before || !now) return 'hung';
  if (now.state === 'T' || now.state === 't' || now.state === 'Z') return 'hung';
  return now.cpuTicks > before.cpuTicks ? 'busy' : 'hung';
}

export interface WorkerWatchdogOptions {
  worker: ms.Worker;
  /** Probe interval. */
  probeMs: number;
  /** How long a probe may stay unanswered by a worker that is stopped or makes no progress. */
  timeoutMs: number;
  /** How long a probe may stay unanswered by a worker that is running and using CPU. Default 10 x timeoutMs. */
  hardTimeoutMs?: number;
  /** Called once, with how long the probe has waited; the watchdog is stopped by then. */
  onHung: (unansweredMs: number) => void;
  logger: Logger;
}

export class WorkerWatchdog {
  readonly #options: WorkerWatchdogOptions;
  readonly #interval: NodeJS.Timeout;
  /** When the probe in flight was sent; null when none is. */
  #sentAt: number | null = null;
  /** The worker's state and CPU time when the probe in flight was sent (or last judged busy). */
  #sample: ProcSample | null = null;
  #busyLogged = false;
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
    this.#sample = readProcSample(worker.pid);
    this.#arm(timeoutMs);
    worker.getResourceUsage().then(
      () => {
        if (this.#sentAt !== sentAt) return;
        this.#sentAt = null;
        this.#busyLogged = false;
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
      const { worker, logger, hardTimeoutMs = timeoutMs * 10 } = this.#options;
      const now = readProcSample(worker.pid);
      if (probeVerdict(this.#sample, now, waited, hardTimeoutMs) === 'busy') {
        if (!this.#busyLogged) logger.warn({ pid: worker.pid, unansweredMs: waited }, 'mediasoup worker answers its probe late but is running: waiting for it');
        this.#busyLogged = true;
        // Judged again a timeout later against this sample: it must keep making progress.
        this.#sample = now;
        return this.#arm(timeoutMs);
      }
      this.stop();
      onHung(waited);
    });
  }
}
