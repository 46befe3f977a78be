// Two origins (loadbalancing.xml <origin>, issue 21) and two edges, with Chromium: a camera
// published with the SDK page on origin A is played by the player page asking origin B (sent to an
// edge, frames decoded); the console on A lists both origins and the streams each holds. Then A
// hangs (SIGSTOP): the page's publisher moves to B by itself (its session learnt both origins from
// the connect answer) and B takes the name over; when A resumes, both origins agree on B's claim
// and the player on its edge plays on. (A loser told STREAM_NAME_TAKEN: multiOrigin.ownership and
// multiOrigin.takeover, with node-side publishers that do not move.)
import type { Browser } from 'playwright-core';
import { startEdge, stopAll } from '../helpers/cluster';
import { ownerOn, startOrigins } from '../helpers/origins';
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

test('published on A, played through B; the console shows both origins; A hangs and the page’s publisher moves to B by itself', async () => {
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
  // A hangs. The page's session learnt both origins from A's connect answer: its heartbeat notices
  // the silence, it moves to B and publishes the name again there, which B takes over once it sees
  // A down (gen 2). Nothing on the page does anything; WCS's statuses pass PENDING to PUBLISHING.
  const stoppedAt = Date.now();
  process.kill(a.child.pid!, 'SIGSTOP');
  let movedMs: number;
  try {
    movedMs = await until(async () => (await ownerOn(b, STREAM))?.origin === 'ob', 5000, 'the page’s publisher to move to B', 50);
    expect(await ownerOn(b, STREAM)).toEqual({ origin: 'ob', gen: 2 });
    await until(async () => (await statusText(publisher, 'publishStatus')) === 'PUBLISHING', 5000, 'the page PUBLISHING on B');
  } finally {
    process.kill(a.child.pid!, 'SIGCONT');
  }
  console.log(`SIGSTOP of A: the Two Way Streaming page's publisher owns the name on B ${movedMs} ms later (${Date.now() - stoppedAt} ms)`);
  // A resumes: its copy of the publication is gone (its page left), both origins agree on B's claim,
  // the player plays on, and the page still says PUBLISHING.
  await until(async () => (await ownerOn(a, STREAM))?.origin === 'ob' && (await ownerOn(a, STREAM))?.gen === 2, 10000, 'A to agree that B owns the name');
  await framesAdvance(player, '#display', 15, 10000);
  expect(await statusText(publisher, 'publishStatus')).toBe('PUBLISHING');
});
