// A named stream held by this node: the producers of one publisher (local) or of one relay from
// the origin (relayed). Players consume its producers on the same router.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/types';
import { AppError } from '../errors';
import { TypedEmitter } from '../util/TypedEmitter';
import { type EventState, type StreamEvent, StreamEventLog, type StreamEventType } from './streamEvents';

/** WCS stream statuses used on the wire. */
export type StreamStatus = 'PENDING' | 'PUBLISHING' | 'PLAYING' | 'UNPUBLISHED' | 'STOPPED' | 'FAILED' | 'NOT_ENOUGH_BANDWIDTH';

export type StreamSource =
  /** Published on this node by a client session. */
  | { kind: 'local'; sessionId: string }
  /** Pushed to this edge by an origin over a relay link. */
  | { kind: 'relay'; originId: string; linkId: string };

type Events = {
  producer: [producer: ms.Producer];
  producerclose: [producer: ms.Producer];
  /** A stream event for the players here (streamEvents.ts), in order. */
  event: [event: StreamEvent];
  close: [];
};

export class Stream extends TypedEmitter<Events> {
  readonly name: string;
  readonly router: ms.Router;
  readonly source: StreamSource;
  readonly createdAt = Date.now();
  /** This publication of the name (WCS's `mediaSessionId` in the REST API); a new one each publish. */
  readonly id = randomUUID();
  readonly #producers = new Map<string, ms.Producer>();
  /** Its events and the mute state they make; kept by stream, whichever link or way they came in. */
  readonly #events = new StreamEventLog();
  #closed = false;

  constructor(name: string, router: ms.Router, source: StreamSource) {
    super();
    this.name = name;
    this.router = router;
    this.source = source;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** PENDING until its first producer, PUBLISHING after. */
  get status(): StreamStatus {
    if (this.#closed) return 'UNPUBLISHED';
    return this.#producers.size > 0 ? 'PUBLISHING' : 'PENDING';
  }

  get producers(): ms.Producer[] {
    return [...this.#producers.values()];
  }

  /** The last event's number and the mute state: what a player or an edge joining now starts from. */
  get eventState(): EventState {
    return this.#events.state;
  }

  /** Events after `seq` still kept (for an edge that missed them), or null when some are gone. */
  eventsSince(seq: number): StreamEvent[] | null {
    return this.#events.since(seq);
  }

  /** A new event of this stream, numbered here (its home node); its players hear it at once. */
  recordEvent(type: StreamEventType, payload: unknown): StreamEvent {
    if (this.#closed) throw new AppError('STREAM_NOT_FOUND', `stream "${this.name}" was unpublished`);
    const event = this.#events.record(type, payload);
    this.emit('event', event);
    return event;
  }

  /** An event numbered by the stream's home node (relayed): passed on unless it is one seen already. */
  acceptEvent(event: StreamEvent): void {
    if (this.#closed || !this.#events.accept(event)) return;
    this.emit('event', event);
  }

  /**
   * The home node's state after events that could not reach this node: the players here get the
   * mute events that bring them to it (the data events in between are lost).
   */
  resetEvents(state: EventState): void {
    if (this.#closed) return;
    for (const type of this.#events.reset(state)) this.emit('event', { seq: state.seq, type, payload: { streamName: this.name } });
  }

  addProducer(producer: ms.Producer): void {
    if (this.#closed) throw new Error(`stream ${this.name} is closed`);
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      if (!this.#producers.delete(producer.id)) return;
      this.emit('producerclose', producer);
    });
    this.emit('producer', producer);
  }

  /** Closes the stream and its producers (players' consumers close with them). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const producer of this.#producers.values()) producer.close();
    this.#producers.clear();
    this.emit('close');
    this.removeAllListeners();
  }
}
