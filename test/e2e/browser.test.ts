// The whole product in a real Chromium: the Two Way Streaming page publishes the fake camera on the
// origin of a 1-origin/2-edge cluster on loopback; the Embed Player, given only the origin, plays
// from an edge; it resumes by itself after an unpublish; a throttled player drops to a lower
// simulcast layer. Screenshots go to test-artifacts/. (A player's edge dying is in
// browser.edgeFailover.test.ts, with a cluster of its own.)
import type { Browser, Page } from 'playwright-core';
import { edgesXml, type NodeProcess, startNode, until } from '../helpers/nodes';
import { edgeHolds, type PlayerState, playerState, statusText, waitPlayer } from '../helpers/pages';
import { DESKTOP, framesAdvance, launchChromium, openPage, PHONE, screenshot } from './browser';

const STREAM = 'e2e-cam';
const NOISE = 'e2e-noise';
let origin: NodeProcess;
let edges: NodeProcess[] = [];
let browser: Browser;
let publisher: Page;
let player: Page;
const logs: string[] = [];

beforeAll(async () => {
  edges = [await startNode({ name: 'edge1' }), await startNode({ name: 'edge2' })];
  origin = await startNode({
    name: 'origin',
    props: { load_balancing_enabled: true },
    xml: edgesXml(edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))),
  });
  browser = await launchChromium();
}, 60000);

afterEach(() => {
  // The pages' console errors and warnings, to read next to the test that caused them.
  if (logs.length) process.stdout.write(logs.splice(0).join('\n') + '\n');
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([origin, ...edges].filter(Boolean).map((n) => n.stop()));
});

test('the publisher page publishes the fake camera on the origin, and both edges receive it', async () => {
  publisher = await openPage(browser, `${origin.http}/two_way_streaming.html`, logs, 'publisher');
  // The page defaults to its own node's command channel.
  expect(await publisher.inputValue('#url')).toBe(origin.url);
  await publisher.click('#connectBtn');
  await until(async () => (await statusText(publisher, 'connectStatus')) === 'ESTABLISHED', 10000, 'ESTABLISHED');
  expect(await statusText(publisher, 'connectInfo')).toBe('node origin');
  await publisher.fill('#publishName', STREAM);
  await publisher.click('#publishBtn');
  await until(async () => (await statusText(publisher, 'publishStatus')) === 'PUBLISHING', 15000, 'PUBLISHING');
  await framesAdvance(publisher, '#localVideo');
  await until(async () => (await edgeHolds(edges[0], STREAM)) && (await edgeHolds(edges[1], STREAM)), 10000, 'both edges to hold the stream');
});

test('the player page opened with the origin URL ends up playing from an edge', async () => {
  const started = Date.now();
  player = await openPage(browser, `${origin.http}/player.html?urlServer=${encodeURIComponent(origin.url)}&streamName=${STREAM}&autoplay=true`, logs, 'player');
  const state = await waitPlayer(player, (s) => s.status === 'PLAYING', 15000, 'player PLAYING');
  expect(['edge1', 'edge2']).toContain(state.nodeId);
  expect(await player.getAttribute('body', 'data-node')).toBe(state.nodeId);
  const video = await framesAdvance(player, '#display', 30);
  console.log(`player: PLAYING from ${state.nodeId} after ${Date.now() - started} ms, ${video.width}x${video.height}`);
  expect(video.width).toBeGreaterThan(0);
  expect(video.height).toBeGreaterThan(0);
});

test('an embedded player (in an iframe) asked for a stream nobody publishes says "Stream not found"', async () => {
  const host = await browser.newPage({ viewport: { width: 800, height: 600 } });
  try {
    await host.setContent(`<iframe src="${origin.http}/player.html?streamName=nobody-here&autoplay=true" style="width:640px;height:360px;border:0"></iframe>`);
    const frame = await (await host.waitForSelector('iframe')).contentFrame();
    await until(async () => (await frame!.getAttribute('body', 'data-status')) === 'FAILED', 10000, 'embedded player FAILED');
    expect(await frame!.textContent('#message')).toBe('Stream not found.');
    expect(await frame!.evaluate(() => (window as unknown as { player: PlayerState }).player.error?.code)).toBe('STREAM_NOT_FOUND');
  } finally {
    await host.close();
  }
});

test('under a path prefix the pages load the SDK and reach the command channel relative to themselves', async () => {
  const node = await startNode({ name: 'prefixed', props: { 'http.path_prefix': '/media/cdn' } });
  // The helper's node.http and node.url include the prefix.
  expect(node.http).toMatch(/\/media\/cdn$/);
  const page = await openPage(browser, `${node.http}/player.html?streamName=nothing&autoplay=true`, logs, 'prefixed');
  try {
    await until(async () => (await page.getAttribute('body', 'data-status')) === 'FAILED', 10000, 'prefixed player FAILED');
    // Failing with the server's STREAM_NOT_FOUND proves the WebSocket under the prefix answered.
    expect(await page.evaluate(() => (window as unknown as { player: PlayerState }).player.error?.code)).toBe('STREAM_NOT_FOUND');
    await page.goto(`${node.http}/two_way_streaming.html`);
    expect(await page.inputValue('#url')).toBe(`ws://127.0.0.1:${node.port}/media/cdn/`);
    expect(node.url).toBe(`ws://127.0.0.1:${node.port}/media/cdn/`);
    expect(await page.getAttribute('#embedLink', 'href')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${node.port}/media/cdn/player\\.html\\?`));
  } finally {
    await page.close();
    await node.stop();
  }
});

test('after an unpublish and a new publish the player resumes by itself', async () => {
  await publisher.click('#publishBtn');
  await until(async () => (await statusText(publisher, 'publishStatus')) === 'UNPUBLISHED', 10000, 'publisher UNPUBLISHED');
  await waitPlayer(player, (s) => s.status === 'UNPUBLISHED', 10000, 'player UNPUBLISHED');
  expect(await player.textContent('#message')).toMatch(/ended|not found, retrying/i);
  // The player keeps trying while nothing is published, and says so.
  await until(
    async () => Number(/Stream not found, retrying \((\d+)\/60\)/.exec((await player.textContent('#message')) ?? '')?.[1] ?? 0) >= 2,
    10000,
    'a second retry',
  );
  const republished = Date.now();
  await publisher.click('#publishBtn');
  await until(async () => (await statusText(publisher, 'publishStatus')) === 'PUBLISHING', 15000, 'PUBLISHING again');
  const state = await waitPlayer(player, (s) => s.status === 'PLAYING', 10000, 'player PLAYING again');
  const video = await framesAdvance(player, '#display', 30);
  const events: { at: number; event: string; detail?: string }[] = await player.evaluate(
    () => (window as unknown as { player: { events: { at: number; event: string; detail?: string }[] } }).player.events,
  );
  const story = events.filter((e) => e.at >= republished).map((e) => `+${e.at - republished} ms ${e.event}${e.detail ? ` ${e.detail}` : ''}`);
  const resumedMs = events.find((e) => e.at >= republished && e.event === 'PLAYING')!.at - republished;
  console.log(`player: PLAYING again from ${state.nodeId} ${resumedMs} ms after Publish was clicked, ${video.width}x${video.height}\n${story.join('\n')}`);
  expect(video.width).toBeGreaterThan(0);
});

test('screenshots of both pages on a desktop and a phone are saved to test-artifacts/', async () => {
  // The publisher page's Play box plays the published stream too (through the origin's redirect).
  expect(await publisher.inputValue('#playName')).toBe(STREAM);
  await publisher.click('#playBtn');
  await until(async () => (await statusText(publisher, 'playStatus')) === 'PLAYING', 15000, 'Play box PLAYING');
  expect(await statusText(publisher, 'playInfo')).toMatch(/^from node edge[12]$/);
  await framesAdvance(publisher, '#remoteVideo', 10);
  const files = [
    await screenshot(publisher, 'two_way_streaming-desktop', DESKTOP),
    await screenshot(publisher, 'two_way_streaming-phone', PHONE),
    await screenshot(player, 'player-desktop', DESKTOP),
    await screenshot(player, 'player-phone', PHONE),
  ];
  await publisher.click('#playBtn');
  await until(async () => (await statusText(publisher, 'playStatus')) === 'STOPPED', 5000, 'Play box STOPPED');
  const form = await openPage(browser, `${origin.http}/player.html`, logs, 'player-form');
  files.push(await screenshot(form, 'player-form-phone', PHONE));
  await form.close();
  console.log(`screenshots:\n${files.join('\n')}`);
});

test('a throttled player gets a lower simulcast layer and keeps playing, and one below the lowest layer is told NOT_ENOUGH_BANDWIDTH', async () => {
  // The fake camera's simple picture needs under 1 Mbps even at 720p, so a cap could be met
  // without changing layer. So publish a picture that fills its layers (blocky noise) as two
  // layers, 320x180 up to 150 kbps and 640x360 up to 2.5 Mbps, and wait until the top layer
  // really runs above 1.5 Mbps.
  await publisher.evaluate(async (name) => {
    const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
    const ctx = canvas.getContext('2d')!;
    const small = Object.assign(document.createElement('canvas'), { width: 80, height: 45 });
    const sctx = small.getContext('2d')!;
    const image = sctx.createImageData(80, 45);
    const draw = () => {
      for (let i = 0; i < image.data.length; i++) image.data[i] = (i & 3) === 3 ? 255 : (Math.random() * 256) | 0;
      sctx.putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(small, 0, 0, 640, 360);
    };
    draw();
    const w = window as unknown as {
      app: { session: { createStream(o: object): { publish(): void } } };
      noise: unknown;
      noiseTimer: unknown;
    };
    w.noiseTimer = setInterval(draw, 66);
    const media = canvas.captureStream(15);
    const stream = w.app.session.createStream({
      name,
      mediaStream: media,
      // One temporal layer each, so the cap cannot be met by dropping frame rate alone.
      encodings: [
        { rid: 'r0', scaleResolutionDownBy: 2, maxBitrate: 150_000, scalabilityMode: 'L1T1' },
        { rid: 'r1', scaleResolutionDownBy: 1, maxBitrate: 2_500_000, scalabilityMode: 'L1T1' },
      ],
    });
    w.noise = stream;
    stream.publish();
  }, NOISE);
  await until(
    () => publisher.evaluate(() => (window as unknown as { noise: { status(): string } }).noise.status() === 'PUBLISHING'),
    15000,
    'noise PUBLISHING',
  );
  const topLayerBps = async (): Promise<number> => {
    const bytes = () =>
      publisher.evaluate(async () => {
        let sent = 0;
        const stats = await (window as unknown as { noise: { getStats(): Promise<RTCStatsReport> } }).noise.getStats();
        stats.forEach((r) => {
          if (r.type === 'outbound-rtp' && r.rid === 'r1') sent = r.bytesSent;
        });
        return sent;
      });
    const a = await bytes();
    await publisher.waitForTimeout(1000);
    return ((await bytes()) - a) * 8;
  };
  let rate = 0;
  await until(async () => (rate = await topLayerBps()) > 1_500_000, 40000, 'the top layer above 1.5 Mbps');
  // An unthrottled player climbs to the top layer as its bandwidth estimate grows.
  const free = await openPage(browser, `${origin.http}/player.html?streamName=${NOISE}&autoplay=true`, logs, 'unthrottled');
  const climbStart = Date.now();
  const top = await waitPlayer(free, (s) => s.status === 'PLAYING' && s.layers?.spatialLayer === 1, 30000, 'unthrottled player on the top layer');
  const climbMs = Date.now() - climbStart;
  const topVideo = await framesAdvance(free, '#display', 5);
  await free.close();
  // A player capped at 1 Mbps from the start gets the lower layer, and
  // stays there well past the time the unthrottled one took to climb, while frames keep coming.
  const throttled = await openPage(browser, `${origin.http}/player.html?streamName=${NOISE}&autoplay=true&maxBitrate=1000000`, logs, 'throttled');
  try {
    await waitPlayer(throttled, (s) => s.status === 'PLAYING' && s.layers?.spatialLayer === 0, 15000, 'throttled player on the lowest layer');
    const watchUntil = Date.now() + Math.max(8000, 2 * climbMs);
    const layersSeen = new Set<number>();
    while (Date.now() < watchUntil) {
      const s = await playerState(throttled);
      layersSeen.add(s.layers?.spatialLayer ?? -1);
      expect(s.status).toBe('PLAYING');
      await throttled.waitForTimeout(250);
    }
    expect([...layersSeen]).toEqual([0]);
    const low = await framesAdvance(throttled, '#display', 10);
    expect(low.width).toBeLessThan(topVideo.width);
    console.log(
      `throttle: top layer sent at ${Math.round(rate / 1000)} kbps; unthrottled player reached layer ${top.layers!.spatialLayer} ` +
        `(${topVideo.width}x${topVideo.height}) in ${climbMs} ms; player capped at 1000 kbps stayed on layer 0 (${low.width}x${low.height}) and kept playing`,
    );
    // A player whose cap is below even the lowest layer (150 kbps) gets no layer: the SDK says
    // NOT_ENOUGH_BANDWIDTH instead of showing a frozen picture.
    const starved = await openPage(browser, `${origin.http}/player.html?streamName=${NOISE}&autoplay=true&maxBitrate=60000`, logs, 'starved');
    try {
      const s = await waitPlayer(starved, (st) => st.status === 'NOT_ENOUGH_BANDWIDTH', 20000, 'NOT_ENOUGH_BANDWIDTH');
      expect(s.layers).toBeNull();
      console.log('throttle: a player capped at 60 kbps, below the lowest layer, is told NOT_ENOUGH_BANDWIDTH');
    } finally {
      await starved.close();
    }
  } finally {
    await throttled.close();
    await publisher.evaluate(() => {
      const w = window as unknown as { noise: { stop(): void }; noiseTimer: ReturnType<typeof setInterval> };
      clearInterval(w.noiseTimer);
      w.noise.stop();
    });
  }
});
