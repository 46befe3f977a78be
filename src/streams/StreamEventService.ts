// The one way a data event enters a stream, whatever the way in: a publisher's `sendData`, the REST
// call /rest-api/stream/event/send on any node, or an edge passing such a call on to the origin.
// The size limit is checked where the event comes in; the rate limit where the stream is published
// (its home: the origin for a relayed stream), so one stream has one budget however many edges its
// events are sent through. A relayed stream's event is passed on to its origin, which numbers it
// and relays it back to every edge with the stream's other events, in one order.
import type { NodeConfig } from '../config/types';
import { AppError } from '../errors';
import { TokenBucket } from '../limits/TokenBucket';
import type { Stream } from './Stream';
import { checkEventSize } from './streamEvents';
import { parseStreamName } from './streamName';
import type { StreamRegistry } from './StreamRegistry';

/** Passes a relayed stream's event on to the origin it comes from; resolves with the number the origin gave it. Plugged in by the edge. */
export type EventForwarder = (stream: Stream, payload: unknown) => Promise<{ seq: number }>;

export interface StreamEventServiceOptions {
  config: Pick<NodeConfig, 'streamEventMaxBytes' | 'streamEventsPerS' | 'streamEventBurst'>;
  streams: StreamRegistry;
}

export class StreamEventService {
  readonly #options: StreamEventServiceOptions;
  /** Per stream published here: its events' budget (streams.events_per_s, stream.event_burst). */
  readonly #buckets = new WeakMap<Stream, TokenBucket>();
  #forwarder: EventForwarder | null = null;

  constructor(options: StreamEventServiceOptions) {
    this.#options = options;
  }

  /** How a relayed stream's events reach its origin (the edge's relay links); without one they cannot. */
  setForwarder(forwarder: EventForwarder | null): void {
    this.#forwarder = forwarder;
  }

  /**
   * A data event for every player of `name`, on every node: EVENT_TOO_LARGE over
   * stream.event_max_bytes, STREAM_NOT_FOUND when this node has no such stream, RATE_LIMITED over
   * the stream's budget, ORIGIN_UNREACHABLE when its origin cannot be told. Resolves with the
   * event's number in the stream.
   */
  async send(rawName: string, payload: unknown, now = Date.now()): Promise<{ seq: number }> {
    const name = parseStreamName(rawName);
    checkEventSize(payload, this.#options.config.streamEventMaxBytes);
    const stream = this.#options.streams.get(name);
    if (!stream) throw new AppError('STREAM_NOT_FOUND', `stream "${name}" not found on this node`);
    if (stream.source.kind === 'local') return this.record(stream, payload, now);
    if (!this.#forwarder) throw new AppError('ORIGIN_UNREACHABLE', `stream "${name}" comes from origin "${stream.source.originId}", which cannot be reached`);
    return this.#forwarder(stream, payload);
  }

  /**
   * An edge passes on an event for a stream published here (REST on the edge): STREAM_NOT_FOUND
   * unless it is, so an edge cannot number events of a stream this node only relays.
   */
  fromEdge(rawName: string, payload: unknown, now = Date.now()): { seq: number } {
    const name = parseStreamName(rawName);
    checkEventSize(payload, this.#options.config.streamEventMaxBytes);
    const stream = this.#options.streams.get(name);
    if (!stream || stream.source.kind !== 'local') throw new AppError('STREAM_NOT_FOUND', `stream "${name}" is not published on this node`);
    return this.record(stream, payload, now);
  }

  /** Numbers a data event of a stream published here, within its budget. */
  record(stream: Stream, payload: unknown, now = Date.now()): { seq: number } {
    const { streamEventsPerS, streamEventBurst } = this.#options.config;
    let bucket = this.#buckets.get(stream);
    if (!bucket) {
      bucket = new TokenBucket(streamEventsPerS, streamEventBurst, now);
      this.#buckets.set(stream, bucket);
    }
    if (!bucket.take(now)) {
      throw new AppError(
        'RATE_LIMITED',
        `stream "${stream.name}" carries at most ${streamEventsPerS} events per second (burst ${streamEventBurst}: stream.events_per_s, stream.event_burst); this one was not sent`,
      );
    }
    return { seq: stream.recordEvent('data', payload).seq };
  }
}
