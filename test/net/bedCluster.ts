// A static CDN on the bed: an origin and edges, each on its own host (namespace) with its own
// address and the same ws.port, and Chromium on the clients' host publishing the fake camera to the
// origin with the Two Way Streaming page.
import type { Browser, Page } from 'playwright-core';
import type { NodeProcess } from '../helpers/nodes';
import { publishFromPage } from '../helpers/pages';
import { audio, offer, video } from '../helpers/sdpOffers';
import { NetBed, NODE_PORT, until } from './bed';

export interface BedCluster {
  bed: NetBed;
  origin: NodeProcess;
  edges: NodeProcess[];
  browser: Browser;
  publisher: Page;
  close(): Promise<void>;
}

/** loadbalancing.xml listing the bed's edges at their (public) addresses. */
export function bedEdgesXml(bed: NetBed, edges: string[], mode = 'ROUNDROBIN'): string {
  return (
    `<loadbalancer stream_distribution="webrtc" mode="${mode}">\n` +
    edges.map((e) => `  <node id="${e}"><ip>${bed.host(e).ip}</ip><ws>${NODE_PORT}</ws><wss>0</wss></node>\n`).join('') +
    '</loadbalancer>\n'
  );
}

export interface BedClusterOptions {
  edges?: string[];
  behindNat?: string[];
  /** Extra flashphoner.properties keys for every node. */
  props?: Record<string, string | number | boolean>;
  /** Publish this stream from the clients' Chromium (none when unset). */
  stream?: string;
}

export async function startBedCluster(options: BedClusterOptions = {}): Promise<BedCluster> {
  const edgeNames = options.edges ?? ['edge1', 'edge2'];
  const bed = await NetBed.create({ hosts: ['origin', ...edgeNames, 'client'], behindNat: options.behindNat });
  let browser: Browser | undefined;
  try {
    const edges = await Promise.all(edgeNames.map((e) => bed.startNode(e, e, { props: { 'cdn.load_report_ms': 100, ...options.props } })));
    const origin = await bed.startNode('origin', 'origin', { props: { load_balancing_enabled: true, ...options.props }, xml: bedEdgesXml(bed, edgeNames) });
    await until(
      async () =>
        ((await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()) as { edges: { state: string }[] }).edges.every((e) => e.state === 'up'),
      15000,
      "the origin's edge links up",
    );
    browser = await bed.launchChromium('client');
    const publisher = await browser.newPage();
    await publisher.goto(`${origin.netHttp}/two_way_streaming.html`);
    if (options.stream) await publishFromPage(publisher, options.stream);
    const b = browser;
    return {
      bed,
      origin,
      edges,
      browser,
      publisher,
      close: async () => {
        await b.close();
        await bed.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await bed.close();
    throw err;
  }
}

/** True once `node` lists `stream` as PUBLISHING. */
export async function holds(node: NodeProcess, stream: string): Promise<boolean> {
  const list = (await (await fetch(`${node.http}/rest-api/stream/find_all`, { method: 'POST' })).json()) as { name: string; status: string }[];
  return list.some((s) => s.name === stream && s.status === 'PUBLISHING');
}

/**
 * The edges' layer-hold log lines (src/streams/LayerHolder.ts; the nodes must log at info), one
 * line each, timed in seconds from `t0`: for a test to print when a check fails.
 */
export function layerHoldLog(cluster: BedCluster, t0: number): string {
  const lines = cluster.edges
    .flatMap((e) => e.output().split('\n'))
    .filter((l) => l.startsWith('{') && /held at|hold lifted/.test(l))
    .map((l) => {
      const j = JSON.parse(l) as { time: number; msg: string; from?: number; to?: number; holdMs?: number };
      return `${((j.time - t0) / 1000).toFixed(2)} s: ${j.msg} ${j.from ?? ''}->${j.to ?? ''} ${j.holdMs ?? ''}`;
    });
  return lines.join('\n') || '(none)';
}

/** Where the origin sends a WHEP player of `stream` now (the host of its 307), or its status when it does not redirect. */
export async function whepRedirectTarget(cluster: BedCluster, stream: string): Promise<string> {
  const res = await fetch(`${cluster.origin.http}/whep/${stream}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: offer([audio('recvonly'), video('recvonly', 'all')]),
    redirect: 'manual',
  });
  const body = await res.text();
  if (res.status !== 307) process.stdout.write(`origin answered ${res.status}: ${body}\n`);
  return res.status === 307 ? new URL(res.headers.get('location')!).hostname : String(res.status);
}
