// Stream events and lbUrl publishing with the `Flashphoner` global in a real Chromium, against a
// 1-origin/2-edge cluster (issue 20): a publisher on the origin sends 100 events with sendData and
// mutes its microphone halfway; players on both edges get all of them as STREAM_EVENT, in order;
// a player joining later gets the mute state; and a publisher whose session a balancer put on an
// edge (lbUrl) ends up publishing on the origin.
import type { Browser, Page } from 'playwright-core';
import { streamsOn, startEdge, startOrigin, stopAll } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { edgeHolds } from '../helpers/pages';
import { framesAdvance, launchChromium, openPage } from './browser';
import { type EventPage, eventPage } from './wcsEventsPage';

const STREAM = 'ev-cam';
let origin: NodeProcess;
let edges: NodeProcess[] = [];
let browser: Browser;
let publisher: Page;
let players: Page;
const logs: string[] = [];

beforeAll(async () => {
  edges = [await startEdge('edge1'), await startEdge('edge2')];
  origin = await startOrigin(edges);
  browser = await launchChromium();
  publisher = await openPage(browser, `${origin.http}/player.html`, logs, 'publisher');
  players = await openPage(browser, `${origin.http}/player.html`, logs, 'players');
  await eventPage(publisher);
  await eventPage(players);
}, 60000);

afterEach(() => {
  if (logs.length) process.stdout.write(logs.splice(0).join('\n') + '\n');
});

afterAll(async () => {
  await browser?.close();
  await stopAll([origin, ...edges]);
});

test('100 sendData events and a mute from a publisher on the origin reach players on both edges, all and in order; a late joiner gets the mute state', async () => {
  expect(await publisher.evaluate((a) => (window as unknown as { e: EventPage }).e.publish(a.url, a.name), { url: origin.url, name: STREAM })).toBe('origin');
  await until(async () => (await edgeHolds(edges[0], STREAM)) && (await edgeHolds(edges[1], STREAM)), 10000, 'both edges to hold the stream');

  // One player on each edge, connected to it directly: an edge plays what it holds.
  for (const [i, edge] of edges.entries()) {
    const played = await players.evaluate((a) => (window as unknown as { e: EventPage }).e.play(a.key, a.url, a.name), {
      key: `p${i}`,
      url: edge.url,
      name: STREAM,
    });
    expect(played).toBe(edge.name);
  }
  await framesAdvance(players, '#p0', 5);
  await framesAdvance(players, '#p1', 5);

  // 50 captions, the microphone muted, 50 more: one order on the publisher's channel.
  await publisher.evaluate(() => (window as unknown as { e: EventPage }).e.send(1, 50), null);
  await publisher.evaluate(() => (window as unknown as { e: EventPage }).e.published!.muteAudio(), null);
  await publisher.evaluate(() => (window as unknown as { e: EventPage }).e.send(51, 100), null);

  const expected = [
    ...Array.from({ length: 50 }, (_, i) => `data ${i + 1}`),
    `audioMuted ${STREAM}`,
    ...Array.from({ length: 50 }, (_, i) => `data ${i + 51}`),
  ];
  for (const key of ['p0', 'p1']) {
    await until(
      async () => (await players.evaluate((k) => (window as unknown as { e: EventPage }).e.events[k].length, key)) >= 101,
      10000,
      `101 events on ${key}`,
    );
    expect(await players.evaluate((k) => (window as unknown as { e: EventPage }).e.events[k], key)).toEqual(expected);
  }

  // A player joining now, on either edge, is told the microphone is muted; then hears the unmute.
  const late = await players.evaluate((a) => (window as unknown as { e: EventPage }).e.play(a.key, a.url, a.name), {
    key: 'late',
    url: edges[1].url,
    name: STREAM,
  });
  expect(late).toBe('edge2');
  expect(await players.evaluate(() => (window as unknown as { e: EventPage }).e.events.late, null)).toEqual([`audioMuted ${STREAM}`]);
  await publisher.evaluate(() => (window as unknown as { e: EventPage }).e.published!.unmuteAudio(), null);
  for (const key of ['p0', 'p1', 'late']) {
    await until(
      async () => (await players.evaluate((k) => (window as unknown as { e: EventPage }).e.events[k].at(-1), key)) === `audioUnmuted ${STREAM}`,
      5000,
      `audioUnmuted on ${key}`,
    );
  }
  expect(await players.evaluate(() => (window as unknown as { e: EventPage }).e.events.late, null)).toEqual([`audioMuted ${STREAM}`, `audioUnmuted ${STREAM}`]);
  await publisher.evaluate(() => (window as unknown as { e: EventPage }).e.stopAll(), null);
  await players.evaluate(() => (window as unknown as { e: EventPage }).e.stopAll(), null);
});

test('lbUrl: a publisher the balancer puts on an edge is sent to the origin and publishes there; players get it from the edges', async () => {
  const lbUrl = `${origin.http}/rtcloadbalance?format=json`;
  const result = await publisher.evaluate((a) => (window as unknown as { e: EventPage }).e.publishVia(a.url, a.lbUrl, a.name), {
    url: origin.url,
    lbUrl,
    name: 'lb-cam',
  });
  // The session is the edge's (what the balancer named); the stream went to the origin.
  expect(result.session).toMatch(/^edge[12]$/);
  expect(result.stream).toBe('origin');
  expect(result.status).toBe('PUBLISHING');
  expect((await streamsOn(origin)).find((s) => s.name === 'lb-cam')).toMatchObject({ source: 'local', status: 'PUBLISHING' });
  await until(async () => (await edgeHolds(edges[0], 'lb-cam')) && (await edgeHolds(edges[1], 'lb-cam')), 10000, 'both edges to hold lb-cam');

  const played = await players.evaluate((a) => (window as unknown as { e: EventPage }).e.play(a.key, a.url, a.name), {
    key: 'lb',
    url: origin.url,
    name: 'lb-cam',
  });
  expect(played).toMatch(/^edge[12]$/);
  await framesAdvance(players, '#lb', 10);
  await publisher.evaluate(() => (window as unknown as { e: EventPage }).e.stopAll(), null);
  await players.evaluate(() => (window as unknown as { e: EventPage }).e.stopAll(), null);
});
