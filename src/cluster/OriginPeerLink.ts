// This origin's link to another origin of the cluster (loadbalancing.xml <origin>): the same TLS
// relay link and two-sided proof handshake as a link to an edge (DialedLink), checked to reach the
// node id the list names. Over it this origin announces the streams it holds (peerProtocol.ts: a
// full `claims` digest when the link comes up and every cdn.relay_digest_ms, `claim`/`release` as
// they happen) and asks where the other origin's streams are relayed. Heartbeat as on edge links:
// a `ping` every cdn.heartbeat_ms, the link dropped when none was answered for
// cdn.heartbeat_timeout_ms; re-opened with jittered back-off.
import type { ConnectionOptions } from 'node:tls';
import type { EdgeNodeConfig, NodeConfig } from '../config/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import { DialedLink, type LinkState } from './DialedLink';
import { type ConnectEdge, relayUrl } from './relayDialer';

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

export class OriginPeerLink {
  readonly peer: EdgeNodeConfig;
  readonly #config: NodeConfig;
  readonly #link: DialedLink<unknown>;

  constructor(options: OriginPeerLinkOptions) {
    this.peer = options.peer;
    this.#config = options.config;
    const logger = options.logger.child({ peer: options.peer.id });
    const sendDigest = () => this.notify('claims', options.digest());
    this.#link = new DialedLink<unknown>({
      config: options.config,
      instanceId: options.instanceId,
      logger,
      url: () => this.url,
      connect: options.connect,
      relayTls: options.relayTls,
      what: 'origin',
      expectNodeId: options.peer.id,
      messages: { up: 'origin peer link up', down: 'origin peer link down', handshakeFailed: 'origin peer link handshake failed' },
      hooks: {
        // The accepting origin asks nothing over this link (its own link the other way carries its part).
        prepare: (peer) =>
          peer.setRequestHandler(() => Promise.reject(new AppError('UNKNOWN_COMMAND', 'an origin peer link takes no requests from the accepting side'))),
        answered: () => {},
        up: sendDigest,
        lost: () => {},
        digest: sendDigest,
      },
    });
  }

  get state(): LinkState {
    return this.#link.state;
  }

  get lastError(): string {
    return this.#link.lastError;
  }

  get url(): string {
    return relayUrl(this.#config, this.peer);
  }

  start(): void {
    this.#link.start();
  }

  /** A notification to the peer; dropped while the link is down (the next digest says it all). */
  notify(method: string, data: Record<string, unknown>): void {
    this.#link.upPeer?.notify(method, data);
  }

  /** A request to the peer; NODE_CLOSING at once while the link is down. */
  request<T>(method: string, data: Record<string, unknown>): Promise<T> {
    const peer = this.#link.upPeer;
    return peer ? peer.request<T>(method, data) : Promise.reject(new AppError('NODE_CLOSING', `the link to origin ${this.peer.id} is down`));
  }

  close(): void {
    this.#link.close();
  }
}
