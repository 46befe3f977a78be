// The limits a player's WebRTC transport puts on its bandwidth estimate (src/streams/Playback.ts),
// read back from mediasoup's own transport stats on a real worker: a floor at the stream's lowest
// simulcast layer, never above the client's cap, following the cap when the client changes it.
import type * as ms from 'mediasoup/types';
import type { MediaPool } from '../../src/media/MediaPool';
import { PlayService } from '../../src/streams/PlayService';
import { PublishService } from '../../src/streams/PublishService';
import { StreamRegistry } from '../../src/streams/StreamRegistry';
import { logger, mediaPool, nodeConfig } from '../helpers/relayCore';
import { VIDEO_PT } from '../helpers/rtp';

let pool: MediaPool;
let publish: PublishService;
let play: PlayService;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  pool = await mediaPool();
  const options = { config: nodeConfig('solo', { publishAllowDirect: true }), logger, media: pool, streams: new StreamRegistry() };
  publish = new PublishService(options);
  play = new PlayService(options);
});

afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
});

afterAll(() => pool?.close());

/** A VP8 stream from a plain publisher, with these simulcast encodings. */
async function publishVideo(name: string, encodings: ms.RtpEncodingParameters[]): Promise<void> {
  const publication = await publish.publish(name, 'plain', { sessionId: name, token: undefined, ip: '127.0.0.1' });
  cleanup.push(() => publication.close());
  await publication.produce('video', {
    codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PT, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }],
    encodings,
  });
}

/** The limits mediasoup holds the transport's estimate to (0: none). */
async function limits(transport: ms.WebRtcTransport | ms.PlainTransport): Promise<{ min: number; max: number }> {
  const [stats] = await transport.getStats();
  return { min: stats.minOutgoingBitrate ?? 0, max: stats.maxOutgoingBitrate ?? 0 };
}

async function player(name: string, maxBitrate?: number) {
  const { playback } = await play.play(
    name,
    { via: 'client', transport: 'webrtc', rtpCapabilities: pool.rtpCapabilities, ...(maxBitrate ? { maxBitrate } : {}) },
    { token: undefined, ip: '127.0.0.1' },
  );
  cleanup.push(() => playback.close());
  return playback;
}

const SIMULCAST = [
  { ssrc: 1001, maxBitrate: 150_000 },
  { ssrc: 1002, maxBitrate: 500_000 },
  { ssrc: 1003, maxBitrate: 1_500_000 },
];

test("a simulcast player's estimate cannot fall below the lowest layer, nor its cap below that floor", async () => {
  await publishVideo('layered', SIMULCAST);
  const free = await player('layered');
  expect(free.consumers[0].type).toBe('simulcast');
  expect(await limits(free.transport)).toEqual({ min: 150_000, max: 0 });
  // A cap below the lowest layer takes the floor down with it: no layer fits, as the client asked.
  await free.setMaxBitrate(60_000);
  expect(await limits(free.transport)).toEqual({ min: 60_000, max: 60_000 });
  await free.setMaxBitrate(1_000_000);
  expect(await limits(free.transport)).toEqual({ min: 150_000, max: 1_000_000 });
  // mediasoup's own minimum: the client's mistake, and the limits stay as they were.
  await expect(free.setMaxBitrate(10_000)).rejects.toThrow(TypeError);
  expect(await limits(free.transport)).toEqual({ min: 150_000, max: 1_000_000 });
});

test('a cap given with play holds from the start, and the floor stays under it', async () => {
  await publishVideo('capped', SIMULCAST);
  const capped = await player('capped', 100_000);
  expect(await limits(capped.transport)).toEqual({ min: 100_000, max: 100_000 });
  const roomy = await player('capped', 400_000);
  expect(await limits(roomy.transport)).toEqual({ min: 150_000, max: 400_000 });
});

test('a stream whose encodings state no bitrate (WHIP) or that has one layer gives its players no floor', async () => {
  await publishVideo('unstated', [{ ssrc: 2001 }, { ssrc: 2002 }]);
  expect(await limits((await player('unstated')).transport)).toEqual({ min: 0, max: 0 });
  await publishVideo('single', [{ ssrc: 3001, maxBitrate: 800_000 }]);
  const single = await player('single');
  expect(single.consumers[0].type).toBe('simple');
  expect(await limits(single.transport)).toEqual({ min: 0, max: 0 });
});
