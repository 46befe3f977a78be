// Destructive, so in a cluster of its own (one origin, two edges) with its own Chromium: the edge a
// player of the Embed Player page is on is killed (SIGKILL); the player notices, goes back through
// the origin and plays from the other edge.
import type { Browser } from 'playwright-core';
import { startEdge, startOrigin, stopAll } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { edgeHolds, publishFromPage, waitPlayer } from '../helpers/pages';
import { framesAdvance, launchChromium, openPage, videoState } from './browser';

const STREAM = 'e2e-failover';
let origin: NodeProcess;
let edges: NodeProcess[] = [];
let browser: Browser;
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

test('when the edge the player is on dies, the player moves to the other edge and plays again', async () => {
  const publisher = await openPage(browser, `${origin.http}/two_way_streaming.html`, logs, 'publisher');
  await publishFromPage(publisher, STREAM);
  await until(async () => (await edgeHolds(edges[0], STREAM)) && (await edgeHolds(edges[1], STREAM)), 10000, 'both edges to hold the stream');
  const player = await openPage(
    browser,
    `${origin.http}/player.html?urlServer=${encodeURIComponent(origin.url)}&streamName=${STREAM}&autoplay=true`,
    logs,
    'player',
  );
  // The origin sends the player to an edge holding the stream.
  const state = await waitPlayer(player, (s) => s.status === 'PLAYING', 15000, 'player PLAYING');
  expect(state.nodeId).toMatch(/^edge[12]$/);
  await framesAdvance(player, '#display', 15);
  const dying = edges.find((e) => e.name === state.nodeId)!;
  const other = edges.find((e) => e !== dying)!;
  const killedAt = Date.now();
  await dying.kill();
  await waitPlayer(player, (s) => s.status !== 'PLAYING', 5000, 'player to notice');
  const noticedMs = Date.now() - killedAt;
  expect(await player.textContent('#message')).toMatch(/Connection lost, retrying/);
  await waitPlayer(player, (s) => s.status === 'PLAYING' && s.nodeId === other.name, 15000, `player PLAYING from ${other.name}`);
  const playingMs = Date.now() - killedAt;
  // The player's <video> got a new MediaStream: its first decoded frame is the first from the new edge.
  await until(async () => ((await videoState(player, '#display'))?.frames ?? 0) >= 1, 10000, 'a frame from the new edge');
  const firstFrameMs = Date.now() - killedAt;
  await framesAdvance(player, '#display', 30);
  console.log(
    `failover: ${dying.name} killed; player noticed after ${noticedMs} ms, PLAYING from ${other.name} after ${playingMs} ms, ` +
      `new frames after ${firstFrameMs} ms`,
  );
});
