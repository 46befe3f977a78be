// On-demand edges with real processes on loopback: one origin and two edges of a cluster with
// distribution="on_demand". A stream reaches an edge only when a player needs it there (sent by
// the origin, or arriving at the edge directly), concentrates on one edge up to
// cdn.on_demand_edge_players, and leaves the edge cdn.on_demand_linger_ms after its last player.
// Each test uses a stream of its own, so an edge's state from an earlier test does not matter.
import { playViaOrigin, TestClient } from '../helpers/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cleanup, LOAD_REPORT_MS, routes, startEdge, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';

const LINGER_MS = 1000;
const EDGE_PLAYERS = 2;

let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

type Route = { id: string; state: string; distribution: string; held: Record<string, string>; streams: string[] };
const edgeRoutes = async (): Promise<Route[]> => (await routes(origin)).edges as unknown as Route[];
/** The edges that list `stream` as a relayed stream of theirs. */
const holders = async (stream: string): Promise<string[]> => {
  const lists = await Promise.all(edges.map(async (e) => ((await streamsOn(e)).some((s) => s.name === stream) ? [e.name] : [])));
  return lists.flat();
};

/** The origin's loadbalancing.xml with every edge of `distribution`. */
const xmlOf = (distribution: string): string =>
  `<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN" distribution="${distribution}">\n` +
  edges.map((e) => `  <node id="${e.name}"><ip>127.0.0.1</ip><ws>${e.port}</ws><wss>0</wss><relay>${e.relayPort}</relay></node>\n`).join('') +
  '</loadbalancer>\n';

beforeAll(async () => {
  edges = [await startEdge('edge1'), await startEdge('edge2')];
  origin = await startNode({
    name: 'origin',
    props: { load_balancing_enabled: true, 'cdn.on_demand_linger_ms': LINGER_MS, 'cdn.on_demand_edge_players': EDGE_PLAYERS, 'cdn.relay_digest_ms': 300 },
    xml: xmlOf('on_demand'),
  });
  await until(async () => (await edgeRoutes()).every((e) => e.state === 'up'), 10000, 'edge links up');
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([origin, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

test('a stream with no players reaches no edge', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('idle', { audio: true }));
  // Long enough for a pushed relay to be complete several times over (push: well under a second).
  await new Promise((r) => setTimeout(r, 1500));
  expect(await holders('idle')).toEqual([]);
  expect((await streamsOn(origin)).find((s) => s.name === 'idle')!.edges!.map((e) => e.relay)).toEqual(['none', 'none']);
  expect((await edgeRoutes()).map((e) => e.distribution)).toEqual(['on_demand', 'on_demand']);
});

test('the first player gets the stream from a cold edge; it leaves the edge after the linger time', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  const sender = track(await publisher.publishRtp('cold', { audio: true }));
  sender.keyframeEvery = 1_000_000; // a keyframe only on request: the first frame needs one across both hops

  const t0 = Date.now();
  const cold = await playViaOrigin(origin.url, 'cold');
  cold.clients.forEach(track);
  track(cold.receiver);
  await cold.receiver.waitFor(1, VIDEO_PT, 5000);
  const coldMs = Date.now() - t0;
  expect(cold.nodeId).toMatch(/^edge[12]$/);
  await cold.receiver.waitFor(30, VIDEO_PT);
  expect((await edgeRoutes()).find((e) => e.id === cold.nodeId)!.held).toEqual({ cold: 'pulled' });

  // A second player of the stream lands on the same (warm) edge, below the threshold.
  const t1 = Date.now();
  const warm = await playViaOrigin(origin.url, 'cold');
  warm.clients.forEach(track);
  track(warm.receiver);
  await warm.receiver.waitFor(1, VIDEO_PT, 5000);
  const warmMs = Date.now() - t1;
  expect(warm.nodeId).toBe(cold.nodeId);
  console.log(`on-demand first frame: cold edge ${coldMs} ms, warm edge ${warmMs} ms (ratio ${(coldMs / Math.max(1, warmMs)).toFixed(2)})`);
  expect(await holders('cold')).toEqual([cold.nodeId]);

  // Both players leave: the stream stays for the linger time (and the pull grace), then goes.
  for (const c of [...cold.clients, ...warm.clients]) await c.close();
  const left = Date.now();
  await until(async () => (await holders('cold')).length === 0, 15000, 'the edge to drop "cold"');
  const goneAfter = Date.now() - left;
  console.log(`on-demand release: "cold" left its edge ${goneAfter} ms after its last player (linger ${LINGER_MS} ms)`);
  expect(goneAfter).toBeGreaterThanOrEqual(LINGER_MS - LOAD_REPORT_MS);
  // The origin ended the relay; its next digests (every 300 ms here) do not bring it back.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await holders('cold')).toEqual([]);
  expect((await streamsOn(origin)).find((s) => s.name === 'cold')!.edges!.map((e) => e.relay)).toEqual(['none', 'none']);
});

test('players of one stream land on the same edge until its threshold, then on another', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('crowd'));
  const placed: string[] = [];
  for (let i = 0; i < EDGE_PLAYERS + 1; i++) {
    const played = await playViaOrigin(origin.url, 'crowd');
    played.clients.forEach(track);
    track(played.receiver);
    await played.receiver.waitFor(5, VIDEO_PT);
    placed.push(played.nodeId!);
  }
  expect(placed[1]).toBe(placed[0]);
  expect(placed[2]).not.toBe(placed[0]);
  expect((await holders('crowd')).sort()).toEqual(['edge1', 'edge2']);
});

test('a player arriving directly at a cold edge gets the stream', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('direct', { audio: true }));
  expect(await holders('direct')).toEqual([]);
  const player = track(await TestClient.connect(edges[1].url));
  const { receiver, redirect } = await player.playRtp('direct');
  expect(redirect).toBeUndefined();
  track(receiver);
  await receiver.waitFor(10, VIDEO_PT);
  expect(await holders('direct')).toEqual(['edge2']);
  expect((await edgeRoutes()).find((e) => e.id === 'edge2')!.held).toEqual({ direct: 'pulled' });
});

test('GET /rtcloadbalance?stream= answers with an edge that holds the stream by then', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('lb', { audio: true }));
  const res = await fetch(`${origin.http}/rtcloadbalance?stream=lb&format=json`);
  expect(res.status).toBe(200);
  const { node } = (await res.json()) as { node: string };
  expect(await holders('lb')).toEqual([node]);
  // A name published nowhere is still STREAM_NOT_FOUND, and starts nothing anywhere.
  const missing = await fetch(`${origin.http}/rtcloadbalance?stream=nothere`);
  expect(missing.status).toBe(404);
  expect(await missing.text()).toMatch(/^ERROR: STREAM_NOT_FOUND/);
});

test("WHEP on the origin: the 307 names a cold edge only once the stream is there, so the edge's answer has every track", async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('whep', { audio: true }));
  const playOffer = offer([audio('recvonly'), video('recvonly', 'all')]);
  const post = (url: string) => fetch(url, { method: 'POST', body: playOffer, headers: { 'Content-Type': 'application/sdp' }, redirect: 'manual' });
  const res = await post(`${origin.http}/whep/whep`);
  expect(res.status).toBe(307);
  const target = res.headers.get('location')!;
  const edge = edges.find((e) => target.startsWith(`http://127.0.0.1:${e.port}/`))!;
  expect(await holders('whep')).toEqual([edge.name]);
  const played = await post(target);
  expect(played.status).toBe(201);
  expect((await played.text()).match(/^m=/gm)).toHaveLength(2);
  expect((await fetch(played.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
});

test('a player asking an edge for a stream no origin has gets STREAM_NOT_FOUND', async () => {
  const player = track(await TestClient.connect(edges[0].url));
  await expect(player.playRtp('nowhere')).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
});

// Last: it leaves the cluster in push mode.
test('a reload to distribution="push" sends every stream to every edge at once', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('switch'));
  expect(await holders('switch')).toEqual([]);
  fs.writeFileSync(path.join(origin.confDir, 'loadbalancing.xml'), xmlOf('push'));
  origin.child.kill('SIGHUP');
  await until(async () => (await holders('switch')).length === 2, 5000, '"switch" on both edges');
  expect((await edgeRoutes()).map((e) => [e.distribution, e.held.switch])).toEqual([
    ['push', 'pushed'],
    ['push', 'pushed'],
  ]);
});
