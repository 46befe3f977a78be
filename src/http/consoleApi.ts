// The console's data (docs/console.md): a snapshot on request, and a live feed of snapshots as
// server-sent events, one a second while at least one console is connected. Nothing is measured
// while nobody watches. Both need the admin credential when admin.token is set, sent as
// `Authorization: Bearer`: the page reads the feed with fetch() (EventSource cannot send headers,
// and a token in the URL would end up in proxies' access logs and the browser's history).
import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { AppError } from '../errors';
import type { HttpContext } from './HttpContext';
import { gatherInputs } from './consoleGather';
import { buildSnapshot, type ConsoleSnapshot } from './consoleModel';
import { sendJson } from './respond';
import { requireAdmin } from './restApi';
import type { Router } from './router';

/** Consoles one node feeds at once: each costs nothing more to measure, but a socket and a write a second. */
const MAX_CONSOLES = 32;
const TICK_MS = 1000;
/**
 * A console whose socket has not taken the last snapshot (its buffer is over the stream's high-water
 * mark) gets no new one until it drains: the node keeps at most one snapshot per slow console,
 * never a growing queue. One that has not drained for this long is dropped (its slot freed).
 */
export const CONSOLE_STALL_MS = 10_000;

// The charting library, served from node_modules (never a CDN): only these files, by fixed name.
const UPLOT_DIR = path.dirname(require.resolve('uplot/package.json'));
const VENDOR: Record<string, { file: string; type: string }> = {
  '/vendor/uplot/uPlot.iife.min.js': { file: path.join(UPLOT_DIR, 'dist', 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uplot/uPlot.min.css': { file: path.join(UPLOT_DIR, 'dist', 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

export class ConsoleHub {
  readonly #ctx: HttpContext;
  readonly #feeds = new Set<ServerResponse>();
  /** Feeds whose socket did not take the last snapshot, and since when (cleared by 'drain'). */
  readonly #stalled = new Map<ServerResponse, number>();
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  /** Links whose state changes push a snapshot at once (a link going down shows without waiting for the tick). */
  readonly #followed = new WeakSet<object>();
  readonly #onLinkState = () => {
    if (this.#feeds.size === 0) return;
    if (this.#ticking) this.#again = true;
    else void this.#tick();
  };
  /** A link changed state during a tick: tick again when it ends. */
  #again = false;

  constructor(ctx: HttpContext) {
    this.#ctx = ctx;
  }

  get consoles(): number {
    return this.#feeds.size;
  }

  snapshot(): Promise<ConsoleSnapshot> {
    return gatherInputs(this.#ctx, this.#ctx.monitor).then(buildSnapshot);
  }

  /** Starts a feed on `res`; it ends when the client goes (or the server closes its connections). */
  subscribe(res: ServerResponse): void {
    if (this.#ctx.closing()) throw new AppError('NODE_CLOSING');
    if (this.#feeds.size >= MAX_CONSOLES) throw new AppError('LIMIT_REACHED', `at most ${MAX_CONSOLES} consoles at once`);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    this.#feeds.add(res);
    res.on('close', () => this.#unsubscribe(res));
    res.on('drain', () => this.#stalled.delete(res));
    if (this.#feeds.size === 1) {
      // Edges measure their traffic only while someone watches (a worker request per transport).
      this.#ctx.origin?.watch(true);
      this.#timer = setInterval(() => void this.#tick(), TICK_MS);
      this.#timer.unref();
    }
    void this.#tick();
  }

  #unsubscribe(res: ServerResponse): void {
    this.#stalled.delete(res);
    if (!this.#feeds.delete(res) || this.#feeds.size > 0) return;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#ctx.origin?.watch(false);
  }

  async #tick(): Promise<void> {
    // A slow gather (a busy worker) skips ticks rather than piling them up.
    if (this.#ticking || this.#feeds.size === 0) return;
    this.#ticking = true;
    this.#followLinks();
    try {
      const text = `event: snapshot\ndata: ${JSON.stringify(await this.snapshot())}\n\n`;
      const now = Date.now();
      for (const res of this.#feeds) this.#send(res, text, now);
    } catch (err) {
      this.#ctx.logger.warn({ err }, 'console snapshot failed; the next tick tries again');
    } finally {
      this.#ticking = false;
    }
    if (this.#again) {
      this.#again = false;
      void this.#tick();
    }
  }

  /** Writes a snapshot to a console that takes it; skips, then drops, one that does not read. */
  #send(res: ServerResponse, text: string, now: number): void {
    if (!res.writableNeedDrain) {
      res.write(text);
      return;
    }
    const since = this.#stalled.get(res);
    if (since === undefined) {
      this.#stalled.set(res, now);
      return;
    }
    if (now - since < CONSOLE_STALL_MS) return;
    this.#ctx.logger.info({ stalledMs: now - since, buffered: res.writableLength }, 'dropping a console that stopped reading its feed');
    res.destroy(); // 'close' unsubscribes it
  }

  // Links come and go with reloads: each tick follows the ones it has not seen; listeners on a
  // removed link go with it.
  #followLinks(): void {
    for (const link of this.#ctx.origin?.links ?? []) {
      if (this.#followed.has(link)) continue;
      this.#followed.add(link);
      link.on('state', this.#onLinkState);
    }
  }
}

export function registerConsoleApi(router: Router, ctx: HttpContext): ConsoleHub {
  const hub = new ConsoleHub(ctx);
  router.add('GET', '/rest-api/console/snapshot', async (req, res) => {
    requireAdmin(ctx, req);
    sendJson(res, 200, await hub.snapshot());
  });
  router.add('GET', '/rest-api/console/events', (req, res) => {
    requireAdmin(ctx, req);
    hub.subscribe(res);
  });
  for (const [route, { file, type }] of Object.entries(VENDOR)) {
    router.add('GET', route, (req, res) => {
      const stat = fs.statSync(file);
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': stat.size, 'Cache-Control': 'max-age=3600' });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file).pipe(res);
    });
  }
  return hub;
}
