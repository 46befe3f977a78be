// The node's mediasoup workers, one router each. A stream lives on one router; new streams go to
// the router with the fewest transports. A worker that dies is replaced (its streams are lost and
// their owners are told through the routers' close events). A worker that stops answering its
// watchdog's probes (WorkerWatchdog) is killed with SIGKILL, which sends it down the same path.
import os from 'node:os';
import * as mediasoup from 'mediasoup';
import type { Logger } from '../log';
import { TypedEmitter } from '../util/TypedEmitter';
import { MEDIA_CODECS } from './codecs';
import { routeMediasoupLogs } from './mediasoupLogs';
import { CodecRouters } from './CodecRouters';
import { PipeCache } from './PipeCache';
import { WorkerWatchdog } from './WorkerWatchdog';
import type * as ms from 'mediasoup/types';

export interface MediaPoolOptions {
  /** Number of workers; 0 = one per CPU core. */
  workers: number;
  /**
   * The media port range (`media_port_from`-`media_port_to`), shared by every worker. The node's
   * transports are given it (media/transports.ts), and so are the pipes between its routers.
   */
  portRange: ms.TransportPortRange;
  /** Worker log level. Default 'warn'. */
  logLevel?: 'debug' | 'warn' | 'error' | 'none';
  /**
   * PEM certificate and key for DTLS (`dtls.cert_file` / `dtls.key_file`). Default: each worker's
   * own, which mediasoup makes at its start: ECDSA P-256, signed with SHA-256.
   */
  dtlsCertificateFile?: string | null;
  dtlsPrivateKeyFile?: string | null;
  /** Watchdog probe interval (`worker.probe_ms`); 0 = no watchdog. Default 0. */
  probeMs?: number;
  /** How long a probe may stay unanswered before the worker is killed (`worker.probe_timeout_ms`). Default 1500. */
  probeTimeoutMs?: number;
  logger: Logger;
}

export interface MediaSlot {
  readonly index: number;
  readonly worker: ms.Worker;
  readonly router: ms.Router;
  /** Live transports on this router, for placement. */
  transports: number;
  /** Live consumers on this worker (any of its routers), for operators and tests. */
  consumers: number;
  /** Null when the pool runs without a watchdog. */
  watchdog: WorkerWatchdog | null;
}

type Events = { workerdied: [index: number, error: Error] };

export class MediaPool extends TypedEmitter<Events> {
  readonly #slots: MediaSlot[] = [];
  readonly #tracked = new Set<ms.Transport>();
  readonly #options: MediaPoolOptions;
  readonly #logger: Logger;
  /** Producers piped between routers, once per producer and destination. */
  readonly pipes: PipeCache;
  /** Routers with a player's own payload types (WHEP), shared per worker and codec list. */
  readonly codecRouters: CodecRouters;
  #closed = false;

  static async create(options: MediaPoolOptions): Promise<MediaPool> {
    routeMediasoupLogs(options.logger);
    const pool = new MediaPool(options);
    const count = options.workers > 0 ? options.workers : os.cpus().length;
    try {
      for (let i = 0; i < count; i++) pool.#slots.push(await pool.#startSlot(i));
    } catch (err) {
      pool.close();
      throw err;
    }
    return pool;
  }

  private constructor(options: MediaPoolOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger.child({ component: 'media' });
    // Pipes between two routers of this node go over loopback, with ports from the media range.
    this.pipes = new PipeCache({ protocol: 'udp', ip: '127.0.0.1', portRange: options.portRange });
    this.codecRouters = new CodecRouters(this.pipes);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Transports and consumers per worker, for /healthz and operators. */
  get load(): { pid: number; transports: number; consumers: number }[] {
    return this.#slots.map((s) => ({ pid: s.worker.pid, transports: s.transports, consumers: s.consumers }));
  }

  /** Process ids of the live workers (for /healthz and operators). */
  get pids(): number[] {
    return this.#slots.map((s) => s.worker.pid);
  }

  /**
   * Why this node's media is not healthy right now, one line per worker that is late answering
   * its probe (by more than one probe interval) or dead and not yet replaced; empty when healthy.
   */
  get problems(): string[] {
    if (this.#closed) return [];
    return this.#slots.flatMap((s) => {
      if (s.worker.closed) return [`worker ${s.worker.pid} died and is being replaced`];
      return this.#late(s) ? [`worker ${s.worker.pid} has not answered for ${s.watchdog!.unansweredMs} ms`] : [];
    });
  }

  /** The worker's probe has waited longer than a probe interval (a healthy one answers in about a millisecond). */
  #late(slot: MediaSlot): boolean {
    return slot.watchdog !== null && slot.watchdog.unansweredMs > (this.#options.probeMs ?? 0);
  }

  /** RTP capabilities are the same on every router (same codec list). */
  get rtpCapabilities(): ms.RtpCapabilities {
    return this.#live()[0].router.rtpCapabilities;
  }

  /** The router with the fewest transports; ties go to `prefer` (a player's stream's own router). */
  pickRouter(prefer?: ms.Router): ms.Router {
    // A worker that is late answering or already dead gets nothing new while another can take it.
    const all = this.#live();
    const answering = all.filter((s) => !s.worker.closed && !this.#late(s));
    const slots = answering.length > 0 ? answering : all;
    const fewest = Math.min(...slots.map((s) => s.transports));
    const preferred = slots.find((s) => s.router === prefer && s.transports === fewest);
    return (preferred ?? slots.find((s) => s.transports === fewest)!).router;
  }

  /** Counts a transport against its router for placement, until the transport closes. */
  track(router: ms.Router, transport: ms.Transport): void {
    const slot = this.#slots.find((s) => s.router === router);
    if (!slot) return;
    slot.transports++;
    this.#tracked.add(transport);
    transport.observer.once('close', () => {
      slot.transports--;
      this.#tracked.delete(transport);
    });
  }

  /** The live transports counted by track() (publishers, players, relays in), for the traffic meter. */
  get transports(): ms.Transport[] {
    return [...this.#tracked];
  }

  /** Counts a consumer against the worker of `router` (its main router), until it closes. */
  trackConsumer(router: ms.Router, consumer: ms.Consumer): void {
    const slot = this.#slots.find((s) => s.router === router);
    if (!slot) return;
    slot.consumers++;
    consumer.observer.once('close', () => slot.consumers--);
  }

  /** The worker a router runs on (WHEP puts a player's own router beside the stream's). */
  workerOf(router: ms.Router): ms.Worker | null {
    return this.#slots.find((s) => s.router === router)?.worker ?? null;
  }

  /** CPU usage of all workers, in seconds of user+system time, for load reporting. */
  async cpuSeconds(): Promise<number> {
    let total = 0;
    // A late worker is left out: mediasoup's requests have no timeout, so a hung one would hold the
    // sample until the watchdog kills it.
    for (const slot of this.#live().filter((s) => !this.#late(s))) {
      const usage = await slot.worker.getResourceUsage();
      total += (usage.ru_utime + usage.ru_stime) / 1000;
    }
    return total;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.codecRouters.close();
    for (const slot of this.#slots) {
      slot.watchdog?.stop();
      slot.worker.close();
    }
    this.#slots.length = 0;
  }

  #live(): MediaSlot[] {
    if (this.#closed) throw new Error('MediaPool is closed');
    return this.#slots;
  }

  async #startSlot(index: number): Promise<MediaSlot> {
    // No rtcMinPort/rtcMaxPort (deprecated since mediasoup 3.14): every transport is given the
    // node's port range itself (media/transports.ts, PipeCache).
    const worker = await mediasoup.createWorker({
      logLevel: this.#options.logLevel ?? 'warn',
      // Without dtls.cert_file the worker makes its own certificate when it starts, and the node
      // no longer makes one for it. It did on mediasoup 3.8.4, whose certificate was SHA-1 signed;
      // 3.27's is what the node made (an ECDSA P-256 key, signed with SHA-256; DtlsTransport.cpp,
      // GenerateCertificateAndPrivateKey). One per worker instead of one per node changes nothing
      // for a peer, which checks the fingerprint its transport announces, and no private key is
      // left in a temp file (nor behind a crashed node).
      dtlsCertificateFile: this.#options.dtlsCertificateFile ?? undefined,
      dtlsPrivateKeyFile: this.#options.dtlsPrivateKeyFile ?? undefined,
    });
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const slot: MediaSlot = { index, worker, router, transports: 0, consumers: 0, watchdog: null };
    worker.on('died', (error: Error) => void this.#onDied(slot, error));
    const { probeMs = 0, probeTimeoutMs = 1500 } = this.#options;
    if (probeMs > 0) {
      slot.watchdog = new WorkerWatchdog({
        worker,
        probeMs,
        timeoutMs: probeTimeoutMs,
        logger: this.#logger,
        onHung: (unansweredMs) => this.#killHung(slot, unansweredMs),
      });
    }
    this.#logger.info({ worker: index, pid: worker.pid }, 'mediasoup worker started');
    return slot;
  }

  /** SIGKILL by pid: mediasoup then reports the worker dead and #onDied replaces it. */
  #killHung(slot: MediaSlot, unansweredMs: number): void {
    if (this.#closed || slot.worker.closed) return;
    const { pid } = slot.worker;
    this.#logger.error({ worker: slot.index, pid, unansweredMs }, 'mediasoup worker is not answering its watchdog probe; killing it (SIGKILL) to replace it');
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      // Already gone (ESRCH): its exit is on its way to the died path.
      this.#logger.warn({ pid, err: (err as Error).message }, 'could not kill the hung worker');
    }
  }

  async #onDied(slot: MediaSlot, error: Error): Promise<void> {
    slot.watchdog?.stop();
    if (this.#closed) return;
    this.#logger.error({ worker: slot.index, pid: slot.worker.pid, err: error }, 'mediasoup worker died; replacing it');
    this.emit('workerdied', slot.index, error);
    try {
      const fresh = await this.#startSlot(slot.index);
      if (this.#closed) return void fresh.worker.close();
      this.#slots[this.#slots.indexOf(slot)] = fresh;
    } catch (err) {
      this.#logger.error({ err }, 'could not replace the dead mediasoup worker');
    }
  }
}
