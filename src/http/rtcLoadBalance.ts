// GET /rtcloadbalance (Voice Elements' REST load balancer, on the origin): a bare connection
// string such as `ws://10.0.0.2:8080` as text/plain, or `ERROR: CODE: reason` with the code's
// HTTP status. With `format=json` (what the WCS SDK's `lbUrl` reads) the answer is WCS's JSON
// `{server, ws, wss}` plus `url`/`secureUrl` (with the edge's path prefix) and `node`.
// The choice itself is pure (cluster/balancer.ts); this file reads the live state.
import { chooseNode, parseBalanceQuery, type BalancerNode, type BalanceRefusal } from '../cluster/balancer';
import { edgeBaseUrl, originSecureAuthority } from '../cluster/nodeUrls';
import type { SelectionState } from '../cluster/selection';
import type { EdgeLink } from '../cluster/EdgeLink';
import { DEFAULT_CLUSTER } from '../config/types';
import { checkToken } from '../auth/access';
import { bearerToken } from '../auth/adminToken';
import { AppError, ERRORS } from '../errors';
import type { HttpContext } from './HttpContext';
import { sendJson, sendText } from './respond';
import type { Router } from './router';

const NO_STORE = { 'Cache-Control': 'no-store' };
/** How long an answer naming a stream waits for its relay to a cold on-demand edge (like the redirect's wait). */
const ON_DEMAND_WAIT_MS = 5000;

function refuse(res: Parameters<typeof sendText>[0], error: BalanceRefusal): void {
  // The seed's clients test `startsWith("ERROR:")`; the code after it is for programs and logs.
  sendText(res, ERRORS[error.code].status, `ERROR: ${error.code}: ${error.reason}`, NO_STORE);
}

export function registerRtcLoadBalance(router: Router, ctx: HttpContext): void {
  const state = new Map<string, SelectionState>();

  router.add('GET', '/rtcloadbalance', async (req, res, route) => {
    const origin = ctx.origin;
    const loadBalancing = ctx.config.loadBalancing;
    if (!origin || !loadBalancing) {
      return refuse(res, { code: 'NOT_ALLOWED', reason: 'this node is not an origin (load_balancing_enabled is false)' });
    }
    // `format` chooses the answer's form, not the node: the balancer's query never sees it.
    const params = new URLSearchParams(route.url.searchParams);
    const json = params.get('format') === 'json';
    const token = bearerToken(req.headers.authorization) ?? params.get('token');
    params.delete('format');
    params.delete('token');
    const query = parseBalanceQuery(params);
    if ('error' in query) return refuse(res, query.error);
    // With auth.play=token an edge's address goes only to a holder of a play token for the stream
    // (the same check the origin makes before it redirects a player).
    if (ctx.config.playAuth === 'token') {
      if (query.stream === null) {
        return refuse(res, {
          code: 'UNAUTHORIZED',
          reason: 'auth.play=token: name the stream (stream=) and send a play token for it (token= or Authorization: Bearer)',
        });
      }
      try {
        checkToken(ctx.config, 'play', query.stream, { token, ip: ctx.clientAddress(req) });
      } catch (err) {
        if (err instanceof AppError) return refuse(res, { code: err.code, reason: err.message });
        throw err;
      }
    }

    // A stream another origin holds: the edges that origin says hold it (several origins).
    const peerEdges = query.stream !== null && !ctx.streams.get(query.stream) ? await origin.peers.peerEdges(query.stream) : null;
    const links = origin.links;
    // On-demand edges of the asked cluster: the one the concentration rule picks holds the stream
    // before the answer goes out (started there and waited for when cold), and is the only
    // on-demand candidate, so the players of a stream pack onto few edges.
    // The balancer's pool: the named cluster; without cluster= the default one, or every node when there is none.
    const clusterName = query.cluster ?? DEFAULT_CLUSTER;
    const inPool = links.some((l) => l.edge.cluster === clusterName) || query.cluster !== null ? (l: EdgeLink) => l.edge.cluster === clusterName : () => true;
    const onDemand = links.filter((l) => l.onDemand && inPool(l));
    const pulled =
      query.stream !== null && query.machine === null && onDemand.length > 0 ? await origin.pullFor(query.stream, onDemand, ON_DEMAND_WAIT_MS) : null;
    const nodes: BalancerNode[] = links.map((l) => ({
      id: l.edge.id,
      cluster: l.edge.cluster,
      up: l.state === 'up',
      connections: l.connections + l.redirectsSinceReport,
      maxConnections: l.edge.maxConnections,
      cpuLoad: l.cpuLoad,
      holdsStream:
        query.stream !== null &&
        (l.onDemand && query.machine === null ? l === pulled : (l.relayOf(query.stream)?.complete ?? false) || (peerEdges?.includes(l.edge.id) ?? false)),
    }));
    // Relay tiers: the nodes below the relays, as their relays report them (always up while reported).
    const below = origin.tierNodes();
    const nodeOf = (id: string) => loadBalancing.nodes.find((n) => n.id === id);
    for (const d of below) {
      const config = nodeOf(d.id);
      if (!config) continue;
      nodes.push({
        id: d.id,
        cluster: d.cluster,
        up: true,
        connections: d.connections + origin.redirectsBelow(d.id),
        maxConnections: config.maxConnections,
        cpuLoad: d.cpuLoad,
        // A pinned on-demand node pulls the stream through its relay when the player plays there.
        holdsStream: query.stream !== null && (d.held[query.stream] !== undefined || (config.distribution === 'on_demand' && query.machine === d.id)),
      });
    }
    const streamExists = query.stream !== null && (ctx.streams.get(query.stream) !== undefined || peerEdges !== null || nodes.some((n) => n.holdsStream));
    const result = chooseNode(query, { mode: origin.mode, nodes, streamExists, state });
    if ('error' in result) return refuse(res, result.error);

    const link = links.find((l) => l.edge.id === result.node.id);
    const edge = link?.edge ?? nodeOf(result.node.id)!;
    // The origin's secure proxy reaches the nodes it links to; a node below a relay needs a wss port of its own.
    const proxy = link ? originSecureAuthority(ctx.config) : null;
    const url = edgeBaseUrl(edge, 'ws', query.secure, proxy);
    if (!url) {
      return refuse(res, {
        code: 'NO_NODE_AVAILABLE',
        reason: link
          ? `machine "${edge.id}" has no wss port and the origin has no certificate to proxy it`
          : `machine "${edge.id}" (below relay ${edge.parent}) has no wss port, and the origin proxies only the nodes it links to`,
      });
    }
    // Counted at once, so a burst of requests between two load reports respects the cap.
    if (link) link.redirectsSinceReport++;
    else origin.countRedirectBelow(edge.id);
    if (!json) return sendText(res, 200, url, NO_STORE);
    const secureUrl = edgeBaseUrl(edge, 'ws', true, proxy);
    sendJson(res, 200, { server: edge.ip, ws: edge.ws, wss: edge.wss || null, node: edge.id, url, secureUrl }, NO_STORE);
  });
}
