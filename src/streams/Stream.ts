// A named stream held by this node: the producers of one publisher (local) or of one relay from
// the origin (relayed). Players consume its producers on the same router.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/types';
import { TypedEmitter } from '../util/TypedEmitter';

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
