// Clients reaching an edge through the origin's secure proxy (`/proxy/<edge>/`) are told apart by
// their own addresses, not the origin's: 60 clients from 60 loopback addresses (127.0.1.x) all get
// a session with a cap of one connection per address, the cap still holds for each of them, an
// ip-bound play token plays through the proxy, and a header from a peer that is not trusted is
// ignored. Loopback is not exempt from the caps on the edge here.
import http from 'node:http';
import { signToken } from '../../src/auth/tokens';
import { TestClient } from '../helpers/client';
import { Cleanup, routes } from '../helpers/cluster';
import { edgesXml, type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';

const SECRET = 'client-address-token-secret';
const ADMIN = 'client-address-admin-token';
let origin: NodeProcess;
let edge: NodeProcess;
const cleanup = new Cleanup();
/** What lives for the whole file (the publisher), apart from what each test opens. */
const lasting = new Cleanup();

beforeAll(async () => {
  const props = { 'auth.play': 'token', 'auth.token_secret': SECRET, 'admin.token': ADMIN };
  edge = await startNode({
    name: 'edge1',
    props: {
      ...props,
      'limits.ip.exempt': '',
      'limits.ip.connections': 1,
      'limits.ip.webrtc_http_sessions': 1,
      max_connections: 200,
      // The test's RTP receivers listen on 127.0.0.1, not on the 127.0.1.x a client connects from:
      // a plain transport sends only to the client's own address unless allowed here.
      'rtp.plain_allowed_destinations': '127.0.0.1',
    },
  });
  origin = await startNode({
    name: 'origin',
    props: { ...props, load_balancing_enabled: true },
    xml: edgesXml([{ id: 'edge1', port: edge.port, relayPort: edge.relayPort }]),
  });
  await until(async () => (await routes(origin, ADMIN)).edges[0].state === 'up', 15000, 'the relay link up');
  const publisher = lasting.track(await TestClient.connect(origin.url));
  lasting.track(await publisher.publishRtp('addr-cam', { intervalMs: 5 }));
  await until(async () => (await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json()).some((s: { name: string }) => s.name === 'addr-cam'), 10000);
}, 60000);

afterEach(() => cleanup.run());

afterAll(async () => {
  await cleanup.run();
  await lasting.run();
  await Promise.all([origin, edge].filter(Boolean).map((n) => n.stop()));
});

const proxied = () => `ws://127.0.0.1:${origin.port}/proxy/edge1/`;
const from = (i: number) => `127.0.1.${i}`;

async function edgeClients(): Promise<string[]> {
  const res = await fetch(`${edge.http}/rest-api/connection/find_all`, { headers: { Authorization: `Bearer ${ADMIN}` } });
  return (await res.json()).map((c: { remoteAddress: string }) => c.remoteAddress);
}

test('60 clients from 60 addresses through the secure proxy each get a session; each address keeps its own cap', async () => {
  const clients = await Promise.all(Array.from({ length: 60 }, (_, i) => TestClient.connect(proxied(), { localAddress: from(i + 1) })));
  for (const c of clients) cleanup.track(c);
  expect((await edgeClients()).sort()).toEqual(Array.from({ length: 60 }, (_, i) => from(i + 1)).sort());
  // limits.ip.connections=1: a second connection from one of them is refused, through the proxy too.
  await expect(TestClient.connect(proxied(), { localAddress: from(1) })).rejects.toThrow(/HTTP 429/);
});

test('a play token bound to the player address plays through the proxy; from another address it is FORBIDDEN', async () => {
  const exp = Math.floor(Date.now() / 1000) + 60;
  const token = signToken({ act: 'play', stream: 'addr-cam', exp, ip: from(77) }, SECRET);
  const player = cleanup.track(await TestClient.connect(proxied(), { localAddress: from(77) }));
  const { receiver } = await player.playRtp('addr-cam', { token });
  cleanup.track(receiver);
  await receiver.waitFor(20, VIDEO_PT);
  const other = cleanup.track(await TestClient.connect(proxied(), { localAddress: from(78) }));
  await expect(other.playRtp('addr-cam', { token })).rejects.toMatchObject({ code: 'FORBIDDEN' });
});

test('WHEP through the proxy counts each client address on its own', async () => {
  const token = signToken({ act: 'play', stream: 'addr-cam', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET);
  const whep = (i: number) =>
    new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const body = offer([audio('recvonly'), video('recvonly', 'all')]);
      const req = http.request(
        `http://127.0.0.1:${origin.port}/proxy/edge1/whep/addr-cam`,
        { method: 'POST', localAddress: from(i), headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const answers = await Promise.all([101, 102, 103].map(whep));
  for (const a of answers) {
    expect(a.status).toBe(201);
    cleanup.add(() => fetch(new URL(a.location!, `http://127.0.0.1:${origin.port}`), { method: 'DELETE' }));
  }
  // limits.ip.webrtc_http_sessions=1: the same address again is refused.
  expect((await whep(101)).status).toBe(429);
});

test('X-Forwarded-For from a peer that is not trusted is ignored', async () => {
  const direct = cleanup.track(await TestClient.connect(edge.url, { localAddress: from(200), headers: { 'X-Forwarded-For': '203.0.113.50' } }));
  expect(direct).toBeDefined();
  expect(await edgeClients()).toContain(from(200));
  expect(await edgeClients()).not.toContain('203.0.113.50');
});
