// The browser end of the command channel (framing in src/signaling/frames.ts): requests carry an
// id and get one response; notifications carry none. One Channel per WebSocket, so the origin
// session and every edge a player is redirected to each have their own.
import { Emitter } from './Emitter';
import { SdkError } from './constants';
import { heartbeatStep, heartbeatTimeout, smoothRtt, tickLate } from './heartbeat';

export interface Notification {
  method: string;
  data: Record<string, unknown>;
}

export interface ChannelEvents extends Record<string, unknown[]> {
  notification: [Notification];
  /** The socket closed, by close() (`byUs` true) or by the network/server. Fires once. */
  close: [{ byUs: boolean; code: number; reason: string }];
}

interface Pending {
  resolve: (data: unknown) => void;
  reject: (err: SdkError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ChannelOptions {
  /** How long to wait for the WebSocket to open. Default 5000 ms. */
  openTimeoutMs?: number;
  /** How long to wait for a response. Default 10000 ms. */
  requestTimeoutMs?: number;
  /** How often the channel sends `ping` (heartbeat.ts); 0 sends none. Default 250 ms. */
  heartbeatMs?: number;
  /**
   * A ping unanswered this long, nothing heard since, closes the channel as lost (CONNECTION_LOST);
   * four round trips of the pings when that is longer. Default 2500 ms: a second's hiccup (a
   * busy machine starving the page or the node, a bufferbloated link) must not pass for a dead
   * node and move every player and publisher of the page; a closed socket is still noticed at once.
   */
  heartbeatTimeoutMs?: number;
}

export class Channel extends Emitter<ChannelEvents> {
  readonly url: string;
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #requestTimeoutMs: number;
  #nextId = 1;
  #closed = false;
  #closedByUs = false;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  /** When the heartbeat last ticked (heartbeat.ts tickLate), or null before the first tick. */
  #lastTickAt: number | null = null;
  #lastHeardAt = Date.now();
  #pingSentAt: number | null = null;
  /** Smoothed round trip of the answered pings, ms (null before the first). */
  #srtt: number | null = null;

  /** Opens a WebSocket to `url`; rejects with CONNECTION_FAILED if it does not open in time. */
  static open(url: string, options: ChannelOptions = {}): Promise<Channel> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(url);
      } catch (err) {
        reject(new SdkError('CONNECTION_FAILED', `bad server URL "${url}": ${(err as Error).message}`));
        return;
      }
      const timer = setTimeout(() => {
        ws.close();
        reject(new SdkError('CONNECTION_FAILED', `no connection to ${url} after ${options.openTimeoutMs ?? 5000} ms`));
      }, options.openTimeoutMs ?? 5000);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve(new Channel(url, ws, options));
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new SdkError('CONNECTION_FAILED', `cannot connect to ${url}`));
      };
    });
  }

  private constructor(url: string, ws: WebSocket, options: ChannelOptions) {
    super();
    this.url = url;
    this.#ws = ws;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10000;
    ws.onerror = null;
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    ws.onclose = (ev) => this.#onClose(ev.code, ev.reason);
    const heartbeatMs = options.heartbeatMs ?? 250;
    if (heartbeatMs > 0) this.#heartbeat = setInterval(() => this.#beat(options.heartbeatTimeoutMs ?? 2500, heartbeatMs), heartbeatMs);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a command; resolves with its `data` or rejects with the server's {code, message}. */
  request<T = Record<string, unknown>>(method: string, data: Record<string, unknown> = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new SdkError('CONNECTION_LOST', `connection to ${this.url} is closed`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SdkError('TIMEOUT', `${method}: no answer from ${this.url} in ${this.#requestTimeoutMs} ms`));
      }, this.#requestTimeoutMs);
      this.#pending.set(id, { resolve: resolve as (d: unknown) => void, reject, timer });
      this.#ws.send(JSON.stringify({ id, method, data }));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closedByUs = true;
    this.#ws.close(1000, 'client closed');
    // Do not wait for the close handshake: the caller has moved on.
    this.#onClose(1000, 'client closed');
  }

  #beat(configuredMs: number, tickMs: number): void {
    const timeoutMs = heartbeatTimeout(configuredMs, this.#srtt);
    const now = Date.now();
    const late = tickLate(this.#lastTickAt, now, tickMs);
    this.#lastTickAt = now;
    const step = heartbeatStep({ lastHeardAt: this.#lastHeardAt, pingSentAt: this.#pingSentAt }, now, timeoutMs, late);
    if (step === 'wait') return;
    if (step === 'dead') {
      // The socket may stay open for minutes (a stopped process's kernel still holds it): let it go.
      this.#ws.close(4000, 'heartbeat timeout');
      this.#onClose(4000, `no answer from ${this.url} in ${timeoutMs} ms`);
      return;
    }
    const sentAt = Date.now();
    this.#pingSentAt = sentAt;
    const answered = () => (this.#srtt = smoothRtt(this.#srtt, Date.now() - sentAt));
    // Any answer counts, even UNKNOWN_COMMAND from a node that predates `ping`.
    this.request('ping').then(answered, (err: SdkError) => {
      if (err.code !== 'CONNECTION_LOST' && err.code !== 'TIMEOUT') answered();
    });
  }

  #onMessage(raw: unknown): void {
    this.#lastHeardAt = Date.now();
    if (typeof raw !== 'string') return;
    let frame: { id?: unknown; ok?: unknown; data?: unknown; error?: { code?: unknown; message?: unknown }; method?: unknown };
    try {
      frame = JSON.parse(raw);
    } catch {
      console.warn('[cdn-sdk] ignoring a frame that is not JSON');
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    if (typeof frame.id === 'number' && typeof frame.ok === 'boolean') {
      const pending = this.#pending.get(frame.id);
      if (!pending) return;
      this.#pending.delete(frame.id);
      clearTimeout(pending.timer);
      if (frame.ok) pending.resolve(frame.data ?? {});
      else {
        const code = typeof frame.error?.code === 'string' ? frame.error.code : 'INTERNAL';
        const message = typeof frame.error?.message === 'string' ? frame.error.message : 'request failed';
        pending.reject(new SdkError(code as SdkError['code'], message));
      }
      return;
    }
    if (typeof frame.method === 'string') {
      const data = typeof frame.data === 'object' && frame.data !== null ? (frame.data as Record<string, unknown>) : {};
      this.emit('notification', { method: frame.method, data });
    }
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SdkError('CONNECTION_LOST', `connection to ${this.url} closed`));
    }
    this.#pending.clear();
    this.emit('close', { byUs: this.#closedByUs, code, reason });
    this.removeAllListeners();
  }
}
