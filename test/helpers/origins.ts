// A cluster of several origins (loadbalancing.xml <origin>, issue 21) on loopback: every origin's
// file lists the same edges and every origin, this one included. Ports are taken before any
// config is written, since each origin's file names the others'.
import { routes } from './cluster';
import { edgesXml, freePort, type NodeProcess, startNodeFromConf, until, writeConf } from './nodes';

export interface PeerRoute {
  id: string;
  self: boolean;
  state: string;
  streams: { stream: string; origin: string; gen: number }[];
}

export interface MultiOriginRoutes {
  edges: { id: string; state: string }[];
  peers: PeerRoute[];
  owners: { stream: string; origin: string; gen: number }[];
}

export function peerRoutes(node: NodeProcess): Promise<MultiOriginRoutes> {
  return routes(node) as unknown as Promise<MultiOriginRoutes>;
}

/** Origins named `names`, each linked to every edge and to every other origin; resolves once every link is up. */
export async function startOrigins(names: string[], edges: NodeProcess[], props: Record<string, string | number | boolean> = {}): Promise<NodeProcess[]> {
  const ports = await Promise.all(names.map(async (name) => ({ name, port: await freePort(), relayPort: await freePort() })));
  const originsXml = ports
    .map((o) => `  <origin id="${o.name}"><ip>127.0.0.1</ip><ws>${o.port}</ws><wss>0</wss><relay>${o.relayPort}</relay></origin>\n`)
    .join('');
  const xml = edgesXml(edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))).replace('</loadbalancer>', `${originsXml}</loadbalancer>`);
  const dirs = ports.map((o) => writeConf({ port: o.port, relayPort: o.relayPort, nodeId: o.name, xml, props: { load_balancing_enabled: true, ...props } }));
  const started = await Promise.allSettled(ports.map((o, i) => startNodeFromConf(dirs[i], o.port, o.name)));
  const origins = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  try {
    if (failed) throw failed.reason;
    await until(
      async () => {
        for (const origin of origins) {
          const r = await peerRoutes(origin);
          if (!r.edges.every((e) => e.state === 'up') || !r.peers.every((p) => p.state === 'up')) return false;
        }
        return true;
      },
      10000,
      'every origin linked to every edge and every other origin',
    );
  } catch (err) {
    await Promise.all(origins.map((o) => o.stop()));
    throw err;
  }
  return origins;
}

/** The owner of `stream` as `node` sees it (show_routes' owners), or null. */
export async function ownerOn(node: NodeProcess, stream: string): Promise<{ origin: string; gen: number } | null> {
  const owner = (await peerRoutes(node)).owners.find((o) => o.stream === stream);
  return owner ? { origin: owner.origin, gen: owner.gen } : null;
}
