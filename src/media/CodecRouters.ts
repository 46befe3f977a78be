// Routers with a given codec list (payload types included), shared by every player that needs
// exactly that list on the same worker, with the source streams' producers piped in once each.
//
// Why: mediasoup's consumers send with their router's payload types, but a WHEP answer must keep
// the payload types of the player's offer (sdp/whep.ts, planPlayerRouter). Players whose offers
// agree (every Chromium does) share one router per worker instead of one router and one
// PipeTransport pair each.
import type * as ms from 'mediasoup/types';
import type { PipeCache } from './PipeCache';

interface Entry {
  router: ms.Router;
  users: number;
}

export interface CodecRouterLease {
  readonly router: ms.Router;
  /** Pipes a producer of `source` into the router, once for all its users; gives the producer there. */
  pipe(source: ms.Router, producer: ms.Producer): Promise<ms.Producer>;
  /** Gives the router back; the last user's release closes it. Idempotent. */
  release(): void;
}

export class CodecRouters {
  readonly #entries = new Map<string, Entry>();
  readonly #creating = new Map<string, Promise<Entry>>();
  readonly #pipes: PipeCache;

  constructor(pipes: PipeCache) {
    this.#pipes = pipes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A router with `mediaCodecs` on `worker`. */
  async acquire(worker: ms.Worker, mediaCodecs: ms.RouterRtpCodecCapability[]): Promise<CodecRouterLease> {
    const key = `${worker.pid}|${JSON.stringify(mediaCodecs)}`;
    const entry = await this.#entry(key, worker, mediaCodecs);
    entry.users++;
    let released = false;
    return {
      router: entry.router,
      pipe: (source, producer) => this.#pipes.pipe(source, producer, entry.router),
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        if (entry.users === 0 && this.#entries.get(key) === entry) {
          this.#entries.delete(key);
          entry.router.close();
        }
      },
    };
  }

  /** Closes every router. */
  close(): void {
    for (const entry of this.#entries.values()) entry.router.close();
    this.#entries.clear();
  }

  async #entry(key: string, worker: ms.Worker, mediaCodecs: ms.RouterRtpCodecCapability[]): Promise<Entry> {
    const existing = this.#entries.get(key);
    if (existing && !existing.router.closed) return existing;
    let creating = this.#creating.get(key);
    if (!creating) {
      // mediasoup copies the list it is given (it used to fill in defaults on the caller's objects).
      creating = worker.createRouter({ mediaCodecs }).then((router) => {
        const entry: Entry = { router, users: 0 };
        this.#entries.set(key, entry);
        router.observer.once('close', () => {
          if (this.#entries.get(key) === entry) this.#entries.delete(key);
        });
        return entry;
      });
      this.#creating.set(key, creating);
      // The caller awaits `creating` and gets its failure; this derived promise only forgets the
      // entry, and must not be reported as a second, unhandled rejection.
      creating.finally(() => this.#creating.delete(key)).catch(() => undefined);
    }
    return creating;
  }
}
