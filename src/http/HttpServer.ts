// The node's one HTTP port (ws.port), and the HTTPS one (wss.port) when a certificate is set:
// REST API, pages, and WebSocket upgrades, all under the optional path prefix.
import fs from 'node:fs';
import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors';
import type { Logger } from '../log';
import type { ClientLog } from '../limits/ClientLog';
import { normalizeAddress } from '../limits/AddressCounter';
import { sendError, sendText } from './respond';
import type { Router } from './router';
import { serveStatic } from './staticFiles';
import { refuseUpgrade } from '../rpc/upgrade';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean) => void;

export interface HttpServerOptions {
  host: string;
  port: number;
  /** HTTPS port and PEM files; no HTTPS server when null. */
  tls: { port: number; certFile: string; keyFile: string } | null;
  /** Prefix of every path, "" for none. */
  pathPrefix: string;
  router: Router;
  /** WebSocket endpoints by path (after the prefix); a key ending in `/*` matches every path below it. */
  upgrades: Record<string, UpgradeHandler>;
  /**
   * Where an upgrade at any other path goes: the command channel, since WCS's pages put an id in
   * the path (`ws://host:8080/ab12cd34`). Not for an HTTP route's path, nor one under
   * `reservedUpgradePaths`. Without it such upgrades are refused with 404.
   */
  anyPathUpgrade?: UpgradeHandler;
  /**
   * Paths (and everything below them) that mean something else even where this node does not
   * serve them (`/cdn/relay`, the secure proxy's `/proxy`): an upgrade there is never a command
   * channel, so a misdirected relay link or proxy client is told 404 instead of talking to the wrong end.
   */
  reservedUpgradePaths?: readonly string[];
  logger: Logger;
  /** Where requests the HTTP parser refuses are logged, throttled per client address. */
  clientLog: ClientLog;
  /**
   * The per-address rate limit of the routes (not of static files): the client's address, or null
   * when the request is within its rate. Over it the request is answered 429 RATE_LIMITED, not run.
   */
  overRate?: (req: IncomingMessage) => string | null;
  /**
   * On close, how long upgraded sockets (WebSockets) get to finish their close handshakes before
   * they are destroyed, so shutdown is bounded whatever clients do. Default 1500.
   */
  closeGraceMs?: number;
}

/** The answer to a request the HTTP parser refused, by the parser's error code. */
export function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization, If-Match',
  'Access-Control-Expose-Headers': 'Location, Link, ETag',
  'Access-Control-Max-Age': '600',
};

/**
 * A client has 10 s to send a request's headers, a WebSocket upgrade's (the command channel's, or
 * with cdn.relay_tls=false a relay link's) included: Node's own default is 60 s, checked every 30 s,
 * which lets a client that sends half a request hold a socket for up to 90 s. Browsers and WHIP/WHEP
 * clients send their headers at once; a slow one on a lossy link still has many round trips' time.
 */
const SERVER_OPTIONS: http.ServerOptions = { headersTimeout: 10_000, connectionsCheckingInterval: 1000 };

export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #servers: http.Server[] = [];
  /** Every accepted socket until it closes: upgraded ones leave http's own bookkeeping. */
  readonly #sockets = new Set<Socket>();
  #closed = false;

  static async create(options: HttpServerOptions): Promise<HttpServer> {
    const server = new HttpServer(options);
    await server.#listen(http.createServer(SERVER_OPTIONS), options.port, false);
    if (options.tls) {
      const secure = https.createServer({ ...SERVER_OPTIONS, cert: fs.readFileSync(options.tls.certFile), key: fs.readFileSync(options.tls.keyFile) });
      await server.#listen(secure, options.tls.port, true);
    }
    return server;
  }

  private constructor(options: HttpServerOptions) {
    this.#options = options;
  }

  /** The bound HTTP port (differs from the configured one when that was 0). */
  get port(): number {
    return (this.#servers[0].address() as AddressInfo).port;
  }

  get securePort(): number | null {
    return this.#servers[1] ? (this.#servers[1].address() as AddressInfo).port : null;
  }

  /**
   * Stops listening, closes idle and in-flight HTTP connections, and gives WebSockets
   * `closeGraceMs` to finish their close handshakes before destroying them. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = Promise.all(
      this.#servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    const grace = setTimeout(() => {
      if (this.#sockets.size > 0) this.#options.logger.info({ sockets: this.#sockets.size }, 'destroying sockets still open at shutdown');
      for (const socket of this.#sockets) socket.destroy();
    }, this.#options.closeGraceMs ?? 1500);
    await closed;
    clearTimeout(grace);
  }

  async #listen(server: http.Server, port: number, secure: boolean): Promise<void> {
    server.on('request', (req, res) => void this.#onRequest(req, res, secure));
    server.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head, secure));
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.#onClientError(err, socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#servers.push(server);
  }

  /**
   * A request the HTTP parser refused (bad request line, header too large, slow headers): answered
   * with a status and closed, unless the socket is already gone or a response is under way on it
   * (then a status would corrupt the stream: it is only closed).
   */
  #onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const remote = normalizeAddress((socket as Socket).remoteAddress ?? '');
    this.#options.clientLog.info(remote, { code: err.code }, `refused HTTP request: ${err.message}`);
    const busy = (socket as { _httpMessage?: unknown })._httpMessage; // a response in progress (as node's default handler checks)
    if (err.code === 'ECONNRESET' || !socket.writable || busy) return void socket.destroy();
    const status = clientErrorStatus(err.code);
    const body = `${STATUS_CODES[status] ?? 'Bad Request'}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // A client that does not read its answer must not keep the socket: end() waits for the flush.
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /** Strips the prefix; null when the path is outside it. */
  #localPath(rawUrl: string | undefined): { path: string; url: URL } | null {
    const url = new URL(rawUrl ?? '/', 'http://localhost');
    const prefix = this.#options.pathPrefix;
    if (!prefix) return { path: url.pathname, url };
    if (url.pathname === prefix) return { path: '/', url };
    if (!url.pathname.startsWith(prefix + '/')) return null;
    return { path: url.pathname.slice(prefix.length), url };
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse, secure: boolean): Promise<void> {
    try {
      let local;
      try {
        local = this.#localPath(req.url);
      } catch {
        return sendText(res, 400, 'the request target is not a valid path\n');
      }
      if (!local) return sendText(res, 404, 'not found\n');
      const method = req.method ?? 'GET';
      if (method === 'OPTIONS') {
        const methods = this.#options.router.methodsFor(local.path);
        if (methods.length === 0) return sendText(res, 404, 'not found\n');
        res.writeHead(204, { ...CORS_HEADERS, 'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', ') });
        return void res.end();
      }
      const match = this.#options.router.match(method, local.path);
      if (match === 'method') {
        return sendText(res, 405, 'method not allowed\n', { Allow: this.#options.router.methodsFor(local.path).join(', ') });
      }
      if (match) {
        for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
        const limited = this.#options.overRate?.(req);
        if (limited) {
          this.#options.clientLog.info(limited, { path: local.path }, 'HTTP request refused: over limits.ip.http_requests_per_s');
          return sendError(res, new AppError('RATE_LIMITED', 'too many requests from this address (limits.ip.http_requests_per_s)'), { 'Retry-After': '1' });
        }
        return await match.handler(req, res, { params: match.params, url: local.url, secure });
      }
      if ((method === 'GET' || method === 'HEAD') && serveStatic(res, local.path, method === 'HEAD')) return;
      sendText(res, 404, 'not found\n');
    } catch (err) {
      // Every 5xx is logged once: a fault of ours (anything but an AppError, whatever `code` it
      // carries) at error with its stack, a capacity answer (an AppError with a 5xx status) at warn.
      if (!(err instanceof AppError) || err.code === 'INTERNAL') this.#options.logger.error({ err, url: req.url }, 'HTTP request failed');
      else if (err.status >= 500) this.#options.logger.warn({ url: req.url, code: err.code }, err.message);
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    }
  }

  #upgradeFor(path: string): UpgradeHandler | undefined {
    const exact = this.#options.upgrades[path];
    if (exact) return exact;
    for (const [key, handler] of Object.entries(this.#options.upgrades)) {
      if (key.endsWith('/*') && path.startsWith(key.slice(0, -1))) return handler;
    }
    const reserved = (this.#options.reservedUpgradePaths ?? []).some((r) => path === r || path.startsWith(r + '/'));
    if (reserved || this.#options.router.methodsFor(path).length > 0) return undefined;
    return this.#options.anyPathUpgrade;
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
    socket.on('error', () => socket.destroy());
    let local;
    try {
      local = this.#localPath(req.url);
    } catch {
      // A target that is no URL path (`//`, `http://[`): the client's mistake, answered and closed.
      return refuseUpgrade(socket, 400, 'the request target is not a valid path');
    }
    const handler = local ? this.#upgradeFor(local.path) : undefined;
    if (!handler) return refuseUpgrade(socket, 404, 'no WebSocket endpoint at this path');
    try {
      handler(req, socket, head, secure);
    } catch (err) {
      // A handler that throws must not leave the socket open (or take the process down).
      const wire = err instanceof URIError ? { status: 400, text: 'malformed percent-encoding in the path' } : { status: 500, text: 'internal error' };
      if (wire.status === 500) this.#options.logger.error({ err, url: req.url }, 'WebSocket upgrade failed');
      if (socket.writable) refuseUpgrade(socket, wire.status, wire.text);
      else socket.destroy();
    }
  }
}
