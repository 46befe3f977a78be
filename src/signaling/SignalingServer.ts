// The WebSocket command channel: accepts upgrades handed over by the HTTP server, enforces the
// connection cap and frame size, and keeps the list of connected client sessions.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { NodeContext } from './NodeContext';
import { Peer } from '../rpc/Peer';
import { Session } from './Session';
import { refuseUpgrade } from '../rpc/upgrade';

export interface SignalingServerOptions {
  /** Largest accepted frame in bytes (ws closes the socket with 1009 above it). */
  maxPayload: number;
  /** Ping interval; silent sockets are terminated. */
  heartbeatMs: number;
  /** Cap on concurrent sessions; further handshakes get HTTP 503. */
  maxConnections: number;
}

export class SignalingServer {
  readonly #ctx: NodeContext;
  readonly #options: SignalingServerOptions;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<Session>();
  #closed = false;

  constructor(ctx: NodeContext, options: SignalingServerOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, clientTracking: false });
  }

  get sessions(): Session[] {
    return [...this.#sessions];
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
    if (this.#closed) return refuseUpgrade(socket, 503, 'node is shutting down');
    if (this.#sessions.size >= this.#options.maxConnections) {
      this.#ctx.logger.warn({ max: this.#options.maxConnections }, 'connection refused: max_connections reached');
      return refuseUpgrade(socket, 503, `TOO_MANY_CONNECTIONS: this node serves at most ${this.#options.maxConnections} clients`);
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = new Peer(ws, { logger: this.#ctx.logger, heartbeatMs: this.#options.heartbeatMs });
      const session = new Session(this.#ctx, peer, { secure, remoteAddress: req.socket.remoteAddress ?? '' });
      this.#sessions.add(session);
      peer.on('close', () => this.#sessions.delete(session));
    });
  }

  /** Closes every session (their streams and transports with them). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const session of this.#sessions) session.close();
    this.#sessions.clear();
    this.#wss.close();
  }
}
