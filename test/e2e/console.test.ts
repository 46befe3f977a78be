// The operator's console in Chromium, on the origin of a 1-origin-2-edge cluster with an admin
// token: the page asks for the token, shows a published stream relayed to both edges, marks an
// edge killed with SIGKILL down within 2 s, and after the XML gains a third edge and Reload is
// pressed, shows the new edge and the stream relayed there. Screenshots (desktop and phone) go to
// test-artifacts/.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LOAD_REPORT_MS, routes, startEdge, stopAll } from '../helpers/cluster';
import { edgesXml, type NodeProcess, startNode, until } from '../helpers/nodes';
import { edgeHolds, publishFromPage, waitPlayer } from '../helpers/pages';
import { DESKTOP, PHONE, launchChromium, openPage, screenshot } from './browser';

const STREAM = 'console-cam';
const ADMIN_TOKEN = 'console-test-admin-token-0123456789';
let origin: NodeProcess;
let edges: NodeProcess[] = [];
let browser: Browser;
const logs: string[] = [];

beforeAll(async () => {
  edges = [await startEdge('edge1'), await startEdge('edge2')];
  origin = await startNode({
    name: 'origin',
    props: { load_balancing_enabled: true, 'admin.token': ADMIN_TOKEN, 'cdn.load_report_ms': LOAD_REPORT_MS },
    xml: edgesXml(edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))),
  });
  await until(async () => (await routes(origin)).edges.every((e) => e.state === 'up'), 10000, 'edge links up');
  browser = await launchChromium();
}, 60000);

afterEach(() => {
  if (logs.length) process.stdout.write(logs.splice(0).join('\n') + '\n');
});

afterAll(async () => {
  await browser?.close();
  await stopAll([origin, ...edges]);
});

const relayChip = (page: Page, stream: string, edge: string) => page.locator(`.relay[data-stream="${stream}"][data-edge="${edge}"]`);
const edgeCard = (page: Page, edge: string) => page.locator(`article.edge[data-edge="${edge}"]`);

async function waitRelayed(page: Page, edge: string, timeoutMs: number): Promise<void> {
  await until(
    async () =>
      (await relayChip(page, STREAM, edge)
        .getAttribute('data-relay')
        .catch(() => null)) === 'relayed',
    timeoutMs,
    `${STREAM} relayed to ${edge} on the map`,
  );
}

test('the console shows the relays, an edge going down within 2 s, and a third edge added by Reload receiving the stream', async () => {
  const consolePage = await openPage(browser, `${origin.http}/console.html`, logs, 'console');
  // admin.token is set: the page asks for it before it shows anything.
  await consolePage.locator('#tokenForm').waitFor({ state: 'visible', timeout: 10000 });
  await consolePage.fill('#token', ADMIN_TOKEN);
  await consolePage.click('#tokenForm button[type=submit]');
  await until(async () => (await consolePage.textContent('#feedState')) === 'live', 10000, 'the live feed');
  // 'live' is shown once the feed's response opens, before its first snapshot is drawn.
  await until(async () => (await consolePage.locator('.cluster[data-cluster] article.edge').count()) === 2, 5000, 'both edges on the map');

  const publisher = await openPage(browser, `${origin.http}/two_way_streaming.html`, logs, 'publisher');
  await publishFromPage(publisher, STREAM);
  await waitRelayed(consolePage, 'edge1', 10000);
  await waitRelayed(consolePage, 'edge2', 10000);
  expect(await relayChip(consolePage, STREAM, 'edge1').textContent()).toContain('relayed');

  // A player through the origin lands on an edge: the console counts it there.
  const player = await openPage(
    browser,
    `${origin.http}/player.html?urlServer=${encodeURIComponent(origin.url)}&streamName=${STREAM}&autoplay=true`,
    logs,
    'player',
  );
  const played = await waitPlayer(player, (s) => s.status === 'PLAYING', 15000, 'player PLAYING');
  const row = consolePage.locator(`article.stream[data-stream="${STREAM}"] tr[data-edge="${played.nodeId}"]`);
  await until(async () => (await row.locator('td').nth(2).textContent()) === '1', 10000, `one player on ${played.nodeId} in the stream's table`);
  // The stream's tracks with their codecs, and the relay hop's bitrate, once the pipes carry media.
  const stream = consolePage.locator(`article.stream[data-stream="${STREAM}"]`);
  await until(async () => /video VP8/.test((await stream.textContent()) ?? ''), 10000, 'the video track and its codec');
  await until(async () => /[0-9.]+ (k|M)bit\/s/.test((await row.locator('td').nth(3).textContent()) ?? ''), 10000, 'the relay bitrate');
  // Some chart history before the screenshots.
  await consolePage.waitForTimeout(4000);
  expect(await consolePage.locator('article.edge .chart canvas').count()).toBeGreaterThanOrEqual(2);
  await screenshot(consolePage, 'console-desktop', DESKTOP);
  await screenshot(consolePage, 'console-phone', PHONE);
  await consolePage.setViewportSize(DESKTOP);

  const dying = edges.find((e) => e.name !== played.nodeId)!;
  const killedAt = Date.now();
  await dying.kill();
  await until(async () => (await edgeCard(consolePage, dying.name).getAttribute('data-state')) === 'down', 2000, `${dying.name} marked down`);
  const downMs = Date.now() - killedAt;
  expect(await edgeCard(consolePage, dying.name).locator('.stale-tag').textContent()).toBe('stale');
  expect(await relayChip(consolePage, STREAM, dying.name).getAttribute('data-relay')).toBe('none');
  await screenshot(consolePage, 'console-edge-down', DESKTOP);

  // A broken file: the console shows where, and nothing changes.
  const xmlFile = path.join(origin.confDir, 'loadbalancing.xml');
  const goodXml = fs.readFileSync(xmlFile, 'utf8');
  fs.writeFileSync(xmlFile, goodXml.replace('<ws>', '<ws>not-a-port'));
  await consolePage.click('#reloadBtn');
  const error = consolePage.locator('#reloadResult [data-outcome=error]');
  await error.waitFor({ timeout: 5000 });
  expect(await error.textContent()).toMatch(/loadbalancing\.xml:\d+ · loadbalancer\/node\[1\]\/ws/);

  const third = await startEdge('edge3');
  edges.push(third);
  fs.writeFileSync(xmlFile, edgesXml(edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))));
  const reloadAt = Date.now();
  await consolePage.click('#reloadBtn');
  const ok = consolePage.locator('#reloadResult [data-outcome=ok]');
  await ok.waitFor({ timeout: 5000 });
  expect(await ok.locator('.change-added').textContent()).toBe('added: edge3');
  expect(await ok.locator('.change-kept').textContent()).toBe('kept: edge1, edge2');
  await waitRelayed(consolePage, 'edge3', 10000);
  expect(await edgeHolds(third, STREAM)).toBe(true);
  expect(await consolePage.locator('#nodeList tr[data-edge="edge3"]').count()).toBe(1);
  const relayedMs = Date.now() - reloadAt;
  await consolePage.waitForTimeout(2000);
  await ok.scrollIntoViewIfNeeded();
  await screenshot(consolePage, 'console-after-reload', DESKTOP);
  process.stdout.write(`console: ${dying.name} marked down ${downMs} ms after SIGKILL; edge3 relayed ${relayedMs} ms after Reload\n`);
});
