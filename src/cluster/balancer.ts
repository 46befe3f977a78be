// The choice behind GET /rtcloadbalance, pure: parse the query, then pick one node of a cluster
// that is up, below its connection cap and (when asked) holding a stream, by the configured mode.
// Every refusal carries a stable error code; the HTTP layer turns it into "ERROR: ..." text.
import { DEFAULT_CLUSTER, type BalancingMode } from '../config/types';
import type { ErrorCode } from '../errors';
import { checkStreamName, STREAM_NAME_RULE } from '../streams/streamName';
import { selectEdge, type SelectionState } from './selection';

export interface BalanceQuery {
  /** `cluster=`; null = the default cluster. */
  cluster: string | null;
  /** `machine=`: that node exactly. */
  machine: string | null;
  /** `stream=` (our extension): a node holding that stream; NFC-normalised. */
  stream: string | null;
  /** `secure=` / `IsSecure=`: hand out a wss:// address. Default false. */
  secure: boolean;
}

export interface BalancerNode {
  id: string;
  cluster: string;
  /** The origin's link to the node is up (the node is alive and reachable). */
  up: boolean;
  /** Live command-channel clients: the node's last report plus clients sent there since. */
  connections: number;
  /** `max_connections` of loadbalancing.xml; 0 = never chosen. */
  maxConnections: number;
  cpuLoad: number;
  /** The node holds the queried stream (only read when the query names one). */
  holdsStream: boolean;
}

export type BalanceRefusal = { code: ErrorCode; reason: string };
export type BalanceResult = { node: BalancerNode } | { error: BalanceRefusal };

/** Cluster names: the rule of loadbalancing.xml. */
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
// Machine ids travel in URLs; refuse control characters and absurd lengths. Stream names follow
// the one stream-name rule instead (src/streams/streamName.ts).
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const TEXT = /^[^\x00-\x1f\x7f]{1,128}$/;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
/** jQuery-style cache busters (`_=1700000000`) are tolerated and ignored. */
const IGNORED = new Set(['_']);

/**
 * Parses the query string. Names are case-insensitive (`IsSecure`, `secure`, `SECURE`), values of
 * `secure` too; an unknown, repeated or malformed parameter is a BAD_REQUEST.
 */
export function parseBalanceQuery(params: URLSearchParams): BalanceQuery | { error: BalanceRefusal } {
  const q: BalanceQuery = { cluster: null, machine: null, stream: null, secure: false };
  const seen = new Set<string>();
  const bad = (reason: string) => ({ error: { code: 'BAD_REQUEST' as const, reason } });
  for (const [rawName, value] of params) {
    const name = rawName.toLowerCase();
    if (IGNORED.has(name)) continue;
    const key = name === 'issecure' ? 'secure' : name;
    if (seen.has(key)) return bad(`parameter "${rawName}" is given twice`);
    seen.add(key);
    switch (key) {
      case 'cluster':
        if (!NAME.test(value)) return bad('cluster must be 1-64 letters, digits, ".", "_" or "-"');
        q.cluster = value;
        break;
      case 'machine':
        if (!TEXT.test(value)) return bad('machine must be 1-128 printable characters');
        q.machine = value;
        break;
      case 'stream': {
        const check = checkStreamName(value);
        if (!check.ok) return bad(`stream: ${check.reason}: ${STREAM_NAME_RULE}`);
        q.stream = check.name;
        break;
      }
      case 'secure': {
        const v = value.toLowerCase();
        if (TRUE.has(v)) q.secure = true;
        else if (FALSE.has(v)) q.secure = false;
        else return bad(`${rawName} must be true or false`);
        break;
      }
      default:
        return bad(`unknown parameter "${rawName}" (known: cluster, machine, stream, secure/IsSecure)`);
    }
  }
  return q;
}

export interface BalanceContext {
  mode: BalancingMode;
  /** Every node of loadbalancing.xml, in file order. */
  nodes: readonly BalancerNode[];
  /** The stream exists somewhere in the cluster (on the origin, at least), for the 404 vs 503 call. */
  streamExists: boolean;
  /** Round-robin positions, one per cluster name, kept by the caller between requests. */
  state: Map<string, SelectionState>;
  random?: () => number;
}

/** Picks a node for the query, or says why none can be given. */
export function chooseNode(q: BalanceQuery, ctx: BalanceContext): BalanceResult {
  const refuse = (code: ErrorCode, reason: string): BalanceResult => ({ error: { code, reason } });
  // Without cluster= the default cluster (top-level nodes); a file with only named clusters has
  // no default one, so then any node of the file will do.
  const clusterName = q.cluster ?? DEFAULT_CLUSTER;
  let pool = ctx.nodes.filter((n) => n.cluster === clusterName);
  if (q.cluster === null && pool.length === 0) pool = [...ctx.nodes];
  if (pool.length === 0) return refuse('UNKNOWN_CLUSTER', `unknown cluster "${clusterName}"`);

  if (q.stream !== null && !ctx.streamExists) return refuse('STREAM_NOT_FOUND', `stream "${q.stream}" not found`);

  if (q.machine !== null) {
    // Ids are unique in the whole file: without cluster= a machine of any cluster is found.
    const scope = q.cluster === null ? ctx.nodes : pool;
    const node = scope.find((n) => n.id === q.machine);
    if (!node) return refuse('UNKNOWN_MACHINE', `unknown machine "${q.machine}"${q.cluster ? ` in cluster "${q.cluster}"` : ''}`);
    if (!node.up) return refuse('MACHINE_DOWN', `machine "${node.id}" is down`);
    if (node.connections >= node.maxConnections) {
      return refuse('NO_NODE_AVAILABLE', `machine "${node.id}" is at its connection cap (${node.maxConnections})`);
    }
    if (q.stream !== null && !node.holdsStream) {
      return refuse('NO_NODE_AVAILABLE', `machine "${node.id}" does not hold stream "${q.stream}" (yet)`);
    }
    return { node };
  }

  const candidates = pool.filter((n) => n.up && n.connections < n.maxConnections && (q.stream === null || n.holdsStream));
  let state = ctx.state.get(clusterName);
  if (!state) ctx.state.set(clusterName, (state = { next: 0 }));
  const choice = selectEdge(
    ctx.mode,
    candidates.map((n) => ({ id: n.id, players: n.connections, cpuLoad: n.cpuLoad })),
    state,
    ctx.random,
  );
  if (!choice) {
    const up = pool.filter((n) => n.up).length;
    const what = q.stream !== null ? ` holding stream "${q.stream}"` : '';
    return refuse('NO_NODE_AVAILABLE', `no node of cluster "${clusterName}" is up, below its connection cap${what} (${up} of ${pool.length} up)`);
  }
  return { node: candidates.find((n) => n.id === choice.id)! };
}
