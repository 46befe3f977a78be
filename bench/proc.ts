// What Linux's /proc says about a process: CPU time (utime + stime) and resident memory. Reading
// them from outside costs the measured process nothing, and works for mediasoup workers too.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** The 1-minute load average: how busy the shared machine was, for the report. */
export function loadAverage(): number {
  return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** CPU use of several processes over a window, each in cores (1 = one core busy). */
export class CpuWindow {
  readonly #pids: number[];
  readonly #start: number[];
  readonly #t0 = performance.now();

  constructor(pids: number[]) {
    this.#pids = pids;
    this.#start = pids.map(cpuSeconds);
  }

  /** Cores used per process since the window opened. */
  end(): number[] {
    const secs = (performance.now() - this.#t0) / 1000;
    return this.#pids.map((pid, i) => (cpuSeconds(pid) - this.#start[i]) / secs);
  }
}

/**
 * `BENCH_NICE` (default -5): the nice value given to the processes being measured (mediasoup
 * workers, the sink), all of them alike. On a machine shared with other jobs, a load average of
 * 8-12 on 2 cores otherwise starves the worker below its own limit and the other jobs, not the
 * SFU, decide the figure. 0 leaves priorities alone. Only our own child processes are changed.
 */
export const BENCH_NICE = Number(process.env.BENCH_NICE ?? -5);

export function prioritise(pid: number): void {
  if (BENCH_NICE === 0) return;
  try {
    os.setPriority(pid, BENCH_NICE);
  } catch {
    // Not permitted (not root): the figures are then taken at normal priority, as the report says.
  }
}

/** The nice value a process runs at (to report what prioritise achieved). */
export function niceOf(pid: number): number {
  return os.getPriority(pid);
}

/**
 * A fixed amount of CPU work (SHA-256 over 32 MB), timed: repeated through a run, its spread says
 * how much the machine's other jobs slowed everything down meanwhile.
 */
export function calibrate(): number {
  const chunk = Buffer.alloc(64 * 1024, 1);
  const t0 = performance.now();
  const hash = createHash('sha256');
  for (let i = 0; i < 512; i++) hash.update(chunk);
  hash.digest();
  return performance.now() - t0;
}
