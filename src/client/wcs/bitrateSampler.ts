// getRemoteBitrate() and getNetworkBandwidth(): WCS pages poll them (e.g. every second, for a
// quality indicator) and expect an answer at once, so a player samples its stats every second
// while it plays and keeps the last figures.
import { availableIncomingBitrate, bytesReceived } from './stats';

type Sample = { at: number; bytes: number };

/** Bits/s between two samples; null when no time passed between them. */
export function bitsPerSecond(last: Sample, now: Sample): number | null {
  return now.at > last.at ? Math.round(((now.bytes - last.bytes) * 8 * 1000) / (now.at - last.at)) : null;
}

export class BitrateSampler {
  readonly #getStats: () => Promise<RTCStatsReport | null>;
  #timer: ReturnType<typeof setInterval> | null = null;
  #bitrate = -1;
  #bandwidth = -1;

  constructor(getStats: () => Promise<RTCStatsReport | null>) {
    this.#getStats = getStats;
  }

  /** Bits/s received over the last second; -1 when not sampling. */
  get bitrate(): number {
    return this.#bitrate;
  }

  /** The browser's estimate of what the link carries, bits/s; -1 when unknown. Kept after stop(), as last known. */
  get bandwidth(): number {
    return this.#bandwidth;
  }

  start(): void {
    if (this.#timer) return;
    let last: Sample | null = null;
    this.#timer = setInterval(() => {
      this.#getStats()
        .then((report) => {
          if (!report) return;
          const now = { at: performance.now(), bytes: bytesReceived(report) };
          const bitrate = last ? bitsPerSecond(last, now) : null;
          if (bitrate !== null) this.#bitrate = bitrate;
          last = now;
          this.#bandwidth = availableIncomingBitrate(report);
        })
        .catch((err: unknown) => console.debug('[flashphoner] stats for getRemoteBitrate() unavailable this second', err));
    }, 1000);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#bitrate = -1;
  }
}
