// The layer hold policy (src/streams/layerHold.ts): which drops are held, for how long, how the hold
// grows on repeated drops and resets after a stable period, and which layers the consumer is given.
import {
  DEFAULT_LAYER_HOLD,
  effectiveLayers,
  layerHoldOptions,
  initialLayerHold,
  liftLayerHold,
  onLayerChange,
  type LayerChange,
  type LayerHoldOptions,
  type LayerHoldState,
} from '../../src/streams/layerHold';

const OPTIONS: LayerHoldOptions = { holdMs: 10_000, maxHoldMs: 60_000, stableMs: 60_000 };
const TOP = { spatialLayer: 2, temporalLayer: 2 };

/** A bandwidth drop from `previous` to `current` at `now`, the top layer allowed, the producer sending. */
const drop = (now: number, previous = 2, current = 1, extra: Partial<LayerChange> = {}): LayerChange => ({
  previous,
  current,
  allowed: 2,
  producerSendsPrevious: true,
  now,
  ...extra,
});

test('a bandwidth drop holds the consumer at its new layer for holdMs', () => {
  const s = onLayerChange(initialLayerHold(), drop(1000), OPTIONS);
  expect(s).toMatchObject({ cap: 1, until: 11_000, holdMs: 10_000 });
  expect(effectiveLayers(s, null, TOP)).toEqual({ spatialLayer: 1 });
});

test('a drop to no layer, a rise, or the same layer is not held', () => {
  const start = initialLayerHold();
  expect(onLayerChange(start, { ...drop(0), current: null }, OPTIONS)).toBe(start);
  expect(onLayerChange(start, drop(0, 1, 2), OPTIONS)).toBe(start);
  expect(onLayerChange(start, drop(0, 1, 1), OPTIONS)).toBe(start);
  expect(onLayerChange(start, { ...drop(0), previous: null }, OPTIONS)).toBe(start);
});

test('a drop the publisher caused (it no longer sends the layer left) is not held', () => {
  const start = initialLayerHold();
  expect(onLayerChange(start, drop(0, 2, 1, { producerSendsPrevious: false }), OPTIONS)).toBe(start);
});

test("a drop the client's own preferred layers caused is not held", () => {
  const start = initialLayerHold();
  // The client asked for layer 0 while on layer 2: allowed is 0 by the time the consumer moves.
  expect(onLayerChange(start, drop(0, 2, 0, { allowed: 0 }), OPTIONS)).toBe(start);
});

test("lifting the hold gives back the defaults, or the client's own layers", () => {
  const held = onLayerChange(initialLayerHold(), drop(0), OPTIONS);
  const lifted = liftLayerHold(held, 10_000);
  expect(lifted).toMatchObject({ cap: null, liftedAt: 10_000 });
  expect(effectiveLayers(lifted, null, TOP)).toEqual(TOP);
  expect(effectiveLayers(lifted, { spatialLayer: 1, temporalLayer: 0 }, TOP)).toEqual({ spatialLayer: 1, temporalLayer: 0 });
  expect(liftLayerHold(lifted, 20_000)).toBe(lifted);
});

test("while held, the lower of the cap and the client's layers applies", () => {
  const held = onLayerChange(initialLayerHold(), drop(0, 2, 1), OPTIONS);
  expect(effectiveLayers(held, { spatialLayer: 2, temporalLayer: 1 }, TOP)).toEqual({ spatialLayer: 1 });
  expect(effectiveLayers(held, { spatialLayer: 0, temporalLayer: 1 }, TOP)).toEqual({ spatialLayer: 0, temporalLayer: 1 });
  expect(effectiveLayers(held, { spatialLayer: 1, temporalLayer: 0 }, TOP)).toEqual({ spatialLayer: 1, temporalLayer: 0 });
});

test('a drop soon after a lift doubles the hold, up to maxHoldMs', () => {
  let s: LayerHoldState = initialLayerHold();
  let now = 0;
  const holds: number[] = [];
  for (let i = 0; i < 6; i++) {
    s = onLayerChange(s, drop(now), OPTIONS);
    holds.push(s.holdMs);
    expect(s.until).toBe(now + s.holdMs);
    now = s.until;
    s = liftLayerHold(s, now);
    now += 5_000; // climbs back and drops again 5 s after the lift
  }
  expect(holds).toEqual([10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
});

test('a drop after a long stable period starts again at holdMs', () => {
  let s = onLayerChange(initialLayerHold(), drop(0), OPTIONS);
  s = liftLayerHold(s, 10_000);
  s = onLayerChange(s, drop(15_000), OPTIONS);
  expect(s.holdMs).toBe(20_000);
  s = liftLayerHold(s, 35_000);
  s = onLayerChange(s, drop(35_000 + OPTIONS.stableMs), OPTIONS);
  expect(s.holdMs).toBe(10_000);
});

test('a further drop while held lowers the cap and holds as long again from then, without doubling', () => {
  let s = onLayerChange(initialLayerHold(), drop(0, 2, 1), OPTIONS);
  s = onLayerChange(s, drop(4_000, 1, 0, { allowed: 1 }), OPTIONS);
  expect(s).toMatchObject({ cap: 0, until: 14_000, holdMs: 10_000 });
  expect(effectiveLayers(s, null, TOP)).toEqual({ spatialLayer: 0 });
  // A rise changes nothing.
  expect(onLayerChange(s, drop(5_000, 0, 1, { allowed: 0 }), OPTIONS)).toBe(s);
});

test('the defaults apply', () => {
  const s = onLayerChange(initialLayerHold(), drop(0));
  expect(s.holdMs).toBe(20_000);
});

test('the settings: play.layer_hold_ms 0 never holds; the longest hold is at least the first one and bounds "soon after a lift"', () => {
  const off = layerHoldOptions(0, 60_000);
  expect(onLayerChange(initialLayerHold(), drop(0), off)).toEqual(initialLayerHold());
  expect(layerHoldOptions(30_000, 10_000)).toEqual({ holdMs: 30_000, maxHoldMs: 30_000, stableMs: 30_000 });
  expect(layerHoldOptions(20_000, 60_000)).toEqual(DEFAULT_LAYER_HOLD);
});
