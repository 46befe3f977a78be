// This origin's link to another origin of the cluster (loadbalancing.xml <origin>): the same TLS
// relay link and two-sided proof handshake as a link to an edge (relayDialer.ts), checked to reach
// the node id the list names. Over it this origin announces the streams it holds (peerProtocol.ts:
// a full `claims` digest when the link comes up and every cdn.relay_digest_ms, `claim`/`release` as
// they happen) and asks where the other origin's streams are relayed. Heartbeat as on edge links:
// a `ping` every cdn.heartbeat_ms, the link dropped when none was answered for
// cdn.heartbeat_timeout_ms; re-opened with jittered back-off.
import type { ConnectionOptions } from 'node:tls';
import type { EdgeNodeConfig, NodeConfig } from '../config/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import { Peer } from '../rpc/Peer';
import { TypedEmitter } from '../util/TypedEmitter';
import type { LinkState } from './EdgeLink';
import { type ConnectEdge, connectWebSocket, type EdgeSocket, reconnectDelay, relayHandshake, relayUrl, watchUpLink } from './relayDialer';

export interface OriginPeerLinkOptions {
  peer: EdgeNodeConfig;
  config: NodeConfig;
  instanceId: string;
  logger: Logger;
  /** Every claim this origin holds, sent as the `claims` digest. */
  digest: () => Record<string, unknown>;
  connect?: ConnectEdge;
  relayTls?: ConnectionOptions;
}

type Events = { state: [state: LinkState] };

export class OriginPeerLink extends TypedEmitter<Events> {
  readonly peer: EdgeNodeConfig;
  readonly #options: OriginPeerLinkOptions;
  readonly #logger: Logger;
  #state: LinkState = 'down';
  #peer: Peer | null = null;
  #socket: EdgeSocket | null = null;
  /** The heartbeat and the periodic digest, while the link is up. */
  #upWatch: { stop(): void } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #closed = false;
  lastError = '';
  upSince: number | null = null;

  constructor(options: OriginPeerLinkOptions) {
    super();
    this.peer = options.peer;
    this.#options = options;
    this.#logger = options.logger.child({ peer: options.peer.id });
  }

  get state(): LinkState {
    return this.#state;
  }

  get url(): string {
    return relayUrl(this.#options.config, this.peer);
  }

  start(): void {
    if (this.#closed || this.#peer || this.#timer) return;
    this.#connect();
  }

  /** A notification to the peer; dropped while the link is down (the next digest says it all). */
  notify(method: string, data: Record<string, unknown>): void {
    if (this.#state === 'up') this.#peer?.notify(method, data);
  }

  /** A request to the peer; NODE_CLOSING at once while the link is down. */
  request<T>(method: string, data: Record<string, unknown>): Promise<T> {
    const peer = this.#state === 'up' ? this.#peer : null;
    return peer ? peer.request<T>(method, data) : Promise.reject(new AppError('NODE_CLOSING', `the link to origin ${this.peer.id} is down`));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#stopWatching();
    this.#peer?.close(1001, 'origin closing');
    this.#setState('down');
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #connect(): void {
    this.#timer = null;
    if (this.#closed) return;
    this.#setState('connecting');
    const ws = (this.#options.connect ?? connectWebSocket(this.#options.relayTls))(this.url);
    const peer = new Peer(ws, { logger: this.#logger, heartbeatMs: Math.min(this.#options.config.wsHeartbeatMs, 5000) });
    this.#peer = peer;
    this.#socket = ws;
    // The accepting origin asks nothing over this link (its own link the other way carries its part).
    peer.setRequestHandler(() => Promise.reject(new AppError('UNKNOWN_COMMAND', 'an origin peer link takes no requests from the accepting side')));
    peer.on('close', () => this.#onDown('connection closed'));
    ws.once('error', (err) => (this.lastError = err.message));
    ws.once('open', () => void this.#hello(peer, ws.channelBinding?.() ?? null));
  }

  async #hello(peer: Peer, binding: Buffer | null): Promise<void> {
    try {
      const { config, instanceId } = this.#options;
      await relayHandshake(peer, binding, { config, instanceId, expectNodeId: this.peer.id, what: 'origin' });
      if (peer !== this.#peer || this.#closed) return;
      this.#attempt = 0;
      this.lastError = '';
      this.upSince = Date.now();
      this.#setState('up');
      this.#logger.info({ url: this.url }, 'origin peer link up');
      this.#watch(peer);
      this.#sendDigest();
    } catch (err) {
      this.lastError = (err as Error).message;
      this.#logger.warn({ err: this.lastError }, 'origin peer link handshake failed');
      peer.close(1000, 'hello failed');
    }
  }

  #watch(peer: Peer): void {
    this.#upWatch = watchUpLink({
      config: this.#options.config,
      peer,
      socket: this.#socket,
      logger: this.#logger,
      what: 'origin peer',
      isCurrent: () => peer === this.#peer,
      onHung: (why) => (this.lastError = why),
      digest: () => this.#sendDigest(),
    });
  }

  #stopWatching(): void {
    this.#upWatch?.stop();
    this.#upWatch = null;
  }

  #sendDigest(): void {
    this.notify('claims', this.#options.digest());
  }

  #onDown(why: string): void {
    this.#stopWatching();
    this.#peer = null;
    this.#socket = null;
    this.upSince = null;
    if (this.#state === 'up') this.#logger.warn({ why }, 'origin peer link down');
    this.#setState('down');
    if (this.#closed) return;
    const delay = reconnectDelay(this.#options.config.cdnReconnectMs, this.#attempt);
    this.#attempt++;
    this.#timer = setTimeout(() => this.#connect(), delay);
    this.#timer.unref();
  }
}
