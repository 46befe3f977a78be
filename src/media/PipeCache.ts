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
        // The pipe producer gets an id of its own (keepId: false, mediasoup >= 3.19): a worker
        // refuses a second producer with an id it has ("Channel request handler with ID ...
        // already exists"), and a codec router (WHEP) is always on the same worker as the router
        // it is fed from.
        keepId: false,
        listenInfo: this.#listenInfo,
        // NACK and RTX on the pipe too: loopback loses packets only when a worker falls behind
        // reading its socket, but a packet lost here is lost for every player of the router, and
        // without RTX it costs them a keyframe from the publisher. Measured with 2% UDP loss on
        // the edges' loopback as well (test/net/loss.test.ts, bed changed by hand): WHEP players
        // (fed through a pipe) kept 93-94% of the frames, under 0.25 s frozen, instead of 21-42%
        // and 3-6 s frozen.
        enableRtx: true,
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
