// A WCS admin's origin, run as such: their flashphoner.properties (full of WCS keys this product
// ignores) and a loadbalancing.xml with randomize and <http> start a working origin with one
// warning, and the WCS REST calls answer in WCS's shapes: stream/find_all and find with WCS's
// filters, stream/terminate, cdn/show_routes, connection/find_all and /?action=stat.
import fs from 'node:fs';
import path from 'node:path';
import { version as mediasoupVersion } from 'mediasoup';
import { playViaOrigin, TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, routes, startEdge, stopAll } from '../helpers/cluster';
import { freePort, type NodeProcess, startNodeFromConf, TEST_CDN_SECRET, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { removeTempDirs, tempDir } from '../helpers/tempDirs';
import { WCS_KEYS_IGNORED, WCS_KEYS_UNKNOWN, wcsLoadBalancing, wcsProperties } from '../helpers/wcsConf';

let origin: NodeProcess;
let edge: NodeProcess;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
async function post(node: NodeProcess, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${node.http}${route}`, {
    method: 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  return { status: res.status, json: await res.json() };
}

const warnings = (node: NodeProcess): string[] =>
  node
    .output()
    .split('\n')
    .filter((l) => l.includes('"level":40'));

beforeAll(async () => {
  edge = await startEdge('edge1');
  const port = await freePort();
  const dir = tempDir('cdn-wcs-origin-');
  // The edge (test/helpers/nodes.ts) has TEST_CDN_SECRET and refuses any other.
  fs.writeFileSync(
    path.join(dir, 'flashphoner.properties'),
    wcsProperties({ port, mediaFrom: 40000 + (process.pid % 10) * 200, secret: TEST_CDN_SECRET, origin: true }),
  );
  fs.writeFileSync(path.join(dir, 'loadbalancing.xml'), wcsLoadBalancing([{ id: 'edge1', port: edge.port, relayPort: edge.relayPort }]));
  origin = await startNodeFromConf(dir, port, 'origin', { NODE_ID: 'origin', CDN_RELAY_PORT: String(await freePort()) });
  await until(async () => (await routes(origin)).edges.every((e) => e.state === 'up'), 10000, 'the edge link up');
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([origin, edge]);
  removeTempDirs();
  expect(codes).toEqual([0, 0]);
});

test('a WCS flashphoner.properties and a loadbalancing.xml with randomize and <http> start a working origin with one warning', async () => {
  const [warning, ...others] = warnings(origin);
  expect(others).toEqual([]);
  expect(warning).toContain('WCS setting(s) accepted but not used by this product');
  for (const key of WCS_KEYS_IGNORED) expect(warning).toContain(`${key} (line `);
  // WCS's SIP, logging and recording keys, which this product does not know, are named apart.
  expect(warning).toContain(`${WCS_KEYS_UNKNOWN.length} setting(s) this product does not know`);
  for (const key of WCS_KEYS_UNKNOWN) expect(warning).toContain(`${key} (line `);
  expect(warning).toContain('loadbalancer/node[1]/http (line 6');

  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('wcs1'));
  await until(() => relayedEverywhere(origin, 'wcs1'), 5000, 'wcs1 relayed to the edge');
  const played = await playViaOrigin(origin.url, 'wcs1');
  played.clients.forEach(track);
  track(played.receiver);
  expect(played.nodeId).toBe('edge1');
  await played.receiver.waitFor(20, VIDEO_PT);
});

test("stream/find_all and find take WCS filter bodies and answer WCS fields beside this product's", async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('wcs2', { audio: true }));
  // Both tracks relayed (`complete`), so the answers compared below cannot change in between.
  await until(async () => (await post(origin, '/rest-api/stream/find', { name: 'wcs2' })).json[0]?.edges[0]?.complete === true, 5000, 'wcs2 relayed');

  const all = await post(origin, '/rest-api/stream/find_all', { published: true });
  expect(all.status).toBe(200);
  const listed = all.json.find((s: { name: string }) => s.name === 'wcs2');
  expect(listed).toMatchObject({
    nodeId: 'origin',
    name: 'wcs2',
    published: true,
    status: 'PUBLISHING',
    hasAudio: true,
    hasVideo: true,
    audioCodec: 'opus',
    videoCodec: 'VP8',
    mediaType: 'publish',
    source: 'local',
    players: 0,
    edges: [expect.objectContaining({ id: 'edge1', relay: 'relayed' })],
  });
  expect(listed.mediaSessionId).toMatch(/^[0-9a-f-]{36}$/);

  const byId = await post(origin, '/rest-api/stream/find', { mediaSessionId: listed.mediaSessionId });
  expect(byId).toEqual({ status: 200, json: [listed] });
  expect((await post(origin, '/rest-api/stream/find', { name: 'wcs2' })).json).toEqual([listed]);
  // WCS's display field is taken (every field is shown anyway).
  expect(await post(origin, '/rest-api/stream/find', { name: 'wcs2', display: ['name', 'status'] })).toEqual({ status: 200, json: [listed] });

  const onEdge = await post(edge, '/rest-api/stream/find', { name: 'wcs2', published: true });
  expect(onEdge.json).toEqual([expect.objectContaining({ name: 'wcs2', published: true, sessionId: 'relay:origin', source: 'relay', origin: 'origin' })]);

  expect(await post(origin, '/rest-api/stream/find', { name: 'nobody' })).toEqual({
    status: 404,
    json: { code: 'STREAM_NOT_FOUND', message: 'no stream matches {"name":"nobody"}' },
  });
  expect(await post(origin, '/rest-api/stream/find_all', { nmae: 'wcs2' })).toEqual({
    status: 400,
    json: { code: 'BAD_REQUEST', message: 'unknown filter(s) "nmae" (known: name, mediaSessionId, sessionId, published, status, hasAudio, hasVideo, display)' },
  });
});

test('players are listed with published: false on the node that serves them', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('wcs3'));
  await until(() => relayedEverywhere(origin, 'wcs3'), 5000, 'wcs3 relayed to the edge');
  const played = await playViaOrigin(origin.url, 'wcs3');
  played.clients.forEach(track);
  track(played.receiver);
  await played.receiver.waitFor(5, VIDEO_PT);

  const players = await post(edge, '/rest-api/stream/find', { published: false, name: 'wcs3' });
  expect(players.json).toEqual([
    expect.objectContaining({ nodeId: 'edge1', name: 'wcs3', published: false, status: 'PLAYING', hasVideo: true, mediaType: 'play', transport: 'plain' }),
  ]);
  // find_all without a filter keeps listing published streams only, as before.
  expect((await post(edge, '/rest-api/stream/find_all')).json.every((s: { published: boolean }) => s.published)).toBe(true);
});

test("cdn/show_routes answers WCS's route map beside the edge links", async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('wcs4'));
  await until(() => relayedEverywhere(origin, 'wcs4'), 5000, 'wcs4 relayed to the edge');
  const body = (await post(origin, '/rest-api/cdn/show_routes')).json;
  expect(Object.entries(body).filter(([k, v]) => /^\d+-edge1-\d+$/.test(k) && v === 'wcs4')).toHaveLength(1);
  expect(body).toMatchObject({ nodeId: 'origin', role: 'origin', mode: 'FEWESTCALLS', edges: [expect.objectContaining({ id: 'edge1', state: 'up' })] });
  const onEdge = (await post(edge, '/rest-api/cdn/show_routes')).json;
  expect(Object.entries(onEdge).filter(([k, v]) => /^\d+-origin-\d+$/.test(k) && v === 'wcs4')).toHaveLength(1);
});

test("connection/find_all lists clients with WCS's fields beside this product's", async () => {
  track(await TestClient.connect(origin.url));
  // Clients of earlier tests closed their sockets; the node may take a moment to see it.
  await until(async () => (await post(origin, '/rest-api/connection/find_all')).json.length === 1, 3000, 'one client listed');
  const { status, json } = await post(origin, '/rest-api/connection/find_all');
  expect(status).toBe(200);
  expect(json).toEqual([
    expect.objectContaining({ nodeId: 'origin', status: 'ESTABLISHED', mediaProviders: ['WebRTC'], clientName: 'test', sessionId: json[0].id }),
  ]);
});

test('/?action=stat answers key=value lines (JSON with format=json), and / alone is still the index page', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('wcs5'));
  await until(() => relayedEverywhere(origin, 'wcs5'), 5000, 'wcs5 relayed to the edge');
  await until(async () => /^connections=1$/m.test(await (await fetch(`${origin.http}/?action=stat`)).text()), 3000, 'one connection counted');
  const res = await fetch(`${origin.http}/?action=stat`);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  const stat = Object.fromEntries(
    (await res.text())
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => l.split('=')),
  );
  expect(stat).toMatchObject({ connections: '1', connections_websocket: '1', streams_webrtc_in: '1', cdn_role: 'origin', cdn_edges: '1', cdn_edges_up: '1' });
  // The mediasoup the node runs: the one installed (3.27.x).
  expect(stat.wcs_version).toMatch(/^cdn-relay-\d+\.\d+\.\d+ \(mediasoup \d+\.\d+\.\d+\)$/);
  expect(stat.wcs_version).toContain(`(mediasoup ${mediasoupVersion})`);
  expect(Number(stat.core_java_processCpuLoad)).toBeGreaterThanOrEqual(0);
  // WCS's console example reads it with .json(): ?format=json answers the same values as JSON.
  const json = await fetch(`${origin.http}/?action=stat&format=json`);
  expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(await json.json()).toMatchObject({
    connections_stats: { connections: 1, connections_websocket: 1 },
    streams_stats: { streams_webrtc_in: 1 },
    cdn_stats: { cdn_role: 'origin', cdn_edges: 1, cdn_edges_up: 1 },
    server_version: { wcs_version: stat.wcs_version },
  });
  const onEdge = await (await fetch(`${edge.http}/?action=stat`)).text();
  expect(onEdge).toMatch(/^cdn_role=edge$/m);
  expect(onEdge).toMatch(/^streams_webrtc_in=1$/m);

  const index = await fetch(`${origin.http}/`);
  expect([index.status, index.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
});

test('stream/terminate ends a published stream: its publisher is told, and the edge and its players drop it', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('wcs6'));
  await until(() => relayedEverywhere(origin, 'wcs6'), 5000, 'wcs6 relayed to the edge');
  const played = await playViaOrigin(origin.url, 'wcs6');
  played.clients.forEach(track);
  track(played.receiver);
  await played.receiver.waitFor(5, VIDEO_PT);

  // An edge holds a relayed copy: ending it there would only see it relayed again.
  expect(await post(edge, '/rest-api/stream/terminate', { name: 'wcs6' })).toEqual({
    status: 403,
    json: { code: 'NOT_ALLOWED', message: 'stream "wcs6" is relayed here by origin "origin": terminate it on the origin' },
  });
  const [player] = (await post(edge, '/rest-api/stream/find', { published: false, name: 'wcs6' })).json;
  expect((await post(edge, '/rest-api/stream/terminate', { mediaSessionId: player.mediaSessionId })).status).toBe(403);

  const [listed] = (await post(origin, '/rest-api/stream/find', { name: 'wcs6' })).json;
  expect(await post(origin, '/rest-api/stream/terminate', { mediaSessionId: listed.mediaSessionId })).toEqual({
    status: 200,
    json: { name: 'wcs6', mediaSessionId: listed.mediaSessionId },
  });
  const status = await publisher.waitStatus('wcs6', 'UNPUBLISHED');
  expect(status.data).toEqual({ stream: 'wcs6', role: 'publisher', status: 'UNPUBLISHED', message: 'Stopped by rest /terminate' });
  await played.client.waitStatus('wcs6', 'UNPUBLISHED');
  await until(
    async () => (await post(edge, '/rest-api/stream/find_all')).json.every((s: { name: string }) => s.name !== 'wcs6'),
    3000,
    'the edge to drop wcs6',
  );
  expect((await post(origin, '/rest-api/stream/find', { name: 'wcs6' })).status).toBe(404);

  // The name is free again: the publisher may publish it anew.
  track(await publisher.publishRtp('wcs6'));
  expect(await post(origin, '/rest-api/stream/terminate', { name: 'nobody' })).toEqual({
    status: 404,
    json: { code: 'STREAM_NOT_FOUND', message: 'no stream matches {"name":"nobody"}' },
  });
  expect((await post(origin, '/rest-api/stream/terminate', {})).status).toBe(400);
});
