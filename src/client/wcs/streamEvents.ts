// WCS's STREAM_EVENT: what happens to a stream without a change of status reaches the page through
// one callback, `{type, payload}`, the type one of STREAM_EVENT_TYPE. This SDK's core stream has an
// event of its own for each; here they are renamed and their payloads shaped as WCS pages read them.
import { STREAM_EVENT as CORE_EVENT } from '../constants';
import type { Stream } from '../Stream';
import { STREAM_EVENT_TYPE } from './constants';

export type StreamEventType = (typeof STREAM_EVENT_TYPE)[keyof typeof STREAM_EVENT_TYPE];

/** Fires the page's STREAM_EVENT callback. */
export type EmitStreamEvent = (type: StreamEventType, payload: unknown) => void;

/** A publisher muted or unmuted a track: WCS has one event type per kind and direction. */
export function trackPausedType(kind: 'audio' | 'video', paused: boolean): StreamEventType {
  if (kind === 'audio') return paused ? STREAM_EVENT_TYPE.AUDIO_MUTED : STREAM_EVENT_TYPE.AUDIO_UNMUTED;
  return paused ? STREAM_EVENT_TYPE.VIDEO_MUTED : STREAM_EVENT_TYPE.VIDEO_UNMUTED;
}

/** Passes the core stream's events on as STREAM_EVENTs; `onLayersChanged` runs after the page has had LAYERS_CHANGED. */
export function forwardCoreEvents(core: Stream, emit: EmitStreamEvent, onLayersChanged: () => void): void {
  core
    .on(CORE_EVENT.RETRYING, (_s, retry) => emit(STREAM_EVENT_TYPE.RETRYING, retry))
    .on(CORE_EVENT.NODE_CHANGED, (_s, nodeId) => emit(STREAM_EVENT_TYPE.NODE_CHANGED, { nodeId }))
    .on(CORE_EVENT.LAYERS_CHANGED, (_s, layers) => {
      emit(STREAM_EVENT_TYPE.LAYERS_CHANGED, layers);
      onLayersChanged();
    })
    .on(CORE_EVENT.TRACK_FAILED, (_s, failure) => emit(STREAM_EVENT_TYPE.TRACK_FAILED, failure))
    .on(CORE_EVENT.TRACK_PAUSED, (_s, { kind, paused }) => emit(trackPausedType(kind, paused), { streamName: core.name() }))
    .on(CORE_EVENT.DATA, (_s, payload) => emit(STREAM_EVENT_TYPE.DATA, payload));
}
