// Old engine against new: mediasoup 3.8.4 (the product's engine until December 2026, its worker
// built by bench/legacy/buildLegacyWorker.mjs with the product's patches) and mediasoup 3.27 (the
// product's now), measured the same way in the same run. Each engine is a child process
// (bench/engineProbe.ts) loading its own mediasoup with one worker, one router, one plain-RTP
// publisher and N plain-RTP viewers; this process drives them with one paced generator
// (bench/generator.ts: VP8 with the X and I bits and a two-byte PictureID, keyframes every second
// and on request) and one receiver, the recvmmsg sink (bench/sink.c), counting per viewer.
//
//   memory: worker VmRSS with the stream flowing, before the first viewer and while N viewers
//           receive it, until it levels off; a fresh worker per run, the engines in turn. Once with
//           the viewers the product makes, once with viewers that negotiate no bandwidth
//           estimation (bench/engineProbe.ts: ViewerKind): the difference is the estimator's.
//   ladder: viewer counts step up on both engines together; at each step both are measured in
//           windows taken in turn (old, new, new, old, ...), only the measured engine's stream
//           sent meanwhile, so a burst of other jobs on this shared machine falls on one window of
//           one engine, and the step's figure is the median window. µs of worker CPU per packet
//           delivered, and whether the viewers got >= 99% of the packets within the time cap.
//
// The figures are whatever the run measures; when the 3.8.4 worker cannot be had, the section
// says so and shows 3.27 alone.
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineName, ProbeDescription, ProbeRequest, ViewerKind } from './engineProbe';
import { Generator, type Source } from './generator';
import { calibrate, cpuSeconds, loadAverage, niceOf, prioritise, rssBytes } from './proc';
import type { RtpSink, SinkCount } from './sink';
import { fmt, median } from './stats';

export const ENGINES_HEADING = 'Old engine against new: mediasoup 3.8.4 and 3.27 on the same run';
const BUILD_SCRIPT = path.join(__dirname, 'legacy', 'buildLegacyWorker.mjs');
/** `--path` of the build script exits with this when no binary is cached. */
const NOT_BUILT = 3;
/** Stream with no viewer before the memory baseline is read (at most the fill). */
const BASELINE_MS = 2000;
/**
 * The send-side bandwidth estimator (libwebrtc's, in both engines) keeps every sent packet's record
 * until the receiver's transport-cc feedback acknowledges it, and drops unacknowledged ones after
 * this long (kSendTimeHistoryWindowMs): with a receiver that sends no feedback, worker memory
 * grows for this long, then levels off.
 */
const BWE_HISTORY_MS = 60000;
/** An early memory reading, before the estimator's history matters much (when the fill is this long). */
const EARLY_READING_S = 8;
/** Video packets per second and bytes per packet: 1 Mbit/s, as the capacity section. */
const RATE = 100;
const PACKET_BYTES = 1250;
const MIN_DELIVERY = 0.99;
const DRAIN_MS = 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface EnginesOptions {
  /** Viewer counts of the ladder. */
  steps: number[];
  /** One measuring window: the stream flows this long. */
  windowMs: number;
  /** Windows per engine per step (the median is kept). */
  rounds: number;
  /** The time cap: a packet counts as delivered when the sink has it this long after the source stopped. */
  graceMs: number;
  /** Viewers of the memory runs, and how long they receive before the reading: product viewers, viewers without the estimator. */
  memoryViewers: number;
  memoryFillMs: number;
  memoryNoBweFillMs: number;
  memoryRepeats: number;
  /** The ladder starts no new step after this many seconds (the section says so if it stopped there). */
  maxSeconds: number;
  /** Build the 3.8.4 worker when it is not cached (5-15 minutes); otherwise the old engine is skipped. */
  build: boolean;
  log: (msg: string) => void;
}

const env = process.env;
const list = (s: string) => s.split(',').map(Number);

/** `npm run bench`: the real figures. Environment variables change each. */
export function fullOptions(log: (msg: string) => void): EnginesOptions {
  return {
    steps: list(env.BENCH_ENGINES_STEPS ?? '100,200,300,400,500,600,800,1000,1200,1600,2400,3200'),
    windowMs: Number(env.BENCH_ENGINES_WINDOW_MS ?? 2000),
    rounds: Number(env.BENCH_ENGINES_ROUNDS ?? 3),
    // Short against the window: a worker that falls behind by more than 5% of a 2 s window (its
    // backlog still being sent when the cap passes) fails the step, as it could not keep up for long.
    graceMs: Number(env.BENCH_ENGINES_GRACE_MS ?? 100),
    memoryViewers: Number(env.BENCH_ENGINES_MEMORY_VIEWERS ?? 200),
    // Past the estimator's 60 s history and the few seconds the viewers take to join: levelled off.
    memoryFillMs: Number(env.BENCH_ENGINES_MEMORY_FILL_MS ?? BWE_HISTORY_MS + 10000),
    memoryNoBweFillMs: Number(env.BENCH_ENGINES_MEMORY_NO_BWE_FILL_MS ?? 10000),
    memoryRepeats: Number(env.BENCH_ENGINES_MEMORY_REPEATS ?? 1),
    maxSeconds: Number(env.BENCH_ENGINES_MAX_S ?? 900),
    build: env.BENCH_ENGINES_BUILD !== '0',
    log,
  };
}

/** A fast run that exercises every path (both engines, memory, two ladder steps) with tiny counts: for a smoke test. */
export function smokeOptions(log: (msg: string) => void): EnginesOptions {
  return {
    steps: [5, 10],
    windowMs: 400,
    rounds: 1,
    graceMs: 300,
    memoryViewers: 5,
    memoryFillMs: 600,
    memoryNoBweFillMs: 600,
    memoryRepeats: 1,
    maxSeconds: 60,
    build: false,
    log,
  };
}

export interface EngineInfo {
  engine: EngineName;
  version: string;
  binary: string;
  codecs: string;
}

export interface MemoryRun {
  kind: ViewerKind;
  viewers: number;
  /** Worker VmRSS with the stream flowing and no viewer, and with the viewers after the fill, KB. */
  baselineKb: number;
  withViewersKb: number;
  /** The readings taken once a second during the fill, KB: they show whether it had levelled off. */
  samplesKb: number[];
  perViewerKb: number;
  /** Viewers that received packets during the fill (all of them, or the reading means little). */
  receiving: number;
  /** Over the whole fill: worker CPU per packet delivered. */
  usPerPacket: number;
}

export interface StepRow {
  viewers: number;
  /** Packets per second the viewers received, all together. */
  forwardedPerS: number;
  /** Worker CPU time over the window and its drain, per second of stream (1 = one core). */
  workerCpu: number;
  usPerPacket: number;
  /** Packets received within the time cap / (packets sent x viewers), each window; the step's is the median. */
  deliveries: number[];
  delivery: number;
  /** Packets that came after the time cap, as a share of those expected (median window). */
  late: number;
  loadAvg: number;
  held: boolean;
}

export interface EngineLadder {
  engine: EngineName;
  rows: StepRow[];
  /** The largest count that held (0 when none did). */
  viewers: number;
  stoppedBy: string;
}

export interface EnginesResult {
  date: string;
  machine: string;
  engines: EngineInfo[];
  /** Why the old engine was not measured, when it was not. */
  skipped: string | null;
  /** Every memory run, in the order taken. */
  memory: (MemoryRun & { engine: EngineName })[];
  ladders: EngineLadder[];
  options: Omit<EnginesOptions, 'log'>;
  nice: number | null;
  calibrationMs: number[];
  loadAverages: number[];
  seconds: number;
}

/** The cached 3.8.4 worker, building it first when allowed; or why there is none. */
export function legacyWorker(build: boolean, log: (m: string) => void): { binary: string } | { reason: string } {
  const ask = () => spawnSync(process.execPath, [BUILD_SCRIPT, '--path'], { encoding: 'utf8' });
  let r = ask();
  if (r.status === 0) return { binary: r.stdout.trim() };
  if (r.status !== NOT_BUILT) return { reason: `bench/legacy/buildLegacyWorker.mjs --path failed: ${`${r.stderr}`.trim().slice(0, 300)}` };
  if (!build) return { reason: 'its worker binary is not built (run `node bench/legacy/buildLegacyWorker.mjs`, 5-15 minutes)' };
  log('building the mediasoup 3.8.4 worker for the engine comparison: 5-15 minutes on 2 cores, once (cached in ~/.cache/cdn-relay)');
  const b = spawnSync(process.execPath, [BUILD_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (b.status !== 0) return { reason: `the build of its worker failed (node bench/legacy/buildLegacyWorker.mjs exited ${b.status ?? b.signal})` };
  r = ask();
  return r.status === 0 ? { binary: r.stdout.trim() } : { reason: 'its worker was built but is not in the cache' };
}

/** An engine process (bench/engineProbe.ts) and the generator's source feeding its publisher. */
class Engine {
  readonly #child: ChildProcess;
  readonly #exit: Promise<void>;
  readonly #waiting = new Map<number, { resolve: (d: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  description!: ProbeDescription;
  source!: Source;
  ssrcs: number[] = [];

  static async start(name: EngineName, binary: string | null, ports: [number, number], ssrc: number, generator: Generator): Promise<Engine> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ENGINE_NAME: name, ENGINE_PORTS: `${ports[0]}-${ports[1]}`, ENGINE_SSRC: String(ssrc) };
    // 3.8.4 takes its binary from this variable only; 3.27 keeps whatever the environment says
    // (unset: its own worker/out/Release/mediasoup-worker, as the product runs it).
    if (binary) childEnv.MEDIASOUP_WORKER_BIN = binary;
    const child = fork(path.join(__dirname, 'engineProbe.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: childEnv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const engine = new Engine(child);
    engine.description = await new Promise<ProbeDescription>((resolve, reject) => {
      engine.#waiting.set(0, { resolve: (d) => resolve(d as ProbeDescription), reject });
      void engine.#exit.then(() => reject(new Error(`the ${name} engine process exited before it was ready`)));
    });
    prioritise(engine.description.workerPid);
    engine.source = generator.add({ target: engine.description.publisher, videoSsrc: ssrc, rate: RATE, packetBytes: PACKET_BYTES });
    engine.source.active = false;
    return engine;
  }

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exit = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (msg: { id: number; ok: boolean; data?: unknown; error?: string }) => {
      const w = this.#waiting.get(msg.id);
      this.#waiting.delete(msg.id);
      if (msg.ok) w?.resolve(msg.data);
      else w?.reject(new Error(msg.error));
    });
  }

  get name(): EngineName {
    return this.description.engine;
  }

  get workerPid(): number {
    return this.description.workerPid;
  }

  get viewers(): number {
    return this.ssrcs.length;
  }

  #request<T>(req: Omit<Extract<ProbeRequest, { op: 'viewers' }>, 'id'>): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (d: unknown) => void, reject });
      this.#child.send({ ...req, id });
    });
  }

  async addViewers(count: number, ports: number[], kind: ViewerKind = 'product'): Promise<void> {
    this.ssrcs.push(...(await this.#request<number[]>({ op: 'viewers', ports, count, kind })));
  }

  /** Disconnects (the probe closes its worker and waits for it to exit), then waits for the probe. */
  async stop(generator: Generator): Promise<void> {
    generator.remove(this.source);
    if (this.#child.connected) this.#child.disconnect();
    await this.#exit;
  }
}

/** Waits until the sink's total stops growing (two polls DRAIN_MS apart agree, at most 5 s). */
async function drained(sink: RtpSink): Promise<Map<number, SinkCount>> {
  const t0 = performance.now();
  const total = (m: Map<number, SinkCount>) => [...m.values()].reduce((s, c) => s + c.packets, 0);
  let last = await sink.snapshot();
  for (;;) {
    await sleep(DRAIN_MS);
    const next = await sink.snapshot();
    if (total(next) === total(last) || performance.now() - t0 > 5000) return next;
    last = next;
  }
}

/**
 * CPU seconds a process has run, summed over its threads, from /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds; the same time utime + stime report, which come in 10 ms ticks: too coarse for a
 * window in which a worker runs for a tenth of a second). /proc/<pid>/stat where schedstat is missing.
 */
function workerCpuSeconds(pid: number): number {
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e9;
  } catch {
    return cpuSeconds(pid);
  }
}

const countOf = (m: Map<number, SinkCount>, ssrcs: number[]) => ssrcs.reduce((s, x) => s + (m.get(x)?.packets ?? 0), 0);

interface Window {
  sent: number;
  onTime: number;
  late: number;
  secs: number;
  cpuSeconds: number;
}

/**
 * One window with only `engine`'s stream flowing. The sink's count is read `graceMs` after the
 * source stops (delivered within the cap), then again once nothing more arrives (late): nothing of
 * this window is left in flight for the next one. Worker CPU covers the window and the drain, so
 * a backlog the worker forwards late is still charged to it.
 */
async function measure(engine: Engine, all: Engine[], sink: RtpSink, o: EnginesOptions): Promise<Window> {
  for (const e of all) e.source.active = false;
  const s0 = await sink.snapshot();
  const sent0 = engine.source.sent;
  const cpu0 = workerCpuSeconds(engine.workerPid);
  const t0 = performance.now();
  engine.source.restart();
  engine.source.active = true;
  await sleep(o.windowMs);
  engine.source.active = false;
  const secs = (performance.now() - t0) / 1000;
  const sent = engine.source.sent - sent0;
  await sleep(o.graceMs);
  const s1 = await sink.snapshot();
  const s2 = await drained(sink);
  const cpu = workerCpuSeconds(engine.workerPid) - cpu0;
  const [c0, c1, c2] = [s0, s1, s2].map((m) => countOf(m, engine.ssrcs));
  return { sent, onTime: c1 - c0, late: c2 - c1, secs, cpuSeconds: cpu };
}

/**
 * Worker memory per viewer, once: a fresh engine, its stream on, N viewers of one kind, readings
 * once a second until the fill ends. Worker CPU per packet over the fill comes with it.
 */
async function memoryOnce(
  name: EngineName,
  kind: ViewerKind,
  binary: string | null,
  ports: [number, number],
  generator: Generator,
  sink: RtpSink,
  o: EnginesOptions,
): Promise<MemoryRun> {
  const fillMs = kind === 'product' ? o.memoryFillMs : o.memoryNoBweFillMs;
  const engine = await Engine.start(name, binary, ports, name === 'legacy' ? 0x4101 : 0x4102, generator);
  try {
    engine.source.restart();
    engine.source.active = true;
    // The producer's own buffers fill with the first second or two of the stream: not the viewers'.
    await sleep(Math.min(BASELINE_MS, fillMs));
    const baselineKb = rssBytes(engine.workerPid) / 1024;
    await engine.addViewers(o.memoryViewers, sink.ports, kind);
    const s0 = await sink.snapshot();
    const cpu0 = workerCpuSeconds(engine.workerPid);
    // 3.8.4 allocates each video consumer's retransmission store (600 packet slots, ~1.5 MB) when it
    // is made; 3.27 stores packets as they pass, for a time window, shared by its consumers; the
    // estimator's history (product viewers) grows for BWE_HISTORY_MS. The fill outlasts them all.
    const samplesKb: number[] = [];
    for (let t = 0; t < fillMs; t += 1000) {
      await sleep(Math.min(1000, fillMs - t));
      samplesKb.push(rssBytes(engine.workerPid) / 1024);
    }
    engine.source.active = false;
    const s1 = await drained(sink);
    const cpu = workerCpuSeconds(engine.workerPid) - cpu0;
    const delivered = countOf(s1, engine.ssrcs) - countOf(s0, engine.ssrcs);
    const receiving = engine.ssrcs.filter((x) => (s1.get(x)?.packets ?? 0) > (s0.get(x)?.packets ?? 0)).length;
    const withViewersKb = samplesKb[samplesKb.length - 1];
    return {
      kind,
      viewers: o.memoryViewers,
      baselineKb,
      withViewersKb,
      samplesKb,
      perViewerKb: (withViewersKb - baselineKb) / o.memoryViewers,
      receiving,
      usPerPacket: (cpu / delivered) * 1e6,
    };
  } finally {
    await engine.stop(generator);
  }
}

function memAvailableKb(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : Infinity;
}

/** Steps both engines up together, measuring them in turn, until each fails a step (or the time cap). */
async function ladder(engines: Engine[], sink: RtpSink, o: EnginesOptions, started: number, memoryKb: Map<EngineName, number>): Promise<EngineLadder[]> {
  const ladders = new Map<Engine, EngineLadder>(engines.map((e) => [e, { engine: e.name, rows: [], viewers: 0, stoppedBy: '' }]));
  const done = new Set<Engine>();
  for (const [i, n] of o.steps.entries()) {
    let running = engines.filter((e) => !done.has(e));
    if (running.length === 0) break;
    if ((Date.now() - started) / 1000 > o.maxSeconds) {
      for (const e of running) ladders.get(e)!.stoppedBy = `the time cap (${o.maxSeconds} s, BENCH_ENGINES_MAX_S) before ${n}`;
      break;
    }
    for (const e of running) {
      // Worker memory grows with viewers (MBs each on 3.8.4): leave half the machine's free memory to others.
      const needKb = (memoryKb.get(e.name) ?? 0) * (n - e.viewers);
      if (needKb > memAvailableKb() / 2) {
        ladders.get(e)!.stoppedBy = `memory: ${n} viewers would need ${fmt(needKb / 1024 / 1024, 1)} GB more, over half of what is free`;
        done.add(e);
      }
    }
    running = running.filter((e) => !done.has(e));
    for (const e of running) {
      const t0 = performance.now();
      await e.addViewers(n - e.viewers, sink.ports);
      // One window not counted: every new consumer gets its first keyframe and is forwarding.
      await measure(e, engines, sink, o);
      o.log(`engines ${e.name}: ${n} viewers joined (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const windows = new Map<Engine, Window[]>(running.map((e) => [e, []]));
    const loads: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      // Old, new, then new, old: neither engine always runs right after the other's backlog.
      const order = (i + r) % 2 === 0 ? running : [...running].reverse();
      for (const e of order) windows.get(e)!.push(await measure(e, engines, sink, o));
      loads.push(loadAverage());
    }
    for (const e of running) {
      const ws = windows.get(e)!;
      const deliveries = ws.map((w) => w.onTime / (w.sent * n));
      const row: StepRow = {
        viewers: n,
        forwardedPerS: median(ws.map((w) => (w.onTime + w.late) / w.secs)),
        workerCpu: median(ws.map((w) => w.cpuSeconds / w.secs)),
        usPerPacket: median(ws.map((w) => (w.cpuSeconds / (w.onTime + w.late)) * 1e6)),
        deliveries,
        delivery: median(deliveries),
        late: median(ws.map((w) => w.late / (w.sent * n))),
        loadAvg: median(loads),
        held: median(deliveries) >= MIN_DELIVERY,
      };
      const l = ladders.get(e)!;
      l.rows.push(row);
      o.log(
        `engines ${e.name} ${n} viewers: delivery ${ws.map((w, k) => `${fmt(deliveries[k] * 100)}%`).join(' ')} (late ${fmt(row.late * 100)}%), ` +
          `worker ${fmt(row.workerCpu * 100, 0)}% of a core, ${fmt(row.usPerPacket)} µs/packet, load ${row.loadAvg}`,
      );
      if (row.held) l.viewers = n;
      else {
        done.add(e);
        l.stoppedBy = `delivery ${fmt(row.delivery * 100)}% at ${n}`;
      }
    }
  }
  for (const e of engines) {
    const l = ladders.get(e)!;
    if (!l.stoppedBy) l.stoppedBy = `the last step (${o.steps[o.steps.length - 1]}) held`;
  }
  return engines.map((e) => ladders.get(e)!);
}

/** The whole comparison. `sink` is the caller's (started once, stopped by the caller). */
export async function engines(sink: RtpSink, o: EnginesOptions): Promise<EnginesResult> {
  const started = Date.now();
  const calibrationMs = [calibrate()];
  const loadAverages = [loadAverage()];
  const legacy = legacyWorker(o.build, o.log);
  const legacyBinary = 'binary' in legacy ? legacy.binary : null;
  const skipped = 'reason' in legacy ? `mediasoup 3.8.4 was not measured: ${legacy.reason}` : null;
  if (skipped) o.log(skipped);
  // Each engine its own port range, below Linux's ephemeral ports (the sink's and the generator's).
  const PORTS: Record<EngineName, [number, number]> = { legacy: [20000, 24999], current: [25000, 29999] };
  const names: EngineName[] = legacyBinary ? ['legacy', 'current'] : ['current'];
  const binaryOf = (n: EngineName) => (n === 'legacy' ? legacyBinary : null);
  // A keyframe every second, so a window always holds one even for a consumer that missed the first.
  const generator = new Generator(5, 1000);
  const running: Engine[] = [];
  try {
    const memory: EnginesResult['memory'] = [];
    let turn = 0;
    for (let r = 0; r < o.memoryRepeats; r++) {
      for (const kind of ['product', 'no-bwe'] as const) {
        // In turn, the first engine alternating: neither always measures on a machine the other just warmed.
        for (const name of turn++ % 2 === 0 ? names : [...names].reverse()) {
          const m = await memoryOnce(name, kind, binaryOf(name), PORTS[name], generator, sink, o);
          memory.push({ engine: name, ...m });
          const every = Math.max(1, Math.round(m.samplesKb.length / 8));
          o.log(
            `engines ${name} memory, ${kind} viewers: ${fmt(m.perViewerKb, 0)} KB per viewer (worker ${fmt(m.baselineKb / 1024, 1)} -> ${fmt(m.withViewersKb / 1024, 1)} MB, ` +
              `${m.receiving}/${o.memoryViewers} viewers receiving, ${fmt(m.usPerPacket)} µs/packet; ` +
              `every ${every} s: ${m.samplesKb
                .filter((_, i) => (i + 1) % every === 0)
                .map((k) => fmt(k / 1024, 0))
                .join(' ')} MB)`,
          );
        }
      }
    }
    calibrationMs.push(calibrate());
    loadAverages.push(loadAverage());

    for (const name of names) running.push(await Engine.start(name, binaryOf(name), PORTS[name], name === 'legacy' ? 0x4201 : 0x4202, generator));
    const infos: EngineInfo[] = running.map((e) => ({
      engine: e.name,
      version: e.description.version,
      binary: binaryOf(e.name) ?? process.env.MEDIASOUP_WORKER_BIN ?? 'node_modules/mediasoup/worker/out/Release/mediasoup-worker',
      codecs: e.description.codecs,
    }));
    const memoryKb = new Map<EngineName, number>(names.map((n) => [n, memoryPerViewer({ memory }, n, 'product')]));
    const nice = niceOf(running[0].workerPid);
    const ladders = await ladder(running, sink, o, started, memoryKb);
    calibrationMs.push(calibrate());
    loadAverages.push(loadAverage());
    const { log: _log, ...options } = o;
    return {
      date: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, Linux ${os.release()}`,
      engines: infos,
      skipped,
      memory,
      ladders,
      options,
      nice,
      calibrationMs,
      loadAverages,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const e of running) await e.stop(generator);
    await generator.close();
  }
}

/**
 * An engine's worker memory per viewer, KB, the median of its runs with viewers of `kind`: at the
 * end of the fill, or `atS` seconds into it (NaN when the fill was shorter).
 */
export function memoryPerViewer(r: Pick<EnginesResult, 'memory'>, e: EngineName, kind: ViewerKind, atS?: number): number {
  const runs = r.memory.filter((m) => m.engine === e && m.kind === kind);
  const at = (m: MemoryRun) => (atS === undefined ? m.withViewersKb : (m.samplesKb[atS - 1] ?? NaN));
  return median(runs.map((m) => (at(m) - m.baselineKb) / m.viewers));
}

/** Worker µs per packet over the memory runs' fills (N viewers, one stream), median of the runs. */
const memoryRunUs = (r: EnginesResult, e: EngineName, kind: ViewerKind) =>
  median(r.memory.filter((m) => m.engine === e && m.kind === kind).map((m) => m.usPerPacket));

/** µs per packet: the median over the steps at which every measured engine held (or all its steps when none). */
export function usPerPacket(r: EnginesResult, e: EngineName): { us: number; steps: number[] } {
  const held = (l: EngineLadder) => new Set(l.rows.filter((x) => x.held).map((x) => x.viewers));
  const common = r.ladders.map(held).reduce((a, b) => new Set([...a].filter((n) => b.has(n))));
  const rows = r.ladders.find((l) => l.engine === e)?.rows ?? [];
  const used = common.size > 0 ? rows.filter((x) => common.has(x.viewers)) : rows;
  return { us: median(used.map((x) => x.usPerPacket)), steps: used.map((x) => x.viewers) };
}

export function enginesMarkdown(r: EnginesResult): string {
  const label = (e: EngineName) => `mediasoup ${r.engines.find((x) => x.engine === e)?.version ?? (e === 'legacy' ? '3.8.4' : '3.27')}`;
  const names = r.engines.map((e) => e.engine);
  const both = names.length === 2;
  const o = r.options;
  const fillS = o.memoryFillMs / 1000;
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && a > 0 ? `${fmt(b / a)}x` : '');
  const val = (e: EngineName, f: (e: EngineName) => string) => (names.includes(e) ? f(e) : 'not measured');
  const us = (e: EngineName) => usPerPacket(r, e);
  const ladderOf = (e: EngineName) => r.ladders.find((l) => l.engine === e)!;
  const cpuBound = (e: EngineName) => (0.9 * 1e6) / (us(e).us * RATE);
  // f is asked only about engines that were measured.
  const row = (what: string, f: (e: EngineName) => number, digits: number) =>
    `| ${what} | ${val('legacy', (e) => fmt(f(e), digits))} | ${val('current', (e) => fmt(f(e), digits))} | ${both ? ratio(f('legacy'), f('current')) : ''} |`;
  const kindLabel = (k: ViewerKind) => (k === 'product' ? "the product's viewers" : 'viewers without bandwidth estimation');
  const memoryLines = r.memory.map((m) => {
    const every = Math.max(1, Math.round(m.samplesKb.length / 7));
    const readings = m.samplesKb
      .map((k, i) => ({ k, s: i + 1 }))
      .filter((x) => x.s % every === 0)
      .map((x) => `${x.s} s: ${fmt(x.k / 1024, 0)}`)
      .join(', ');
    return (
      `- ${label(m.engine)}, ${kindLabel(m.kind)}: ${fmt(m.baselineKb / 1024, 1)} MB before the viewers; then ${readings} MB; ` +
      `${fmt(m.perViewerKb, 0)} KB per viewer; ${m.receiving}/${m.viewers} viewers receiving; ${fmt(m.usPerPacket)} µs per packet.`
    );
  });
  const steps = [...new Set(r.ladders.flatMap((l) => l.rows.map((x) => x.viewers)))].sort((a, b) => a - b);
  const ladderRows = steps.flatMap((n) =>
    r.ladders
      .map((l) => ({ l, x: l.rows.find((x) => x.viewers === n) }))
      .filter((p) => p.x)
      .map(
        ({ l, x }) =>
          `| ${n} | ${label(l.engine)} | ${fmt(x!.forwardedPerS, 0)} | ${fmt(x!.workerCpu * 100, 0)}% | ${fmt(x!.usPerPacket)} | ${fmt(x!.delivery * 100)}% (${x!.deliveries.map((d) => fmt(d * 100, 1)).join(', ')}) | ${fmt(x!.late * 100)}% | ${fmt(x!.loadAvg)} | ${x!.held ? 'yes' : 'no'} |`,
      ),
  );
  return `## ${ENGINES_HEADING}

${
  r.skipped
    ? `**${r.skipped}.** Only mediasoup 3.27 was measured; there is no comparison in this run.`
    : `The product's engine until December 2026 (mediasoup 3.8.4, its worker built from the npm tarball's
vendored sources with the product's four patches: \`bench/legacy/buildLegacyWorker.mjs\`) against
its engine now (mediasoup 3.27, the offline build of \`scripts/build-worker.mjs\`), measured the same
way in one run.`
}
Run: \`BENCH_ONLY=engines npm run bench\`, ${r.date}, ${r.machine}; the section took
${Math.round(r.seconds)} s. One stream of VP8 at 1 Mbit/s (${RATE} packets/s of ${PACKET_BYTES} bytes), plain-RTP viewers, loopback.

| one worker | ${both ? `${label('legacy')} | ` : 'mediasoup 3.8.4 | '}${label('current')} | new / old (3.27 / 3.8.4) |
| --- | --- | --- | --- |
${row(`worker memory per viewer, KB: ${o.memoryViewers} viewers after ${fillS} s${o.memoryFillMs > BWE_HISTORY_MS ? ' (levelled off)' : ''}`, (e) => memoryPerViewer(r, e, 'product'), 0)}
${row(`the same after ${EARLY_READING_S} s`, (e) => memoryPerViewer(r, e, 'product', EARLY_READING_S), 0)}
${row(`the same, viewers without bandwidth estimation, after ${o.memoryNoBweFillMs / 1000} s`, (e) => memoryPerViewer(r, e, 'no-bwe'), 0)}
${row('worker CPU per forwarded packet, µs (the ladder)', (e) => us(e).us, 2)}
${row(`the same over the ${o.memoryViewers}-viewer memory run (${fillS} s)`, (e) => memoryRunUs(r, e, 'product'), 2)}
${row(`the same, viewers without bandwidth estimation (${o.memoryNoBweFillMs / 1000} s)`, (e) => memoryRunUs(r, e, 'no-bwe'), 2)}
${row(`viewers per worker: >= ${MIN_DELIVERY * 100}% delivered within ${o.graceMs} ms`, (e) => ladderOf(e).viewers, 0)}
${row('viewers per worker from CPU alone (90% of a core)', cpuBound, 0)}

**Where a viewer's memory goes.** The product's viewers consume with the router's RTP
capabilities, which offer transport-wide-cc, so the worker runs libwebrtc's send-side bandwidth
estimator for each viewer's transport (both engines carry the same code). It keeps a record of every
packet sent until the receiver's transport-cc feedback acknowledges it, and drops unacknowledged
records after ${BWE_HISTORY_MS / 1000} s. A receiver that sends no transport-cc feedback (this bench's sink, or a
plain-RTP player that does not implement it) never acknowledges, so worker memory grows for ${BWE_HISTORY_MS / 1000} s
on both engines (the same code), then levels off (the readings below); a WebRTC player's feedback
keeps that history short. "Viewers without bandwidth estimation" consume with the same
capabilities minus transport-wide-cc and abs-send-time: what is left is each engine's own cost of a
consumer (3.8.4 allocates a 600-packet retransmission store, about 1.5 MB, for each video consumer;
3.27 keeps the packets once, shared by its consumers, for a time window).

Memory readings (worker VmRSS):

${memoryLines.join('\n')}

**Ladder**: µs per packet above is the median over the steps ${both ? 'both engines held' : 'it held'} (${us('current').steps.join(', ') || 'none'}).
Ladders stopped by: ${r.ladders.map((l) => `${label(l.engine)}: ${l.stoppedBy}`).join('; ')}.
Codecs: ${r.engines.map((e) => `${label(e.engine)}: ${e.codecs === 'product' ? "the product's list (src/media/codecs.ts)" : e.codecs}`).join('; ')}.

| viewers | engine | forwarded packets/s | worker CPU | µs per packet | delivery, median (each window) | late | load avg | holds |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${ladderRows.join('\n')}

How: each engine is a child process (\`bench/engineProbe.ts\`) that loads only its own mediasoup
(\`mediasoup\`, or \`mediasoup-legacy\` with \`MEDIASOUP_WORKER_BIN\` naming the 3.8.4 worker) and
runs one worker with one router, one plain-RTP publisher and N plain-RTP viewers, each a plain
transport and a consumer, created paused and resumed as the product's Playback does. One generator
(\`bench/generator.ts\`: X and I bits, two-byte PictureID, a keyframe every second and on request)
sends to the engine being measured only; every viewer sends to the C sink (\`bench/sink.c\`), which
counts per SSRC. **Memory**: a fresh worker per run, the engines in turn; worker VmRSS
(\`/proc/<pid>/status\`) after ${Math.min(BASELINE_MS, o.memoryFillMs) / 1000} s of the stream with no viewer, then once a second while ${o.memoryViewers} viewers receive it.
**Ladder**: both engines step up together (the product's viewers); per step one uncounted window,
then ${o.rounds} windows of ${o.windowMs / 1000} s per engine, in turn (old, new, new, old, ...). Delivery counts what the sink
has ${o.graceMs} ms after the source stops (the time cap); what comes later is "late". Worker CPU is the time
the worker's threads ran over the window and its drain (\`/proc/<pid>/task/*/schedstat\`: utime +
stime in nanoseconds rather than 10 ms ticks), per second of stream; µs per packet = that time /
packets the viewers received. A step holds when its median window delivers ${MIN_DELIVERY * 100}%; an engine's ladder
stops at its first step that does not. On this shared 2-core machine (the worker, the sink and the
generator share the two cores with other jobs) that step moves by one from run to run, so a one-step
difference between the engines is not one; µs per packet, over many windows, is the steadier figure. "From CPU alone" is 90% of a core / (µs per packet x ${RATE}
packets/s). Workers and the sink ran at nice ${r.nice ?? 'unchanged'} (\`BENCH_NICE\`), both engines alike. Load average over
the section: ${r.loadAverages.map((l) => fmt(l)).join(', ')}; a fixed CPU task (SHA-256 of 32 MB) took
${r.calibrationMs.map((c) => fmt(c, 0)).join(', ')} ms at its start, middle and end (how much other jobs slowed the machine).
`;
}
