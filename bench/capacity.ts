// Viewers per worker at 1 Mbit/s, like with like: the same generator (bench/generator.ts) and the
// same receivers (the recvmmsg sink, bench/sink.c) drive, in turn, a node through its real play path
// and a bare mediasoup router set up as the node sets up its players (bench/bareRouter.ts), plus
// the bare router with SRTP viewers. The viewer count steps up; at each step every set-up still
// holding is measured in short windows taken in turn (node, bare, SRTP, node, ...), so machine
// noise falls on all of them alike, and the medians are kept. A set-up holds a step while its
// viewers get at least 99% of the packets and its worker stays under 90% of a core.
import { TestClient } from '../test/helpers/client';
import { VIDEO_RTP_PARAMETERS } from '../test/helpers/rtp';
import type { NodeProcess } from '../test/helpers/nodes';
import { startBenchNode } from './node';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Generator, type Source } from './generator';
import { CpuWindow, loadAverage, prioritise, rssBytes } from './proc';
import type { RtpSink, SinkCount } from './sink';
import { median } from './stats';
import { inBatches, joinViewer, type Viewer } from './viewers';
import type { BareRequest, Variant } from './bareRouter';

/**
 * The ladder's sizes, read from the environment when a ladder runs (the smoke run sets smaller
 * ones in bench/run.ts before it starts). Every window of a step is taken with the set-ups in turn
 * (`rounds` times), so a burst of load from other jobs falls on one window of one set-up, not on a
 * whole ladder.
 */
export function capacitySizes(): { steps: number[]; windowMs: number; rounds: number } {
  const env = process.env;
  return {
    steps: (env.BENCH_CAPACITY_STEPS ?? '250,500,750,1000,1250,1500,1750,2000,2500,3000').split(',').map(Number),
    windowMs: Number(env.BENCH_CAPACITY_WINDOW_MS ?? 1500),
    rounds: Number(env.BENCH_CAPACITY_ROUNDS ?? 3),
  };
}
const DRAIN_MS = 150;
const MIN_DELIVERY = 0.99;
const MAX_WORKER_CPU = 0.9;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StepRow {
  viewers: number;
  /** Packets per second the viewers received, all of them together. */
  forwardedPerS: number;
  /** Cores, per worker (the busiest first). */
  workerCpu: number[];
  /** Worker CPU time per packet received by a viewer, µs. */
  usPerPacket: number;
  /** Packets received / (packets sent x viewers): the median of the step's windows. */
  delivery: number;
  /** The best window's delivery: the step holds when it reaches 99%. */
  bestDelivery: number;
  /** The viewer that got the fewest, over all the step's windows. */
  worstViewer: number;
  /** (RSS now - RSS before the first viewer) / viewers, KB: mediasoup workers, and the Node.js process. */
  workerKbPerViewer: number;
  processKbPerViewer: number;
  /** Cores used meanwhile by the receiving sink, and by the bench process (generator, clients). */
  sinkCpu: number;
  benchCpu: number;
  /** Cores used by the set-up's Node.js process (the node's, or the bare router's) meanwhile. */
  processCpu: number;
  loadAvg: number;
  /** Bare router only: its worker's slowest answer to a probe like the node watchdog's, ms. */
  slowestProbeMs: number | null;
  held: boolean;
}

export interface Ladder {
  name: string;
  rows: StepRow[];
  /** The largest count that held (0 when none did). */
  viewers: number;
  /** Why the ladder stopped. */
  stoppedBy: string;
  /** The measuring windows, CLOCK_MONOTONIC µs (to cut a CPU profile of the node down to them). */
  windows: [number, number][];
}

/** One set-up being measured: where its generator source sends, whose CPU and memory count. */
interface Target {
  name: string;
  source: Source;
  workerPids(): Promise<number[]>;
  processPid: number;
  viewers: number;
  ssrcs: number[];
  add(count: number): Promise<void>;
  baseline: { worker: number; process: number };
  ladder: Ladder;
  done: boolean;
  /** The slowest answer of its worker to a watchdog-like probe since the last call, ms (bare router only). */
  slowestProbe?: () => Promise<number>;
}

/** A node with one stream and its viewers. */
async function nodeTarget(
  name: string,
  workers: number,
  generator: Generator,
  sink: RtpSink,
  profileDir: string | null = null,
): Promise<{ target: Target; node: NodeProcess; clients: TestClient[] }> {
  const node = await startBenchNode(
    {
      name: `capacity-${workers}w`,
      props: {
        workers,
        'log.level': 'warn',
        max_connections: 10000,
        media_port_from: 55000,
        media_port_to: 59999,
        // A node alone, not an origin: it takes the bench's publisher only when direct publishing
        // is allowed (an edge refuses it by default since the access rules of 2026-11-30).
        'publish.allow_direct': true,
        // A worker forwarding near its limit on a shared machine answers its watchdog's probe a
        // second or more late (the bare router's worker does too: slowestProbeMs); at the default
        // 1500 ms the watchdog kills a busy, healthy worker in the middle of a step.
        'worker.probe_timeout_ms': 10000,
      },
    },
    profileDir,
  );
  const clients: TestClient[] = [];
  const videoSsrc = 0x3333 + workers;
  let transport: { id: string; ip: string; port: number };
  try {
    const publisher = await TestClient.connect(node.url);
    clients.push(publisher);
    ({ transport } = await publisher.request('publish', { stream: 'capacity', transport: 'plain' }));
    await publisher.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(videoSsrc) });
    await publisher.request('connectTransport', { transportId: transport.id, ip: '127.0.0.1', port: await generator.port() });
  } catch (err) {
    // The caller stops the node only once it has a target: a refused publish must not leave it running.
    for (const c of clients) await c.close();
    await node.stop();
    throw err;
  }
  const source = generator.add({ target: { ip: transport.ip, port: transport.port }, videoSsrc });
  source.active = false;
  const workerPids = async (): Promise<number[]> => (await (await fetch(`${node.http}/healthz`)).json()).workers;
  const target: Target = {
    name,
    source,
    workerPids,
    processPid: node.child.pid!,
    viewers: 0,
    ssrcs: [],
    baseline: { worker: 0, process: 0 },
    ladder: { name, rows: [], viewers: 0, stoppedBy: '', windows: [] },
    done: false,
    async add(count) {
      const from = target.viewers;
      const joined: Viewer[] = await inBatches(count, 16, (i) => joinViewer(node.url, 'capacity', sink.portFor(from + i)));
      for (const v of joined) {
        clients.push(v.client);
        target.ssrcs.push(v.ssrcs[0]);
      }
      target.viewers += count;
    },
  };
  const pids = await workerPids();
  target.baseline = { worker: pids.reduce((s, p) => s + rssBytes(p), 0), process: rssBytes(node.child.pid!) };
  return { target, node, clients };
}

/** The bare router process and its two variants. */
export class BareRouter {
  readonly #child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (d: unknown) => void; reject: (e: Error) => void }>();
  #exit: Promise<void>;

  static async start(sourcePort: number): Promise<BareRouter> {
    const child = fork(path.join(__dirname, 'bareRouter.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BARE_SOURCE_PORT: String(sourcePort) },
    });
    const bare = new BareRouter(child);
    await new Promise<void>((resolve, reject) => {
      bare.#waiting.set(0, { resolve: () => resolve(), reject });
      child.once('exit', (code) => reject(new Error(`bare router exited (${code})`)));
    });
    return bare;
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

  get pid(): number {
    return this.#child.pid!;
  }

  request<T>(req: BareRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (d: unknown) => void, reject });
      this.#child.send({ ...req, id });
    });
  }

  async stop(): Promise<void> {
    this.#child.disconnect();
    await this.#exit;
  }
}

async function bareTarget(bare: BareRouter, variant: Variant, generator: Generator, sink: RtpSink): Promise<Target> {
  type Desc = { workerPid: number; publisher: { ip: string; port: number }; videoSsrc: number };
  const stats = await bare.request<{ pid: number; plain: Desc; srtp: Desc }>({ op: 'stats' });
  const desc = stats[variant];
  const source = generator.add({ target: desc.publisher, videoSsrc: desc.videoSsrc });
  source.active = false;
  const name = variant === 'plain' ? 'bare mediasoup router' : 'bare router, SRTP viewers';
  const target: Target = {
    name,
    source,
    workerPids: async () => [desc.workerPid],
    processPid: bare.pid,
    viewers: 0,
    ssrcs: [],
    baseline: { worker: rssBytes(desc.workerPid), process: rssBytes(bare.pid) },
    ladder: { name, rows: [], viewers: 0, stoppedBy: '', windows: [] },
    done: false,
    slowestProbe: () => bare.request<number>({ op: 'probes', variant }),
    async add(count) {
      const { ssrcs } = await bare.request<{ ssrcs: number[] }>({ op: 'viewers', variant, ports: sink.ports, count });
      target.ssrcs.push(...ssrcs);
      target.viewers += count;
    },
  };
  return target;
}

interface Window {
  sent: number;
  received: number[];
  secs: number;
  workerCpu: number[];
  sinkCpu: number;
  benchCpu: number;
  processCpu: number;
}

/**
 * One window with only `target`'s source sending: nothing is in flight at either snapshot (the
 * source is silent and the viewers drained), so every packet sent in the window is either received
 * or lost, whatever the scheduling delays on a busy machine. Worker CPU covers the window and the
 * drain, so a backlog the worker forwards late is still counted.
 */
async function measure(target: Target, all: Target[], sink: RtpSink): Promise<Window> {
  for (const t of all) t.source.active = false;
  const pids = await target.workerPids();
  for (const pid of pids) prioritise(pid);
  const s0 = await sink.snapshot();
  const sent0 = target.source.sent;
  const cpu = new CpuWindow([...pids, sink.pid, process.pid, target.processPid]);
  const t0 = performance.now();
  const from = Number(process.hrtime.bigint() / 1000n);
  target.source.restart();
  target.source.active = true;
  await sleep(capacitySizes().windowMs);
  target.source.active = false;
  const secs = (performance.now() - t0) / 1000;
  const sent = target.source.sent - sent0;
  const { counts: s1, ms: drainMs } = await drained(sink);
  target.ladder.windows.push([from, Number(process.hrtime.bigint() / 1000n)]);
  const cores = cpu.end().map((c) => (c * (secs * 1000 + drainMs)) / (secs * 1000));
  const received = target.ssrcs.map((ssrc) => (s1.get(ssrc)?.packets ?? 0) - (s0.get(ssrc)?.packets ?? 0));
  return {
    sent,
    received,
    secs,
    workerCpu: cores.slice(0, pids.length),
    sinkCpu: cores[pids.length],
    benchCpu: cores[pids.length + 1],
    processCpu: cores[pids.length + 2],
  };
}

/**
 * Waits until the sink's total stops growing (two polls DRAIN_MS apart agree, at most 5 s): a
 * worker starved by other jobs can still be forwarding a backlog well after its source stopped.
 */
async function drained(sink: RtpSink): Promise<{ counts: Map<number, SinkCount>; ms: number }> {
  const t0 = performance.now();
  const total = (m: Map<number, SinkCount>) => [...m.values()].reduce((s, c) => s + c.packets, 0);
  let last = await sink.snapshot();
  for (;;) {
    await sleep(DRAIN_MS);
    const next = await sink.snapshot();
    if (total(next) === total(last) || performance.now() - t0 > 5000) return { counts: next, ms: performance.now() - t0 };
    last = next;
  }
}

async function memoryPerViewer(target: Target): Promise<{ worker: number; process: number }> {
  const pids = await target.workerPids();
  const worker = pids.reduce((s, p) => s + rssBytes(p), 0);
  return {
    worker: (worker - target.baseline.worker) / 1024 / target.viewers,
    process: (rssBytes(target.processPid) - target.baseline.process) / 1024 / target.viewers,
  };
}

/** Steps every target up together, measuring them in turn, until each fails a step. */
export async function ladder(targets: Target[], sink: RtpSink, steps: number[], log: (m: string) => void): Promise<void> {
  for (const n of steps) {
    const running = targets.filter((t) => !t.done);
    if (running.length === 0) break;
    for (const t of running) {
      const t0 = performance.now();
      if (t.viewers < n) await t.add(n - t.viewers);
      // One window not counted: every new consumer gets its first keyframe and is forwarding.
      await measure(t, targets, sink);
      log(`capacity ${t.name}: ${n} viewers joined (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    for (const t of running) await t.slowestProbe?.();
    const windows = new Map<Target, Window[]>(running.map((t) => [t, []]));
    const loads: number[] = [];
    for (let r = 0; r < capacitySizes().rounds; r++) {
      for (const t of running) windows.get(t)!.push(await measure(t, targets, sink));
      loads.push(loadAverage());
    }
    for (const t of running) {
      const ws = windows.get(t)!;
      // A window in which another tenant of the machine took the worker's core shows as loss in
      // that window only: the step's delivery is the median window's.
      const perViewer = t.ssrcs.map((_, v) => ws.reduce((s, w) => s + w.received[v], 0) / ws.reduce((s, w) => s + w.sent, 0));
      const deliveries = ws.map((w) => w.received.reduce((s, x) => s + x, 0) / (w.sent * w.received.length));
      const delivery = median(deliveries);
      const bestDelivery = Math.max(...deliveries);
      const forwarded = ws.map((w) => w.received.reduce((s, x) => s + x, 0) / w.secs);
      const delivered = ws.map((w) => w.received.reduce((s, x) => s + x, 0));
      const workerCpu = ws[0].workerCpu.map((_, i) => median(ws.map((w) => w.workerCpu[i]))).sort((a, b) => b - a);
      const us = median(ws.map((w, i) => ((w.workerCpu.reduce((s, x) => s + x, 0) * w.secs) / delivered[i]) * 1e6));
      const mem = await memoryPerViewer(t);
      // Held when at least one window delivered 99%: on a shared machine a window in which other
      // jobs took the worker's core loses packets the SFU would have forwarded with its core.
      const held = bestDelivery >= MIN_DELIVERY && workerCpu[0] <= MAX_WORKER_CPU;
      const row: StepRow = {
        viewers: n,
        forwardedPerS: median(forwarded),
        workerCpu,
        usPerPacket: us,
        delivery,
        bestDelivery,
        worstViewer: Math.min(...perViewer),
        workerKbPerViewer: mem.worker,
        processKbPerViewer: mem.process,
        sinkCpu: median(ws.map((w) => w.sinkCpu)),
        benchCpu: median(ws.map((w) => w.benchCpu)),
        processCpu: median(ws.map((w) => w.processCpu)),
        loadAvg: median(loads),
        slowestProbeMs: t.slowestProbe ? await t.slowestProbe() : null,
        held,
      };
      t.ladder.rows.push(row);
      log(
        `capacity ${t.name} ${n} viewers: delivery ${(delivery * 100).toFixed(2)}%, worker ${workerCpu.map((c) => (c * 100).toFixed(0) + '%').join('+')}, ${us.toFixed(2)} µs/packet, sink ${(row.sinkCpu * 100).toFixed(0)}%, process ${(row.processCpu * 100).toFixed(1)}%, worker ${mem.worker.toFixed(0)} KB + process ${mem.process.toFixed(0)} KB per viewer, windows ${ws.map((w) => `${((w.received.reduce((a, x) => a + x, 0) / (w.sent * w.received.length)) * 100).toFixed(0)}%/${(w.workerCpu[0] * 100).toFixed(0)}%/${w.received.filter((x) => x === 0).length}z`).join(' ')}, load ${row.loadAvg}${row.slowestProbeMs === null ? '' : `, slowest probe ${row.slowestProbeMs.toFixed(0)} ms`}`,
      );
      if (held) t.ladder.viewers = n;
      else {
        t.done = true;
        t.ladder.stoppedBy =
          delivery < MIN_DELIVERY ? `delivery ${(delivery * 100).toFixed(2)}% at ${n}` : `worker at ${(workerCpu[0] * 100).toFixed(0)}% of a core at ${n}`;
      }
    }
  }
  for (const t of targets) if (!t.done) t.ladder.stoppedBy = `the last step (${steps[steps.length - 1]}) held`;
}

/** Errors the node logged (a worker killed by its watchdog, say): they explain a bad step. */
function reportTrouble(node: NodeProcess, log: (m: string) => void): void {
  const lines = node
    .output()
    .split('\n')
    .filter((l) => /"level":(50|60)/.test(l));
  for (const l of lines.slice(0, 5)) log(`${node.name} logged: ${l.slice(0, 300)}`);
}

export interface CapacityResult {
  node: Ladder;
  bare: Ladder;
  srtp: Ladder;
  /** The node with every core's worker, stepped up from the one-worker figure. */
  scaled: Ladder & { workers: number };
  rounds: number;
  windowMs: number;
}

/** The one-worker ladders (node, bare, bare SRTP), then the node with all workers. */
export async function capacity(sink: RtpSink, log: (m: string) => void, workersAll: number, profileDir: string | null = null): Promise<CapacityResult> {
  // A keyframe every second, so a window always holds one even for a consumer that missed the first.
  const generator = new Generator(5, 1000);
  const bare = await BareRouter.start(await generator.port());
  const nodes: NodeProcess[] = [];
  const clients: TestClient[] = [];
  try {
    const one = await nodeTarget('node, 1 worker', 1, generator, sink, profileDir);
    nodes.push(one.node);
    clients.push(...one.clients);
    const plain = await bareTarget(bare, 'plain', generator, sink);
    const srtp = await bareTarget(bare, 'srtp', generator, sink);
    const { steps, windowMs, rounds } = capacitySizes();
    await ladder([one.target, plain, srtp], sink, steps, log);
    const node1 = one.target.ladder.viewers;
    reportTrouble(one.node, log);
    await Promise.all(one.clients.map((c) => c.close()));
    await one.node.stop();
    nodes.splice(0);

    const all = await nodeTarget(`node, ${workersAll} workers`, workersAll, generator, sink);
    nodes.push(all.node);
    clients.push(...all.clients);
    // Steps of the ladder's first step (250 viewers; a few in the smoke run) from the one-worker figure up.
    const unit = steps[0];
    const start = Math.max(unit, node1);
    const scaledSteps = [start, ...[1.25, 1.5, 1.75, 2].map((f) => Math.round((start * f) / unit) * unit)].filter((n, i, a) => a.indexOf(n) === i);
    await ladder([all.target], sink, scaledSteps, log);
    return {
      node: one.target.ladder,
      bare: plain.ladder,
      srtp: srtp.ladder,
      scaled: { ...all.target.ladder, workers: workersAll },
      rounds,
      windowMs,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    for (const n of nodes) {
      reportTrouble(n, log);
      await n.stop();
    }
    await bare.stop();
    await generator.close();
  }
}
