// Stream events across a real origin and two edges (separate processes): a publisher's sendData
// and mute, and the REST call /rest-api/stream/event/send on the origin and on an edge, reach the
// players on both edges as `streamEvent`, in order; a player joining later starts from the mute
// state; the size and rate limits answer with their codes on the command channel and over REST.
import { TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, startEdge, startOrigin, stopAll } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import type { RtpSender } from '../helpers/rtp';
import type { NotificationFrame } from '../../src/rpc/frames';

let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
async function sendEvent(node: NodeProcess, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${node.http}/rest-api/stream/event/send`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  return { status: res.status, json: await res.json() };
}

/** A publisher of `stream` on `node` (plain RTP, audio and video), relayed to every edge of the origin. */
async function publish(stream: string): Promise<{ client: TestClient; sender: RtpSender }> {
  const client = track(await TestClient.connect(origin.url));
  const sender = track(await client.publishRtp(stream, { audio: true }));
  await client.waitStatus(stream, 'PUBLISHING');
  await until(() => relayedEverywhere(origin, stream), 10000, `${stream} relayed to both edges`);
  return { client, sender };
}

/** A player of `stream` on `node` itself (an edge serves what it holds). */
async function player(
  node: NodeProcess,
  stream: string,
): Promise<{ client: TestClient; answer: { streamState: { audioMuted: boolean; videoMuted: boolean } } }> {
  const client = track(await TestClient.connect(node.url));
  const { rtpCapabilities } = await client.request('getRouterRtpCapabilities');
  const answer = await client.request('play', { stream, rtpCapabilities, transport: 'plain' });
  return { client, answer };
}

const events = (client: TestClient, stream: string): { seq: number; type: string; payload: unknown }[] =>
  client.notifications.filter((n: NotificationFrame) => n.method === 'streamEvent' && n.data.stream === stream).map((n) => n.data as never);

beforeAll(async () => {
  edges = [await startEdge('edge1'), await startEdge('edge2')];
  origin = await startOrigin(edges);
}, 60000);

afterEach(() => cleanup.run());

afterAll(async () => {
  expect(await stopAll([origin, ...edges])).toEqual([0, 0, 0]);
});

test("a publisher's sendData and mute reach the players on both edges as streamEvent, in the order sent", async () => {
  const { client: publisher, sender } = await publish('ev1');
  const players = [await player(edges[0], 'ev1'), await player(edges[1], 'ev1')];
  for (const p of players) expect(p.answer.streamState).toEqual({ audioMuted: false, videoMuted: false });

  // Data and a mute on one channel, at 15 a second (the session's own limit is 20).
  const sent: unknown[] = [];
  for (let n = 1; n <= 30; n++) {
    if (n === 16) {
      await publisher.request('pauseProducer', { producerId: sender.videoProducerId });
      sent.push('videoMuted');
    }
    const { seq } = await publisher.request('sendData', { stream: 'ev1', payload: { n, text: `caption ${n}` } });
    expect(seq).toBe(n < 16 ? n : n + 1);
    sent.push(n);
    await new Promise((r) => setTimeout(r, 66));
  }
  for (const { client } of players) {
    await until(() => events(client, 'ev1').length === 31, 5000, 'all 31 events on the edge player');
    const got = events(client, 'ev1');
    expect(got.map((e) => (e.type === 'data' ? (e.payload as { n: number }).n : e.type))).toEqual(sent);
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(got[15]).toEqual({ stream: 'ev1', seq: 16, type: 'videoMuted', payload: { streamName: 'ev1' } });
  }

  // A player joining now, on either edge, starts from the mute state.
  const late = await player(edges[1], 'ev1');
  expect(late.answer.streamState).toEqual({ audioMuted: false, videoMuted: true });
  await publisher.request('resumeProducer', { producerId: sender.videoProducerId });
  await late.client.waitNotification((n) => n.method === 'streamEvent' && n.data.type === 'videoUnmuted');
  expect(events(late.client, 'ev1')).toEqual([{ stream: 'ev1', seq: 32, type: 'videoUnmuted', payload: { streamName: 'ev1' } }]);

  // Only the publisher speaks: a player (or another session) cannot send the stream's events.
  await expect(players[0].client.request('sendData', { stream: 'ev1', payload: 1 })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
});

test('/rest-api/stream/event/send on the origin and on an edge reaches the players on both edges, numbered by the origin', async () => {
  await publish('ev2');
  const players = [await player(edges[0], 'ev2'), await player(edges[1], 'ev2')];

  expect(await sendEvent(origin, { streamName: 'ev2', type: 'data', payload: { quiz: 'Q1' } })).toEqual({
    status: 200,
    json: { streamName: 'ev2', type: 'data', seq: 1 },
  });
  // On an edge the event goes to the origin, which relays it to both edges with the stream's others.
  expect(await sendEvent(edges[1], { streamName: 'ev2', payload: { quiz: 'Q2' } })).toEqual({ status: 200, json: { streamName: 'ev2', type: 'data', seq: 2 } });
  // WCS's other way to name the stream: its mediaSessionId (find_all's) on that node.
  const [entry] = (await (await fetch(`${edges[0].http}/rest-api/stream/find`, { method: 'POST', body: JSON.stringify({ name: 'ev2' }) })).json()) as {
    mediaSessionId: string;
  }[];
  expect(await sendEvent(edges[0], { mediaSessionId: entry.mediaSessionId, payload: 'Q3' })).toMatchObject({ status: 200, json: { seq: 3 } });

  for (const { client } of players) {
    await until(() => events(client, 'ev2').length === 3, 5000, 'three events on the edge player');
    expect(events(client, 'ev2').map((e) => e.payload)).toEqual([{ quiz: 'Q1' }, { quiz: 'Q2' }, 'Q3']);
  }

  // Mistakes, with their codes.
  expect(await sendEvent(origin, { streamName: 'nobody', payload: 1 })).toMatchObject({ status: 404, json: { code: 'STREAM_NOT_FOUND' } });
  expect(await sendEvent(edges[0], { streamName: 'nobody', payload: 1 })).toMatchObject({ status: 404, json: { code: 'STREAM_NOT_FOUND' } });
  expect(await sendEvent(origin, { streamName: 'ev2' })).toMatchObject({ status: 400, json: { code: 'BAD_REQUEST' } });
  expect(await sendEvent(origin, { streamName: 'ev2', type: 'audioMuted', payload: {} })).toMatchObject({ status: 400, json: { code: 'BAD_REQUEST' } });
  expect(await sendEvent(origin, { streamName: 'ev2', payload: 1, colour: 'red' })).toMatchObject({ status: 400, json: { code: 'BAD_REQUEST' } });
});

describe('limits', () => {
  let small: NodeProcess[] = [];

  afterAll(async () => {
    await stopAll(small);
  });

  test('an event over stream.event_max_bytes is EVENT_TOO_LARGE and one over the stream budget RATE_LIMITED, on the command channel, over REST and through an edge', async () => {
    const props = { 'stream.event_max_bytes': 64, 'stream.events_per_s': 1, 'stream.event_burst': 3 };
    const edge = await startEdge('small-edge', props);
    small = [edge];
    const lone = await startOrigin([edge], { name: 'small-origin', props });
    small.push(lone);
    const publisher = track(await TestClient.connect(lone.url));
    track(await publisher.publishRtp('lim'));
    await until(() => relayedEverywhere(lone, 'lim'), 10000, 'lim relayed');

    const big = { text: 'x'.repeat(60) };
    await expect(publisher.request('sendData', { stream: 'lim', payload: big })).rejects.toMatchObject({
      code: 'EVENT_TOO_LARGE',
      message: expect.stringContaining('stream.event_max_bytes'),
    });
    expect(await sendEvent(lone, { streamName: 'lim', payload: big })).toMatchObject({ status: 413, json: { code: 'EVENT_TOO_LARGE' } });
    expect(await sendEvent(edge, { streamName: 'lim', payload: big })).toMatchObject({ status: 413, json: { code: 'EVENT_TOO_LARGE' } });
    // A body no event could fit in is refused the same way, before it is parsed.
    expect(await sendEvent(lone, { streamName: 'lim', payload: 'y'.repeat(200_000) })).toMatchObject({ status: 413, json: { code: 'EVENT_TOO_LARGE' } });

    // Four sent at once (one channel, so taken in order): three fit the burst, the fourth is refused;
    // then the stream's budget is spent whoever sends and wherever (it is counted on the origin).
    const four = await Promise.allSettled([1, 2, 3, 4].map((n) => publisher.request('sendData', { stream: 'lim', payload: n })));
    expect(four.map((r) => (r.status === 'fulfilled' ? r.value.seq : (r.reason as { code: string }).code))).toEqual([1, 2, 3, 'RATE_LIMITED']);
    expect((four[3] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringContaining('stream.events_per_s') });
    expect(await sendEvent(lone, { streamName: 'lim', payload: 5 })).toMatchObject({ status: 429, json: { code: 'RATE_LIMITED' } });
    expect(await sendEvent(edge, { streamName: 'lim', payload: 6 })).toMatchObject({ status: 429, json: { code: 'RATE_LIMITED' } });
    // One second refills one event, which an edge may send too.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await sendEvent(edge, { streamName: 'lim', payload: 7 })).toMatchObject({ status: 200, json: { seq: 4 } });
  });
});
