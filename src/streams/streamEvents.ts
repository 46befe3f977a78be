// Stream events (issue 20): what a stream's players are told besides its media, as WCS's
// STREAM_EVENT: data its publisher (sendData) or an admin (REST) sends, and the publisher's mute
// and unmute. Pure: the log of one stream's events, numbered in the order its home node took them,
// and the mute state they add up to. Every node holding the stream keeps one (the origin's is the
// source; an edge's follows it over the relay link), so a player joining anywhere gets the mute
// state, and an edge that missed events during a blip of its link is sent the ones it lacks.
import { AppError } from '../errors';

/** WCS's STREAM_EVENT_TYPE values that cross the CDN. */
export const STREAM_EVENT_TYPES = ['data', 'audioMuted', 'audioUnmuted', 'videoMuted', 'videoUnmuted'] as const;
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

export interface StreamEvent {
  /** 1 for the stream's first event; one more per event, on every node. */
  seq: number;
  type: StreamEventType;
  /** `data`: what was sent (any JSON value); mute events: `{streamName}`, as WCS. */
  payload: unknown;
}

/** What a player joining now (or an edge taking the stream now) needs: the last event's number and the mute state. */
export interface EventState {
  seq: number;
  audioMuted: boolean;
  videoMuted: boolean;
}

/** Events kept for an edge that missed some (a blip of its link): at 20 a second, more than cdn.link_grace_ms' 10 s. */
export const REPLAY_EVENTS = 256;
/** And at most this many payload bytes of them, so one stream's log stays small whatever its events weigh. */
export const REPLAY_BYTES = 256 * 1024;

/** The bytes of a payload's JSON, as it crosses every link (UTF-8). */
export function payloadBytes(payload: unknown): number {
  const json = JSON.stringify(payload);
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

/** EVENT_TOO_LARGE for a payload over `maxBytes`; BAD_REQUEST for one JSON cannot carry. */
export function checkEventSize(payload: unknown, maxBytes: number): number {
  if (payload === undefined) throw new AppError('BAD_REQUEST', 'a stream event needs a payload (any JSON value)');
  const bytes = payloadBytes(payload);
  if (bytes > maxBytes) {
    throw new AppError('EVENT_TOO_LARGE', `the event's payload is ${bytes} bytes of JSON; this node takes ${maxBytes} at most (stream.event_max_bytes)`);
  }
  return bytes;
}

/** The mute event of a track's new state. */
export function muteEventType(kind: 'audio' | 'video', muted: boolean): StreamEventType {
  if (kind === 'audio') return muted ? 'audioMuted' : 'audioUnmuted';
  return muted ? 'videoMuted' : 'videoUnmuted';
}

/** The mute state after `type` (data events leave it as it is). */
export function applyMute(state: Omit<EventState, 'seq'>, type: StreamEventType): Omit<EventState, 'seq'> {
  switch (type) {
    case 'audioMuted':
      return { ...state, audioMuted: true };
    case 'audioUnmuted':
      return { ...state, audioMuted: false };
    case 'videoMuted':
      return { ...state, videoMuted: true };
    case 'videoUnmuted':
      return { ...state, videoMuted: false };
    default:
      return state;
  }
}

/**
 * The mute events that take a player from `from` to `to` (a player, or an edge, told the state
 * afresh after it missed events): only the tracks whose state differs.
 */
export function muteChanges(from: Omit<EventState, 'seq'>, to: Omit<EventState, 'seq'>): StreamEventType[] {
  const changes: StreamEventType[] = [];
  if (from.audioMuted !== to.audioMuted) changes.push(muteEventType('audio', to.audioMuted));
  if (from.videoMuted !== to.videoMuted) changes.push(muteEventType('video', to.videoMuted));
  return changes;
}

/** One stream's events: numbered, the mute state they make, and the last few for replay. */
export class StreamEventLog {
  #state: EventState = { seq: 0, audioMuted: false, videoMuted: false };
  readonly #recent: { event: StreamEvent; bytes: number }[] = [];
  #recentBytes = 0;

  get state(): EventState {
    return { ...this.#state };
  }

  get seq(): number {
    return this.#state.seq;
  }

  /** Numbers a new event (the stream's home node: the origin, or where it is published) and keeps it. */
  record(type: StreamEventType, payload: unknown): StreamEvent {
    const event = { seq: this.#state.seq + 1, type, payload };
    this.#take(event);
    return event;
  }

  /**
   * An event numbered by the stream's home node (an edge, from the relay link): taken when it is
   * newer than the last one here, else null (a duplicate of one replayed after a blip).
   */
  accept(event: StreamEvent): StreamEvent | null {
    if (event.seq <= this.#state.seq) return null;
    this.#take(event);
    return event;
  }

  /**
   * The state as the home node says it is now (after events this node could not be sent): the log
   * restarts from it, and the mute events that bring a player from the old state to it are returned.
   */
  reset(state: EventState): StreamEventType[] {
    const changes = muteChanges(this.#state, state);
    this.#state = { ...state };
    this.#recent.splice(0);
    this.#recentBytes = 0;
    return changes;
  }

  /**
   * A log for a new home node of the stream (another origin took its relay over): the same mute
   * state, numbered from 0 again, nothing kept for replay (the old numbers mean nothing there).
   */
  rebased(): StreamEventLog {
    const log = new StreamEventLog();
    log.#state = { ...this.#state, seq: 0 };
    return log;
  }

  /** The events after `seq`, oldest first; null when some of them are no longer kept (a snapshot must do). */
  since(seq: number): StreamEvent[] | null {
    if (seq >= this.#state.seq) return [];
    const first = this.#recent[0]?.event.seq ?? this.#state.seq + 1;
    if (first > seq + 1) return null;
    return this.#recent.filter((r) => r.event.seq > seq).map((r) => r.event);
  }

  #take(event: StreamEvent): void {
    const { audioMuted, videoMuted } = applyMute(this.#state, event.type);
    this.#state = { seq: event.seq, audioMuted, videoMuted };
    const bytes = payloadBytes(event.payload);
    this.#recent.push({ event, bytes });
    this.#recentBytes += bytes;
    while (this.#recent.length > REPLAY_EVENTS || (this.#recentBytes > REPLAY_BYTES && this.#recent.length > 1)) {
      this.#recentBytes -= this.#recent.shift()!.bytes;
    }
  }
}
