// Stream events through a blip of the origin -> edge control link (in one process: RelayWorld, real
// workers, in-memory links). While the link is down the origin keeps the stream's events; when the
// same origin links again, the edge says where each stream stands (relayEventsHeld) and is sent
// what it missed, in order and once; a track paused meanwhile is paused there too, without the relay
// (and the edge's players) being dropped; when more were missed than the origin keeps, the edge is
// given the stream's state instead, so its mute state is right and its players are told the change.
import type * as ms from 'mediasoup/types';
import type { MediaPool } from '../../src/media/MediaPool';
import type { Stream } from '../../src/streams/Stream';
import { REPLAY_EVENTS, type StreamEvent } from '../../src/streams/streamEvents';
import { StreamEventService } from '../../src/streams/StreamEventService';
import { mediaPool, nodeConfig, type Published, RelayWorld } from '../helpers/relayCore';
import { RtpSender } from '../helpers/rtp';
import { until } from '../helpers/until';

let originPool: MediaPool;
let edgePool: MediaPool;
let world: RelayWorld;

beforeAll(async () => {
  [originPool, edgePool] = await Promise.all([mediaPool(), mediaPool()]);
});

afterEach(async () => {
  await world?.close();
});

afterAll(() => {
  originPool?.close();
  edgePool?.close();
});

/** A stream published on the origin with media flowing (so a link drop is a blip), and its copy on the edge with what reaches it. */
async function relayedWithMedia(name: string): Promise<{ published: Published; onEdge: Stream; got: StreamEvent[] }> {
  world = new RelayWorld({ originPool, edgePools: [edgePool] });
  await world.start();
  const published = await world.publish(name, ['video']);
  const sender = new RtpSender(published.target, { video: published.ssrc.video });
  world.onClose(() => sender.close());
  await (published.publication.transport as ms.PlainTransport).connect({ ip: '127.0.0.1', port: await sender.bind() });
  sender.start(10);
  await until(() => world.link().relayOf(name)?.complete === true, 3000, 'the relay to be complete');
  const onEdge = world.edge().registry.get(name)!;
  const got: StreamEvent[] = [];
  onEdge.on('event', (event) => got.push(event));
  return { published, onEdge, got };
}

async function blip(during: () => Promise<void> | void): Promise<void> {
  const edge = world.edge();
  edge.reachable = false;
  edge.pairs.at(-1)!.server.terminate();
  await until(() => world.link().state === 'down', 2000, 'the origin to see the link down');
  await during();
  edge.reachable = true;
  await until(() => world.link().state === 'up', 3000, 'the link back');
}

test('events sent while the link is down reach the edge once it is back, after those before, in order and once each', async () => {
  const { published, onEdge, got } = await relayedWithMedia('evblip');
  for (let n = 1; n <= 5; n++) published.stream.recordEvent('data', n);
  await until(() => got.length === 5, 2000, 'the first five events on the edge');
  const relayId = world.link().relayOf('evblip')!.id;

  await blip(async () => {
    for (let n = 6; n <= 10; n++) published.stream.recordEvent('data', n);
    await published.publication.setPaused(published.producer('video'), true);
    published.stream.recordEvent('data', 11);
    // Nothing reaches the edge meanwhile; its stream and players stay (the media flows).
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toHaveLength(5);
    // An event sent to the edge meanwhile (REST there) cannot reach the origin: said so, not lost quietly.
    const onEdgeEvents = new StreamEventService({ config: nodeConfig('edge1'), streams: world.edge().registry });
    onEdgeEvents.setForwarder((stream, payload) => world.edge().service.forwardEvent(stream, payload));
    await expect(onEdgeEvents.send('evblip', 'lost')).rejects.toMatchObject({ code: 'ORIGIN_UNREACHABLE' });
  });
  await until(() => got.length === 12, 3000, 'the missed events on the edge');
  expect(world.edge().registry.get('evblip')).toBe(onEdge);
  expect(got.map((e) => (e.type === 'data' ? e.payload : e.type))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'videoMuted', 11]);
  expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  expect(onEdge.eventState).toEqual({ seq: 12, audioMuted: false, videoMuted: true });
  // The track paused during the blip is paused on the edge too, and the relay was never dropped.
  await until(() => onEdge.producers[0]?.paused === true, 2000, "the edge's copy of the track paused");
  expect(world.link().relayOf('evblip')!.id).toBe(relayId);

  // And events flow as they happen again.
  published.stream.recordEvent('data', 'after');
  await until(() => got.length === 13, 2000, 'a live event after the blip');
  expect(got[12]).toEqual({ seq: 13, type: 'data', payload: 'after' });
});

test('when the edge missed more events than the origin keeps, it gets the stream state: the mute is right, the lost data is not replayed', async () => {
  const { published, onEdge, got } = await relayedWithMedia('evflood');
  published.stream.recordEvent('data', 'before');
  await until(() => got.length === 1, 2000, 'the first event on the edge');

  await blip(async () => {
    await published.publication.setPaused(published.producer('video'), true);
    for (let n = 0; n < REPLAY_EVENTS + 10; n++) published.stream.recordEvent('data', n);
  });
  const seq = published.stream.eventState.seq;
  await until(() => onEdge.eventState.seq === seq, 3000, "the edge at the origin's last event");
  expect(onEdge.eventState).toEqual({ seq, audioMuted: false, videoMuted: true });
  // The players there were told the one change they missed, and nothing else.
  expect(got.map((e) => e.type)).toEqual(['data', 'videoMuted']);

  published.stream.recordEvent('data', 'live');
  await until(() => got.length === 3, 2000, 'a live event after the blip');
  expect(got[2]).toEqual({ seq: seq + 1, type: 'data', payload: 'live' });
});
