// One end of a framed WebSocket channel: sends requests and awaits their responses, dispatches
// incoming requests to a handler and notifications to a listener, and keeps the socket alive with
// a ping/terminate heartbeat. Used by client sessions, the edge side of relay links and the
// origin's link client alike.
import type { RawData } from 'ws';
import { AppError, ERRORS, toWireError } from '../errors';
import type { Logger } from '../log';
import { TypedEmitter } from '../util/TypedEmitter';
import { asErrorCode, type NotificationFrame, parseFrame, type RequestFrame, type ResponseFrame } from './frames';

/** WebSocket readyState values (the standard ones, as `ws` uses). */
export const SOCKET_STATE = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

/**
 * The part of a WebSocket a Peer uses. `ws`'s WebSocket satisfies it as it is; tests hand a Peer
 * an in-memory socket instead, so the relay core runs without a network.
 */
export interface PeerSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection without a close handshake. */
  terminate(): void;
  ping(): void;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): unknown;
  on(event: 'pong', listener: () => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export type RequestHandler = (request: RequestFrame) => Promise<unknown>;

/** What a rate limit says of one incoming frame: run it, refuse it (RATE_LIMITED), or close the channel. */
export type FrameVerdict = 'accept' | 'refuse' | 'close';

export interface PeerOptions {
  logger: Logger;
  /** Ping interval; the socket is terminated when a ping goes unanswered for one interval. Default 15000. */
  heartbeatMs?: number;
  /** How long a request waits for its response. Default 10000. */
  requestTimeoutMs?: number;
  /** Asked once per incoming frame, before it is parsed; default: every frame is accepted. */
  admit?: () => FrameVerdict;
  /**
   * Where the peer's own mistakes are logged (refused frames, requests failing with a 4xx code,
   * rate-limited frames); default: the logger at info. The command channel throttles these per
   * client address, so a flood cannot flood the log.
   */
  mistakeLog?: (fields: Record<string, unknown>, message: string) => void;
}

type Events = {
  notification: [frame: NotificationFrame];
  close: [code: number, reason: string];
};

interface Pending {
  resolve: (data: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class Peer extends TypedEmitter<Events> {
  readonly #ws: PeerSocket;
  readonly #logger: Logger;
  readonly #pending = new Map<number, Pending>();
  readonly #requestTimeoutMs: number;
  readonly #admit: () => FrameVerdict;
  readonly #mistakeLog: (fields: Record<string, unknown>, message: string) => void;
  #handler: RequestHandler | null = null;
  #nextId = 1;
  #alive = true;
  #heartbeat: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(ws: PeerSocket, options: PeerOptions) {
    super();
    this.#ws = ws;
    this.#logger = options.logger;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10000;
    this.#admit = options.admit ?? (() => 'accept');
    this.#mistakeLog = options.mistakeLog ?? ((fields, message) => this.#logger.info(fields, message));
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('pong', () => (this.#alive = true));
    ws.on('close', (code, reason) => this.#onClose(code, reason.toString()));
    ws.on('error', (err) => this.#logger.debug({ err }, 'websocket error'));
    const heartbeatMs = options.heartbeatMs ?? 15000;
    if (heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => {
        if (!this.#alive) {
          this.#logger.info('websocket peer missed its heartbeat; terminating');
          ws.terminate();
          return;
        }
        this.#alive = false;
        if (ws.readyState === SOCKET_STATE.OPEN) ws.ping();
      }, heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  setRequestHandler(handler: RequestHandler): void {
    this.#handler = handler;
  }

  request<T = unknown>(method: string, data: Record<string, unknown> = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new AppError('NODE_CLOSING', 'channel is closed'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new AppError('TIMEOUT', `request ${method} got no answer in ${this.#requestTimeoutMs} ms`));
      }, this.#requestTimeoutMs);
      this.#pending.set(id, { resolve: resolve as (d: unknown) => void, reject, timer });
      this.#send({ id, method, data });
    });
  }

  notify(method: string, data: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#send({ method, data });
  }

  /** Closes the socket with a WebSocket close code. Idempotent. */
  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    if (this.#ws.readyState === SOCKET_STATE.OPEN || this.#ws.readyState === SOCKET_STATE.CONNECTING) {
      this.#ws.close(code, reason.slice(0, 120));
    }
    // Also settle everything now: a peer that never answers the close handshake must not hold us.
    this.#onClose(code, reason);
  }

  #send(frame: unknown): void {
    if (this.#ws.readyState !== SOCKET_STATE.OPEN) return;
    this.#ws.send(JSON.stringify(frame));
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closed) return;
    const verdict = this.#admit();
    if (verdict !== 'accept') return this.#refuse(data, isBinary, verdict);
    if (isBinary) {
      this.#send({ id: 0, ok: false, error: { code: 'BAD_REQUEST', message: 'binary frames are not accepted' } });
      return;
    }
    let parsed;
    try {
      parsed = parseFrame(data.toString());
    } catch (err) {
      const wire = toWireError(err);
      this.#mistakeLog({ code: wire.code }, `refused frame: ${wire.message}`);
      this.#send({ id: 0, ok: false, error: wire });
      return;
    }
    switch (parsed.type) {
      case 'request':
        void this.#onRequest(parsed.frame);
        break;
      case 'response':
        this.#onResponse(parsed.frame);
        break;
      case 'notification':
        this.emit('notification', parsed.frame);
        break;
      default: {
        const never: never = parsed;
        throw new Error(`unhandled frame ${String(never)}`);
      }
    }
  }

  async #onRequest(request: RequestFrame): Promise<void> {
    try {
      if (!this.#handler) throw new AppError('NOT_ALLOWED', 'this channel takes no requests');
      const data = await this.#handler(request);
      this.#send({ id: request.id, ok: true, data: data ?? {} });
    } catch (err) {
      const wire = toWireError(err);
      // Server faults at error, capacity conditions (5xx codes) at warn, client mistakes at info.
      if (wire.code === 'INTERNAL') this.#logger.error({ err, method: request.method }, 'request failed');
      else if (ERRORS[wire.code].status >= 500) this.#logger.warn({ method: request.method, code: wire.code }, wire.message);
      else this.#mistakeLog({ method: request.method, code: wire.code }, wire.message);
      this.#send({ id: request.id, ok: false, error: wire });
    }
  }

  /** A frame over the rate limit: answered RATE_LIMITED (to its id when it has one), never run. */
  #refuse(data: RawData, isBinary: boolean, verdict: 'refuse' | 'close'): void {
    if (verdict === 'close') {
      this.#mistakeLog({ code: 'RATE_LIMITED' }, 'closing a channel that kept sending over its rate limit');
      this.close(1008, 'rate limit exceeded');
      return;
    }
    let id = 0;
    if (!isBinary) {
      try {
        const parsed = parseFrame(data.toString());
        if (parsed.type === 'request') id = parsed.frame.id;
      } catch {
        // Garbage over the limit is answered like any other frame over the limit, with id 0.
      }
    }
    this.#mistakeLog({ code: 'RATE_LIMITED' }, 'refused frame: over the rate limit');
    this.#send({ id, ok: false, error: { code: 'RATE_LIMITED', message: ERRORS.RATE_LIMITED.text } });
  }

  #onResponse(response: ResponseFrame): void {
    const pending = this.#pending.get(response.id);
    if (!pending) return; // late answer to a request that timed out
    this.#pending.delete(response.id);
    clearTimeout(pending.timer);
    if (response.ok) pending.resolve(response.data);
    else pending.reject(new AppError(asErrorCode(response.error.code), response.error.message));
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new AppError('NODE_CLOSING', 'channel closed'));
    }
    this.#pending.clear();
    this.emit('close', code, reason);
    this.removeAllListeners();
  }
}
