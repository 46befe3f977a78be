// A named stream held by this node: the producers of one publisher (local) or of one relay from
// an origin (relayed). Players consume its producers on its router, or piped from it.
//
// A relayed stream may change hands (takeOver): when the origin that relayed it died and another
// origin relays the same name (its publisher moved there), the edge keeps this Stream, and so its
// players, and swaps the producers: the old ones close (players hear consumerClosed), the new
// relay's are added (players get new consumers). The new relay's pipe may land on another router
// of this node, so the router moves with it.
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
  /** Another origin's relay took the stream over (takeOver): its old producers are closed, new ones follow. */
  takeover: [];
  /** A stream event for the players here (streamEvents.ts), in order. */
  event: [event: StreamEvent];
  close: [];
};

export class Stream extends TypedEmitter<Events> {
  readonly name: string;
  #router: ms.Router;
  #source: StreamSource;
  readonly createdAt = Date.now();
  /** When its current producers began arriving: its creation, or the last takeover. */
  #tracksSince = this.createdAt;
  /** This publication of the name (WCS's `mediaSessionId` in the REST API); a new one each publish. */
  readonly id = randomUUID();
  readonly #producers = new Map<string, ms.Producer>();
  /** Its events and the mute state they make; kept by stream, whichever link or way they came in. */
  #events = new StreamEventLog();
  #closed = false;

  constructor(name: string, router: ms.Router, source: StreamSource) {
    super();
    this.name = name;
    this.#router = router;
    this.#source = source;
  }

  /** The router its producers are on (a relayed stream's: its pipe's, which a takeover may change). */
  get router(): ms.Router {
    return this.#router;
  }

  get source(): StreamSource {
    return this.#source;
  }

  /** When its current tracks began arriving (creation, or the last takeOver), epoch ms. */
  get tracksSince(): number {
    return this.#tracksSince;
  }

  /**
   * A relayed stream passes to another origin's relay (`source`), whose producers will arrive on
   * `router`: the current producers close now (each player's consumer with them), the event log
   * keeps the mute state but restarts its numbering (the new origin numbers from its own start;
   * its relayStreamState follows and brings the mute state to its own), and `takeover` is emitted.
   * Synchronous, so no relay command runs between the swap's steps.
   */
  takeOver(source: StreamSource & { kind: 'relay' }, router: ms.Router): void {
    if (this.#closed) throw new Error(`stream ${this.name} is closed`);
    if (this.#source.kind !== 'relay') throw new Error(`stream ${this.name} is published here; only a relayed stream changes hands`);
    for (const producer of [...this.#producers.values()]) producer.close();
    this.#source = source;
    this.#router = router;
    this.#tracksSince = Date.now();
    this.#events = this.#events.rebased();
    this.emit('takeover');
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
