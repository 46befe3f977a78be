// An origin with its edges for the cluster benchmarks (many streams, flash crowd): separate node
// processes on loopback, each with media ports of its own outside the ranges the tests use, and
// connection caps raised for the crowd (loopback is exempt from the per-address caps already).
import { edgesXml, type NodeProcess, until } from '../test/helpers/nodes';
import { startBenchNode } from './node';

export interface BenchCluster {
  origin: NodeProcess;
  edges: NodeProcess[];
  stop(): Promise<void>;
}

export async function startCluster(edgeCount: number, originProfileDir: string | null = null): Promise<BenchCluster> {
  const nodes: NodeProcess[] = [];
  const stop = async () => {
    for (const n of nodes.splice(0)) await n.stop();
  };
  try {
    for (let i = 0; i < edgeCount; i++) {
      const from = 39000 + i * 500;
      nodes.push(
        await startBenchNode({ name: `edge${i + 1}`, props: { 'log.level': 'warn', max_connections: 5000, media_port_from: from, media_port_to: from + 499 } }),
      );
    }
    const edges = [...nodes];
    const origin = await startBenchNode(
      {
        name: 'origin',
        props: { load_balancing_enabled: true, 'log.level': 'warn', max_connections: 5000, media_port_from: 36000, media_port_to: 38999 },
        xml: edgesXml(edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))),
      },
      originProfileDir,
    );
    nodes.push(origin);
    await until(
      async () => (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()).edges.every((e: { state: string }) => e.state === 'up'),
      10000,
      'every edge link up',
    );
    return { origin, edges, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Streams a node lists as PUBLISHING with `tracks` tracks. */
export async function publishingStreams(node: NodeProcess, tracks: number): Promise<Set<string>> {
  const list = (await (await fetch(`${node.http}/rest-api/stream/find_all`)).json()) as { name: string; status: string; tracks: unknown[] }[];
  return new Set(list.filter((s) => s.status === 'PUBLISHING' && s.tracks.length >= tracks).map((s) => s.name));
}

/** Worker pids of a node (from /healthz). */
export async function workerPids(node: NodeProcess): Promise<number[]> {
  return (await (await fetch(`${node.http}/healthz`)).json()).workers;
}

/** Node.js heap in use, MB (from /metrics). */
export async function heapMb(node: NodeProcess): Promise<number> {
  const metrics = await (await fetch(`${node.http}/metrics`)).text();
  return Number(/^cdn_process_nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1] ?? NaN) / 2 ** 20;
}
