// The WebSocket command channel: accepts upgrades handed over by the HTTP server, enforces the
// connection caps (per node and per client address, counted from the handshake), the frame size and
// each session's rate limit, and keeps the list of connected client sessions.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { NodeContext } from './NodeContext';
import { Peer } from '../rpc/Peer';
import { Session } from './Session';
import { refuseUpgrade } from '../rpc/upgrade';
import { AddressCounter, normalizeAddress } from '../limits/AddressCounter';
import type { ClientLog } from '../limits/ClientLog';
import { RequestGate, type RequestGateOptions } from '../limits/RequestGate';
import type { SessionCapsOptions } from '../limits/SessionCaps';

export interface SignalingServerOptions {
  /** Largest accepted frame in bytes (ws closes the socket with 1009 above it). */
  maxPayload: number;
  /** Ping interval; silent sockets are terminated. */
  heartbeatMs: number;
  /** Cap on concurrent sessions; further handshakes get HTTP 503. */
  maxConnections: number;
  /** A session that has not sent `connect` this long after its handshake is closed. */
  connectTimeoutMs: number;
  /** Concurrent connections per client address; further handshakes get HTTP 429. */
  perAddress: number;
  /** Addresses the per-address cap does not apply to. */
  exemptAddresses: readonly string[];
  /** What one session may hold. */
  caps: SessionCapsOptions;
  /** Each session's frame rate limit. */
  rate: RequestGateOptions;
  /** Where client-caused lines go, throttled per address. */
  clientLog: ClientLog;
  /** The client's address behind trusted proxies (src/http/clientAddress.ts); the socket's peer by default. */
  clientAddress?: (req: IncomingMessage) => string;
}

export class SignalingServer {
  readonly #ctx: NodeContext;
  readonly #options: SignalingServerOptions;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<Session>();
  readonly #perAddress: AddressCounter;
  /** Handshakes accepted but not yet sessions: they count against max_connections already. */
  #pending = 0;
  #closed = false;

  constructor(ctx: NodeContext, options: SignalingServerOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, clientTracking: false });
    this.#perAddress = new AddressCounter(options.perAddress, options.exemptAddresses);
  }

  get sessions(): Session[] {
    return [...this.#sessions];
  }

  /** Sockets counted against max_connections: sessions and handshakes in progress. */
  get connections(): number {
    return this.#sessions.size + this.#pending;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
    if (this.#closed) return refuseUpgrade(socket, 503, 'node is shutting down');
    const remote = this.#options.clientAddress?.(req) ?? normalizeAddress(req.socket.remoteAddress ?? '');
    if (this.connections >= this.#options.maxConnections) {
      this.#options.clientLog.warn(remote, { max: this.#options.maxConnections }, 'connection refused: max_connections reached');
      return refuseUpgrade(socket, 503, `TOO_MANY_CONNECTIONS: this node serves at most ${this.#options.maxConnections} clients`);
    }
    const release = this.#perAddress.acquire(remote);
    if (!release) {
      this.#options.clientLog.info(remote, { max: this.#perAddress.cap }, 'connection refused: limits.ip.connections reached');
      return refuseUpgrade(socket, 429, `LIMIT_REACHED: at most ${this.#perAddress.cap} connections per client address (limits.ip.connections)`);
    }
    this.#pending += 1;
    let settled = false;
    // The slot is held until the socket is gone, whether or not the handshake completes.
    const settle = () => {
      if (settled) return;
      settled = true;
      this.#pending -= 1;
    };
    socket.once('close', () => {
      settle();
      release();
    });
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      settle();
      if (this.#closed) return ws.terminate();
      const log = this.#options.clientLog;
      const gate = new RequestGate(this.#options.rate, Date.now());
      const peer = new Peer(ws, {
        logger: this.#ctx.logger,
        heartbeatMs: this.#options.heartbeatMs,
        admit: () => gate.admit(Date.now()),
        mistakeLog: (fields, message) => log.info(remote, fields, message),
      });
      const session = new Session(this.#ctx, peer, {
        secure,
        remoteAddress: remote,
        connectTimeoutMs: this.#options.connectTimeoutMs,
        caps: this.#options.caps,
      });
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
