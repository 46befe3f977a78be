// Two origins (loadbalancing.xml <origin>, issue 21) and two edges, with Chromium: a camera
// published with the SDK page on origin A is played by the player page asking origin B (sent to an
// edge, frames decoded); the console on A lists both origins and the streams each holds. Then A
// hangs (SIGSTOP), B takes the name over, and when A resumes the SDK publisher on A is told its
// publication ended with STREAM_NAME_TAKEN, in words on the page.
import type { Browser } from 'playwright-core';
import { TestClient } from '../helpers/client';
import { startEdge, stopAll } from '../helpers/cluster';
import { ownerOn, peerRoutes, startOrigins } from '../helpers/origins';
import { type NodeProcess, until } from '../helpers/nodes';
import { edgeHolds, publishFromPage, statusText, waitPlayer } from '../helpers/pages';
import { framesAdvance, launchChromium, openPage } from './browser';

const STREAM = 'e2e-two-origins';
let edges: NodeProcess[] = [];
let a: NodeProcess;
let b: NodeProcess;
let browser: Browser;
const logs: string[] = [];

beforeAll(async () => {
  edges = await Promise.all([startEdge('edge1'), startEdge('edge2')]);
  [a, b] = await startOrigins(['oa', 'ob'], edges);
  browser = await launchChromium();
}, 60000);

afterEach(() => {
  if (logs.length) process.stdout.write(logs.splice(0).join('\n') + '\n');
});

afterAll(async () => {
  await browser?.close();
  await stopAll([a, b, ...edges]);
});

test('published on A, played through B; the console shows both origins; the loser of a takeover is told STREAM_NAME_TAKEN', async () => {
  const publisher = await openPage(browser, `${a.http}/two_way_streaming.html`, logs, 'publisher');
  await publishFromPage(publisher, STREAM);
  await until(async () => (await edgeHolds(edges[0], STREAM)) && (await edgeHolds(edges[1], STREAM)), 10000, 'both edges to hold the stream');

  const player = await openPage(browser, `${b.http}/player.html?urlServer=${encodeURIComponent(b.url)}&streamName=${STREAM}&autoplay=true`, logs, 'player');
  const state = await waitPlayer(player, (s) => s.status === 'PLAYING', 15000, 'player PLAYING');
  expect(state.nodeId).toMatch(/^edge[12]$/);
  await framesAdvance(player, '#display', 15);

  const consolePage = await openPage(browser, `${a.http}/console.html`, logs, 'console');
  await until(
    async () => ((await consolePage.textContent('[data-peers]').catch(() => null)) ?? '').includes('oa (this one, 1 streams), ob (up, 0 streams)'),
    10000,
    'the console to list both origins',
  );

  await until(async () => (await ownerOn(b, STREAM))?.origin === 'oa', 2000, 'B to hear A’s claim');
  process.kill(a.child.pid!, 'SIGSTOP');
  let taker: TestClient | undefined;
  let sender: { close(): Promise<unknown> } | undefined;
  try {
    await until(async () => (await peerRoutes(b)).peers.find((p) => p.id === 'oa')?.state === 'down', 4000, 'B to see A down', 50);
    taker = await TestClient.connect(b.url);
    sender = await taker.publishRtp(STREAM);
  } finally {
    process.kill(a.child.pid!, 'SIGCONT');
  }
  await until(async () => (await statusText(publisher, 'publishStatus')) === 'FAILED', 10000, 'the SDK publisher on A to fail');
  expect(await publisher.textContent('#publishInfo')).toBe('A stream with this name is already being published.');
  expect(await ownerOn(a, STREAM)).toEqual({ origin: 'ob', gen: 2 });
  await sender?.close();
  await taker?.close();
});
