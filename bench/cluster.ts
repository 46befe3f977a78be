// An origin with its edges for the cluster benchmarks (many streams, flash crowd): separate node
// processes on loopback, each with media ports of its own outside the ranges the tests use, and
// connection caps raised for the crowd (loopback is exempt from the per-address caps already).
import { TestClient } from '../test/helpers/client';
import { edgesXml, type NodeProcess, until } from '../test/helpers/nodes';
import { AUDIO_RTP_PARAMETERS, VIDEO_RTP_PARAMETERS } from '../test/helpers/rtp';
import type { Generator } from './generator';
import { startBenchNode } from './node';
import { inBatches } from './viewers';

export interface BenchCluster {
  origin: NodeProcess;
  edges: NodeProcess[];
  stop(): Promise<void>;
}

type Props = Record<string, string | number | boolean>;

/** `props` go to every node, over the cluster's own (e.g. cdn.link_grace_ms for the restore benchmark). */
export async function startCluster(edgeCount: number, originProfileDir: string | null = null, props: Props = {}): Promise<BenchCluster> {
  const nodes: NodeProcess[] = [];
  const stop = async () => {
    for (const n of nodes.splice(0)) await n.stop();
  };
  try {
    for (let i = 0; i < edgeCount; i++) {
      const from = 39000 + i * 500;
      nodes.push(
        await startBenchNode({
          name: `edge${i + 1}`,
          props: { 'log.level': 'warn', max_connections: 5000, media_port_from: from, media_port_to: from + 499, ...props },
        }),
      );
    }
    const edges = [...nodes];
    const origin = await startBenchNode(
      {
        name: 'origin',
        props: { load_balancing_enabled: true, 'log.level': 'warn', max_connections: 5000, media_port_from: 36000, media_port_to: 38999, ...props },
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

/**
 * Publishes `count` streams named `${prefix}${i}` on the origin, audio + video each, one command
 * channel session per publisher (pushed to `publishers` as they connect, so the caller closes them
 * whatever happens), light media from the generator: 10 video packets/s of 300 bytes and 10 audio
 * packets/s, since what the callers measure is the relay's set-up and upkeep, not forwarding.
 */
export async function publishMany(origin: NodeProcess, count: number, prefix: string, generator: Generator, publishers: TestClient[]): Promise<void> {
  await inBatches(count, 16, async (i) => {
    const c = await TestClient.connect(origin.url);
    publishers.push(c);
    const { transport } = await c.request('publish', { stream: `${prefix}${i}`, transport: 'plain' });
    const videoSsrc = 100000 + i * 2;
    const audioSsrc = videoSsrc + 1;
    await c.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(videoSsrc) });
    await c.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: AUDIO_RTP_PARAMETERS(audioSsrc) });
    await c.request('connectTransport', { transportId: transport.id, ip: '127.0.0.1', port: await generator.port() });
    generator.add({ target: { ip: transport.ip, port: transport.port }, videoSsrc, audioSsrc, rate: 10, packetBytes: 300, audioRate: 10 });
  });
}
