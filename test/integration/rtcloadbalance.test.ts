// GET /rtcloadbalance on a real origin with real edges: a default cluster holding a live edge and
// a dead one, a named cluster whose edge has a path prefix and a cap of one connection.
import http from 'node:http';
import { TestClient } from '../helpers/client';
import { LOAD_REPORT_MS } from '../helpers/cluster';
import { freePort, type NodeProcess, startNode, until } from '../helpers/nodes';

let origin: NodeProcess;
let edge1: NodeProcess;
let edge2: NodeProcess;
let ghostPort: number;
const cleanup: (() => Promise<unknown>)[] = [];

async function lb(qs: string, node: NodeProcess = origin): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${node.http}/rtcloadbalance${qs ? `?${qs}` : ''}`);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

/** The first 200 answer to `qs`: a node at its cap is free again after its next load report. */
async function lbWhenFree(qs: string): Promise<Awaited<ReturnType<typeof lb>>> {
  let r = await lb(qs);
  if (r.status !== 200) await until(async () => (r = await lb(qs)).status === 200, 2000, `a 200 answer to ${qs}`);
  return r;
}

beforeAll(async () => {
  ghostPort = await freePort(); // nothing listens there: the "ghost" node is down
  // Short load reports: answers handed out count against a cap only until the edge's next report.
  edge1 = await startNode({ name: 'edge1', props: { 'cdn.load_report_ms': LOAD_REPORT_MS } });
  edge2 = await startNode({ name: 'edge2', props: { 'http.path_prefix': '/media/eu', 'cdn.load_report_ms': LOAD_REPORT_MS } });
  const xml =
    '<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n' +
    `  <node id="edge1"><ip>127.0.0.1</ip><ws>${edge1.port}</ws><wss>0</wss><relay>${edge1.relayPort}</relay></node>\n` +
    `  <node id="ghost"><ip>127.0.0.1</ip><ws>${ghostPort}</ws><wss>0</wss><relay>${ghostPort}</relay></node>\n` +
    '  <cluster name="eu">\n' +
    `    <node id="edge2" max_connections="1" path_prefix="/media/eu"><ip>127.0.0.1</ip><ws>${edge2.port}</ws><wss>9443</wss><relay>${edge2.relayPort}</relay></node>\n` +
    '  </cluster>\n' +
    '</loadbalancer>\n';
  origin = await startNode({ name: 'origin', props: { load_balancing_enabled: true }, xml });
  await until(
    async () => {
      const routes = (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()) as { edges: { id: string; state: string }[] };
      return routes.edges.filter((e) => e.state === 'up').length === 2;
    },
    10000,
    'edge links up',
  );
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

afterAll(async () => {
  const codes = await Promise.all([origin, edge1, edge2].filter(Boolean).map((n) => n.stop()));
  expect(codes).toEqual(codes.map(() => 0));
});

test('without parameters the origin answers the live edge of the default cluster as a bare ws:// string', async () => {
  for (let i = 0; i < 3; i++) {
    const r = await lb('');
    expect(r).toEqual({ status: 200, text: `ws://127.0.0.1:${edge1.port}`, type: expect.stringMatching(/^text\/plain/) });
  }
});

test("cluster= chooses in the named cluster and the answer carries the edge's path prefix", async () => {
  // An earlier answer for edge2 (cap 1) counts until edge2's next load report.
  expect(await lbWhenFree('cluster=eu')).toMatchObject({ status: 200, text: `ws://127.0.0.1:${edge2.port}/media/eu` });
});

test("secure=true (or IsSecure) answers the edge's wss port, or an error when the edge has none and the origin cannot proxy", async () => {
  expect(await lbWhenFree('cluster=eu&IsSecure=TRUE')).toMatchObject({ status: 200, text: 'wss://127.0.0.1:9443/media/eu' });
  const r = await lb('secure=true');
  expect(r.status).toBe(503);
  expect(r.text).toMatch(/^ERROR: NO_NODE_AVAILABLE: .*no wss port/);
});

test('an unknown cluster is 404, an unknown machine 404, a dead machine 503', async () => {
  expect(await lb('cluster=us')).toMatchObject({ status: 404, text: expect.stringMatching(/^ERROR: UNKNOWN_CLUSTER: unknown cluster "us"/) });
  expect(await lb('machine=nope')).toMatchObject({ status: 404, text: expect.stringMatching(/^ERROR: UNKNOWN_MACHINE:/) });
  expect(await lb('machine=edge2&cluster=default')).toMatchObject({ status: 404, text: expect.stringMatching(/^ERROR: UNKNOWN_MACHINE:/) });
  expect(await lb('machine=ghost')).toMatchObject({ status: 503, text: expect.stringMatching(/^ERROR: MACHINE_DOWN: machine "ghost" is down/) });
  expect(await lb('machine=edge1')).toMatchObject({ status: 200, text: `ws://127.0.0.1:${edge1.port}` });
});

test('bad parameters are 400', async () => {
  for (const qs of ['secure=perhaps', 'colour=blue', 'cluster=a/b', 'cluster=eu&cluster=eu']) {
    expect(await lb(qs)).toMatchObject({ status: 400, text: expect.stringMatching(/^ERROR: BAD_REQUEST: /) });
  }
});

test('stream= answers a node holding the stream, 404 for a stream that exists nowhere', async () => {
  const publisher = await TestClient.connect(origin.url);
  cleanup.push(() => publisher.close());
  const sender = await publisher.publishRtp('lbstream');
  cleanup.push(() => sender.close());
  await until(async () => (await lb('stream=lbstream')).status === 200, 5000, 'stream relayed');
  expect(await lb('stream=lbstream')).toMatchObject({ text: `ws://127.0.0.1:${edge1.port}` });
  expect(await lb('stream=nowhere')).toMatchObject({ status: 404, text: expect.stringMatching(/^ERROR: STREAM_NOT_FOUND:/) });
  expect(await lb('stream=lbstream&machine=ghost')).toMatchObject({ status: 503, text: expect.stringMatching(/^ERROR: MACHINE_DOWN:/) });
});

test('a node at its connection cap is skipped until its live client leaves', async () => {
  const client = await TestClient.connect(edge2.url);
  // Edges report their connection count every cdn.load_report_ms.
  await until(async () => (await lb('cluster=eu')).status === 503, 5000, 'edge2 full');
  // After fresh reports only the live client counts (answers handed out earlier are forgotten),
  // and it still fills the cap: a negative, so watched over a few report intervals.
  await new Promise((res) => setTimeout(res, 3 * LOAD_REPORT_MS));
  const r = await lb('cluster=eu');
  expect(r.status).toBe(503);
  expect(r.text).toMatch(/^ERROR: NO_NODE_AVAILABLE: no node of cluster "eu"/);
  expect(await lb('machine=edge2')).toMatchObject({ status: 503, text: expect.stringContaining('connection cap (1)') });
  await client.close();
  await until(async () => (await lb('cluster=eu')).status === 200, 3000, 'edge2 free again');
});

test('a flood from one address is rate-limited (429) while look-ups from another address keep getting edges', async () => {
  // 127.0.1.x: loopback, but not in limits.ip.exempt (127.0.0.1 and ::1), so the limit applies.
  const get = (agent: http.Agent) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get(`${origin.http}/rtcloadbalance`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
  const flooder = new http.Agent({ keepAlive: true, maxSockets: 8, localAddress: '127.0.1.9' });
  const neighbour = new http.Agent({ keepAlive: true, localAddress: '127.0.1.10' });
  try {
    const started = Date.now();
    const flood = Promise.all(Array.from({ length: 3000 }, () => get(flooder)));
    const normal: number[] = [];
    for (let i = 0; i < 16; i++) {
      normal.push(await get(neighbour));
      await new Promise((r) => setTimeout(r, 50));
    }
    const statuses = await flood;
    const seconds = (Date.now() - started) / 1000;
    const ok = statuses.filter((s) => s === 200).length;
    // limits.ip.http_request_burst (100) at once, then limits.ip.http_requests_per_s (50) per second.
    expect(ok).toBeLessThanOrEqual(100 + Math.ceil(50 * seconds) + 1);
    expect(statuses.filter((s) => s === 429).length).toBe(3000 - ok);
    expect(normal).toEqual(normal.map(() => 200));
  } finally {
    flooder.destroy();
    neighbour.destroy();
  }
});

test('an edge, which is no origin, refuses /rtcloadbalance with 403', async () => {
  expect(await lb('', edge1)).toMatchObject({ status: 403, text: expect.stringMatching(/^ERROR: NOT_ALLOWED: /) });
});

test('CORS lets a page on another origin read the answer', async () => {
  const res = await fetch(`${origin.http}/rtcloadbalance`, { headers: { Origin: 'http://elsewhere.example' } });
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
});
