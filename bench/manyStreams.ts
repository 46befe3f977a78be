// Many streams: an origin with N edges, S streams published on it (audio + video each, one
// command-channel session per publisher, light media: 10 video packets/s of 300 bytes and 10 audio
// packets/s each, since what is measured is the relay's set-up and upkeep, not forwarding). Times:
// from the first publish to every edge listing every stream with both tracks, and from the
// publishers leaving to every edge (and the origin) listing none. Meanwhile: the origin's CPU (its
// Node.js process and its worker), its JS heap, and the UDP ports each side's workers hold.
import fs from 'node:fs';
import type { TestClient } from '../test/helpers/client';
import { until } from '../test/helpers/nodes';
import { heapMb, publishingStreams, publishMany, startCluster, workerPids } from './cluster';
import { Generator } from './generator';
import { cpuSeconds, rssBytes } from './proc';

export interface ManyStreamsResult {
  edges: number;
  streams: number;
  /** First publish sent -> every publisher's produce answered. */
  publishMs: number;
  /** First publish sent -> every edge lists every stream with both tracks. */
  allOnEdgesMs: number;
  /** Origin while relaying (a steady window): cores used by its Node.js process and by its worker. */
  originProcessCpu: number;
  originWorkerCpu: number;
  /** Origin CPU seconds spent from the first publish to every edge holding every stream. */
  originCpuSecondsToRelay: number;
  originHeapMb: { before: number; relaying: number };
  originRssMb: { before: number; relaying: number };
  /** UDP sockets (= ports) held by the workers: origin, each edge; before and while relaying. */
  originPorts: { before: number; relaying: number };
  edgePorts: { before: number; relaying: number }[];
  /** Publishers leave -> no edge and not the origin lists any stream. */
  dropMs: number;
}

/** UDP/TCP sockets a process holds (a mediasoup worker's transports each hold one port). */
function sockets(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `steadyMs`: how long the origin's CPU is measured while it relays every stream (after a fifth of
 * that to settle); the smoke run's is short, since its figures only have to be measured.
 */
export async function manyStreams(edgeCount: number, streamCount: number, log: (m: string) => void, steadyMs = 5000): Promise<ManyStreamsResult> {
  const cluster = await startCluster(edgeCount);
  const generator = new Generator(20);
  const publishers: TestClient[] = [];
  try {
    const { origin, edges } = cluster;
    const originWorkers = await workerPids(origin);
    const edgeWorkers = await Promise.all(edges.map(workerPids));
    const portsOf = (pids: number[]) => pids.reduce((s, p) => s + sockets(p), 0);
    const originPortsBefore = portsOf(originWorkers);
    const edgePortsBefore = edgeWorkers.map(portsOf);
    const heapBefore = await heapMb(origin);
    const rssBefore = rssBytes(origin.child.pid!) / 2 ** 20;
    const originPids = [origin.child.pid!, ...originWorkers];
    const cpu0 = originPids.map(cpuSeconds);

    const t0 = performance.now();
    await publishMany(origin, streamCount, 'many-', generator, publishers);
    const publishMs = performance.now() - t0;
    await until(
      async () => (await Promise.all(edges.map((e) => publishingStreams(e, 2)))).every((s) => s.size === streamCount),
      60000,
      `every edge listing ${streamCount} streams`,
      100,
    );
    const allOnEdgesMs = performance.now() - t0;
    const cpuToRelay = originPids.reduce((s, p, i) => s + cpuSeconds(p) - cpu0[i], 0);
    log(`many streams: ${streamCount} streams on ${edgeCount} edges in ${Math.round(allOnEdgesMs)} ms (published in ${Math.round(publishMs)} ms)`);

    // Steady relaying.
    await sleep(steadyMs / 5);
    const w0 = originPids.map(cpuSeconds);
    const ws = performance.now();
    await sleep(steadyMs);
    const secs = (performance.now() - ws) / 1000;
    const [processCpu, ...workerCpu] = originPids.map((p, i) => (cpuSeconds(p) - w0[i]) / secs);
    const relayingHeap = await heapMb(origin);
    const relayingRss = rssBytes(origin.child.pid!) / 2 ** 20;
    const originPortsRelaying = portsOf(originWorkers);
    const edgePortsRelaying = edgeWorkers.map(portsOf);

    const d0 = performance.now();
    await Promise.all(publishers.splice(0).map((c) => c.close()));
    await until(
      async () => (await Promise.all([origin, ...edges].map((n) => publishingStreams(n, 0)))).every((s) => s.size === 0),
      60000,
      'every stream gone',
      100,
    );
    const dropMs = performance.now() - d0;
    log(`many streams: all dropped in ${Math.round(dropMs)} ms; origin ports ${originPortsBefore} -> ${originPortsRelaying}`);
    return {
      edges: edgeCount,
      streams: streamCount,
      publishMs,
      allOnEdgesMs,
      originProcessCpu: processCpu,
      originWorkerCpu: workerCpu.reduce((s, x) => s + x, 0),
      originCpuSecondsToRelay: cpuToRelay,
      originHeapMb: { before: heapBefore, relaying: relayingHeap },
      originRssMb: { before: rssBefore, relaying: relayingRss },
      originPorts: { before: originPortsBefore, relaying: originPortsRelaying },
      edgePorts: edgePortsBefore.map((before, i) => ({ before, relaying: edgePortsRelaying[i] })),
      dropMs,
    };
  } finally {
    await Promise.all(publishers.map((c) => c.close()));
    await generator.close();
    await cluster.stop();
  }
}
