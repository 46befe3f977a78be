// The pure choice behind /rtcloadbalance: query parsing, clusters, machine pinning, streams, caps.
import { chooseNode, parseBalanceQuery, type BalancerNode, type BalanceContext } from '../../src/cluster/balancer';
import { edgeBaseUrl, originSecureAuthority } from '../../src/cluster/nodeUrls';

const node = (id: string, extra: Partial<BalancerNode> = {}): BalancerNode => ({
  id,
  cluster: 'default',
  up: true,
  connections: 0,
  maxConnections: 500,
  cpuLoad: 0,
  holdsStream: false,
  ...extra,
});

function ctx(nodes: BalancerNode[], extra: Partial<BalanceContext> = {}): BalanceContext {
  return { mode: 'ROUNDROBIN', nodes, streamExists: false, state: new Map(), ...extra };
}

function query(qs: string) {
  const q = parseBalanceQuery(new URLSearchParams(qs));
  if ('error' in q) throw new Error(q.error.reason);
  return q;
}

function pick(qs: string, c: BalanceContext): string {
  const r = chooseNode(query(qs), c);
  return 'error' in r ? r.error.code : r.node.id;
}

describe('parseBalanceQuery', () => {
  test("accepts secure and the seed's IsSecure spelling, case-insensitively in name and value", () => {
    expect(query('secure=true').secure).toBe(true);
    expect(query('IsSecure=TRUE').secure).toBe(true);
    expect(query('ISSECURE=False').secure).toBe(false);
    expect(query('Cluster=IVL&Machine=WebRTCVM1').cluster).toBe('IVL');
    expect(query('').secure).toBe(false);
  });

  test('refuses unknown, repeated and malformed parameters with BAD_REQUEST', () => {
    for (const qs of ['secure=maybe', 'foo=1', 'cluster=a&cluster=b', 'secure=1&IsSecure=0', 'cluster=a%20b', 'stream=%00x', 'machine=']) {
      const r = parseBalanceQuery(new URLSearchParams(qs));
      expect(r).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    }
  });

  test('ignores a jQuery cache buster', () => {
    expect(query('_=1700000000&secure=1').secure).toBe(true);
  });
});

describe('chooseNode', () => {
  test('round-robins over the default cluster, skipping down nodes and nodes at their cap', () => {
    const c = ctx([node('a'), node('b', { up: false }), node('c'), node('d', { connections: 500 }), node('e', { maxConnections: 0 })]);
    expect([1, 2, 3, 4].map(() => pick('', c))).toEqual(['a', 'c', 'a', 'c']);
  });

  test('a named cluster chooses among its own nodes only; an unknown one is UNKNOWN_CLUSTER', () => {
    const c = ctx([node('a'), node('eu1', { cluster: 'eu' })]);
    expect(pick('cluster=eu', c)).toBe('eu1');
    expect(pick('', c)).toBe('a');
    expect(pick('cluster=us', c)).toBe('UNKNOWN_CLUSTER');
  });

  test('without a default cluster any node of the file is chosen', () => {
    expect(pick('', ctx([node('eu1', { cluster: 'eu' })]))).toBe('eu1');
  });

  test('machine pins one node; unknown, down and full machines are refused with their own codes', () => {
    const c = ctx([node('a'), node('b', { up: false }), node('c', { connections: 2, maxConnections: 2 }), node('eu1', { cluster: 'eu' })]);
    expect(pick('machine=a', c)).toBe('a');
    expect(pick('machine=eu1', c)).toBe('eu1');
    expect(pick('machine=eu1&cluster=default', c)).toBe('UNKNOWN_MACHINE');
    expect(pick('machine=zz', c)).toBe('UNKNOWN_MACHINE');
    expect(pick('machine=b', c)).toBe('MACHINE_DOWN');
    expect(pick('machine=c', c)).toBe('NO_NODE_AVAILABLE');
  });

  test('stream chooses among nodes holding it; a stream known nowhere is STREAM_NOT_FOUND', () => {
    const c = ctx([node('a'), node('b', { holdsStream: true })], { streamExists: true });
    expect([1, 2].map(() => pick('stream=s', c))).toEqual(['b', 'b']);
    expect(pick('stream=s&machine=a', c)).toBe('NO_NODE_AVAILABLE');
    expect(pick('stream=s', ctx([node('a')]))).toBe('STREAM_NOT_FOUND');
    expect(pick('stream=s', ctx([node('a')], { streamExists: true }))).toBe('NO_NODE_AVAILABLE');
  });

  test('FEWESTCALLS picks the node with the fewest live connections', () => {
    const c = ctx([node('a', { connections: 5 }), node('b', { connections: 2 }), node('c', { connections: 3 })], { mode: 'FEWESTCALLS' });
    expect(pick('', c)).toBe('b');
  });

  test('no node up gives NO_NODE_AVAILABLE with counts in the reason', () => {
    const r = chooseNode(query(''), ctx([node('a', { up: false })]));
    expect(r).toEqual({ error: { code: 'NO_NODE_AVAILABLE', reason: expect.stringContaining('0 of 1 up') } });
  });
});

describe('edge URLs', () => {
  const edge = { id: 'e1', ip: '10.0.0.2', ws: 8080, wss: 8443, pathPrefix: '/media/cdn' };

  test("carry the edge's path prefix and its ws or wss port", () => {
    expect(edgeBaseUrl(edge, 'ws', false, null)).toBe('ws://10.0.0.2:8080/media/cdn');
    expect(edgeBaseUrl(edge, 'ws', true, null)).toBe('wss://10.0.0.2:8443/media/cdn');
    expect(edgeBaseUrl(edge, 'http', true, null)).toBe('https://10.0.0.2:8443/media/cdn');
    expect(edgeBaseUrl({ ...edge, ip: '::1' }, 'http', false, null)).toBe('http://[::1]:8080/media/cdn');
  });

  test("a secure client of an edge without wss goes through the origin's proxy, or gets nothing", () => {
    const plain = { ...edge, wss: 0 };
    expect(edgeBaseUrl(plain, 'ws', true, 'origin.example:443/cdn')).toBe('wss://origin.example:443/cdn/proxy/e1');
    expect(edgeBaseUrl(plain, 'http', true, 'origin.example:443')).toBe('https://origin.example:443/proxy/e1');
    expect(edgeBaseUrl(plain, 'ws', true, null)).toBeNull();
  });

  test('the origin proxies securely only with a certificate', () => {
    const base = { ip: '1.2.3.4', wssPort: 8443, pathPrefix: '/p', tlsCertFile: null, tlsKeyFile: null };
    expect(originSecureAuthority(base)).toBeNull();
    expect(originSecureAuthority({ ...base, tlsCertFile: 'c', tlsKeyFile: 'k' })).toBe('1.2.3.4:8443/p');
  });
});
