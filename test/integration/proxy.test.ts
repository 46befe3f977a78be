// The whole cluster behind a real nginx that routes by path: every node runs under its own
// http.path_prefix, loadbalancing.xml names the edges by the proxy's address and their prefix, and
// everything (pages, REST, /rtcloadbalance, WHIP/WHEP, the command channel's WebSocket upgrade) goes
// through nginx. Only RTP between nodes and to players, and the origin's TLS relay links (to each
// edge's cdn.relay_port), are direct.
import { TestClient } from '../helpers/client';
import { type NginxProcess, startNginx } from '../helpers/nginx';
import { freePort, type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';

let nginx: NginxProcess;
let origin: NodeProcess;
let edges: NodeProcess[];
let proxyPort: number;
const cleanup: (() => Promise<unknown>)[] = [];

const via = (path: string) => `http://127.0.0.1:${proxyPort}${path}`;

beforeAll(async () => {
  proxyPort = await freePort();
  edges = [
    await startNode({ name: 'edge1', props: { 'http.path_prefix': '/cdn/edge1' } }),
    await startNode({ name: 'edge2', props: { 'http.path_prefix': '/cdn/edge2' } }),
  ];
  // Players reach the edges through nginx (<ws>); the relay link goes to each edge's own relay port:
  // its TLS runs end to end between the nodes (a proxy that terminated it would break the proofs).
  const xml =
    '<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n' +
    edges
      .map(
        (e) => `  <node id="${e.name}" path_prefix="/cdn/${e.name}"><ip>127.0.0.1</ip><ws>${proxyPort}</ws><wss>0</wss><relay>${e.relayPort}</relay></node>\n`,
      )
      .join('') +
    '</loadbalancer>\n';
  origin = await startNode({ name: 'origin', props: { load_balancing_enabled: true, 'http.path_prefix': '/cdn/origin' }, xml });
  nginx = await startNginx([{ prefix: '/cdn/origin', port: origin.port }, ...edges.map((e) => ({ prefix: `/cdn/${e.name}`, port: e.port }))], proxyPort);
  await until(
    async () => {
      const r = await fetch(via('/cdn/origin/rest-api/cdn/show_routes'));
      return r.ok && (await r.json()).edges.every((e: { state: string }) => e.state === 'up');
    },
    15000,
    'relay links up',
  );
}, 60000);

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

afterAll(async () => {
  await nginx?.stop();
  const codes = await Promise.all([origin, ...(edges ?? [])].filter(Boolean).map((n) => n.stop()));
  expect(codes).toEqual(codes.map(() => 0));
});

test("REST endpoints answer under each node's prefix through nginx, and nothing answers outside it", async () => {
  for (const p of ['/cdn/origin', '/cdn/edge1', '/cdn/edge2']) {
    expect((await fetch(via(`${p}/healthz`))).status).toBe(200);
  }
  const direct = await fetch(`http://127.0.0.1:${origin.port}/healthz`);
  expect(direct.status).toBe(404);
});

test('publish over the command channel through nginx, get redirected to an edge URL with its prefix, and play RTP there through nginx', async () => {
  const publisher = await TestClient.connect(`ws://127.0.0.1:${proxyPort}/cdn/origin/`);
  cleanup.push(() => publisher.close());
  const sender = await publisher.publishRtp('px');
  cleanup.push(() => sender.close());
  await until(
    async () => {
      const lists = await Promise.all(edges.map(async (e) => (await fetch(via(`/cdn/${e.name}/rest-api/stream/find_all`))).json()));
      return lists.every((l) => l.some((s: { name: string }) => s.name === 'px'));
    },
    5000,
    'px on both edges',
  );

  const asker = await TestClient.connect(`ws://127.0.0.1:${proxyPort}/cdn/origin/`);
  cleanup.push(() => asker.close());
  const { redirect } = await asker.playRtp('px');
  expect(redirect!.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${proxyPort}/cdn/edge[12]/$`));

  const player = await TestClient.connect(redirect!.url);
  cleanup.push(() => player.close());
  const { receiver } = await player.playRtp('px');
  cleanup.push(() => receiver.close());
  await receiver.waitFor(30, VIDEO_PT);
});

test("/rtcloadbalance through nginx hands out the edges' proxied addresses with their prefixes", async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2; i++) seen.add(await (await fetch(via('/cdn/origin/rtcloadbalance'))).text());
  expect(seen).toEqual(new Set([`ws://127.0.0.1:${proxyPort}/cdn/edge1`, `ws://127.0.0.1:${proxyPort}/cdn/edge2`]));
  // The bare string plus "/" is a working command channel.
  const client = await TestClient.connect(`${[...seen][0]}/`);
  await client.close();
});

test('WHIP on the origin and WHEP redirected to an edge work through nginx, with Locations on the proxy', async () => {
  const post = (url: string, body: string, redirect: RequestRedirect = 'manual') =>
    fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/sdp' }, redirect });
  const pub = await post(via('/cdn/origin/whip/pw'), offer([audio('sendonly', 11), video('sendonly', 'all', 22)]));
  expect(pub.status).toBe(201);
  expect(pub.headers.get('location')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${proxyPort}/cdn/origin/whip/pw/`));
  await until(
    async () =>
      (await (await fetch(via('/cdn/edge1/rest-api/stream/find_all'))).json()).some(
        (s: { name: string; tracks: unknown[] }) => s.name === 'pw' && s.tracks.length === 2,
      ),
    5000,
    'pw relayed',
  );
  await until(
    async () =>
      (await (await fetch(via('/cdn/edge2/rest-api/stream/find_all'))).json()).some(
        (s: { name: string; tracks: unknown[] }) => s.name === 'pw' && s.tracks.length === 2,
      ),
    5000,
    'pw relayed',
  );

  const playOffer = offer([audio('recvonly'), video('recvonly', 'all')]);
  const redirect = await post(via('/cdn/origin/whep/pw'), playOffer);
  expect(redirect.status).toBe(307);
  expect(redirect.headers.get('location')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${proxyPort}/cdn/edge[12]/whep/pw$`));
  const played = await post(via('/cdn/origin/whep/pw'), playOffer, 'follow');
  expect(played.status).toBe(201);
  const location = played.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${proxyPort}/cdn/edge[12]/whep/pw/[0-9a-f-]{36}$`));
  expect((await fetch(location, { method: 'DELETE' })).status).toBe(200);
  expect((await fetch(pub.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
});
