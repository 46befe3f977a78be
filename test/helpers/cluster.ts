// A static CDN of real node processes on loopback: edges, then an origin whose loadbalancing.xml
// lists them. Edges report their load every 100 ms (cdn.load_report_ms), so a test waiting for
// the origin to see an edge's players waits on that condition for a moment, not a second.
import { edgesXml, type NodeProcess, startNode, until } from './nodes';

export const LOAD_REPORT_MS = 100;

export interface StreamInfo {
  name: string;
  status: string;
  source: string;
  tracks?: { kind: string; paused: boolean }[];
  edges?: { id: string; relay: string; error?: string }[];
}

/** An edge; it refuses client publishes (publish.allow_direct=auto) unless `props` say otherwise. */
export function startEdge(name: string, props: Record<string, string | number | boolean> = {}): Promise<NodeProcess> {
  return startNode({ name, props: { 'cdn.load_report_ms': LOAD_REPORT_MS, ...props } });
}

/** An origin linked to `edges`; resolves once every link is up. */
export async function startOrigin(
  edges: NodeProcess[],
  opts: { name?: string; mode?: string; props?: Record<string, string | number | boolean> } = {},
): Promise<NodeProcess> {
  const origin = await startNode({
    name: opts.name ?? 'origin',
    props: { load_balancing_enabled: true, ...opts.props },
    xml: edgesXml(
      edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort })),
      opts.mode ?? 'ROUNDROBIN',
    ),
  });
  try {
    await until(async () => (await routes(origin)).edges.every((e) => e.state === 'up'), 10000, `${origin.name}'s edge links up`);
  } catch (err) {
    await origin.stop();
    throw err;
  }
  return origin;
}

export async function streamsOn(node: NodeProcess): Promise<StreamInfo[]> {
  return (await fetch(`${node.http}/rest-api/stream/find_all`, { method: 'POST' })).json();
}

export async function routes(node: NodeProcess, adminToken?: string): Promise<{ edges: { id: string; state: string; players: number }[] }> {
  // With auth.play=token the route map is the admin's (it names the edges' addresses).
  const headers: Record<string, string> = adminToken ? { Authorization: `Bearer ${adminToken}` } : {};
  return (await fetch(`${node.http}/rest-api/cdn/show_routes`, { headers })).json();
}

/** True once every edge of the origin has relayed `stream`. */
export async function relayedEverywhere(origin: NodeProcess, stream: string): Promise<boolean> {
  return (await streamsOn(origin)).find((s) => s.name === stream)?.edges?.every((e) => e.relay === 'relayed') ?? false;
}

/** Things a test opened, closed after it (newest first), whether it passed or not. */
export class Cleanup {
  readonly #fns: (() => Promise<unknown>)[] = [];

  track<T extends { close(): Promise<unknown> }>(x: T): T {
    this.#fns.push(() => x.close());
    return x;
  }

  add(fn: () => Promise<unknown>): void {
    this.#fns.push(fn);
  }

  async run(): Promise<void> {
    for (const fn of this.#fns.splice(0).reverse()) await fn();
  }
}

/** Stops every node and resolves with their exit codes (0 = clean shutdown). */
export function stopAll(nodes: (NodeProcess | undefined)[]): Promise<(number | null)[]> {
  return Promise.all(nodes.filter((n): n is NodeProcess => Boolean(n)).map((n) => n.stop()));
}
