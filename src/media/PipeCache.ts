// Producers piped from one router into another (router.pipeToRouter), at most once per producer
// and destination, shared by everyone who needs them there. mediasoup reuses the PipeTransport pair
// between two routers itself; this keeps it from being asked to create the same pipe producer twice.
import type * as ms from 'mediasoup/types';

/** A producer or a router: what the cache watches for its close. */
interface Closable {
  readonly observer: { once(event: 'close', listener: () => void): unknown };
}

export class PipeCache {
  /** `${destination router id}:${producer id}` -> the producer on the destination, settled or in flight. */
  readonly #piped = new Map<string, Promise<ms.Producer>>();
  readonly #watched = new WeakSet<object>();
  readonly #listenInfo: ms.TransportListenInfo;

  /** `listenInfo`: where the pipe transports between two routers listen (loopback, the media port range). */
  constructor(listenInfo: ms.TransportListenInfo) {
    this.#listenInfo = listenInfo;
  }

  get size(): number {
    return this.#piped.size;
  }

  /**
   * Makes `producer` (of `source`) consumable on `destination`, and gives the producer to consume
   * there: `producer` itself when the routers are the same, else its pipe producer, whose id is
   * not `producer`'s (see below).
   */
  pipe(source: ms.Router, producer: ms.Producer, destination: ms.Router): Promise<ms.Producer> {
    if (source === destination) return Promise.resolve(producer);
    const key = `${destination.id}:${producer.id}`;
    const existing = this.#piped.get(key);
    if (existing) return existing;
    const done = source
      .pipeToRouter({
        producerId: producer.id,
        router: destination,
        // The pipe producer gets an id of its own: mediasoup >= 3.19 refuses a second producer
        // with the same id in one worker ("Channel request handler with ID ... already exists"),
        // and a codec router (WHEP) is always on the same worker as the router it is fed from.
        keepId: false,
        listenInfo: this.#listenInfo,
      })
      .then(({ pipeProducer }) => {
        if (!pipeProducer) throw new Error(`pipeToRouter gave no producer for ${producer.id}`);
        return pipeProducer;
      });
    this.#piped.set(key, done);
    // A failed pipe is tried again by the next caller.
    done.catch(() => this.#piped.delete(key));
    this.#forgetOnClose(producer, (k) => k.endsWith(`:${producer.id}`));
    this.#forgetOnClose(destination, (k) => k.startsWith(`${destination.id}:`));
    return done;
  }

  #forgetOnClose(owner: Closable, matches: (key: string) => boolean): void {
    if (this.#watched.has(owner)) return;
    this.#watched.add(owner);
    owner.observer.once('close', () => {
      for (const key of [...this.#piped.keys()]) if (matches(key)) this.#piped.delete(key);
    });
  }
}
