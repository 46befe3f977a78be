// The layer hold applied to one consumer (src/streams/LayerHolder.ts): which preferred layers the
// consumer is given as its spatial layer drops, the hold runs out, the client asks for layers and
// the client's bitrate cap changes. The consumer is a stand-in that keeps what it was given, as a
// mediasoup consumer's `preferredLayers` would.
import type * as ms from 'mediasoup/types';
import pino from 'pino';
import { LayerHolder } from '../../src/streams/LayerHolder';
import type { PreferredLayers } from '../../src/streams/layerHold';

class StandInConsumer {
  readonly id = 'c1';
  closed = false;
  preferredLayers: PreferredLayers = { spatialLayer: 2, temporalLayer: 2 };
  currentLayers: ms.ConsumerLayers | undefined = { spatialLayer: 2, temporalLayer: 2 };
  /** The publisher sends every layer. */
  score = { score: 10, producerScore: 10, producerScores: [10, 10, 10] };
  setPreferredLayers(layers: PreferredLayers): Promise<void> {
    this.preferredLayers = layers;
    return Promise.resolve();
  }
}

const OPTIONS = { holdMs: 20_000, maxHoldMs: 60_000, stableMs: 60_000 };
const logger = pino({ level: 'silent' });

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

function setUp(): { consumer: StandInConsumer; holder: LayerHolder } {
  const consumer = new StandInConsumer();
  const holder = new LayerHolder(consumer as unknown as ms.Consumer, OPTIONS, logger);
  return { consumer, holder };
}

test('a bandwidth drop caps the consumer at its new layer until the hold runs out', () => {
  const { consumer, holder } = setUp();
  holder.onLayers({ spatialLayer: 1, temporalLayer: 2 });
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 1 });
  jest.advanceTimersByTime(19_999);
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 1 });
  jest.advanceTimersByTime(1);
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 2, temporalLayer: 2 });
  holder.stop();
});

test('a drop because the publisher stopped sending the layer is not held', () => {
  const { consumer, holder } = setUp();
  consumer.score = { score: 10, producerScore: 10, producerScores: [10, 10, 0] };
  holder.onLayers({ spatialLayer: 1, temporalLayer: 2 });
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 2, temporalLayer: 2 });
  holder.stop();
});

test("the client's own layers apply under the cap, and in full once it is lifted", async () => {
  const { consumer, holder } = setUp();
  holder.onLayers({ spatialLayer: 0, temporalLayer: 2 });
  await holder.setClientLayers({ spatialLayer: 1, temporalLayer: 0 });
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 0 });
  jest.advanceTimersByTime(20_000);
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 1, temporalLayer: 0 });
  holder.stop();
});

test("reset (the client changed its bitrate cap) lifts the cap at once and forgets the hold's history", () => {
  const { consumer, holder } = setUp();
  holder.onLayers({ spatialLayer: 1, temporalLayer: 2 });
  holder.reset();
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 2, temporalLayer: 2 });
  // No timer left to fire, and the next drop holds for the first hold again, not twice as long.
  jest.advanceTimersByTime(1000);
  holder.onLayers({ spatialLayer: 2, temporalLayer: 2 });
  holder.onLayers({ spatialLayer: 1, temporalLayer: 2 });
  jest.advanceTimersByTime(20_000);
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 2, temporalLayer: 2 });
  holder.stop();
});

test('a stopped holder changes nothing any more', () => {
  const { consumer, holder } = setUp();
  holder.onLayers({ spatialLayer: 1, temporalLayer: 2 });
  holder.stop();
  jest.advanceTimersByTime(60_000);
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 1 });
  holder.onLayers({ spatialLayer: 0, temporalLayer: 0 });
  expect(consumer.preferredLayers).toEqual({ spatialLayer: 1 });
});
