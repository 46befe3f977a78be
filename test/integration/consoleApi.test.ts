// The console's REST side on a real origin and edge with admin.token set: POST /rest-api/cdn/reload
// (what SIGHUP does, answered with the changes or the broken file's place), the console's snapshot
// and live feed behind the admin credential, /healthz open, and the relay metrics of a real pipe.
import fs from 'node:fs';
import path from 'node:path';
import { TestClient } from '../helpers/client';
import { Cleanup, LOAD_REPORT_MS, relayedEverywhere, routes, startEdge, stopAll } from '../helpers/cluster';
import { edgesXml, type NodeProcess, startNode, until } from '../helpers/nodes';

const TOKEN = 'console-api-admin-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };
let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup = new Cleanup();

beforeAll(async () => {
  edges = [await startEdge('edge1')];
  origin = await startNode({
    name: 'origin',
    props: { load_balancing_enabled: true, 'admin.token': TOKEN, 'cdn.load_report_ms': LOAD_REPORT_MS },
    xml: edgesXml(edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))),
  });
  await until(async () => (await routes(origin)).edges.every((e) => e.state === 'up'), 10000, 'edge link up');
}, 60000);

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([origin, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

const xmlFile = () => path.join(origin.confDir, 'loadbalancing.xml');
const reload = (headers: Record<string, string> = auth) => fetch(`${origin.http}/rest-api/cdn/reload`, { method: 'POST', headers });

test('reload, the console snapshot and its feed answer 401 without the admin token, and /healthz stays open', async () => {
  const attempts: Record<string, string>[] = [{}, { Authorization: 'Bearer wrong-token-wrong-token' }];
  for (const headers of attempts) {
    const res = await reload(headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await res.json()).code).toBe('UNAUTHORIZED');
  }
  expect((await fetch(`${origin.http}/rest-api/console/snapshot`)).status).toBe(401);
  expect((await fetch(`${origin.http}/rest-api/console/events`)).status).toBe(401);
  expect((await fetch(`${origin.http}/healthz`)).status).toBe(200);
});

test('POST /rest-api/cdn/reload with nothing changed keeps every edge', async () => {
  const res = await reload();
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ edges: { added: [], removed: [], kept: ['edge1'], updated: [] }, needsRestart: [] });
});

test('a broken loadbalancing.xml is answered 422 with its file, line and key, and changes nothing', async () => {
  const good = fs.readFileSync(xmlFile(), 'utf8');
  cleanup.add(async () => fs.writeFileSync(xmlFile(), good));
  fs.writeFileSync(xmlFile(), good.replace(/<ws>\d+<\/ws>/, '<ws>70000</ws>'));
  const res = await reload();
  expect(res.status).toBe(422);
  const body = await res.json();
  expect(body).toEqual(
    expect.objectContaining({ code: 'CONFIG_INVALID', file: expect.stringMatching(/loadbalancing\.xml$/), line: 2, key: 'loadbalancer/node[1]/ws' }),
  );
  expect(body.message).toContain(body.reason);
  expect((await routes(origin)).edges.map((e) => [e.id, e.state])).toEqual([['edge1', 'up']]);
});

test('an edge added to the XML and reloaded over REST is linked and gets the live stream', async () => {
  const publisher = cleanup.track(await TestClient.connect(origin.url));
  cleanup.track(await publisher.publishRtp('api-cam', { audio: true }));
  const edge2 = await startEdge('edge2');
  edges.push(edge2);
  const good = fs.readFileSync(xmlFile(), 'utf8');
  fs.writeFileSync(xmlFile(), edgesXml(edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))));
  const res = await reload();
  expect(await res.json()).toEqual({ edges: { added: ['edge2'], removed: [], kept: ['edge1'], updated: [] }, needsRestart: [] });
  await until(() => relayedEverywhere(origin, 'api-cam'), 10000, 'api-cam relayed to both edges');
  // Back to one edge: edge2 is removed and drops the stream.
  fs.writeFileSync(xmlFile(), good);
  expect(await (await reload()).json()).toEqual({ edges: { added: [], removed: ['edge2'], kept: ['edge1'], updated: [] }, needsRestart: [] });
});

test('the live feed sends a snapshot a second with the relays per edge, and the metrics count the pipe traffic', async () => {
  const publisher = cleanup.track(await TestClient.connect(origin.url));
  cleanup.track(await publisher.publishRtp('feed-cam', { audio: true }));
  await until(() => relayedEverywhere(origin, 'feed-cam'), 10000, 'feed-cam relayed');
  const abort = new AbortController();
  const res = await fetch(`${origin.http}/rest-api/console/events`, { headers: auth, signal: abort.signal });
  cleanup.add(async () => abort.abort());
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const snapshots: {
    at: number;
    edges: { id: string; bitrateOut: number | null }[];
    streams: { name: string; edges: { id: string; relay: string; bitrate: number | null }[] }[];
  }[] = [];
  let buffer = '';
  const started = Date.now();
  while (snapshots.length < 3 && Date.now() - started < 8000) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      expect(block.startsWith('event: snapshot\ndata: ')).toBe(true);
      snapshots.push(JSON.parse(block.slice('event: snapshot\ndata: '.length)));
    }
  }
  expect(snapshots.length).toBe(3);
  // One a second (the first at once): not faster.
  expect(snapshots[2].at - snapshots[1].at).toBeGreaterThanOrEqual(900);
  const last = snapshots[2];
  const cam = last.streams.find((s) => s.name === 'feed-cam')!;
  expect(cam.edges).toEqual([expect.objectContaining({ id: 'edge1', relay: 'relayed', bitrate: expect.any(Number) })]);
  // While the console watches, the edge reports its own traffic.
  expect(last.edges[0].bitrateOut).not.toBeNull();
  abort.abort();

  const metrics = await (await fetch(`${origin.http}/metrics`)).text();
  expect(metrics).toMatch(/^cdn_edge_link_state\{edge="edge1",cluster="[^"]*",state="up",node="origin"\} 1$/m);
  expect(metrics).toMatch(/^cdn_edge_streams_relayed\{edge="edge1",cluster="[^"]*",node="origin"\} [1-9]/m);
  const bytes = Number(/^cdn_edge_relay_bytes_sent_total\{edge="edge1"[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
  const packets = Number(/^cdn_edge_relay_packets_sent_total\{edge="edge1"[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
  expect(bytes).toBeGreaterThan(1000);
  expect(packets).toBeGreaterThan(10);
  expect(metrics).toMatch(/^cdn_edge_relay_packets_lost_total\{edge="edge1"[^}]*\} \d+$/m);
  expect(metrics).toMatch(/^cdn_edge_relay_packets_retransmitted_total\{edge="edge1"[^}]*\} \d+$/m);
});
