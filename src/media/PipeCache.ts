// Producers piped from one router into another (router.pipeToRouter), at most once per producer
// and destination, shared by everyone who needs them there. mediasoup reuses the PipeTransport pair
// between two routers itself; this keeps it from being asked to create the same pipe producer twice.
import type * as ms from 'mediasoup/lib/types';

export class PipeCache {
  /** `${destination router id}:${producer id}` -> the pipe, settled or in flight. */
  readonly #piped = new Map<string, Promise<void>>();
  readonly #watched = new WeakSet<object>();

  get size(): number {
    return this.#piped.size;
  }

  /** Makes `producer` (of `source`) consumable on `destination`; a no-op when they are the same. */
  pipe(source: ms.Router, producer: ms.Producer, destination: ms.Router): Promise<void> {
    if (source === destination) return Promise.resolve();
    const key = `${destination.id}:${producer.id}`;
    let done = this.#piped.get(key);
    if (done) return done;
    done = source.pipeToRouter({ producerId: producer.id, router: destination }).then(() => undefined);
    this.#piped.set(key, done);
    // A failed pipe is tried again by the next caller.
    done.catch(() => this.#piped.delete(key));
    this.#forgetOnClose(producer, (k) => k.endsWith(`:${producer.id}`));
    this.#forgetOnClose(destination, (k) => k.startsWith(`${destination.id}:`));
    return done;
  }

  #forgetOnClose(owner: ms.Producer | ms.Router, matches: (key: string) => boolean): void {
    if (this.#watched.has(owner)) return;
    this.#watched.add(owner);
    owner.observer.once('close', () => {
      for (const key of [...this.#piped.keys()]) if (matches(key)) this.#piped.delete(key);
    });
  }
}
