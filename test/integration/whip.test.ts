// WHIP and WHEP over real HTTP on a real origin with an edge behind a path prefix, without a
// browser: offers are Chrome-like SDP texts, so this checks the HTTP contract (201, Location,
// DELETE, 307, CORS, errors) and that a WHIP stream is an ordinary, relayed registry stream.
import * as sdpTransform from 'sdp-transform';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { audio, offer, video } from '../helpers/sdpOffers';

let origin: NodeProcess;
let edge: NodeProcess;

const publishOffer = () => offer([audio('sendonly', 1111), video('sendonly', 'all', 2222)]);
const playOffer = () => offer([audio('recvonly'), video('recvonly', 'all')]);

function post(url: string, body: string, type = 'application/sdp', extra: RequestInit = {}) {
  return fetch(url, { method: 'POST', body, headers: { 'Content-Type': type }, redirect: 'manual', ...extra });
}

async function streamsOn(node: NodeProcess): Promise<{ name: string; status: string; source: string; tracks: unknown[] }[]> {
  return (await fetch(`${node.http}/rest-api/stream/find_all`)).json();
}

/** Both tracks relayed: the relay pipes them one after the other. */
async function bothTracksOn(node: NodeProcess, name: string): Promise<boolean> {
  return (await streamsOn(node)).some((s) => s.name === name && s.tracks.length === 2);
}

beforeAll(async () => {
  // publish.allow_direct: an edge refuses client publishes by default; "an edge too" turns it on.
  edge = await startNode({ name: 'edge1', props: { 'http.path_prefix': '/media/edge1', 'publish.allow_direct': true } });
  const xml =
    '<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n' +
    `  <node id="edge1" path_prefix="/media/edge1"><ip>127.0.0.1</ip><ws>${edge.port}</ws><wss>0</wss><relay>${edge.relayPort}</relay></node>\n` +
    '</loadbalancer>\n';
  origin = await startNode({ name: 'origin', props: { load_balancing_enabled: true }, xml });
  await until(async () => (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()).edges[0].state === 'up', 10000, 'edge link up');
});

afterAll(async () => {
  const codes = await Promise.all([origin, edge].filter(Boolean).map((n) => n.stop()));
  expect(codes).toEqual(codes.map(() => 0));
});

test('WHIP publish answers 201 with an SDP answer and an absolute Location; the stream is relayed to the edge; DELETE ends it', async () => {
  const res = await post(`${origin.http}/whip/w1`, publishOffer());
  expect(res.status).toBe(201);
  expect(res.headers.get('content-type')).toBe('application/sdp');
  const location = res.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${origin.port}/whip/w1/[0-9a-f-]{36}$`));
  // One origin: no other to name (several origins: multiOrigin.whip.test.ts).
  expect(res.headers.get('link')).toBeNull();
  const answer = sdpTransform.parse(await res.text());
  expect(answer.icelite).toBe('ice-lite');
  expect(answer.media.map((m) => [m.type, m.direction, m.setup])).toEqual([
    ['audio', 'recvonly', 'passive'],
    ['video', 'recvonly', 'passive'],
  ]);
  expect(answer.media[0].candidates!.length).toBeGreaterThan(0);

  await until(async () => (await streamsOn(edge)).some((s) => s.name === 'w1' && s.source === 'relay'), 5000, 'w1 on the edge');
  expect((await streamsOn(origin)).find((s) => s.name === 'w1')).toMatchObject({ source: 'local', status: 'PUBLISHING' });

  const del = await fetch(location, { method: 'DELETE' });
  expect(del.status).toBe(200);
  await until(async () => !(await streamsOn(origin)).some((s) => s.name === 'w1'), 5000, 'w1 gone');
  await until(async () => !(await streamsOn(edge)).some((s) => s.name === 'w1'), 5000, 'w1 gone from the edge');
  const again = await fetch(location, { method: 'DELETE' });
  expect(again.status).toBe(404);
  expect(await again.json()).toMatchObject({ code: 'SESSION_NOT_FOUND' });
});

test("WHEP on the origin is redirected (307) to the edge's WHEP URL with its prefix; the edge answers 201 with sendonly tracks", async () => {
  const pub = await post(`${origin.http}/whip/w2`, publishOffer());
  expect(pub.status).toBe(201);
  await until(() => bothTracksOn(edge, 'w2'), 5000, 'w2 on the edge');

  const res = await post(`${origin.http}/whep/w2`, playOffer());
  expect(res.status).toBe(307);
  const target = res.headers.get('location')!;
  expect(target).toBe(`http://127.0.0.1:${edge.port}/media/edge1/whep/w2`);

  const played = await post(target, playOffer());
  expect(played.status).toBe(201);
  const location = played.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${edge.port}/media/edge1/whep/w2/[0-9a-f-]{36}$`));
  const answer = sdpTransform.parse(await played.text());
  expect(answer.media.map((m) => [m.type, m.direction])).toEqual([
    ['audio', 'sendonly'],
    ['video', 'sendonly'],
  ]);
  expect(answer.media[1].ssrcs!.length).toBeGreaterThan(0);
  expect((await fetch(location, { method: 'DELETE' })).status).toBe(200);
  expect((await fetch(pub.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
});

test('fetch follows the 307 with the same body, so a plain fetch() on the origin plays from the edge', async () => {
  const pub = await post(`${origin.http}/whip/w3`, publishOffer());
  await until(() => bothTracksOn(edge, 'w3'), 5000, 'w3 on the edge');
  const res = await post(`${origin.http}/whep/w3`, playOffer(), 'application/sdp', { redirect: 'follow' });
  expect(res.status).toBe(201);
  expect(res.headers.get('location')).toContain(`:${edge.port}/media/edge1/whep/w3/`);
  await fetch(res.headers.get('location')!, { method: 'DELETE' });
  await fetch(pub.headers.get('location')!, { method: 'DELETE' });
});

test('errors: 400 for bad SDP, 415 for a wrong Content-Type, 404 for an unknown stream, 409 for a taken name', async () => {
  const bad = await post(`${origin.http}/whip/x`, 'v=0\r\nnonsense');
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ code: 'BAD_SDP', message: expect.stringContaining('bad SDP offer') });
  const nothing = await post(`${origin.http}/whip/x`, offer([video('sendonly', 'av1', 5, '0')], ['0']));
  expect(nothing.status).toBe(400);
  expect((await nothing.json()).message).toContain('no codec in common');
  expect((await post(`${origin.http}/whip/x`, publishOffer(), 'text/plain')).status).toBe(415);
  const unknown = await post(`${origin.http}/whep/nope`, playOffer());
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toMatchObject({ code: 'STREAM_NOT_FOUND' });
  expect((await post(`${edge.http}/whep/nope`, playOffer())).status).toBe(404);

  const first = await post(`${origin.http}/whip/taken`, publishOffer());
  const second = await post(`${origin.http}/whip/taken`, publishOffer());
  expect(second.status).toBe(409);
  await fetch(first.headers.get('location')!, { method: 'DELETE' });
});

test('CORS: preflight allows POST and DELETE with Content-Type, and Location is exposed', async () => {
  const pre = await fetch(`${origin.http}/whep/any`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
  });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-origin')).toBe('*');
  expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
  expect(pre.headers.get('access-control-allow-headers')!.toLowerCase()).toContain('content-type');
  const preDelete = await fetch(`${origin.http}/whip/any/some-id`, { method: 'OPTIONS' });
  expect(preDelete.headers.get('access-control-allow-methods')).toContain('DELETE');
  const res = await post(`${origin.http}/whep/nope`, playOffer());
  expect(res.headers.get('access-control-expose-headers')).toContain('Location');
});

test('any node takes WHIP, an edge too', async () => {
  const pub = await post(`${edge.http}/whip/onedge`, publishOffer());
  expect(pub.status).toBe(201);
  const health = await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json();
  expect(health.some((s: { name: string }) => s.name === 'onedge')).toBe(true);
  await fetch(pub.headers.get('location')!, { method: 'DELETE' });
});
