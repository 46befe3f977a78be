// The relay hop, secure against plain: an origin and one edge (separate processes), a publisher on
// the origin, one plain-RTP player on the origin (noRedirect) and one on the edge, all receiving in
// this process with one clock. Latency: the same packet (matched by the counter in its payload)
// arriving at the edge's player minus at the origin's. CPU: the edge worker's utime + stime over a
// window divided by the packets its player got in that window (what the worker spends taking a
// packet off the pipe and forwarding it), and the same for the origin's worker (publisher in,
// origin player and pipe out).
//
// "secure" is the default set-up: the relay link over TLS on cdn.relay_port with both ends proving
// the cluster secret. "plain" is cdn.relay_tls=false on both nodes: the link is ws:// on the command
// port. Both carry media over the same SRTP pipe (one per worker pair); what differs is only how the
// pipe's keys and the relay commands travel, so the target is that the two cost the same.
import { TestClient } from '../test/helpers/client';
import { edgesXml, type NodeProcess, until } from '../test/helpers/nodes';
import { type RtpReceiver, VIDEO_PT } from '../test/helpers/rtp';
import { workerPids } from './cluster';
import { startBenchNode } from './node';
import { cpuSeconds } from './proc';

export type LinkMode = 'secure' | 'plain';

export interface HopRun {
  mode: LinkMode;
  /** Edge arrival minus origin arrival, ms, one per matched packet. */
  hopMs: number[];
  /** Video packets the edge's player received in the CPU window. */
  packets: number;
  edgeWorkerUsPerPacket: number;
  originWorkerUsPerPacket: number;
}

export interface HopOptions {
  /** Publisher's frame interval (one video packet per frame). */
  intervalMs: number;
  /** Settling before the window, and the window itself. */
  settleMs: number;
  windowMs: number;
}

export const HOP_FULL: HopOptions = { intervalMs: 2, settleMs: 1500, windowMs: 6000 };
export const HOP_SMOKE: HopOptions = { intervalMs: 5, settleMs: 300, windowMs: 700 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function edgesUp(origin: NodeProcess): Promise<boolean> {
  const routes = await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json();
  return routes.edges.every((e: { state: string }) => e.state === 'up');
}

/** One measurement on a fresh origin and edge with the given link mode. */
export async function relayHop(mode: LinkMode, o: HopOptions): Promise<HopRun> {
  const props = { 'log.level': 'warn', 'play.allow_no_redirect': true, 'cdn.relay_tls': mode === 'secure' };
  const nodes: NodeProcess[] = [];
  const clients: TestClient[] = [];
  const receivers: RtpReceiver[] = [];
  try {
    const edge = await startBenchNode({ name: `hop-edge-${mode}`, props: { ...props } });
    nodes.push(edge);
    const origin = await startBenchNode({
      name: `hop-origin-${mode}`,
      props: { ...props, load_balancing_enabled: true },
      xml: edgesXml([{ id: edge.name, port: edge.port, relayPort: edge.relayPort }]),
    });
    nodes.push(origin);
    await until(() => edgesUp(origin), 10000, 'the edge link up');
    const pub = await TestClient.connect(origin.url);
    clients.push(pub);
    const sender = await pub.publishRtp('hop', { intervalMs: o.intervalMs });
    sender.keyframeEvery = 1_000_000; // keyframes on request only: the hop's own cost, not the encoder's
    const onOrigin = await TestClient.connect(origin.url);
    const onEdge = await TestClient.connect(edge.url);
    clients.push(onOrigin, onEdge);
    await until(async () => (await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json()).length > 0, 5000, 'the stream on the edge');
    const a = (await onOrigin.playRtp('hop', { noRedirect: true })).receiver;
    const b = (await onEdge.playRtp('hop')).receiver;
    receivers.push(a, b);
    await b.waitFor(20, VIDEO_PT);
    await sleep(o.settleMs);

    const [edgeWorker] = await workerPids(edge);
    const [originWorker] = await workerPids(origin);
    const from = { a: a.packets.length, b: b.packets.length, edge: cpuSeconds(edgeWorker), origin: cpuSeconds(originWorker) };
    await sleep(o.windowMs);
    const edgeCpu = cpuSeconds(edgeWorker) - from.edge;
    const originCpu = cpuSeconds(originWorker) - from.origin;
    const atEdge = b.packets.slice(from.b).filter((p) => p.pt === VIDEO_PT);
    const atOrigin = new Map(
      a.packets
        .slice(from.a)
        .filter((p) => p.pt === VIDEO_PT)
        .map((p) => [p.tag, p.at]),
    );
    const hopMs: number[] = [];
    for (const p of atEdge) {
      const t = atOrigin.get(p.tag);
      if (t !== undefined) hopMs.push(Number(p.at - t) / 1e6);
    }
    await sender.close();
    return {
      mode,
      hopMs,
      packets: atEdge.length,
      edgeWorkerUsPerPacket: (edgeCpu * 1e6) / atEdge.length,
      originWorkerUsPerPacket: (originCpu * 1e6) / atEdge.length,
    };
  } finally {
    for (const r of receivers) await r.close();
    for (const c of clients) await c.close();
    for (const n of nodes.reverse()) await n.stop();
  }
}

/** `rounds` measurements of each mode, alternating, so a drift in the machine's load falls on both alike. */
export async function relayHops(rounds: number, o: HopOptions, log: (m: string) => void): Promise<HopRun[]> {
  const runs: HopRun[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const mode of ['secure', 'plain'] as const) {
      const r = await relayHop(mode, o);
      log(`relay hop ${mode}: ${r.packets} packets, edge worker ${r.edgeWorkerUsPerPacket.toFixed(1)} µs/packet`);
      runs.push(r);
    }
  }
  return runs;
}
