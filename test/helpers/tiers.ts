// A relay tree of real node processes on loopback (loadbalancing.xml `parent`): an origin, relays
// fed by it, and edges fed by the relays. Every node gets the same loadbalancing.xml (a relay finds
// its children by its node_id in it), so the ports are chosen before any node starts; leaves start
// first, then relays, then the origin, which links to the relays only.
import { LOAD_REPORT_MS, routes } from './cluster';
import { freePort, type NodeProcess, startNode, startNodeFromConf, until } from './nodes';

export interface TreeSpec {
  /** Relays fed by the origin. */
  relays: string[];
  /** Edges, each with the relay that feeds it. */
  edges: { name: string; parent: string }[];
  /** loadbalancing.xml `distribution` of the whole tree. Default push. */
  distribution?: 'push' | 'on_demand';
  mode?: string;
  /** flashphoner.properties of every node (the origin's load_balancing_enabled is added). */
  props?: Record<string, string | number | boolean>;
}

/** The issue's tree: an origin, two relays fed by it, two edges below each. */
export const TWO_RELAYS_FOUR_EDGES: TreeSpec = {
  relays: ['r1', 'r2'],
  edges: [
    { name: 'e1', parent: 'r1' },
    { name: 'e2', parent: 'r1' },
    { name: 'e3', parent: 'r2' },
    { name: 'e4', parent: 'r2' },
  ],
};

export interface Tree {
  origin: NodeProcess;
  relays: NodeProcess[];
  edges: NodeProcess[];
  /** Every node, origin first. */
  all: NodeProcess[];
  xml: string;
  /** Starts a killed node of the tree again from its configuration directory (its ports, its loadbalancing.xml). */
  restart(killed: NodeProcess): Promise<NodeProcess>;
}

export interface RouteEntry {
  id: string;
  state: string;
  via?: string;
  players: number;
  held: Record<string, string>;
}

export const treeRoutes = async (origin: NodeProcess): Promise<RouteEntry[]> => (await routes(origin)).edges as unknown as RouteEntry[];

export async function startTree(spec: TreeSpec): Promise<Tree> {
  const names = [...spec.relays, ...spec.edges.map((e) => e.name)];
  const ports = new Map<string, { port: number; relayPort: number }>();
  for (const name of names) ports.set(name, { port: await freePort(), relayPort: await freePort() });
  const parentOf = new Map(spec.edges.map((e) => [e.name, e.parent]));
  const xml =
    `<loadbalancer stream_distribution="webrtc" mode="${spec.mode ?? 'ROUNDROBIN'}" distribution="${spec.distribution ?? 'push'}">\n` +
    names
      .map((name) => {
        const { port, relayPort } = ports.get(name)!;
        const parent = parentOf.get(name);
        return `  <node id="${name}"${parent ? ` parent="${parent}"` : ''}><ip>127.0.0.1</ip><ws>${port}</ws><wss>0</wss><relay>${relayPort}</relay></node>\n`;
      })
      .join('') +
    '</loadbalancer>\n';
  const props = { 'cdn.load_report_ms': LOAD_REPORT_MS, ...spec.props };
  const start = (name: string): Promise<NodeProcess> => {
    const { port, relayPort } = ports.get(name)!;
    return startNode({ name, port, props: { ...props, 'cdn.relay_port': relayPort }, xml });
  };
  const started: NodeProcess[] = [];
  try {
    const edges = await Promise.all(spec.edges.map((e) => start(e.name)));
    started.push(...edges);
    const relays = await Promise.all(spec.relays.map(start));
    started.push(...relays);
    const origin = await startNode({ name: 'origin', props: { ...props, load_balancing_enabled: true }, xml });
    started.push(origin);
    // Every node of the tree is up: the relays on the origin's own links, the edges in their reports.
    await until(
      async () => {
        const r = await treeRoutes(origin);
        return names.every((n) => r.some((e) => e.id === n && e.state === 'up'));
      },
      15000,
      'every node of the tree up on the origin',
    );
    return {
      origin,
      relays,
      edges,
      all: [origin, ...relays, ...edges],
      xml,
      restart: (killed) => startNodeFromConf(killed.confDir, killed.port, killed.name),
    };
  } catch (err) {
    await Promise.all(started.map((n) => n.stop()));
    throw err;
  }
}
