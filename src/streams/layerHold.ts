// Hold-down of simulcast upswitches after a bandwidth downswitch (pure: no timers, no mediasoup).
//
// mediasoup's bandwidth estimate (libwebrtc's GoogCC) moves a simulcast consumer down when the
// player's link narrows, but then lets it climb back to the layer it just left while the link is
// still narrow, and the player freezes again (3.27 as 3.8.4: 4 of 5 narrow-link runs without the
// hold on 3.27, 2 of 5 on 3.8.4; docs/networks.md). The estimate's floor (Playback.ts) does not
// help here: it stops the estimate falling too far, not climbing too high. So when a consumer's
// spatial layer drops while the publisher still sends the layer it left (the drop came from the
// estimate, not from the publisher or the client's own preference), the playback caps the consumer
// at the layer it dropped to for a while, then lifts the cap. A drop again soon after a lift doubles
// the hold, up to a maximum; a long stable period since the last lift brings it back to the first
// hold.

import { PROPERTY_SPECS } from '../config/propertiesSchema';

export interface LayerHoldOptions {
  /**
   * The first hold after a drop, in ms. 20 s: the climbs seen on mediasoup 3.8.4 came 9-20 s after
   * the drop, and with 10 s the estimate climbed again right after the lift in 2 of 9 narrow-link runs.
   */
  holdMs: number;
  /** The longest hold, in ms. */
  maxHoldMs: number;
  /** A drop within this many ms of the last lift doubles the hold; a later one starts again at holdMs. */
  stableMs: number;
}

/**
 * The options from `play.layer_hold_ms` and `play.layer_hold_max_ms`: a drop within the longest hold
 * of a lift counts as "soon after"; 0 turns holding off (onLayerChange then never holds).
 */
export function layerHoldOptions(holdMs: number, maxHoldMs: number): LayerHoldOptions {
  const longest = Math.max(holdMs, maxHoldMs);
  return { holdMs, maxHoldMs: longest, stableMs: longest };
}

/** The options of the settings' defaults (20 s, at most 60 s). */
export const DEFAULT_LAYER_HOLD: LayerHoldOptions = layerHoldOptions(PROPERTY_SPECS.playLayerHoldMs.default, PROPERTY_SPECS.playLayerHoldMaxMs.default);

export interface LayerHoldState {
  /** The spatial layer the consumer is held at, or null when not held. */
  cap: number | null;
  /** When the hold ends (ms, same clock as `now`); meaningful while `cap` is set. */
  until: number;
  /** Length of the current hold, or of the last one (0 before any). */
  holdMs: number;
  /** When the last hold was lifted, or null. */
  liftedAt: number | null;
}

export const initialLayerHold = (): LayerHoldState => ({ cap: null, until: 0, holdMs: 0, liftedAt: null });

/** A change of the consumer's current spatial layer. */
export interface LayerChange {
  /** The spatial layer before, or null (none: paused, no packets yet). */
  previous: number | null;
  /** The spatial layer now, or null. */
  current: number | null;
  /** The highest spatial layer the consumer was allowed before the change (its preferred layer). */
  allowed: number;
  /** Whether the producer still sends the `previous` layer (its stream score is above 0). */
  producerSendsPrevious: boolean;
  now: number;
}

/**
 * The state after a layer change. When the change is a bandwidth drop the result holds the consumer
 * at the new layer (`cap`) until `until`: the caller applies the cap when it differs from the one
 * before and (re)arms its timer for `until`. Anything else leaves the state as it was.
 */
export function onLayerChange(state: LayerHoldState, change: LayerChange, options: LayerHoldOptions = DEFAULT_LAYER_HOLD): LayerHoldState {
  const { previous, current, allowed, producerSendsPrevious, now } = change;
  if (options.holdMs <= 0) return state;
  if (previous === null || current === null || current >= previous) return state;
  // Moved down because the client (or an earlier cap) asked for less, or the publisher stopped
  // sending that layer: not the estimate's doing.
  if (previous > allowed || !producerSendsPrevious) return state;
  let holdMs: number;
  if (state.cap !== null)
    holdMs = state.holdMs; // dropped further while held: hold as long again from now
  else if (state.liftedAt !== null && now - state.liftedAt < options.stableMs) holdMs = Math.min(2 * state.holdMs, options.maxHoldMs);
  else holdMs = options.holdMs;
  return { ...state, cap: current, until: now + holdMs, holdMs };
}

/** The state once the hold's time is up (the caller's timer fired): the cap lifted. */
export function liftLayerHold(state: LayerHoldState, now: number): LayerHoldState {
  if (state.cap === null) return state;
  return { ...state, cap: null, until: 0, liftedAt: now };
}

export interface PreferredLayers {
  spatialLayer: number;
  temporalLayer?: number;
}

/**
 * The preferred layers to give the consumer: the client's own (or, without them, the consumer's
 * defaults), lowered to the cap when held.
 */
export function effectiveLayers(state: LayerHoldState, client: PreferredLayers | null, defaults: PreferredLayers): PreferredLayers {
  const wanted = client ?? defaults;
  if (state.cap === null || wanted.spatialLayer <= state.cap) return wanted;
  return { spatialLayer: state.cap };
}
