// Routers with a given codec list (payload types included), shared by every player that needs
// exactly that list on the same worker, with the source streams' producers piped in once each.
//
// Why: mediasoup 3.8 sends with its router's payload types, but a WHEP answer must keep the
// payload types of the player's offer. Players whose offers agree (every Chromium does) share one
// router per worker instead of one router and one PipeTransport pair each.
import type * as ms from 'mediasoup/lib/types';
import type { RtxPayloadType } from '../sdp/whep';
import type { PipeCache } from './PipeCache';

/**
 * The router codecs with RTX renumbered: the RTX of each media payload type in `rtx` gets the
 * payload type given there, and RTX codecs not listed are dropped (the player offered no RTX for
 * them, and their own numbers could clash with the ones given). Pure.
 */
export function withRtxPayloadTypes(codecs: ms.RtpCodecCapability[], rtx: RtxPayloadType[]): ms.RtpCodecCapability[] {
  return codecs.flatMap((codec) => {
    if (!/\/rtx$/i.test(codec.mimeType)) return [codec];
    const wanted = rtx.find((r) => r.apt === Number(codec.parameters?.apt));
    return wanted ? [{ ...codec, preferredPayloadType: wanted.payloadType }] : [];
  });
}

interface Entry {
  router: ms.Router;
  users: number;
}

export interface CodecRouterLease {
  readonly router: ms.Router;
  /** Pipes a producer of `source` into the router, once for all its users. */
  pipe(source: ms.Router, producer: ms.Producer): Promise<void>;
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

  /**
   * A router with `mediaCodecs` on `worker` whose RTX codecs have the payload types of `rtx`
   * (default: none, and the router keeps no RTX).
   */
  async acquire(worker: ms.Worker, mediaCodecs: ms.RtpCodecCapability[], rtx: RtxPayloadType[] = []): Promise<CodecRouterLease> {
    const key = `${worker.pid}|${JSON.stringify(mediaCodecs)}|${JSON.stringify(rtx)}`;
    const entry = await this.#entry(key, worker, mediaCodecs, rtx);
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

  async #entry(key: string, worker: ms.Worker, mediaCodecs: ms.RtpCodecCapability[], rtx: RtxPayloadType[]): Promise<Entry> {
    const existing = this.#entries.get(key);
    if (existing && !existing.router.closed) return existing;
    let creating = this.#creating.get(key);
    if (!creating) {
      // mediasoup fills in defaults on the objects it is given: hand it a copy, so the caller's
      // list (and the key made from it) stays as it was.
      creating = worker.createRouter({ mediaCodecs: structuredClone(mediaCodecs) }).then((router) => {
        // mediasoup 3.8.4 numbers a router's RTX itself and keeps its capabilities on the JS side
        // only: every producer and consumer made on the router later reads them from this object,
        // so renumbering here, before anything is piped in, makes its consumers send RTX with the
        // player's payload types (the worker just uses the numbers it is given).
        router.rtpCapabilities.codecs = withRtxPayloadTypes(router.rtpCapabilities.codecs ?? [], rtx);
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
