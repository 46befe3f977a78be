// Publish and play tokens, on every way in, across a real origin and edge (separate processes):
// the command channel (publish, play, the redirect and the play on the edge), WHIP and WHEP (the
// Bearer header, the 307 carrying the token to the edge). Also: an edge sends publishers to the origin,
// the admin credential guards clients' addresses, and the token CLI's tokens are accepted.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { signToken, type TokenPolicy } from '../../src/auth/tokens';
import { TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, routes, stopAll } from '../helpers/cluster';
import { edgesXml, type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';

const SECRET = 'the-token-secret-of-this-cluster';
const ADMIN = 'the-admin-token-of-the-origin';
const AUTH = { 'auth.publish': 'token', 'auth.play': 'token', 'auth.token_secret': SECRET };

let origin: NodeProcess;
let edge: NodeProcess;
const cleanup = new Cleanup();

function token(act: 'publish' | 'play', stream: string, extra: Partial<TokenPolicy> = {}): string {
  return signToken({ act, stream, exp: Math.floor(Date.now() / 1000) + 60, ...extra }, SECRET);
}

function track<T extends { close(): Promise<unknown> }>(x: T): T {
  return cleanup.track(x);
}

const publishOffer = () => offer([audio('sendonly', 1111), video('sendonly', 'all', 2222)]);
const playOffer = () => offer([audio('recvonly'), video('recvonly', 'all')]);

function post(url: string, body: string, bearer?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/sdp' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  return fetch(url, { method: 'POST', body, headers, redirect: 'manual' });
}

beforeAll(async () => {
  edge = await startNode({ name: 'edge1', props: { ...AUTH, 'cdn.load_report_ms': 100 } });
  origin = await startNode({
    name: 'origin',
    props: { ...AUTH, load_balancing_enabled: true, 'admin.token': ADMIN },
    xml: edgesXml([{ id: 'edge1', port: edge.port, relayPort: edge.relayPort }]),
  });
  await until(async () => (await routes(origin, ADMIN)).edges.every((e) => e.state === 'up'), 10000, 'the edge link up');
}, 40000);

afterEach(() => cleanup.run());

afterAll(async () => {
  expect(await stopAll([origin, edge])).toEqual([0, 0]);
});

test('a command-channel publish needs a publish token for that stream: missing, forged, expired or for another stream is refused', async () => {
  const client = track(await TestClient.connect(origin.url));
  const publish = (extra: Record<string, unknown>) => client.request('publish', { stream: 'guarded', transport: 'plain', ...extra });
  await expect(publish({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  const forged = signToken({ act: 'publish', stream: 'guarded', exp: Math.floor(Date.now() / 1000) + 60 }, 'not-the-secret-at-all');
  await expect(publish({ token: forged })).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('bad token signature') });
  await expect(publish({ token: token('publish', 'guarded', { exp: Math.floor(Date.now() / 1000) - 1 }) })).rejects.toMatchObject({
    code: 'UNAUTHORIZED',
    message: expect.stringContaining('expired'),
  });
  await expect(publish({ token: token('publish', 'other') })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(publish({ token: token('play', 'guarded') })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(publish({ token: token('publish', 'guarded', { ip: '192.0.2.1' }) })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  // Nothing was left behind by the refusals: the name is free for the real publisher.
  track(await client.publishRtp('guarded', { token: token('publish', 'guarded', { ip: '127.0.0.1' }) }));
  await client.waitStatus('guarded', 'PUBLISHING');
});

test('a command-channel player needs a play token on the origin (before the redirect) and again on the edge, and then gets packets', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('show', { token: token('publish', 'show') }));
  await until(() => relayedEverywhere(origin, 'show'), 10000, 'show relayed');

  const stranger = track(await TestClient.connect(origin.url));
  const { rtpCapabilities } = await stranger.request('getRouterRtpCapabilities');
  // No edge address for a player without a token.
  await expect(stranger.request('play', { stream: 'show', rtpCapabilities, transport: 'plain' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  const viewer = token('play', 'show');
  const answer = await stranger.request('play', { stream: 'show', rtpCapabilities, transport: 'plain', token: viewer });
  expect(answer.redirect).toMatchObject({ nodeId: 'edge1' });
  // The edge checks for itself: the redirect URL alone does not admit anyone.
  const direct = track(await TestClient.connect(answer.redirect.url));
  const edgeCaps = (await direct.request('getRouterRtpCapabilities')).rtpCapabilities;
  await expect(direct.request('play', { stream: 'show', rtpCapabilities: edgeCaps, transport: 'plain' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  await expect(direct.request('play', { stream: 'show', rtpCapabilities: edgeCaps, transport: 'plain', token: token('play', 'other') })).rejects.toMatchObject({
    code: 'FORBIDDEN',
  });
  // With the token the player already had, the edge plays it.
  const player = track(await TestClient.connect(answer.redirect.url));
  const { receiver } = await player.playRtp('show', { token: viewer });
  cleanup.add(async () => receiver.close());
  await receiver.waitFor(20, VIDEO_PT);
});

test('an edge publishes nothing itself by default (relay only): a publisher, with a valid token, is sent to the origin, the token with it on WHIP', async () => {
  const client = track(await TestClient.connect(edge.url));
  const squat = token('publish', 'squat');
  const answer = await client.request('publish', { stream: 'squat', transport: 'plain', token: squat });
  expect(answer).toEqual({ redirect: { url: origin.url, nodeId: 'origin' } });
  const whip = await post(`${edge.http}/whip/squat`, publishOffer(), squat);
  expect(whip.status).toBe(307);
  // A browser drops Authorization on a cross-origin redirect: the token goes in the URL.
  expect(whip.headers.get('location')).toBe(`${origin.http}/whip/squat?token=${encodeURIComponent(squat)}`);
  expect((await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json()).map((s: { name: string }) => s.name)).not.toContain('squat');
});

test('WHIP takes the publish token as Authorization: Bearer, and answers 401 or 403 without a fitting one', async () => {
  const none = await post(`${origin.http}/whip/wcam`, publishOffer());
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer');
  expect(await none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  const other = await post(`${origin.http}/whip/wcam`, publishOffer(), token('publish', 'not-wcam'));
  expect(other.status).toBe(403);
  expect(await other.json()).toMatchObject({ code: 'FORBIDDEN' });
  const ok = await post(`${origin.http}/whip/wcam`, publishOffer(), token('publish', 'wcam'));
  expect(ok.status).toBe(201);
  cleanup.add(() => fetch(ok.headers.get('location')!, { method: 'DELETE' }));
});

test("WHEP takes the play token as Bearer; the origin's 307 carries it to the edge in the URL, where it is checked again", async () => {
  const pub = await post(`${origin.http}/whip/wshow`, publishOffer(), token('publish', 'wshow'));
  expect(pub.status).toBe(201);
  cleanup.add(() => fetch(pub.headers.get('location')!, { method: 'DELETE' }));
  await until(async () =>
    (await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json()).some(
      (s: { name: string; tracks: unknown[] }) => s.name === 'wshow' && s.tracks.length === 2,
    ),
  );

  expect((await post(`${origin.http}/whep/wshow`, playOffer())).status).toBe(401);
  const viewer = token('play', 'wshow');
  const redirect = await post(`${origin.http}/whep/wshow`, playOffer(), viewer);
  expect(redirect.status).toBe(307);
  const location = new URL(redirect.headers.get('location')!);
  expect(location.port).toBe(String(edge.port));
  expect(location.searchParams.get('token')).toBe(viewer);
  // As a browser follows a cross-origin 307: same body, no Authorization header.
  const played = await post(location.href, playOffer());
  expect(played.status).toBe(201);
  cleanup.add(() => fetch(played.headers.get('location')!, { method: 'DELETE' }));
  // The edge's URL without the token admits nobody.
  location.search = '';
  expect((await post(location.href, playOffer())).status).toBe(401);
});

test("clients' addresses need the admin token; health, metrics and the stream list stay open", async () => {
  const url = `${origin.http}/rest-api/connection/find_all`;
  const none = await fetch(url);
  expect(none.status).toBe(401);
  expect(await none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  expect((await fetch(url, { headers: { Authorization: 'Bearer wrong-admin-token-guess' } })).status).toBe(401);
  const ok = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN}` } });
  expect(ok.status).toBe(200);
  expect(Array.isArray(await ok.json())).toBe(true);
  for (const open of ['/healthz', '/metrics', '/rest-api/stream/find_all']) expect((await fetch(`${origin.http}${open}`)).status).toBe(200);
  // The edge has no admin token: open there.
  expect((await fetch(`${edge.http}/rest-api/connection/find_all`)).status).toBe(200);
});

test('ending a stream over REST (stream/terminate) needs the admin token too', async () => {
  const terminate = (headers: Record<string, string>) =>
    fetch(`${origin.http}/rest-api/stream/terminate`, { method: 'POST', body: JSON.stringify({ name: 'nobody' }), headers });
  const none = await terminate({});
  expect([none.status, (await none.json()).code]).toEqual([401, 'UNAUTHORIZED']);
  // With the token the request is heard: there is no such stream.
  const ok = await terminate({ Authorization: `Bearer ${ADMIN}` });
  expect([ok.status, (await ok.json()).code]).toEqual([404, 'STREAM_NOT_FOUND']);
});

test('a token printed by npm run token (secret from the conf directory) is accepted', async () => {
  const env = { ...process.env };
  delete env.AUTH_TOKEN_SECRET; // the conf directory's value, as an operator on the node would
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'cli', 'token.ts'), '--stream', 'clicam', '--publish', '--ttl', '60', '--conf', origin.confDir],
    { cwd: path.join(__dirname, '..', '..'), env },
  );
  expect(stderr).toMatch(/^publish token for stream "clicam", valid until /);
  const client = track(await TestClient.connect(origin.url));
  track(await client.publishRtp('clicam', { token: stdout.trim() }));
  await client.waitStatus('clicam', 'PUBLISHING');
});

test('npm run token refuses to sign with a weak secret (exit 2, with the reason)', async () => {
  // A conf directory whose node would start (tokens off) with a secret too short to sign with.
  const conf = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-token-cli-'));
  fs.writeFileSync(path.join(conf, 'flashphoner.properties'), 'auth.token_secret=too-short\n');
  const env = { ...process.env };
  delete env.AUTH_TOKEN_SECRET;
  const run = promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'cli', 'token.ts'), '--stream', 'clicam', '--publish', '--conf', conf],
    { cwd: path.join(__dirname, '..', '..'), env },
  );
  await expect(run.finally(() => fs.rmSync(conf, { recursive: true, force: true }))).rejects.toMatchObject({
    code: 2,
    stdout: '',
    stderr: expect.stringMatching(/too weak to sign with \(9 characters, fewer than 16\)/),
  });
});

test('with auth.play=token, /rtcloadbalance names an edge only for a play token of the stream, and show_routes needs the admin token', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('lbcam', { token: token('publish', 'lbcam') }));
  await until(async () => (await (await fetch(`${edge.http}/rest-api/stream/find_all`)).json()).some((s: { name: string }) => s.name === 'lbcam'), 10000);
  const lb = async (qs: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${origin.http}/rtcloadbalance?${qs}`, { headers });
    return { status: res.status, text: await res.text() };
  };
  expect(await lb('')).toMatchObject({ status: 401, text: expect.stringMatching(/^ERROR: UNAUTHORIZED: auth.play=token/) });
  expect(await lb('stream=lbcam')).toMatchObject({ status: 401 });
  expect(await lb(`stream=lbcam&token=${token('play', 'other')}`)).toMatchObject({ status: 403 });
  expect(await lb(`stream=lbcam&token=${token('play', 'lbcam')}`)).toEqual({ status: 200, text: `ws://127.0.0.1:${edge.port}` });
  expect(await lb('stream=lbcam', { Authorization: `Bearer ${token('play', 'lbcam')}` })).toEqual({ status: 200, text: `ws://127.0.0.1:${edge.port}` });
  const showRoutes = (headers: Record<string, string> = {}) => fetch(`${origin.http}/rest-api/cdn/show_routes`, { headers });
  expect((await showRoutes()).status).toBe(401);
  expect((await showRoutes({ Authorization: `Bearer ${ADMIN}` })).status).toBe(200);
});
