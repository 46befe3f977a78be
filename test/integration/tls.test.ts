// TLS and the secure proxy: the origin serves wss.port/https with a self-signed test certificate;
// its edge has none (<wss>0</wss>). A client that trusts only that certificate publishes over
// wss://, is redirected to the origin's proxy to the edge, and plays RTP from the edge through it;
// /rtcloadbalance?secure=true and WHEP hand out the same proxied URLs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { TestClient } from '../helpers/client';
import { freePort, type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { removeTempDirs, tempDir } from '../helpers/tempDirs';
import { audio, offer, video } from '../helpers/sdpOffers';

let origin: NodeProcess;
let edge: NodeProcess;
let wssPort: number;
let ca: Buffer;
const cleanup: (() => Promise<unknown>)[] = [];

/** https with `ca` = the test certificate only (Node's fetch cannot be given a CA). */
function request(url: string, opts: { method?: string; body?: string; headers?: Record<string, string>; ca?: Buffer | null } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? 'GET', headers: opts.headers, ...(opts.ca === null ? {} : { ca: opts.ca ?? ca }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

beforeAll(async () => {
  const dir = tempDir('cdn-tls-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  ca = fs.readFileSync(path.join(dir, 'cert.pem'));
  edge = await startNode({ name: 'edge1' });
  wssPort = await freePort();
  origin = await startNode({
    name: 'origin',
    props: { load_balancing_enabled: true, 'wss.port': wssPort, 'tls.cert_file': path.join(dir, 'cert.pem'), 'tls.key_file': path.join(dir, 'key.pem') },
    xml: `<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n  <node id="edge1"><ip>127.0.0.1</ip><ws>${edge.port}</ws><wss>0</wss><relay>${edge.relayPort}</relay></node>\n</loadbalancer>\n`,
  });
  await until(async () => (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()).edges[0].state === 'up', 10000, 'edge link up');
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

afterAll(async () => {
  const codes = await Promise.all([origin, edge].filter(Boolean).map((n) => n.stop()));
  expect(codes).toEqual(codes.map(() => 0));
});

afterAll(removeTempDirs);

test('the origin serves https with the configured certificate, which a client without it refuses', async () => {
  expect((await request(`https://127.0.0.1:${wssPort}/healthz`)).status).toBe(200);
  await expect(request(`https://127.0.0.1:${wssPort}/healthz`, { ca: null })).rejects.toThrow(/self-signed|self signed/);
});

test("a secure client publishes over wss, is redirected to the origin's proxy for an edge without wss, and plays RTP from the edge through it", async () => {
  const publisher = await TestClient.connect(`wss://127.0.0.1:${wssPort}/`, { ca });
  cleanup.push(() => publisher.close());
  const sender = await publisher.publishRtp('sec');
  cleanup.push(() => sender.close());
  await until(
    async () => (await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json()).some((s: { name: string }) => s.name === 'sec'),
    5000,
    'sec on the edge',
  );

  const asker = await TestClient.connect(`wss://127.0.0.1:${wssPort}/`, { ca });
  cleanup.push(() => asker.close());
  const { redirect } = await asker.playRtp('sec');
  expect(redirect).toEqual({ url: `wss://127.0.0.1:${wssPort}/proxy/edge1/`, nodeId: 'edge1' });

  const player = await TestClient.connect(redirect!.url, { ca });
  cleanup.push(() => player.close());
  const { receiver } = await player.playRtp('sec');
  cleanup.push(() => receiver.close());
  await receiver.waitFor(30, VIDEO_PT);
  const onEdge = await (await fetch(`${edge.http}/rest-api/connection/find_all`)).json();
  expect(onEdge.some((c: { playing: string[] }) => c.playing.includes('sec'))).toBe(true);

  // A plain client still gets the edge's own ws:// address.
  const plain = await TestClient.connect(origin.url);
  cleanup.push(() => plain.close());
  expect((await plain.playRtp('sec')).redirect!.url).toBe(`ws://127.0.0.1:${edge.port}/`);
});

test('/rtcloadbalance?secure=true answers the proxied wss address, which works as a command channel', async () => {
  const r = await request(`https://127.0.0.1:${wssPort}/rtcloadbalance?IsSecure=true`);
  expect(r).toMatchObject({ status: 200, text: `wss://127.0.0.1:${wssPort}/proxy/edge1` });
  const client = await TestClient.connect(r.text, { ca });
  await client.close();
});

test('secure WHEP is redirected to the proxy, plays on the edge through it, and DELETE goes through it too', async () => {
  const pub = await request(`https://127.0.0.1:${wssPort}/whip/sw`, {
    method: 'POST',
    body: offer([audio('sendonly', 11), video('sendonly', 'all', 22)]),
    headers: { 'Content-Type': 'application/sdp' },
  });
  expect(pub.status).toBe(201);
  expect(pub.headers.location).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${wssPort}/whip/sw/`));
  await until(
    async () =>
      (await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json()).some(
        (s: { name: string; tracks: unknown[] }) => s.name === 'sw' && s.tracks.length === 2,
      ),
    5000,
    'sw on the edge',
  );

  const playOffer = offer([audio('recvonly'), video('recvonly', 'all')]);
  const post = (url: string) => request(url, { method: 'POST', body: playOffer, headers: { 'Content-Type': 'application/sdp' } });
  const redirect = await post(`https://127.0.0.1:${wssPort}/whep/sw`);
  expect(redirect.status).toBe(307);
  expect(redirect.headers.location).toBe(`https://127.0.0.1:${wssPort}/proxy/edge1/whep/sw`);
  const played = await post(redirect.headers.location as string);
  expect(played.status).toBe(201);
  expect(played.text).toMatch(/a=sendonly/);
  const location = played.headers.location as string;
  expect(location).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${wssPort}/proxy/edge1/whep/sw/[0-9a-f-]{36}$`));
  expect((await request(location, { method: 'DELETE' })).status).toBe(200);
  expect((await request(location, { method: 'DELETE' })).status).toBe(404);
  expect((await request(pub.headers.location as string, { method: 'DELETE' })).status).toBe(200);
});

test('the proxy reaches only edges of loadbalancing.xml', async () => {
  const r = await request(`https://127.0.0.1:${wssPort}/proxy/elsewhere/whep/x`, {
    method: 'POST',
    body: 'v=0',
    headers: { 'Content-Type': 'application/sdp' },
  });
  expect(r.status).toBe(403);
  await expect(TestClient.connect(`wss://127.0.0.1:${wssPort}/proxy/elsewhere/`, { ca })).rejects.toThrow(/404/);
});
