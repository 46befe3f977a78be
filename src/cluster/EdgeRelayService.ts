// The edge side of the static CDN: accepts relay links from an origin (over TLS on cdn.relay_port,
// see RelayEntrance; or plain at <prefix>/cdn/relay when cdn.relay_tls=false), proves to the
// origin that it knows the cluster secret and checks that the origin does (both proofs bound to
// the TLS session, secret.ts), and hands its relay commands to the origin's session
// (EdgeRelaySession: its pipes, and each relayed stream as a local stream fed by one of them).
//
// An origin that goes silent (stopped, partitioned) for `cdn.heartbeat_timeout_ms` has its link
// dropped. Its session is not: it is kept for `cdn.link_grace_ms` while its pipes carry media, and
// the next link of the same origin instance takes it over (EdgeSessions); a pipe that went silent
// too goes with its streams at once, so players are not left watching a frozen picture. Nothing a
// race leaves behind outlives the origin's next `relayDigest`, answered with `relayHeld` so the
// origin restores what is missing here.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { NodeConfig } from '../config/types';
import { AppError, peerMistake } from '../errors';
import type { Logger } from '../log';
import { Peer, type PeerSocket } from '../rpc/Peer';
import type { PublishService } from '../streams/PublishService';
import { refuseUpgrade } from '../rpc/upgrade';
import { SilenceWatch } from './LinkHeartbeat';
import type { EdgeRelaySession } from './EdgeRelaySession';
import { EdgeSessions, type SessionLink } from './EdgeSessions';
import {
  originInfoNotification,
  parseRelayRequest,
  type RelayRequest,
  relayEndNotification,
  type DescendantReport,
  upstreamNotification,
  watchNotification,
} from './relayProtocol';
import type { OriginInfo } from './EdgeLink';
import type { PublishRedirect } from '../streams/PublishService';
import type { Stream } from '../streams/Stream';
import { HandshakeFailures } from './handshakeFailures';
import type { PendingRelay } from './pendingRelays';
import { newNonce, RELAY_PROTOCOL_VERSION, relayProof, relayProofMatches } from './secret';
import type { InboundPeer } from './OriginPeers';

/**
 * The other origins of this node's <origin> list (OriginPeers): their links come in on the same
 * entrance and handshake, and once authenticated carry claims (peerProtocol.ts), not relays.
 */
export interface PeerLinks {
  isPeer(originId: string): boolean;
  attach(originId: string): InboundPeer;
}

/** How a relay socket came in: the TLS session's keying material (null on a plain link) and its pending-relay slot. */
export interface RelayEntry {
  binding: Buffer | null;
  pending?: PendingRelay;
}

export interface EdgeRelayServiceOptions {
  config: NodeConfig;
  logger: Logger;
  /** Makes the relayed streams (the same service every way of publishing goes through). */
  publish: PublishService;
  /** This node's load, reported to linked origins every `cdn.load_report_ms` (config.cdnLoadReportMs). */
  load: () => {
    players: number;
    cpuLoad: number;
    connections: number;
    streams?: Record<string, number>;
    bitrateIn?: number;
    bitrateOut?: number;
    /** A relay: the nodes below it (relay tiers). */
    descendants?: DescendantReport[];
  };
  /** A linked origin said where publishers reach it (a relay tells its own nodes: relay tiers). */
  originInfoChanged?: () => void;
}

/** One origin's link to this edge. */
class InboundLink implements SessionLink {
  readonly id = randomUUID();
  readonly since = Date.now();
  originId = '';
  instanceId = '';
  authenticated = false;
  /** The nonces of this link's handshake, once the origin asked for a challenge (single use). */
  transcript: { originNonce: string; edgeNonce: string } | null = null;
  /** A link gets one challenge: the nonces are single use, whatever the hello's outcome. */
  challenged = false;
  /** Closes the link if the handshake is not done in time (config.cdnHandshakeTimeoutMs). */
  handshakeTimer: NodeJS.Timeout | null = null;
  /** The origin's session (pipes and relayed streams) this link carries, once it is authenticated. */
  relays: EdgeRelaySession | null = null;
  loadTimer: NodeJS.Timeout | null = null;
  /** Drops the link when the origin goes silent (started once the link is authenticated). */
  silence: SilenceWatch | null = null;
  /** The origin has a console open and wants this edge's traffic in its load reports (`watch`). */
  watched = false;
  /** Where publishers reach this origin (`originInfo`), once it said. */
  originInfo: OriginInfo | null = null;
  /** Set when the link is another origin of this node's <origin> list: it carries claims, not relays. */
  peerLink: InboundPeer | null = null;
  constructor(
    readonly peer: Peer,
    readonly remote: string,
    readonly entry: RelayEntry,
  ) {}

  notify(method: string, data: Record<string, unknown>): void {
    this.peer.notify(method, data);
  }
}

export class EdgeRelayService {
  readonly #options: EdgeRelayServiceOptions;
  readonly #wss: WebSocketServer;
  readonly #links = new Set<InboundLink>();
  /** Failed handshakes per remote address: refused over the limit, logged once per window. */
  readonly #failures = new HandshakeFailures();
  readonly #failureSummary: NodeJS.Timeout;
  /** Every origin's relay session, kept through a blip of its link. */
  readonly #sessions: EdgeSessions;
  #peers: PeerLinks | null = null;
  /** pullStream rounds in flight, by stream name (pull()). */
  readonly #pulls = new Map<string, Promise<boolean>>();
  #closed = false;

  constructor(options: EdgeRelayServiceOptions) {
    this.#options = options;
    this.#sessions = new EdgeSessions({
      config: options.config,
      publish: options.publish,
      logger: options.logger,
      // The streams of a lost relay: asked of the feeders still linked (a standby fall-back answers).
      orphaned: (streams) => {
        for (const stream of streams) void this.pull(stream);
      },
    });
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, clientTracking: false });
    this.#failureSummary = setInterval(() => this.#logFailures(), this.#failures.windowMs);
    this.#failureSummary.unref();
  }

  /** On an origin of several: the other origins, whose links are peer links. */
  setPeers(peers: PeerLinks | null): void {
    this.#peers = peers;
  }

  /** Authenticated links of origins relaying to this node (peer links of other origins are not). */
  #relayLinks(): InboundLink[] {
    return [...this.#links].filter((l) => l.authenticated && !l.peerLink);
  }

  /** True while an origin holds an authenticated link to this node, or its relays are kept through a blip of one. */
  get linked(): boolean {
    return this.#relayLinks().length > 0 || this.#sessions.inGrace().length > 0;
  }

  /** True while a linked origin's console wants this node's traffic figures (see relayProtocol `watch`). */
  get watched(): boolean {
    return this.#relayLinks().some((l) => l.watched);
  }

  /** Where publishers reach each linked origin (its originInfo), for the command channel's `connect` answer. */
  originUrls(): { id: string; url: string; secureUrl?: string }[] {
    return this.#relayLinks().flatMap((l) =>
      l.originInfo ? [{ id: l.originId, url: l.originInfo.url, ...(l.originInfo.secureUrl ? { secureUrl: l.originInfo.secureUrl } : {}) }] : [],
    );
  }

  links(): { originId: string; remote: string; since: string; streams: string[] }[] {
    return this.#relayLinks().map((l) => ({
      originId: l.originId,
      remote: l.remote,
      since: new Date(l.since).toISOString(),
      streams: l.relays?.streams() ?? [],
    }));
  }

  /** Drops every authenticated link of `originId` (a reload changed whether it is a peer origin): it redials. */
  dropOrigin(originId: string, why: string): void {
    for (const link of [...this.#links]) if (link.authenticated && link.originId === originId) this.#dropLink(link, why);
  }

  /** A relay upgrade that passed the entrance's gate (RelayEntrance): refused and destroyed when closing or blocked. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, entry: RelayEntry): void {
    const refuse = (status: number, reason: string): void => {
      refuseUpgrade(socket, status, reason);
      socket.destroy();
    };
    if (this.#closed) return refuse(503, 'node is shutting down');
    if (this.#failures.blocked(addressOf(req.socket.remoteAddress ?? ''), Date.now())) {
      return refuse(429, 'too many failed relay handshakes; try again later');
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws, `${req.socket.remoteAddress}:${req.socket.remotePort}`, entry));
  }

  /**
   * Serves an origin's relay link on an already-open socket (the upgrade path's, or one end of an
   * in-memory pair in tests). `remote` names the other side in logs and links(); `entry` carries
   * the TLS session's keying material the proofs are bound to (null: a plain link).
   */
  adopt(socket: PeerSocket, remote: string, entry: RelayEntry = { binding: null }): void {
    if (this.#closed) return void socket.close(1001, 'node is shutting down');
    // With relay TLS on, a link without a TLS session never authenticates: refused at once.
    if (this.#options.config.cdnRelayTls && !entry.binding) return void socket.terminate();
    const peer = new Peer(socket, { logger: this.#options.logger, heartbeatMs: this.#options.config.wsHeartbeatMs });
    const link = new InboundLink(peer, remote, entry);
    this.#links.add(link);
    // A socket that never proves the secret must not stay open (nor count) for ever: destroyed,
    // not closed, since a peer that stalls its handshake would not answer a close either.
    link.handshakeTimer = setTimeout(() => {
      this.#failed(link, 'handshake timeout');
      socket.terminate();
      this.#dropLink(link, 'handshake timeout');
    }, this.#options.config.cdnHandshakeTimeoutMs);
    link.handshakeTimer.unref();
    peer.setRequestHandler(async (req) => {
      // A peer origin's link: its own requests (peerProtocol.ts), validated there.
      if (link.peerLink) {
        link.silence?.heard();
        return link.peerLink.request(req.method, req.data);
      }
      const request = parseRelayRequest(req.method, req.data);
      try {
        return await this.#handle(link, request);
      } catch (err) {
        throw peerMistake(err, request.method);
      }
    });
    peer.on('notification', (n) => {
      if (!link.authenticated) return;
      link.silence?.heard();
      if (link.peerLink) return link.peerLink.notice(n.method, n.data);
      if (n.method === 'relayEnd') {
        if (relayEndNotification.safeParse(n.data).success) this.#sessions.end(link, 'the origin ended its relays here (relayEnd); its streams dropped');
        else this.#options.logger.warn({ origin: link.originId }, 'origin sent a bad relayEnd');
      }
      if (n.method === 'relayDigest') {
        const session = this.#session(link);
        const held = session.reconcile(n.data);
        if (held) {
          link.notify('relayHeld', held);
          // Where each stream's events stand here: the origin sends what a blip kept from us.
          link.notify('relayEventsHeld', session.eventsHeld(held.seq));
        }
      }
      if (n.method === 'relayStreamEvent' || n.method === 'relayStreamState') this.#session(link).streamEvent(n.method, n.data);
      if (n.method === 'originInfo') {
        const info = originInfoNotification.safeParse(n.data);
        if (info.success) {
          link.originInfo = info.data;
          this.#options.originInfoChanged?.();
        } else this.#options.logger.warn({ origin: link.originId }, 'origin sent a bad originInfo');
      }
      if (n.method === 'upstream') {
        const upstream = upstreamNotification.safeParse(n.data);
        if (upstream.success) this.#sessions.setRank(link, upstream.data.rank);
        else this.#options.logger.warn({ origin: link.originId }, 'feeder sent a bad upstream notification');
      }
      if (n.method === 'watch') {
        const watch = watchNotification.safeParse(n.data);
        if (watch.success) link.watched = watch.data.on;
        else this.#options.logger.warn({ origin: link.originId }, 'origin sent a bad watch notification');
      }
    });
    peer.on('close', () => this.#dropLink(link, 'link closed'));
  }

  /** Where publishers reach the first linked origin that said (a relay passes it to its own nodes), or null. */
  upstreamOriginInfo(): OriginInfo | null {
    return this.#relayLinks().find((l) => l.originInfo)?.originInfo ?? null;
  }

  /**
   * The origin a publisher reaching this edge is sent to (PublishService.redirect): the first linked
   * origin that said where publishers reach it, by the URLs that fit the client (secure or not);
   * null when there is none.
   */
  publishRedirect(secure: boolean): PublishRedirect | null {
    for (const link of this.#relayLinks()) {
      const info = link.originInfo;
      const url = secure ? info?.secureUrl : info?.url;
      const httpBase = secure ? info?.secureHttpBase : info?.httpBase;
      if (url && httpBase) return { nodeId: link.originId, url, httpBase };
    }
    return null;
  }

  /**
   * A player here asks for a stream this node does not hold (an on-demand edge): asks every linked
   * origin at once (pullStream); the one that holds the stream answers once its relay here is in
   * place, the others with STREAM_NOT_FOUND. Resolves true when one did, false when none holds
   * it (or none is linked). Concurrent players of one name share one round of asks.
   */
  pull(stream: string): Promise<boolean> {
    const inFlight = this.#pulls.get(stream);
    if (inFlight) return inFlight;
    const links = this.#relayLinks();
    if (links.length === 0) return Promise.resolve(false);
    const asks = links.map((l) => l.peer.request('pullStream', { stream }).then(() => true));
    const pull = Promise.any(asks)
      .catch((err: AggregateError) => {
        const reasons = err.errors.map((e: unknown) => (e instanceof AppError ? e.code : String(e)));
        // STREAM_NOT_FOUND from every origin is the ordinary answer; anything else is worth a line.
        if (reasons.some((r) => r !== 'STREAM_NOT_FOUND')) this.#options.logger.warn({ stream, reasons }, 'no origin sent the stream on demand');
        return false;
      })
      .finally(() => this.#pulls.delete(stream));
    this.#pulls.set(stream, pull);
    return pull;
  }

  /**
   * Passes a data event for a relayed stream on to its origin (StreamEventService's forwarder),
   * which numbers it and relays it to every edge: ORIGIN_UNREACHABLE while that origin's link is
   * down; the origin's own refusals (RATE_LIMITED, EVENT_TOO_LARGE, ...) as it gives them.
   */
  async forwardEvent(stream: Stream, payload: unknown): Promise<{ seq: number }> {
    const originId = stream.source.kind === 'relay' ? stream.source.originId : null;
    const link = this.#relayLinks().find((l) => l.originId === originId);
    const unreachable = () => new AppError('ORIGIN_UNREACHABLE', `stream "${stream.name}" comes from origin "${originId}", whose link to this edge is down`);
    if (!link) throw unreachable();
    try {
      const answer = await link.peer.request<{ seq?: unknown }>('sendStreamEvent', { stream: stream.name, payload });
      return { seq: typeof answer.seq === 'number' ? answer.seq : 0 };
    } catch (err) {
      if (err instanceof AppError && err.code === 'NODE_CLOSING') throw unreachable();
      throw err;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#failureSummary);
    this.#logFailures();
    for (const link of [...this.#links]) this.#dropLink(link, 'node closing');
    this.#sessions.close();
    this.#wss.close();
  }

  #dropLink(link: InboundLink, why: string): void {
    if (!this.#links.delete(link)) return;
    if (link.loadTimer) clearInterval(link.loadTimer);
    link.silence?.stop();
    if (link.handshakeTimer) clearTimeout(link.handshakeTimer);
    // The session stays for cdn.link_grace_ms (EdgeSessions logs it); node closing ends it in close().
    if (link.peerLink) link.peerLink.down(why);
    else if (link.relays) this.#sessions.detach(link, why);
    else if (link.authenticated) this.#options.logger.info({ origin: link.originId }, `origin link down (${why})`);
    link.relays = null;
    link.peer.close(1000, why);
  }

  async #handle(link: InboundLink, request: RelayRequest): Promise<unknown> {
    if (request.method === 'challenge') return this.#challenge(link, request.data);
    if (request.method === 'hello') {
      const answer = this.#hello(link, request.data);
      this.#watchOrigin(link);
      // Takes over the origin's session now: a restarted origin's old streams go at once.
      if (link.authenticated && !link.peerLink) this.#session(link);
      return answer;
    }
    if (!link.authenticated) {
      this.#failed(link, `${request.method} before hello`);
      throw new AppError('UNAUTHORIZED', 'ask for a challenge and answer it with hello first');
    }
    link.silence?.heard();
    switch (request.method) {
      case 'ping':
        return {};
      default:
        return this.#session(link).handle(request);
    }
  }

  /** The session of the link's origin that relay commands and digests go to (taken over, or made, on first use). */
  #session(link: InboundLink): EdgeRelaySession {
    link.relays ??= this.#sessions.attach(link.originId, link.instanceId, link);
    return link.relays;
  }

  /**
   * The origin's challenge: this edge answers with its own nonce and its proof of cdn_secret over
   * the TLS session and both nonces, so the origin can check the edge before it sends anything.
   * One challenge per link; an origin of another protocol version is told so (RELAY_VERSION).
   */
  #challenge(link: InboundLink, data: { version?: number; nonce?: string }): unknown {
    const { config } = this.#options;
    if (link.authenticated || link.challenged) throw new AppError('ALREADY_CONNECTED', 'this link already had its challenge');
    link.challenged = true;
    if (data.version !== RELAY_PROTOCOL_VERSION || data.nonce === undefined) {
      // Counted as a failed handshake; the origin hangs up on this answer (or the handshake timeout does).
      this.#failed(link, `relay protocol ${data.version ?? 1} (this node speaks ${RELAY_PROTOCOL_VERSION})`);
      throw new AppError(
        'RELAY_VERSION',
        `this node speaks relay protocol ${RELAY_PROTOCOL_VERSION} (TLS on cdn.relay_port, proofs from both ends); the origin sent ${data.version ?? 'none (protocol 1)'}: upgrade it`,
      );
    }
    link.transcript = { originNonce: data.nonce, edgeNonce: newNonce() };
    const proof = relayProof(config.cdnSecret, 'edge', { binding: link.entry.binding, ...link.transcript }, [config.nodeId]);
    return { version: RELAY_PROTOCOL_VERSION, nonce: link.transcript.edgeNonce, nodeId: config.nodeId, proof };
  }

  #hello(link: InboundLink, data: { originId: string; instanceId: string; proof: string }): unknown {
    const { config, logger } = this.#options;
    if (link.authenticated) throw new AppError('ALREADY_CONNECTED', 'hello was already sent on this link');
    const transcript = link.transcript;
    link.transcript = null; // single use, whatever the outcome
    const ids = [data.originId, data.instanceId];
    if (transcript === null || !relayProofMatches(config.cdnSecret, 'origin', { binding: link.entry.binding, ...transcript }, ids, data.proof)) {
      this.#failed(
        link,
        transcript === null
          ? 'hello without a challenge'
          : config.cdnSecret
            ? 'wrong cluster secret or another TLS session (a man in the middle)'
            : 'cdn_secret is not set on this node',
      );
      // Answer first, then hang up: the origin learns why.
      setTimeout(() => this.#dropLink(link, 'unauthorized'), 200).unref();
      throw new AppError('UNAUTHORIZED', 'cluster secret does not match');
    }
    if (link.handshakeTimer) clearTimeout(link.handshakeTimer);
    link.handshakeTimer = null;
    // No longer pending: this socket stops counting against the unauthenticated caps.
    link.entry.pending?.authenticated();
    // A restarted origin (same id, new instance) replaces its old link and that link's streams.
    for (const other of [...this.#links]) {
      if (other !== link && other.authenticated && other.originId === data.originId) this.#dropLink(other, 'replaced by a new link from the same origin');
    }
    link.authenticated = true;
    link.originId = data.originId;
    link.instanceId = data.instanceId;
    if (this.#peers?.isPeer(data.originId)) {
      // Another origin of the cluster: no relays, no load reports; its claims go to OriginPeers.
      link.peerLink = this.#peers.attach(data.originId);
      logger.info({ peer: data.originId, remote: link.remote }, 'origin peer link in');
      return { nodeId: config.nodeId, load: this.#options.load() };
    }
    link.loadTimer = setInterval(() => link.peer.notify('load', this.#options.load()), config.cdnLoadReportMs);
    link.loadTimer.unref();
    logger.info({ origin: data.originId, remote: link.remote }, 'origin link up');
    return { nodeId: config.nodeId, load: this.#options.load() };
  }

  /** Starts expecting the origin's heartbeat once the link is authenticated (a refused hello threw before). */
  #watchOrigin(link: InboundLink): void {
    const { config, logger } = this.#options;
    if (!link.authenticated || link.silence) return;
    link.silence = new SilenceWatch({
      timeoutMs: config.cdnHeartbeatTimeoutMs,
      onSilent: (silentMs) => {
        logger.warn({ origin: link.originId, remote: link.remote, silentMs }, 'origin silent past cdn.heartbeat_timeout_ms; dropping its link');
        this.#dropLink(link, `origin silent for ${silentMs} ms`);
      },
    });
  }

  /**
   * A failed handshake: the first from an address in a window is logged alone (with why), the rest
   * are summed up every window ("N failed relay handshakes from <ip> in the last 10 s").
   */
  #failed(link: InboundLink, why: string): void {
    const address = addressOf(link.remote);
    if (this.#failures.record(address, Date.now()).first) {
      this.#options.logger.warn({ remote: link.remote, why }, 'relay handshake failed');
    }
  }

  #logFailures(): void {
    const seconds = Math.round(this.#failures.windowMs / 1000);
    for (const { address, count } of this.#failures.drain(Date.now())) {
      this.#options.logger.warn({ remote: address, count }, `${count} failed relay handshakes from ${address} in the last ${seconds} s`);
    }
  }
}

/** The address part of "ip:port" (IPv6 too), or the remote as given when it has no port. */
function addressOf(remote: string): string {
  return remote.replace(/:\d+$/, '').replace(/^::ffff:(?=\d+\.)/, '');
}
