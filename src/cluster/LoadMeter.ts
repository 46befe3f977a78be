// CPU load of this node (the Node.js process plus its mediasoup workers) as a fraction of the
// machine's cores, sampled every second. Edges report it to the origin for LESS_LOADED_NODE.
import os from 'node:os';
import type { MediaPool } from '../media/MediaPool';

export class LoadMeter {
  readonly #media: MediaPool;
  #timer: NodeJS.Timeout | null = null;
  #last: { at: number; cpu: number } | null = null;
  #current = 0;
  /** A sample waiting for the workers' answers: the next one waits its turn. */
  #sampling = false;

  constructor(media: MediaPool) {
    this.#media = media;
  }

  /** Last sample: 0 = idle, 1 = every core busy. */
  get current(): number {
    return this.#current;
  }

  start(intervalMs = 1000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#sample(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #sample(): Promise<void> {
    // mediasoup's requests have no timeout (3.8.4's gave up after 15 s): a worker that does not
    // answer holds this sample until it answers or dies, and samples must not pile up behind it.
    if (this.#media.closed || this.#sampling) return;
    this.#sampling = true;
    try {
      const own = process.cpuUsage();
      const cpu = (own.user + own.system) / 1e6 + (await this.#media.cpuSeconds());
      const at = Date.now();
      if (this.#last) {
        const wall = (at - this.#last.at) / 1000;
        this.#current = Math.max(0, (cpu - this.#last.cpu) / wall / os.cpus().length);
      }
      this.#last = { at, cpu };
    } catch {
      // A worker closing mid-sample; the next sample will do.
    } finally {
      this.#sampling = false;
    }
  }
}
