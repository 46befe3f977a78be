// A page written for the WCS Web SDK, in a real Chromium, against a 1-origin/2-edge cluster: the
// product's pages load at the URLs WCS users know, and everything below is driven with the
// `Flashphoner` global only (web/sdk/flashphoner.js), the way WCS's examples call it: publish on
// the origin, play through the origin's redirect to an edge, volume, WCS's getStats(), the
// statuses and info strings WCS sends (publisher stops, stream not found, node lost), lbUrl.
import type { Browser, Page } from 'playwright-core';
import { startEdge, startOrigin, stopAll } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { edgeHolds } from '../helpers/pages';
import { framesAdvance, launchChromium, openPage, videoState } from './browser';
import { type Fp, type Probe, probe } from './wcsPage';

const STREAM = 'wcs-cam';
const WCS_TWO_WAY = '/client2/examples/demo/streaming/two_way_streaming/two_way_streaming.html';
const WCS_PLAYER = '/client2/examples/demo/streaming/embed_player/player.html';
let origin: NodeProcess;
let edges: NodeProcess[] = [];
let browser: Browser;
let publisher: Page;
let player: Page;
const logs: string[] = [];

beforeAll(async () => {
  edges = [await startEdge('edge1'), await startEdge('edge2')];
  origin = await startOrigin(edges);
  browser = await launchChromium();
}, 60000);

afterEach(() => {
  // The pages' console errors and warnings, to read next to the test that caused them.
  if (logs.length) process.stdout.write(logs.splice(0).join('\n') + '\n');
});

afterAll(async () => {
  await browser?.close();
  await stopAll([origin, ...edges]);
});

test("WCS's example URLs lead to the product's pages, query string kept, with the Flashphoner global loaded", async () => {
  const res = await fetch(`${origin.http}${WCS_PLAYER}?streamName=a%20b&autoplay=true`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('../../../../../player.html?streamName=a%20b&autoplay=true');
  publisher = await openPage(browser, `${origin.http}${WCS_TWO_WAY}`, logs, 'publisher');
  expect(publisher.url()).toBe(`${origin.http}/two_way_streaming.html`);
  // The page defaults to its own node's command channel, as at its own URL.
  expect(await publisher.inputValue('#url')).toBe(origin.url);
  player = await openPage(browser, `${origin.http}${WCS_PLAYER}`, logs, 'player');
  expect(player.url()).toBe(`${origin.http}/player.html`);
  for (const page of [publisher, player]) {
    const api = await page.evaluate(() => {
      const { Flashphoner } = window as unknown as { Flashphoner: Fp };
      return { providers: Flashphoner.getMediaProviders(), statuses: Object.keys(Flashphoner.constants.STREAM_STATUS), chrome: Flashphoner.Browser.isChrome() };
    });
    expect(api).toEqual({ providers: ['WebRTC'], statuses: expect.arrayContaining(['PLAYING', 'STOPPED', 'FAILED']), chrome: true });
  }
});

test('a stream published with Flashphoner calls plays from an edge through the origin, with volume, WCS stats, audio only, a microphone switch and mute events', async () => {
  await probe(publisher, origin.url);
  const published = await publisher.evaluate((name) => (window as unknown as { t: Probe }).t.publish(name), STREAM);
  expect(published).toBe('PUBLISHING');
  await until(async () => (await edgeHolds(edges[0], STREAM)) && (await edgeHolds(edges[1], STREAM)), 10000, 'both edges to hold the stream');

  await probe(player, origin.url);
  const played = await player.evaluate((name) => (window as unknown as { t: Probe }).t.play(name), STREAM);
  // `on` replaced the first PLAYING callback; the <video> had the stream's id already in PENDING.
  expect(played.log).toEqual(['PENDING video', 'PLAYING']);
  expect(played.nodeId).toMatch(/^edge[12]$/);
  await framesAdvance(player, `#${played.id}`, 15);

  const volume = await player.evaluate(() => (window as unknown as { t: Probe }).t.volume());
  expect(volume).toEqual({ sdk: 30, element: 0.3, mutedAfterMute: true, mutedAfterUnmute: false });

  const stats = await player.evaluate(() => (window as unknown as { t: Probe }).t.stats());
  expect(stats.bytesReceived).toBeGreaterThan(0);
  expect(stats.codec).toBe('VP8');
  expect(stats.width).toBeGreaterThan(0);
  await until(() => player.evaluate(() => (window as unknown as { t: Probe }).t.stream!.getRemoteBitrate() > 10_000), 5000, 'a measured remote bitrate');

  // receiveVideo: false plays the sound only; available() finds the stream.
  expect(await player.evaluate((name) => (window as unknown as { t: Probe }).t.playAudioOnly(name), STREAM)).toEqual({
    kinds: ['audio'],
    available: 'resolved',
  });

  // Chromium's fake devices: one camera, three microphones. The player keeps receiving sound.
  const switched = await publisher.evaluate(() => (window as unknown as { t: Probe }).t.switchDevices());
  expect(switched.cam).toBe('Number of cams is less than 2 or already used custom stream');
  expect(switched.micAfter).not.toBe(switched.micBefore);
  expect(switched).toEqual(expect.objectContaining({ trackDevice: switched.micAfter, trackLive: true }));
  const audioBefore = (await player.evaluate(() => (window as unknown as { t: Probe }).t.stats())).audioBytes;
  await until(
    async () => (await player.evaluate(() => (window as unknown as { t: Probe }).t.stats())).audioBytes > audioBefore + 2000,
    5000,
    'audio after the switch',
  );

  // The publisher mutes its video: the node tells the edge's player, as WCS's STREAM_EVENT.
  await publisher.evaluate(() => (window as unknown as { t: Probe }).t.published!.muteVideo());
  await until(() => player.evaluate(() => (window as unknown as { t: Probe }).t.events.includes('videoMuted streamName=wcs-cam')), 5000, 'videoMuted');
  await publisher.evaluate(() => (window as unknown as { t: Probe }).t.published!.unmuteVideo());
  await until(() => player.evaluate(() => (window as unknown as { t: Probe }).t.events.includes('videoUnmuted streamName=wcs-cam')), 5000, 'videoUnmuted');
});

test('playWidth/playHeight get the simulcast layer of that size; unmutePlayOnStart: false starts muted; useControls shows controls', async () => {
  // The fake camera publishes 1280x720 in three layers: 320x180, 640x360 and 1280x720.
  const sized = await player.evaluate((name) => (window as unknown as { t: Probe }).t.playSized(name, 320, 180), STREAM);
  expect(sized).toEqual({ id: expect.any(String), muted: true, controls: true });
  const video = await framesAdvance(player, `#${sized.id}`, 10);
  await until(async () => (await videoState(player, `#${sized.id}`))?.width === 320, 15000, `320 px wide frames (first seen: ${video.width}x${video.height})`);
  expect((await videoState(player, `#${sized.id}`))?.height).toBe(180);
  // Not just the first layer of a cold start: it stays there while the earlier player, free to
  // climb, gets a larger one.
  await player.waitForTimeout(4000);
  const free = await player.evaluate(() => (window as unknown as { t: Probe }).t.stream!.id());
  expect((await videoState(player, `#${free}`))?.width).toBeGreaterThan(320);
  expect((await framesAdvance(player, `#${sized.id}`, 10)).width).toBe(320);
});

test('when the publisher stops, the player gets STOPPED "Stopped by publisher stop" and stays stopped, as from WCS', async () => {
  await publisher.evaluate(() => (window as unknown as { t: Probe }).t.published!.stop());
  await until(() => publisher.evaluate(() => (window as unknown as { t: Probe }).t.published!.status() === 'UNPUBLISHED'), 10000, 'publisher UNPUBLISHED');
  await until(() => player.evaluate(() => (window as unknown as { t: Probe }).t.stream!.status() === 'STOPPED'), 10000, 'player STOPPED');
  expect(await player.evaluate(() => (window as unknown as { t: Probe }).t.stream!.getInfo())).toBe('Stopped by publisher stop');
  // No UNPUBLISHED, no retries: a WCS page's Stop button turns back into Play and nothing moves.
  await player.waitForTimeout(1500);
  const after = await player.evaluate(() => {
    const { t } = window as unknown as { t: Probe };
    return { status: t.stream!.status(), log: t.log };
  });
  expect(after.status).toBe('STOPPED');
  // Before the stop the log may hold PLAYING again after a brief NOT_ENOUGH_BANDWIDTH (not logged
  // by this page) on a loaded machine; what matters here is that STOPPED is the last word, once.
  expect(after.log.slice(0, 2)).toEqual(['PENDING video', 'PLAYING']);
  expect(after.log.filter((l) => l !== 'PLAYING').slice(1)).toEqual(['STOPPED Stopped by publisher stop']);
  expect(after.log.at(-1)).toBe('STOPPED Stopped by publisher stop');
});

test('a stream nobody publishes fails with getInfo() "CDN stream not found", and available() says it is not there', async () => {
  const failed = await player.evaluate(() => (window as unknown as { t: Probe }).t.playMissing('wcs-nobody'));
  expect(failed).toEqual({ status: 'FAILED', info: 'CDN stream not found', code: 'STREAM_NOT_FOUND', available: 'rejected: Stream not found' });
  // What cannot exist on this server says so instead of doing nothing (record: true ends its
  // publish FAILED instead: wcsExamples.test.ts).
  const refusals = await player.evaluate(() => (window as unknown as { t: Probe }).t.refusals());
  expect(refusals).toEqual(['sendData is not supported by this server (no REST hooks)', 'createCall is not supported by this server (no SIP)']);
});

test("lbUrl: a session asks the origin's /rtcloadbalance (WCS JSON or bare URL) and connects to the edge it names; a refusal falls back to urlServer", async () => {
  const json = await (await fetch(`${origin.http}/rtcloadbalance?format=json`)).json();
  expect(json).toEqual(expect.objectContaining({ server: '127.0.0.1', ws: expect.any(Number), node: expect.stringMatching(/^edge[12]$/) }));
  expect(edges.map((e) => e.port)).toContain(json.ws);
  const reached = await player.evaluate(
    (lb) => (window as unknown as { t: Probe }).t.connectVia(lb),
    [`${origin.http}/rtcloadbalance?format=json`, `${origin.http}/rtcloadbalance`, `${origin.http}/rtcloadbalance?machine=nowhere`],
  );
  // The JSON answer's `url` keeps an edge's path prefix; WCS's own SDK builds ws://server:ws from it.
  expect(reached[0]).toMatch(/^edge[12] ws:\/\/127\.0\.0\.1:\d+$/);
  expect(reached[1]).toMatch(/^edge[12] ws:\/\/127\.0\.0\.1:\d+$/);
  expect(reached[2]).toBe(`origin ${origin.url}`);
});

test('when the edge a player is on dies, the player gets FAILED with WCS\'s "Stopped by session disconnect"', async () => {
  await probe(publisher, origin.url);
  expect(await publisher.evaluate((name) => (window as unknown as { t: Probe }).t.publish(name), `${STREAM}-2`)).toBe('PUBLISHING');
  await until(async () => (await edgeHolds(edges[0], `${STREAM}-2`)) && (await edgeHolds(edges[1], `${STREAM}-2`)), 10000, 'both edges to hold the stream');
  await probe(player, origin.url);
  const played = await player.evaluate((name) => (window as unknown as { t: Probe }).t.play(name), `${STREAM}-2`);
  await edges.find((e) => e.name === played.nodeId)!.kill();
  await until(() => player.evaluate(() => (window as unknown as { t: Probe }).t.stream!.status() === 'FAILED'), 5000, 'player FAILED');
  expect(await player.evaluate(() => (window as unknown as { t: Probe }).t.stream!.getInfo())).toBe('Stopped by session disconnect');
  await player.evaluate(() => (window as unknown as { t: Probe }).t.stream!.stop());
  await publisher.evaluate(() => (window as unknown as { t: Probe }).t.published!.stop());
});
