// The whole product in a real Chromium: the Two Way Streaming page publishes the fake camera on the
// origin of a 1-origin/2-edge cluster on loopback; the Embed Player, given only the origin, plays
// from an edge; it resumes by itself after an unpublish and moves to the other edge when its edge
// dies; a throttled player drops to a lower simulcast layer. Screenshots go to test-artifacts/.
import type { Browser, Page } from 'playwright-core';
import { edgesXml, NodeProcess, startNode, until } from '../helpers/nodes';
import { DESKTOP, framesAdvance, launchChromium, openPage, PHONE, screenshot, videoState } from './browser';

const STREAM = 'e2e-cam';
let origin: NodeProcess;
let edges: NodeProcess[] = [];
let browser: Browser;
let publisher: Page;
let player: Page;
const logs: string[] = [];

interface PlayerState {
  status: string;
  nodeId: string | null;
  layers: { spatialLayer: number; temporalLayer?: number } | null;
  error: { code: string; message: string } | null;
}

const playerState = (page: Page): Promise<PlayerState> =>
  page.evaluate(() => {
    const p = (window as unknown as { player: PlayerState }).player;
    return { status: p.status, nodeId: p.nodeId, layers: p.layers, error: p.error };
  });

async function waitPlayer(page: Page, check: (s: PlayerState) => boolean, timeoutMs: number, what: string): Promise<PlayerState> {
  let last: PlayerState | null = null;
  try {
    await until(async () => check((last = await playerState(page))), timeoutMs, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}; player state ${JSON.stringify(last)}`);
  }
  return last!;
}

async function edgeHolds(edge: NodeProcess, stream: string): Promise<boolean> {
  const list: { name: string; status: string }[] = await (await fetch(`${edge.http}/rest-api/stream/find_all`, { method: 'POST' })).json();
  return list.some((s) => s.name === stream && s.status === 'PUBLISHING');
}

async function statusText(page: Page, id: string): Promise<string> {
  return (await page.textContent(`#${id}`)) ?? '';
}

beforeAll(async () => {
  edges = [await startNode({ name: 'edge1' }), await startNode({ name: 'edge2' })];
  origin = await startNode({
    name: 'origin',
    props: { load_balancing_enabled: true },
    xml: edgesXml(edges.map((e) => ({ id: e.name, port: e.port }))),
  });
  browser = await launchChromium();
}, 60000);

afterEach(() => {
  // Browser-side warnings help when a test failed; they are noise otherwise.
  if (logs.length && expect.getState().assertionCalls >= 0) process.stdout.write(logs.splice(0).join('\n') + '\n');
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
