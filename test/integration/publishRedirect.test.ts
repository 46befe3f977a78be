// A publisher that reaches an edge (through a balancer's lbUrl, or by mistake) ends up on the
// origin, the way a player that reaches the origin ends up on an edge: the command channel's
// `publish` is answered with a redirect to the origin, WHIP with 307 to the origin's WHIP URL
// (which fetch follows, offer and all). publish.allow_direct keeps its meaning: an edge that allows
// direct publishes takes them itself, and a node that refuses them with no origin to name says so.
import { TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { audio, offer, video } from '../helpers/sdpOffers';

let origin: NodeProcess;
let edge: NodeProcess;
let direct: NodeProcess;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);
const publishOffer = () => offer([audio('sendonly', 1111), video('sendonly', 'all', 2222)]);

beforeAll(async () => {
  edge = await startEdge('edge1');
  direct = await startEdge('edge2', { 'publish.allow_direct': true });
  origin = await startOrigin([edge, direct]);
}, 60000);

afterEach(() => cleanup.run());

afterAll(async () => {
  expect(await stopAll([origin, edge, direct])).toEqual([0, 0, 0]);
});

test("a command-channel publish on an edge is answered with the origin's URL; publishing there relays the stream back to the edges", async () => {
  const onEdge = track(await TestClient.connect(edge.url));
  const answer = await onEdge.request('publish', { stream: 'moved', transport: 'plain' });
  expect(answer).toEqual({ redirect: { url: origin.url, nodeId: 'origin' } });
  // Nothing was reserved on the edge: the name is free there for the relay.
  expect((await streamsOn(edge)).map((s) => s.name)).not.toContain('moved');

  const onOrigin = track(await TestClient.connect(answer.redirect.url));
  track(await onOrigin.publishRtp('moved'));
  await until(() => relayedEverywhere(origin, 'moved'), 10000, 'moved relayed to both edges');
  expect((await streamsOn(edge)).find((s) => s.name === 'moved')).toMatchObject({ source: 'relay' });
});

test('WHIP on an edge is answered 307 to the origin, and a WHIP client that follows it publishes there', async () => {
  const manual = await fetch(`${edge.http}/whip/whip-moved`, {
    method: 'POST',
    body: publishOffer(),
    headers: { 'Content-Type': 'application/sdp' },
    redirect: 'manual',
  });
  expect(manual.status).toBe(307);
  expect(manual.headers.get('location')).toBe(`${origin.http}/whip/whip-moved`);

  // What a WHIP client (fetch) does by itself: the same POST, offer and all, at the new URL.
  const followed = await fetch(`${edge.http}/whip/whip-moved`, { method: 'POST', body: publishOffer(), headers: { 'Content-Type': 'application/sdp' } });
  expect(followed.status).toBe(201);
  expect(followed.redirected).toBe(true);
  const location = followed.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^${origin.http}/whip/whip-moved/[0-9a-f-]{36}$`));
  expect((await streamsOn(origin)).find((s) => s.name === 'whip-moved')).toMatchObject({ source: 'local' });
  await until(async () => (await streamsOn(edge)).some((s) => s.name === 'whip-moved' && s.source === 'relay'), 10000, 'whip-moved relayed to the edge');
  expect((await fetch(location, { method: 'DELETE' })).status).toBe(200);
});

test('publish.allow_direct=true: the edge takes the publish itself (a local stream, not relayed)', async () => {
  const client = track(await TestClient.connect(direct.url));
  track(await client.publishRtp('local-here'));
  await client.waitStatus('local-here', 'PUBLISHING');
  expect((await streamsOn(direct)).find((s) => s.name === 'local-here')).toMatchObject({ source: 'local' });
  expect((await streamsOn(origin)).map((s) => s.name)).not.toContain('local-here');
});

test('a node that refuses direct publishes and has no origin to send them to says NOT_ALLOWED', async () => {
  const lone = await startNode({ name: 'lone', props: { 'publish.allow_direct': false } });
  cleanup.add(() => lone.stop());
  const client = track(await TestClient.connect(lone.url));
  await expect(client.request('publish', { stream: 'nowhere', transport: 'plain' })).rejects.toMatchObject({
    code: 'NOT_ALLOWED',
    message: expect.stringContaining('publish.allow_direct'),
  });
  const whip = await fetch(`${lone.http}/whip/nowhere`, {
    method: 'POST',
    body: publishOffer(),
    headers: { 'Content-Type': 'application/sdp' },
    redirect: 'manual',
  });
  expect(whip.status).toBe(403);
  expect(await whip.json()).toMatchObject({ code: 'NOT_ALLOWED' });
});
