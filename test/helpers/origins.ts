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

/** An origin as the <origin> list names it. */
export interface OriginPlace {
  name: string;
  port: number;
  relayPort: number;
}

/** loadbalancing.xml of a cluster: the edges, then every origin. */
export function clusterXml(edges: NodeProcess[], origins: OriginPlace[]): string {
  const originsXml = origins
    .map((o) => `  <origin id="${o.name}"><ip>127.0.0.1</ip><ws>${o.port}</ws><wss>0</wss><relay>${o.relayPort}</relay></origin>\n`)
    .join('');
  return edgesXml(edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))).replace('</loadbalancer>', `${originsXml}</loadbalancer>`);
}

/** Free ports for an origin to be. */
export async function originPlace(name: string): Promise<OriginPlace> {
  return { name, port: await freePort(), relayPort: await freePort() };
}

/** A config directory for an origin of `origins` (it is one of them). */
export function originConf(place: OriginPlace, xml: string, props: Record<string, string | number | boolean> = {}): string {
  return writeConf({ port: place.port, relayPort: place.relayPort, nodeId: place.name, xml, props: { load_balancing_enabled: true, ...props } });
}

/** Origins named `names`, each linked to every edge and to every other origin; resolves once every link is up. */
export async function startOrigins(names: string[], edges: NodeProcess[], props: Record<string, string | number | boolean> = {}): Promise<NodeProcess[]> {
  const ports = await Promise.all(names.map(originPlace));
  const xml = clusterXml(edges, ports);
  const dirs = ports.map((o) => originConf(o, xml, props));
  const started = await Promise.allSettled(ports.map((o, i) => startNodeFromConf(dirs[i], o.port, o.name)));
  const origins = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  try {
    if (failed) throw failed.reason;
    await allLinked(origins);
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

/** Resolves once every origin's links to its edges and to every other origin are up. */
export async function allLinked(origins: NodeProcess[], timeoutMs = 10000): Promise<number> {
  return until(
    async () => {
      for (const origin of origins) {
        const r = await peerRoutes(origin);
        if (!r.edges.every((e) => e.state === 'up') || r.peers.length !== origins.length || !r.peers.every((p) => p.state === 'up')) return false;
      }
      return true;
    },
    timeoutMs,
    'every origin linked to every edge and every other origin',
  );
}
