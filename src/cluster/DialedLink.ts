// One relay link this node dials and keeps up, whatever runs over it: the origin's link to an edge
// (EdgeLink: relays) or to another origin (OriginPeerLink: claims). It opens the socket
// (relayDialer.ts), runs the two-sided proof handshake, keeps the heartbeat and the periodic digest
// while up, and re-opens the link with jittered back-off when it drops. What the link carries is
// its owner's, through the hooks.
import type { ConnectionOptions } from 'node:tls';
import type { NodeConfig } from '../config/types';
import type { Logger } from '../log';
import { Peer } from '../rpc/Peer';
import { TypedEmitter } from '../util/TypedEmitter';
import { type ConnectEdge, connectWebSocket, type EdgeSocket, reconnectDelay, relayHandshake, watchUpLink } from './relayDialer';

export type LinkState = 'connecting' | 'up' | 'down';

export interface DialedLinkHooks<T> {
  /** A new connection's Peer, before it opens: its request handler and notification listeners. */
  prepare(peer: Peer): void;
  /** The other end's `hello` answer, just before the link turns up. */
  answered(answer: T): void;
  /** The link is up (state 'up' already emitted): what the owner sends first. */
  up(peer: Peer): void;
  /** A link that was up dropped (not on close()): the owner keeps or drops what it had on it. */
  lost(): void;
  /** The periodic digest, every cdn.relay_digest_ms while up. */
  digest(): void;
}

export interface DialedLinkOptions<T> {
  config: NodeConfig;
  instanceId: string;
  logger: Logger;
  /** Where to dial (read at each attempt: a reload may change it). */
  url: () => string;
  connect?: ConnectEdge;
  relayTls?: ConnectionOptions;
  /** What the other end is, in handshake errors and the hung-link log line. */
  what: 'edge' | 'origin';
  /** The node id the other end must prove (a peer origin's); any when absent. */
  expectNodeId?: string;
  /** Log lines of the link's life. */
  messages: { up: string; down: string; handshakeFailed: string };
  hooks: DialedLinkHooks<T>;
}

type Events = { state: [state: LinkState] };

export class DialedLink<T> extends TypedEmitter<Events> {
  readonly #options: DialedLinkOptions<T>;
  #state: LinkState = 'down';
  #stateSince = Date.now();
  #peer: Peer | null = null;
  /** The socket under #peer, terminated when the heartbeat finds the other end hung. */
  #socket: EdgeSocket | null = null;
  /** The heartbeat and the periodic digest, while the link is up. */
  #upWatch: { stop(): void } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #closed = false;
  lastError = '';
  upSince: number | null = null;

  constructor(options: DialedLinkOptions<T>) {
    super();
    this.#options = options;
  }

  get state(): LinkState {
    return this.#state;
  }

  /** When the link entered its current state. */
  get stateSince(): number {
    return this.#stateSince;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The connection while the link is up (authenticated), else null. */
  get upPeer(): Peer | null {
    return this.#state === 'up' && !this.#closed ? this.#peer : null;
  }

  /** True when `peer` is the current connection (a late event about an older one is dropped). */
  isCurrent(peer: Peer): boolean {
    return peer === this.#peer;
  }

  start(): void {
    if (this.#closed || this.#peer || this.#timer) return;
    this.#connect();
  }

  /** Closes for good; `farewell` runs first, on the connection if it is up (EdgeLink's relayEnd). */
  close(farewell?: (peer: Peer) => void): void {
    if (this.#closed) return;
    const up = this.upPeer;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#stopWatching();
    if (up) farewell?.(up);
    this.#peer?.close(1001, 'origin closing');
    this.#setState('down');
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#stateSince = Date.now();
    this.emit('state', state);
  }

  #connect(): void {
    this.#timer = null;
    if (this.#closed) return;
    this.#setState('connecting');
    const { config, logger } = this.#options;
    const ws = (this.#options.connect ?? connectWebSocket(this.#options.relayTls))(this.#options.url());
    const peer = new Peer(ws, { logger, heartbeatMs: Math.min(config.wsHeartbeatMs, 5000) });
    this.#peer = peer;
    this.#socket = ws;
    this.#options.hooks.prepare(peer);
    peer.on('close', () => this.#onDown('connection closed'));
    ws.once('error', (err) => (this.lastError = err.message));
    ws.once('open', () => void this.#hello(peer, ws.channelBinding?.() ?? null));
  }

  /**
   * The relay handshake (secret.ts): the other end proves cdn_secret over this TLS session first;
   * only then does this node prove it in `hello` and, once up, send anything. The secret never
   * crosses the wire. `binding` is the session's keying material, null on a plain link.
   */
  async #hello(peer: Peer, binding: Buffer | null): Promise<void> {
    const { config, instanceId, logger, what, expectNodeId, messages, hooks } = this.#options;
    try {
      const answer = await relayHandshake<T>(peer, binding, { config, instanceId, what, expectNodeId });
      if (peer !== this.#peer || this.#closed) return;
      hooks.answered(answer);
      this.#attempt = 0;
      this.lastError = '';
      this.upSince = Date.now();
      this.#setState('up');
      logger.info({ url: this.#options.url() }, messages.up);
      this.#upWatch = watchUpLink({
        config,
        peer,
        socket: this.#socket,
        logger,
        what: what === 'edge' ? 'edge' : 'origin peer',
        isCurrent: () => peer === this.#peer,
        onHung: (why) => (this.lastError = why),
        digest: () => hooks.digest(),
      });
      hooks.up(peer);
    } catch (err) {
      this.lastError = (err as Error).message;
      logger.warn({ err: this.lastError }, messages.handshakeFailed);
      peer.close(1000, 'hello failed');
    }
  }

  #stopWatching(): void {
    this.#upWatch?.stop();
    this.#upWatch = null;
  }

  #onDown(why: string): void {
    this.#stopWatching();
    this.#peer = null;
    this.#socket = null;
    this.upSince = null;
    if (this.#state === 'up' && !this.#closed) this.#options.hooks.lost();
    if (this.#state === 'up') this.#options.logger.warn({ why }, this.#options.messages.down);
    this.#setState('down');
    if (this.#closed) return;
    const delay = reconnectDelay(this.#options.config.cdnReconnectMs, this.#attempt);
    this.#attempt++;
    this.#timer = setTimeout(() => this.#connect(), delay);
    this.#timer.unref();
  }
}
