// The dialing side of a relay link, shared by the origin's links to its edges (EdgeLink) and to
// the other origins of the cluster (OriginPeerLink): the socket (a `ws` WebSocket over TLS to the
// node's relay port, or plain ws:// when cdn.relay_tls=false) and the two-sided proof handshake
// (secret.ts): the accepting node proves cdn_secret over this TLS session first (`challenge`), so
// nothing is sent to a party that cannot; then the dialer proves it in `hello`. While up: the
// heartbeat and the periodic digest (watchUpLink); once down: the back-off (reconnectDelay).
import type { IncomingMessage } from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import WebSocket from 'ws';
import { z } from 'zod';
import { equalJitter } from '../client/jitter';
import type { EdgeNodeConfig, NodeConfig } from '../config/types';
import type { Logger } from '../log';
import type { Peer, PeerSocket } from '../rpc/Peer';
import { LinkHeartbeat } from './LinkHeartbeat';
import { hostForUrl } from './nodeUrls';
import { channelBinding } from './relayTls';
import { newNonce, RELAY_PROTOCOL_VERSION, relayProof, relayProofMatches } from './secret';

/** The accepting node's answer to `challenge` (protocol 2): its nonce and its proof over the TLS session. */
const challengeAnswer = z.object({
  version: z.number().int(),
  nonce: z.string().min(16).max(128),
  nodeId: z.string().min(1).max(128),
  // Empty from a node without cdn_secret: it then fails the proof check, which says so.
  proof: z.string().max(128),
});

/** A client socket to a relay port: what a Peer needs, plus the events of the opening handshake. */
export interface EdgeSocket extends PeerSocket {
  once(event: 'open', listener: () => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
  /** Keying material exported from the TLS session under the socket (relayTls.ts); null or absent: not TLS. */
  channelBinding?: () => Buffer | null;
}

/** Opens the relay socket to a node's URL. */
export type ConnectEdge = (url: string) => EdgeSocket;

/** A `ws` WebSocket (5 s opening handshake, 1 MiB frames) with the TLS options of relay links. */
export function connectWebSocket(tls: ConnectionOptions | undefined): ConnectEdge {
  return (url) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5000, maxPayload: 1024 * 1024, ...(url.startsWith('wss:') ? tls : {}) });
    let binding: Buffer | null = null;
    // The 101 answer arrives on the TLS socket: its exported keying material is what the proofs bind.
    ws.once('upgrade', (res: IncomingMessage) => (binding = channelBinding(res.socket)));
    return Object.assign(ws, { channelBinding: () => binding });
  };
}

/** TLS: the node's relay port, which is the relay's alone (no path prefix); plain: its ws port, as a client would. */
export function relayUrl(config: Pick<NodeConfig, 'cdnRelayTls'>, node: Pick<EdgeNodeConfig, 'ip' | 'relay' | 'ws' | 'pathPrefix'>): string {
  if (config.cdnRelayTls) return `wss://${hostForUrl(node.ip)}:${node.relay}/cdn/relay`;
  return `ws://${hostForUrl(node.ip)}:${node.ws}${node.pathPrefix}/cdn/relay`;
}

export interface HandshakeOptions {
  config: Pick<NodeConfig, 'cdnRelayTls' | 'cdnSecret' | 'nodeId'>;
  instanceId: string;
  /** The node id the other end must prove as (a peer origin's, from loadbalancing.xml); any when absent (an edge's). */
  expectNodeId?: string;
  /** What the other end is, in error messages (`lastError` in show_routes). Default 'edge'. */
  what?: 'edge' | 'origin';
}

/**
 * The relay handshake on a freshly opened link: the other end proves cdn_secret over this TLS
 * session first; only then does this node prove it in `hello`. The secret never crosses the wire.
 * `binding` is the session's keying material, null on a plain link. Resolves with the `hello`
 * answer; throws (nothing more sent) when the other end cannot prove the secret.
 */
export async function relayHandshake<T>(peer: Peer, binding: Buffer | null, options: HandshakeOptions): Promise<T> {
  const { config, instanceId } = options;
  const what = options.what ?? 'edge';
  if (config.cdnRelayTls && !binding) throw new Error('the relay link has no TLS session to bind the proofs to');
  const originNonce = newNonce();
  const challenge = challengeAnswer.safeParse(await peer.request('challenge', { version: RELAY_PROTOCOL_VERSION, nonce: originNonce }));
  if (!challenge.success || challenge.data.version !== RELAY_PROTOCOL_VERSION) {
    throw new Error(`the ${what} answered the challenge of relay protocol ${RELAY_PROTOCOL_VERSION} with something else (an older version?)`);
  }
  const transcript = { binding, originNonce, edgeNonce: challenge.data.nonce };
  if (!relayProofMatches(config.cdnSecret, 'edge', transcript, [challenge.data.nodeId], challenge.data.proof)) {
    // Nothing more is sent: whoever answered may be a man in the middle (its own TLS session
    // with us, another with the other end) or a node with another cdn_secret.
    throw new Error(`the ${what} did not prove cdn_secret over this TLS session (another cdn_secret, or a man in the middle); nothing sent`);
  }
  if (options.expectNodeId !== undefined && challenge.data.nodeId !== options.expectNodeId) {
    // A cluster node, but not the one loadbalancing.xml names at this address (a mixed-up list).
    throw new Error(`the node at this address is "${challenge.data.nodeId}", not "${options.expectNodeId}" (check <origin> in loadbalancing.xml)`);
  }
  return peer.request<T>('hello', {
    originId: config.nodeId,
    instanceId,
    proof: relayProof(config.cdnSecret, 'origin', transcript, [config.nodeId, instanceId]),
  });
}

export interface UpLinkWatchOptions {
  config: Pick<NodeConfig, 'cdnHeartbeatMs' | 'cdnHeartbeatTimeoutMs' | 'cdnRelayDigestMs'>;
  peer: Peer;
  socket: EdgeSocket | null;
  logger: Logger;
  /** What the other end is, in the log line of a hung link ("edge", "origin peer"). */
  what: string;
  /** False once the link was replaced: a late verdict about it is dropped. */
  isCurrent: () => boolean;
  /** The link is hung (`why` for lastError); its socket is terminated right after. */
  onHung: (why: string) => void;
  /** Sends the link's digest, every cdn.relay_digest_ms. */
  digest: () => void;
}

/**
 * What a dialed link runs while it is up: a `ping` every cdn.heartbeat_ms, the socket terminated
 * when none was answered for cdn.heartbeat_timeout_ms (a stopped or partitioned peer; WebSocket
 * pings notice a dead TCP peer slowly), and the periodic digest. Returns the stop of both.
 */
export function watchUpLink(options: UpLinkWatchOptions): { stop(): void } {
  const { config, peer, socket, logger } = options;
  const heartbeat = new LinkHeartbeat({
    intervalMs: config.cdnHeartbeatMs,
    timeoutMs: config.cdnHeartbeatTimeoutMs,
    ping: () => peer.request('ping', {}),
    logger,
    onHung: (silentMs) => {
      if (!options.isCurrent()) return;
      options.onHung(`no answer to heartbeat pings for ${silentMs} ms`);
      logger.warn({ silentMs }, `${options.what} is not answering heartbeat pings; dropping its link`);
      // terminate, not close: a hung peer would not answer a close handshake either.
      socket?.terminate();
    },
  });
  const digest = setInterval(options.digest, config.cdnRelayDigestMs);
  digest.unref();
  return {
    stop: () => {
      heartbeat.stop();
      clearInterval(digest);
    },
  };
}

/**
 * The wait before reconnecting a dropped link: cdn.reconnect_ms doubled per failed attempt, at most
 * 10x, with equal jitter, so the links of several origins (or a restarted node's) do not retry in lock-step.
 */
export function reconnectDelay(baseMs: number, attempt: number): number {
  return equalJitter(Math.min(baseMs * 2 ** attempt, baseMs * 10));
}
