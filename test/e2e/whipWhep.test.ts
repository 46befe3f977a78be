// WHIP and WHEP with a real browser and no SDK: a page served from another origin uses only
// RTCPeerConnection and fetch() to publish Chromium's fake camera to the origin over WHIP, then
// plays it over WHEP through the origin, whose 307 the page's fetch follows to an edge (with a
// path prefix); the edge's video must decode, and its DTLS certificate is mediasoup's own. A WHIP
// POST to the edge is sent to the origin (307), which the page's fetch follows.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { type NodeProcess, startNode, until } from '../helpers/nodes';

const PAGE = `<!doctype html><meta charset="utf-8"><title>WHIP/WHEP</title><script>
async function whip(url) {
  const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  const pc = new RTCPeerConnection();
  for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
  if (res.status !== 201) throw new Error('WHIP ' + res.status + ' ' + await res.text());
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  window.pub = { pc, location: res.headers.get('Location') };
  return window.pub.location;
}
async function whep(url) {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.addTransceiver('video', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
  if (res.status !== 201) throw new Error('WHEP ' + res.status + ' ' + await res.text());
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  window.sub = { pc, location: res.headers.get('Location') };
  // No getStats() before DTLS is done: Chromium caches a transport's certificate stats, and a
  // report taken before the handshake left the remote certificate out of every later one (the
  // test polled 5 s for it in vain, twice in CI runs). Connected, failed, or 10 s at most.
  await new Promise((resolve) => {
    const settled = () => ['connected', 'failed', 'closed'].includes(pc.connectionState) && resolve();
    pc.addEventListener('connectionstatechange', settled);
    settled();
    setTimeout(resolve, 10000);
  });
  return { location: window.sub.location, redirected: res.redirected, url: res.url };
}
async function framesDecoded() {
  let frames = 0;
  (await window.sub.pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded || 0; });
  return frames;
}
async function remoteCertificate() {
  const stats = await window.sub.pc.getStats();
  let id = null;
  stats.forEach((s) => { if (s.type === 'transport' && s.remoteCertificateId) id = s.remoteCertificateId; });
  return id ? stats.get(id).base64Certificate : null;
}
function answer() {
  return window.sub.pc.remoteDescription.sdp;
}
async function debug() {
  const out = {};
  for (const k of ['pub', 'sub']) {
    const x = window[k]; if (!x) continue;
    const st = [];
    (await x.pc.getStats()).forEach((r) => { if (['inbound-rtp','outbound-rtp','candidate-pair','transport'].includes(r.type)) st.push(JSON.stringify({t:r.type,kind:r.kind,state:r.state,dtls:r.dtlsState,pr:r.packetsReceived,ps:r.packetsSent,fd:r.framesDecoded,fe:r.framesEncoded,br:r.bytesReceived,nom:r.nominated,pli:r.pliCount,codec:r.codecId})); });
    out[k] = { ice: x.pc.iceConnectionState, conn: x.pc.connectionState, st, remote: x.pc.remoteDescription.sdp };
  }
  return out;
}
async function end(which) {
  const res = await fetch(window[which].location, { method: 'DELETE' });
  window[which].pc.close();
  return res.status;
}
</script>`;

/** The functions PAGE defines, as page.evaluate() sees them on `window`. */
interface PageApi {
  whip(url: string): Promise<string>;
  whep(url: string): Promise<{ location: string; redirected: boolean; url: string }>;
  framesDecoded(): Promise<number>;
  remoteCertificate(): Promise<string | null>;
  answer(): string;
  debug(): Promise<unknown>;
  end(which: 'pub' | 'sub'): Promise<number>;
}

let origin: NodeProcess;
let edge: NodeProcess;
let browser: Browser;
let pageServer: http.Server;
let page: Page;
const logs: string[] = [];

beforeAll(async () => {
  edge = await startNode({ name: 'edge1', props: { 'http.path_prefix': '/cdn/edge1' } });
  const xml =
    '<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n' +
    `  <node id="edge1" path_prefix="/cdn/edge1"><ip>127.0.0.1</ip><ws>${edge.port}</ws><wss>0</wss><relay>${edge.relayPort}</relay></node>\n` +
    '</loadbalancer>\n';
  origin = await startNode({ name: 'origin', props: { load_balancing_enabled: true }, xml });
  await until(async () => (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()).edges[0].state === 'up', 10000, 'edge link up');
  // The page comes from a third origin, so every request to the nodes is cross-origin.
  pageServer = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE));
  await new Promise<void>((r) => pageServer.listen(0, '127.0.0.1', () => r()));
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  await page.goto(`http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`);
}, 90000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (pageServer ? pageServer.close(() => r()) : r()));
  const codes = await Promise.all([origin, edge].filter(Boolean).map((n) => n.stop()));
  expect(codes).toEqual(codes.map(() => 0));
});

afterEach(() => {
  if (expect.getState().assertionCalls === 0 || logs.length) console.log(logs.join('\n'));
});

test('a page with only RTCPeerConnection publishes over WHIP on the origin and plays over WHEP from an edge, frames decoded', async () => {
  const pubLocation = await page.evaluate((url) => (window as unknown as PageApi).whip(url), `${origin.http}/whip/cam`);
  expect(pubLocation).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${origin.port}/whip/cam/`));
  await until(
    async () => {
      const list = await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json();
      return list.some((s: { name: string; tracks: unknown[] }) => s.name === 'cam' && s.tracks.length === 2);
    },
    15000,
    'the WHIP stream relayed to the edge with both tracks',
  );

  const played = await page.evaluate((url) => (window as unknown as PageApi).whep(url), `${origin.http}/whep/cam`);
  expect(played.redirected).toBe(true);
  expect(played.url).toBe(`http://127.0.0.1:${edge.port}/cdn/edge1/whep/cam`);
  expect(played.location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${edge.port}/cdn/edge1/whep/cam/`));

  let first = 0;
  try {
    await until(async () => (first = await page.evaluate(() => (window as unknown as PageApi).framesDecoded())) > 10, 20000, 'frames decoded from the edge');
  } catch (err) {
    console.log(JSON.stringify(await page.evaluate(() => (window as unknown as PageApi).debug()), null, 1));
    throw err;
  }
  await until(async () => (await page.evaluate(() => (window as unknown as PageApi).framesDecoded())) > first + 10, 10000, 'frames keep coming');
  // The WHEP answer's video has NACK but no RTX: mediasoup numbers a router's RTX itself, not as
  // the offer does, so lost packets come back on the media SSRC (src/sdp/whep.ts).
  const sdp = await page.evaluate(() => (window as unknown as PageApi).answer());
  const video = sdp.slice(sdp.indexOf('m=video'));
  expect(video).not.toMatch(/a=rtpmap:\d+ rtx\//);
  expect(video).toMatch(/a=rtcp-fb:\d+ nack\r?\n/);
  // The certificate the edge's worker proved in the DTLS handshake (no dtls.cert_file): mediasoup's
  // own, ECDSA P-256 signed with SHA-256.
  // Chromium may leave the certificate out of a stats report on a busy machine: asked until it is there.
  let der: string | null = null;
  await until(
    async () => Boolean((der = await page.evaluate(() => (window as unknown as PageApi).remoteCertificate()))),
    5000,
    "the edge's DTLS certificate in getStats",
  );
  expect(der).toBeTruthy();
  const certificate = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-text'], { input: Buffer.from(der!, 'base64') }).toString();
  expect(certificate).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
  expect(certificate).toMatch(/ASN1 OID: prime256v1/);

  expect(await page.evaluate(() => (window as unknown as PageApi).end('sub'))).toBe(200);
  expect(await page.evaluate(() => (window as unknown as PageApi).end('pub'))).toBe(200);
  await until(
    async () => !(await (await fetch(`${origin.http}/rest-api/stream/find_all`)).json()).some((s: { name: string }) => s.name === 'cam'),
    5000,
    'cam gone',
  );
}, 90000);

test("a page whose WHIP POST reaches the edge is sent (307) to the origin; its fetch follows, and the stream is the origin's, relayed back", async () => {
  const pubLocation = await page.evaluate((url) => (window as unknown as PageApi).whip(url), `${edge.http}/whip/cam-via-edge`);
  expect(pubLocation).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${origin.port}/whip/cam-via-edge/`));
  const onOrigin = (await (await fetch(`${origin.http}/rest-api/stream/find_all`)).json()).find((s: { name: string }) => s.name === 'cam-via-edge');
  expect(onOrigin).toMatchObject({ source: 'local' });
  await until(
    async () => {
      const list = await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json();
      return list.some((s: { name: string; source: string; tracks: unknown[] }) => s.name === 'cam-via-edge' && s.source === 'relay' && s.tracks.length === 2);
    },
    15000,
    'the stream relayed back to the edge with both tracks',
  );
  expect(await page.evaluate(() => (window as unknown as PageApi).end('pub'))).toBe(200);
}, 60000);
