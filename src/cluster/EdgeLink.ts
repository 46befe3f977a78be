// The origin's link to one edge: a WebSocket over TLS to the edge's relay port (`<relay>`, or plain
// ws:// to <edge>/cdn/relay when cdn.relay_tls=false), on which both ends prove the cluster secret
// over the TLS session (secret.ts): the edge first, so nothing is sent to a party that cannot prove
// it (a man in the middle). Kept alive by the heartbeat and re-opened with jittered back-off when it
// drops (the connection itself is a DialedLink, shared with the links to other origins). While the link is up, every local stream is relayed to the edge (RelaySession: the relays,
// and the pipes they share, one per local worker); when it drops, the relays are kept for
// cdn.link_grace_ms and the next connection reconciles them with the edge (relayDigest /
// relayHeld), or, past the grace, they go and are set up again on the next one. A relay that fails
// is tried again with back-off unless the edge's answer says it never can succeed
// (src/cluster/relayRetry.ts).
//
// On-demand edges (loadbalancing.xml distribution="on_demand"): only the streams a player needs
// there are relayed (pull(), from the origin's redirect or the edge's own pullStream), and each is
// ended once the edge's load reports have shown no player of it for cdn.on_demand_linger_ms
// (linger.ts). A push edge gets every local stream, as the static CDN always did.
//
// Hung edges: a WebSocket ping every few seconds notices a dead TCP peer slowly, so while the link
// is up the origin also sends a `ping` request every `cdn.heartbeat_ms` and drops the link when none
// was answered for `cdn.heartbeat_timeout_ms` (a stopped or partitioned edge): the edge is no longer
// chosen for players, and reconnecting re-admits it with every live stream. Leaks: when the link
// comes up and every `cdn.relay_digest_ms`, the edge is sent the list of pipes and relays this link
// has (`relayDigest`), and drops any pipe or relayed stream of the link that is not on it.
import type { ConnectionOptions } from 'node:tls';
import type { EdgeNodeConfig, NodeConfig } from '../config/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import type { Peer } from '../rpc/Peer';
import type { Stream } from '../streams/Stream';
import { lingerStep, pulledNow, type PullState } from './linger';
import { TypedEmitter } from '../util/TypedEmitter';
import { edgeChange } from './edgeChange';
import { type DescendantReport, loadNotification, parseOriginRequest } from './relayProtocol';
import type { OriginPipes } from './OriginPipes';
import type { RelayChannel } from './relayChannel';
import type { RelayPacing } from './relayPacing';
import { RelaySession } from './RelaySession';
import { DialedLink, type LinkState } from './DialedLink';
import { type ConnectEdge, relayUrl } from './relayDialer';
import type { StreamRelay } from './StreamRelay';

export type { ConnectEdge, EdgeSocket } from './relayDialer';
export type { LinkState } from './DialedLink';

/** The edge's answer to `hello`: its id and load. */
interface HelloAnswer {
  nodeId: string;
  load: { players: number; cpuLoad: number; connections: number };
}

export interface EdgeLinkOptions {
  edge: EdgeNodeConfig;
  config: NodeConfig;
  instanceId: string;
  logger: Logger;
  /** The streams to relay when the link comes up. */
  streams: () => Stream[];
  /** Opens the socket to the edge. Default: a `ws` WebSocket to `url` (5 s handshake timeout, 1 MiB frames). */
  connect?: ConnectEdge;
  /** TLS options of the default connect (relayTls.ts `relayClientTls`). */
  relayTls?: ConnectionOptions;
  /** Where publishers reach this origin, told to the edge once the link is up (it sends them here); null: not known yet (a relay). */
  originInfo?: () => OriginInfo | null;
  /** A data event the edge passes on (REST on the edge) for a stream published here; its number (a relay asks its own feeder). */
  streamEvent?: (stream: string, payload: unknown) => { seq: number } | Promise<{ seq: number }>;
  /** How near this feeder is to the edge in the relay tree (tiers.ts feedRank), told to it first once the link is up. */
  rank?: () => number;
  /**
   * This feeder is a fall-back of the node's `parent` group (tiers.ts): a standby link, which
   * relays only what the node asks for (pullStream, when its first relay is lost), like an
   * on-demand edge, and lets a stream go when a nearer feeder holds it there again.
   */
  standby?: boolean;
  /** The edge's pullStream: resolves once the stream's relay to it is complete (OriginCluster.pullFromEdge). */
  /** When the relays work (after the publisher settles) and how many worker requests at once: shared by every edge's relays (relayPacing.ts). */
  pacing: RelayPacing;
  pullStream?: (link: EdgeLink, stream: string) => Promise<void>;
}

/** Why an edge holds a stream: every stream is pushed to a push edge; an on-demand edge pulled it. */
export type HoldReason = 'pushed' | 'pulled';

/** The origin's public URLs (relayProtocol.ts originInfo): command channel and HTTP base, plain and secure. */
export interface OriginInfo {
  url: string;
  secureUrl?: string;
  httpBase: string;
  secureHttpBase?: string;
}

type Events = {
  state: [state: LinkState];
  /** Progress of a stream's relay to this edge (pipe up, or one more track relayed). */
  relayed: [stream: string];
  /** A load report came in. */
  load: [];
};

export class EdgeLink extends TypedEmitter<Events> {
  #edge: EdgeNodeConfig;
  readonly #options: EdgeLinkOptions;
  readonly #logger: Logger;
  /** The connection to the edge: dialed, authenticated, watched and re-opened (DialedLink). */
  readonly #link: DialedLink<HelloAnswer>;
  /** Last load report of the edge. */
  players = 0;
  cpuLoad = 0;
  /** Command-channel clients connected to the edge (for /rtcloadbalance's cap). */
  connections = 0;
  /** Players sent to this edge since its last report, so FEWESTCALLS sees them at once. */
  redirectsSinceReport = 0;
  // For the console and /metrics (docs/console.md): totals since this link was made, the edge's
  // players per stream and its traffic from its last load report, and when that report came.
  redirects = 0;
  readonly failuresByCode = new Map<string, number>();
  streamPlayers: Record<string, number> = {};
  bitrateIn: number | null = null;
  bitrateOut: number | null = null;
  loadAt: number | null = null;
  /**
   * A relay's last report of the nodes below it (relay tiers); empty for an edge that feeds none.
   * Kept when the link goes (what a lost relay's nodes held is what its stand-in sends them), and
   * forgotten when it comes up again, until the relay's first report.
   */
  descendants: DescendantReport[] = [];
  /** Per stream, players sent to this edge since its last report (the concentration rule counts them at once). */
  readonly streamRedirectsSinceReport = new Map<string, number>();
  /** On an on-demand edge: the streams a player needed here, and since when none watched (linger.ts). */
  readonly #pulled = new Map<string, PullState>();
  #watched = false;
  /** This link's pipes and relays (RelaySession), which send on whichever connection is up now. */
  readonly #session: RelaySession;
  /** The link has come up or failed at least once since start (a relay that never came up counts as lost: tiers.ts). */
  #attempted = false;

  constructor(options: EdgeLinkOptions) {
    super();
    this.#edge = options.edge;
    this.#options = options;
    this.#logger = options.logger.child({ edge: options.edge.id });
    this.#link = new DialedLink<HelloAnswer>({
      config: options.config,
      instanceId: options.instanceId,
      logger: this.#logger,
      url: () => this.url,
      connect: options.connect,
      relayTls: options.relayTls,
      what: 'edge',
      messages: { up: 'edge link up', down: 'edge link down', handshakeFailed: 'relay link handshake failed' },
      hooks: {
        prepare: (peer) => this.#prepare(peer),
        answered: (answer) => {
          this.players = answer.load.players;
          this.cpuLoad = answer.load.cpuLoad;
          this.connections = answer.load.connections;
          this.loadAt = Date.now();
        },
        up: (peer) => {
          // First, so the edge knows which feeder is the nearer before any relay (relayTakeover.ts).
          if (this.#options.rank) peer.notify('upstream', { rank: this.#options.rank() });
          // Before any relay: the edge knows where to send a publisher from the start.
          this.announceOriginInfo();
          if (this.#watched) peer.notify('watch', { on: true });
          for (const stream of this.#options.streams()) if (this.wants(stream.name)) this.relay(stream);
          this.#sendDigest();
        },
        // A link that was up is a blip until cdn.link_grace_ms says otherwise: the relays and pipes
        // stay (RelaySession.suspend), and no player is sent to this edge meanwhile (it is not 'up').
        lost: () => this.#session.suspend(this.#options.config.cdnLinkGraceMs),
        digest: () => this.#sendDigest(),
      },
    });
    this.#link.on('state', (state) => {
      if (state !== 'connecting') this.#attempted = true;
      // A new connection (maybe a new instance of a relay): the nodes below are as it reports now.
      if (state === 'up') this.descendants = [];
      this.emit('state', state);
    });
    const up = () => this.#link.upPeer;
    const channel: RelayChannel = {
      get up() {
        return up() !== null;
      },
      request: <T>(method: string, data: Record<string, unknown>) => {
        const peer = up();
        return peer ? peer.request<T>(method, data) : Promise.reject(new AppError('NODE_CLOSING', 'the link to the edge is down'));
      },
      notify: (method, data) => up()?.notify(method, data),
    };
    this.#session = new RelaySession({
      channel,
      config: options.config,
      logger: this.#logger,
      pacing: options.pacing,
      relayed: (name) => this.emit('relayed', name),
      failed: (code, stream) => {
        this.failuresByCode.set(code, (this.failuresByCode.get(code) ?? 0) + 1);
        // A standby relay refused because a nearer feeder holds the name again (the node's first
        // relay is back): its stand-in is over for that stream; nothing is retried.
        if (this.#options.standby && code === 'STREAM_NAME_TAKEN') queueMicrotask(() => this.#letGo(stream));
      },
    });
    // Back within cdn.link_grace_ms: the relays kept through the blip carry on.
    this.on('state', (state) => {
      if (state === 'up') this.#session.resume();
    });
  }

  get edge(): EdgeNodeConfig {
    return this.#edge;
  }

  /** New settings from a reload that keep the link's URL (see edgeChange.ts): the link stays up. */
  updateEdge(edge: EdgeNodeConfig): void {
    if (edge.id !== this.#edge.id || edgeChange(this.#edge, edge) === 'recreate') throw new Error(`edge ${edge.id}: a new address needs a new link`);
    const wasOnDemand = this.onDemand;
    this.#edge = edge;
    if (wasOnDemand === this.onDemand) return;
    if (this.onDemand) {
      // Now on demand: what was pushed stays while it has players, and lingers out like a pulled stream.
      const now = Date.now();
      for (const relay of this.#session.relays()) this.#pulled.set(relay.stream.name, pulledNow(now));
    } else {
      // Now push: every local stream goes there, as to any push edge.
      this.#pulled.clear();
      for (const stream of this.#options.streams()) this.relay(stream);
    }
  }

  /** Streams go to this edge only when a player needs them there (loadbalancing.xml distribution="on_demand", or a standby link). */
  get onDemand(): boolean {
    return this.#edge.distribution === 'on_demand' || this.#options.standby === true;
  }

  /** Ends a pulled stream's relay here and forgets the pull. */
  #letGo(stream: string): void {
    if (!this.#pulled.delete(stream)) return;
    this.#session.end(stream);
    this.#logger.info({ stream }, 'standby relay let go: a nearer feeder holds the stream on the node again');
  }

  /** Whether `stream`, published here, is to be relayed to this edge: every one on a push edge, the pulled ones on an on-demand edge. */
  wants(stream: string): boolean {
    return !this.onDemand || this.#pulled.has(stream);
  }

  /** Why this edge holds (or is being sent) `stream`; null when it is not relayed here. */
  reasonOf(stream: string): HoldReason | null {
    if (!this.#session.relayOf(stream)) return null;
    return this.onDemand ? 'pulled' : 'pushed';
  }

  /**
   * A player needs `stream` on this on-demand edge: relays it (when not yet) and restarts its
   * linger. The stream stays wanted through a blip of the link, or a republish of the same name,
   * until the linger ends it. No-op on a push edge, which gets every stream anyway.
   */
  pull(stream: Stream): void {
    if (!this.onDemand) return;
    this.#pulled.set(stream.name, pulledNow(Date.now()));
    this.relay(stream);
  }

  /** The pulled streams (on-demand edge), for show_routes. */
  pulledStreams(): string[] {
    return [...this.#pulled.keys()];
  }

  get state(): LinkState {
    return this.#link.state;
  }

  /** The link came up or failed at least once: a link that is not up now is a lost node, not one still being dialed. */
  get attempted(): boolean {
    return this.#attempted;
  }

  /** Tells the edge where publishers reach the origin (on a relay: once the relay itself knows). */
  announceOriginInfo(): void {
    const info = this.#options.originInfo?.();
    if (info) this.#link.upPeer?.notify('originInfo', { ...info });
  }

  /** TLS: the edge's relay port, which is the relay's alone (no path prefix); plain: its ws port, as a client would. */
  get url(): string {
    return relayUrl(this.#options.config, this.edge);
  }

  get lastError(): string {
    return this.#link.lastError;
  }

  get upSince(): number | null {
    return this.#link.upSince;
  }

  /** When the link entered its current state. */
  get stateSince(): number {
    return this.#link.stateSince;
  }

  /** Asks the edge for its traffic in load reports while a console watches (now and on every reconnect). */
  watch(on: boolean): void {
    if (this.#watched === on) return;
    this.#watched = on;
    if (!on) this.bitrateIn = this.bitrateOut = null;
    this.#link.upPeer?.notify('watch', { on });
  }

  start(): void {
    this.#link.start();
  }

  /** The relay state of a stream on this edge, or null when it is not relayed here. */
  relayOf(stream: string): StreamRelay | null {
    return this.#session.relayOf(stream);
  }

  /** Every relay of this link (pending, relayed or failed). */
  relays(): StreamRelay[] {
    return this.#session.relays();
  }

  /** One pipe per local worker to this edge, shared by every stream of that worker. */
  get pipes(): OriginPipes {
    return this.#session.pipes;
  }

  /** Starts relaying a stream (no-op while the link is down: it is relayed on reconnect). */
  relay(stream: Stream): void {
    if (!this.#link.upPeer) return;
    this.#session.relay(stream);
  }

  close(): void {
    if (this.#link.closed) return;
    // On purpose, not a blip: the edge drops our streams at once instead of keeping them in grace.
    this.#link.close((peer) => peer.notify('relayEnd', {}));
    this.#session.dropAll();
  }

  /** A new connection to the edge: its load reports and relay notices, and what it may ask of us. */
  #prepare(peer: Peer): void {
    peer.on('notification', (n) => {
      if (this.#session.notice(n.method, n.data)) return;
      if (n.method !== 'load') return;
      const load = loadNotification.safeParse(n.data);
      if (!load.success) return void this.#logger.warn('edge sent a bad load report');
      this.players = load.data.players;
      this.cpuLoad = load.data.cpuLoad;
      this.connections = load.data.connections ?? 0;
      this.redirectsSinceReport = 0;
      this.streamRedirectsSinceReport.clear();
      this.streamPlayers = load.data.streams ?? {};
      this.descendants = load.data.descendants ?? [];
      this.#releaseIdle(Date.now());
      this.bitrateIn = load.data.bitrateIn ?? null;
      this.bitrateOut = load.data.bitrateOut ?? null;
      this.loadAt = Date.now();
      this.emit('load');
    });
    // What the edge asks of its origin (relayProtocol.ts ORIGIN_REQUESTS), once the link is up.
    peer.setRequestHandler(async (req) => {
      if (!this.#link.isCurrent(peer) || this.#link.state !== 'up') throw new AppError('UNAUTHORIZED', 'the link is not up');
      const request = parseOriginRequest(req.method, req.data);
      if (request.method === 'pullStream') {
        if (!this.#options.pullStream) throw new AppError('NOT_ALLOWED', 'this origin sends no streams on demand');
        await this.#options.pullStream(this, request.data.stream);
        return {};
      }
      if (!this.#options.streamEvent) throw new AppError('NOT_ALLOWED', 'this origin takes no stream events from edges');
      return this.#options.streamEvent(request.data.stream, request.data.payload);
    });
  }

  /** On an on-demand edge, after each load report: ends the relays of streams whose linger ran out (linger.ts). */
  #releaseIdle(now: number): void {
    for (const [name, state] of [...this.#pulled]) {
      // A relay needs a stream while a node below it holds it (that node lingers on its own first).
      const below = this.descendants.some((d) => d.held[name] !== undefined) ? 1 : 0;
      const step = lingerStep(state, (this.streamPlayers[name] ?? 0) + below, now, this.#options.config.cdnOnDemandLingerMs);
      if (!step.release) {
        this.#pulled.set(name, step.state);
        continue;
      }
      this.#pulled.delete(name);
      this.#session.end(name);
      this.#logger.info(
        { stream: name, lingerMs: this.#options.config.cdnOnDemandLingerMs },
        'on-demand stream released: no player on the edge for the linger time',
      );
    }
  }

  /** Tells the edge every pipe and relay this link has, so it can drop what nobody ends any more. */
  #sendDigest(): void {
    this.#link.upPeer?.notify('relayDigest', this.#session.digest());
  }
}
