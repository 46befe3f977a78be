// The TLS port relay links come in on (cdn.relay_port; docs/networks.md: the one port a firewall
// between data centres opens for them). Every accepted TCP socket passes the pending-relay gate
// first (pendingRelays.ts): over a cap it is destroyed before any TLS work is spent on it (no
// status can be sent before TLS; the origin logs the reset). Admitted ones get TLS 1.3, then an
// HTTP upgrade to /cdn/relay, then the relay handshake, all within cdn.handshake_timeout_ms; the
// server's own TLS handshake, header and request timeouts are set to the same bound, so nothing
// waits for Node's 60 s defaults.
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket, TlsOptions } from 'node:tls';
import { normalizeAddress } from '../limits/AddressCounter';
import type { Logger } from '../log';
import { refuseUpgrade } from '../rpc/upgrade';
import { HandshakeFailures } from './handshakeFailures';
import type { PendingRelay, PendingRelays } from './pendingRelays';
import { channelBinding } from './relayTls';

export interface RelayListenerOptions {
  host: string;
  port: number;
  tls: TlsOptions;
  /** Refuse peers whose certificate the CA in `tls` did not sign (cdn.relay_ca_file is set). */
  verifyPeers: boolean;
  gate: PendingRelays;
  handshakeTimeoutMs: number;
  logger: Logger;
  /** A relay upgrade on an admitted socket, with the TLS session's keying material. */
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer, entry: { binding: Buffer; pending: PendingRelay }) => void;
}

/** The path of relay links on this port (no path prefix: the port is the relay's alone). */
export const RELAY_PATH = '/cdn/relay';

export class RelayListener {
  readonly #server: https.Server;
  /** Admitted sockets by "address:port" (the TCP socket and its TLS socket share it). */
  readonly #pending = new Map<string, PendingRelay>();
  /** Every socket until it closes, so close() can destroy those whose peers do not hang up. */
  readonly #sockets = new Set<Socket>();

  static async create(options: RelayListenerOptions): Promise<RelayListener> {
    const listener = new RelayListener(options);
    await new Promise<void>((resolve, reject) => {
      listener.#server.once('error', reject);
      listener.#server.listen(options.port, options.host, () => {
        listener.#server.off('error', reject);
        resolve();
      });
    });
    return listener;
  }

  private constructor(options: RelayListenerOptions) {
    const bound = options.handshakeTimeoutMs;
    this.#server = https.createServer({
      ...options.tls,
      handshakeTimeout: bound,
      headersTimeout: bound,
      requestTimeout: bound,
      keepAliveTimeout: 1000,
      // How often Node checks headersTimeout/requestTimeout (default 30 s, far above our bound).
      connectionsCheckingInterval: Math.min(1000, bound),
    });
    // Before the TLS handshake starts: a socket over a cap costs nothing more than its accept.
    this.#server.prependListener('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      const admitted = options.gate.admit(socket, normalizeAddress(socket.remoteAddress ?? ''));
      if (typeof admitted === 'string') return void socket.destroy();
      this.#pending.set(key, admitted);
      socket.once('close', () => this.#pending.delete(key));
    });
    // A failed TLS handshake (a scanner, a plain client, a certificate the CA did not sign): the
    // socket is destroyed; the first failure per address and window is logged with its reason
    // (an operator's CA mistake shows here), the rest are not, so a flood costs no log lines.
    const tlsFailures = new HandshakeFailures();
    const refuse = (socket: Socket, why: string): void => {
      const address = normalizeAddress(socket.remoteAddress ?? ''); // before destroy(), which forgets it
      socket.destroy();
      if (address && tlsFailures.record(address, Date.now()).first) options.logger.warn({ remote: address, err: why }, 'relay TLS handshake failed');
      tlsFailures.drain(Date.now());
    };
    this.#server.on('tlsClientError', (err, socket) => refuse(socket as Socket, err.message));
    // With a CA: the peer's certificate is checked here, so that a refusal says why.
    this.#server.on('secureConnection', (socket: TLSSocket) => {
      if (options.verifyPeers && !socket.authorized) refuse(socket, `peer certificate not accepted: ${String(socket.authorizationError)}`);
    });
    this.#server.on('request', (_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end(`this port takes relay links only (${RELAY_PATH})\n`);
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      // Refused after the TLS handshake (a certificate the CA did not sign) with a request already buffered.
      if (socket.destroyed) return;
      const tcp = req.socket;
      const pending = this.#pending.get(`${tcp.remoteAddress}:${tcp.remotePort}`);
      const binding = channelBinding(tcp);
      if (pathOf(req.url) !== RELAY_PATH || !pending || !binding) {
        refuseUpgrade(socket, 404, `this port takes relay links at ${RELAY_PATH} only`);
        return void setTimeout(() => socket.destroy(), 1000).unref();
      }
      options.onUpgrade(req, socket, head, { binding, pending });
    });
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /**
   * Stops listening; sockets still open after `graceMs` (links whose close handshake the peer does
   * not answer, pending ones) are destroyed, so shutdown is bounded whatever peers do.
   */
  async close(graceMs = 1000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const grace = setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(grace);
  }
}

/** The path of a request target, or null for one that is not a valid path (a stranger's bytes: never a throw). */
function pathOf(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'https://relay').pathname;
  } catch {
    return null;
  }
}
