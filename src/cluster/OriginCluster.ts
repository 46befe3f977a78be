// The origin side of the static CDN: one EdgeLink per node of loadbalancing.xml, every local
// stream relayed to every edge whose link is up, and the choice of edge for each player. With
// several origins (<origin> in loadbalancing.xml) it also holds the links to the other origins and
// who holds which stream (OriginPeers), so it answers players of their streams too. Edges of an
// on-demand cluster (loadbalancing.xml distribution="on_demand") get a stream only when a player
// is sent there or asks there (concentration.ts chooses the edge; EdgeLink ends it after the linger).
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import type { EdgeNodeConfig, LoadBalancingConfig, NodeConfig } from '../config/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import type { PlayRedirect } from '../streams/PlayRedirect';
import type { Stream } from '../streams/Stream';
import type { StreamRegistry } from '../streams/StreamRegistry';
import { edgeChange } from './edgeChange';
import { type ConnectEdge, EdgeLink, type LinkState, type OriginInfo } from './EdgeLink';
import type { Claim } from './claims';
import { concentrate, type StreamCandidate } from './concentration';
import { edgeBaseUrl, originSecureAuthority } from './nodeUrls';
import { OriginPeers, type PeerChanges } from './OriginPeers';
import { RelayPacing } from './relayPacing';
import { selectEdge, type SelectionState } from './selection';

export interface OriginClusterOptions {
  config: NodeConfig;
  loadBalancing: LoadBalancingConfig;
  logger: Logger;
  streams: StreamRegistry;
  /** Opens each link's socket to its edge. Default: a `ws` WebSocket (see EdgeLinkOptions). */
  connect?: ConnectEdge;
  /** TLS options of the relay links (relayTls.ts `relayClientTls`); unused when cdn.relay_tls=false. */
  relayTls?: ConnectionOptions;
  /** Where publishers reach this origin; told to every edge (which sends publishers here). */
  originInfo?: () => OriginInfo;
  /** A data event an edge passes on for a stream published here (StreamEventService.fromEdge). */
  streamEvent?: (stream: string, payload: unknown) => { seq: number };
  /** Ends a publication here whose name another origin's better claim took (OriginPeers). */
  endLost?: (stream: string, winner: Claim) => void;
  /** Drops the links an origin opened to this one (EdgeRelayService.dropOrigin), when a reload changes its place in <origin>. */
  dropInbound?: (originId: string, why: string) => void;
}

/** What a reload changed: edges (re-)linked, unlinked, kept and updated in place. */
export interface EdgeChanges {
  added: string[];
  removed: string[];
  kept: string[];
  updated: string[];
}

/** How often a player's redirect asks again, while it waits for a peer origin's stream to reach an edge. */
const PEER_POLL_MS = 150;
/**
 * How long an edge's pullStream waits for the relay to be in place: a cold pipe (the edge's first
 * stream from this worker) takes a few round trips more than a warm one.
 */
const PULL_WAIT_MS = 5000;

export class OriginCluster {
  /** Distinguishes this run of the origin from a restarted one with the same node id. */
  readonly instanceId = randomUUID();
  /** One link per edge of loadbalancing.xml, in file order; changed in place by reload(). */
  readonly links: EdgeLink[];
  /** The other origins of the cluster and their streams (none listed: disabled, one origin as in WCS). */
  readonly peers: OriginPeers;
  readonly #options: OriginClusterOptions;
  #loadBalancing: LoadBalancingConfig;
  readonly #selection: SelectionState = { next: 0 };
  /** When the relays of every edge work, so a publisher's answers do not grow with edges (relayPacing.ts). */
  readonly #pacing = new RelayPacing();
  readonly #onAdd: (stream: Stream) => void;
  #started = false;
  #watched = false;
  #closed = false;

  constructor(options: OriginClusterOptions) {
    this.#options = options;
    this.#loadBalancing = options.loadBalancing;
    this.links = options.loadBalancing.nodes.map((edge) => this.#newLink(edge));
    this.peers = new OriginPeers({
      config: options.config,
      origins: options.loadBalancing.origins,
      instanceId: this.instanceId,
      logger: options.logger.child({ component: 'peers' }),
      streams: options.streams,
      relayTls: options.relayTls,
      connect: options.connect,
      edgesHolding: (stream) => this.links.filter((l) => l.state === 'up' && l.relayOf(stream)?.complete).map((l) => l.edge.id),
      endLost: (stream, winner) => options.endLost?.(stream, winner),
      dropInbound: options.dropInbound,
    });
    this.#onAdd = (stream) => {
      if (stream.source.kind !== 'local') return;
      this.#pacing.watch(stream);
      // A push edge gets it now; an on-demand edge only if a player still wants that name there (a republish).
      for (const link of this.links) if (link.wants(stream.name)) link.relay(stream);
    };
    options.streams.on('add', this.#onAdd);
  }

  get mode(): LoadBalancingConfig['mode'] {
    return this.#loadBalancing.mode;
  }

  start(): void {
    this.#started = true;
    for (const link of this.links) link.start();
    this.peers.start();
    this.#options.logger.info({ edges: this.links.length, mode: this.#loadBalancing.mode }, 'origin started; linking to edges');
  }

  /**
   * Applies an edited loadbalancing.xml without a restart: links to removed edges close, so those
   * edges drop our streams; new edges are linked and get every live stream; kept edges, and the
   * players on them, carry on. A kept edge whose address, port or prefix changed is re-linked
   * (removed and added); one whose other settings changed (max_connections, cluster, wss) keeps
   * its link and is listed in `updated` (src/cluster/edgeChange.ts). The <origin> list is applied
   * by OriginPeers.reload the same way (origins linked, unlinked, kept); `origins` is null when
   * the cluster has one origin before and after.
   */
  reload(next: LoadBalancingConfig): { edges: EdgeChanges; origins: PeerChanges | null } {
    if (this.#closed) throw new Error('OriginCluster is closed');
    const several = next.origins.length > 0 || this.#loadBalancing.origins.length > 0;
    const result = { added: [] as string[], removed: [] as string[], kept: [] as string[], updated: [] as string[] };
    const kept = new Map<string, EdgeLink>();
    for (const link of this.links) {
      const wanted = next.nodes.find((n) => n.id === link.edge.id);
      const change = wanted ? edgeChange(link.edge, wanted) : 'recreate';
      if (wanted && change !== 'recreate') {
        if (change === 'update') {
          link.updateEdge(wanted);
          result.updated.push(link.edge.id);
        }
        kept.set(link.edge.id, link);
        result.kept.push(link.edge.id);
      } else {
        link.close();
        result.removed.push(link.edge.id);
      }
    }
    const links = next.nodes.map((edge) => {
      const existing = kept.get(edge.id);
      if (existing) return existing;
      result.added.push(edge.id);
      const link = this.#newLink(edge);
      if (this.#started) link.start();
      return link;
    });
    this.links.splice(0, this.links.length, ...links);
    this.#loadBalancing = next;
    const origins = several ? this.peers.reload(next.origins) : null;
    this.#options.logger.info({ ...result, mode: next.mode, ...(origins ? { origins } : {}) }, 'loadbalancing.xml reloaded');
    return { edges: result, origins };
  }

  #newLink(edge: EdgeNodeConfig): EdgeLink {
    const { config, logger, streams, connect, relayTls, originInfo, streamEvent } = this.#options;
    const localStreams = () => streams.all().filter((s) => s.source.kind === 'local');
    const link = new EdgeLink({
      edge,
      config,
      instanceId: this.instanceId,
      logger,
      streams: localStreams,
      connect,
      relayTls,
      originInfo,
      streamEvent,
      pullStream: (from, stream) => this.pullFromEdge(from, stream),
      pacing: this.#pacing,
    });
    link.watch(this.#watched);
    return link;
  }

  /** A console is (or is no longer) watching: every edge, and every edge added later, reports its traffic. */
  watch(on: boolean): void {
    this.#watched = on;
    for (const link of this.links) link.watch(on);
  }

  /**
   * The edge a player of `stream` should use: one whose link is up and that holds every track of
   * the stream, chosen by the configured mode. When no edge has it yet but relays to some are on
   * their way (a stream published a moment ago), waits for the first to complete, up to `waitMs`,
   * so players land on edges rather than on the origin. null = serve it here. Throws
   * STREAM_NOT_FOUND when the stream exists nowhere.
   */
  async redirectPlay(stream: string, secure: boolean, waitMs = 2000): Promise<PlayRedirect | null> {
    const local = this.#options.streams.get(stream);
    if (!local) {
      const viaPeer = await this.#redirectPeerStream(stream, secure, waitMs);
      if (viaPeer) return viaPeer;
    }
    if (local && this.links.some((l) => l.onDemand)) {
      const link = await this.pullFor(stream, this.links, PULL_WAIT_MS);
      if (link) return this.#redirectTo(link, secure);
    }
    const now = this.#choose(stream, secure);
    if (now || this.#inFlight(stream).length === 0) return now;
    await relayInPlace(this.#inFlight(stream), stream, waitMs);
    return this.#choose(stream, secure);
  }

  /**
   * On-demand: the edge among `links` (up) that is to serve the next player of local stream
   * `stream`, by the concentration rule (concentration.ts), with the stream's relay in place there:
   * started when the edge does not hold it yet, and waited for (up to `waitMs`) when it is on its
   * way. null when no edge is up, or the relay is not complete in time.
   */
  async pullFor(stream: string, links: readonly EdgeLink[], waitMs: number): Promise<EdgeLink | null> {
    const local = this.#options.streams.get(stream);
    if (!local || local.source.kind !== 'local') return null;
    const up = links.filter((l) => l.state === 'up');
    const candidates: StreamCandidate[] = up.map((l) => ({
      id: l.edge.id,
      players: l.players + l.redirectsSinceReport,
      cpuLoad: l.cpuLoad,
      holds: l.relayOf(stream) !== null && l.relayOf(stream)?.state !== 'failed',
      streamPlayers: (l.streamPlayers[stream] ?? 0) + (l.streamRedirectsSinceReport.get(stream) ?? 0),
    }));
    const chosen = concentrate(this.#loadBalancing.mode, candidates, this.#options.config.cdnOnDemandEdgePlayers, this.#selection);
    if (!chosen) return null;
    const link = up.find((l) => l.edge.id === chosen.choice.id)!;
    // Counted before the wait, so the players that arrive meanwhile see this one (no check-then-act across the await).
    link.streamRedirectsSinceReport.set(stream, (link.streamRedirectsSinceReport.get(stream) ?? 0) + 1);
    link.pull(local);
    if (!link.relayOf(stream)?.complete) await relayInPlace([link], stream, waitMs);
    return link.state === 'up' && link.relayOf(stream)?.complete ? link : null;
  }

  /**
   * An edge's pullStream (a player there asked for a stream it does not hold): relays the stream
   * there, when it is published here, and resolves once the relay is complete. STREAM_NOT_FOUND
   * when it is not published here (another origin of the cluster answers for its own streams);
   * MEDIA_UNAVAILABLE when the relay is not in place within PULL_WAIT_MS.
   */
  async pullFromEdge(link: EdgeLink, stream: string): Promise<void> {
    const local = this.#options.streams.get(stream);
    if (!local || local.source.kind !== 'local')
      throw new AppError('STREAM_NOT_FOUND', `CDN stream not found on origin "${this.#options.config.nodeId}": "${stream}"`);
    link.pull(local);
    if (!link.relayOf(stream)?.complete) await relayInPlace([link], stream, PULL_WAIT_MS);
    if (!link.relayOf(stream)?.complete) {
      const error = link.relayOf(stream)?.error;
      throw new AppError('MEDIA_UNAVAILABLE', `the relay of "${stream}" to this edge is not in place${error ? ` (${error})` : ''}`);
    }
  }

  /**
   * A stream another origin holds (its link up): an edge that origin says holds it, among this
   * origin's up edges; asked again every PEER_POLL_MS up to `waitMs` while none does yet (a stream
   * published a moment ago). null when no up peer holds it; STREAM_NOT_FOUND when one does but no
   * edge of ours has it by then.
   */
  async #redirectPeerStream(stream: string, secure: boolean, waitMs: number): Promise<PlayRedirect | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const edges = await this.peers.peerEdges(stream);
      if (edges === null) return null;
      const held = new Set(edges);
      const choice = this.#pick(
        this.links.filter((l) => l.state === 'up' && held.has(l.edge.id)),
        secure,
      );
      if (choice) return choice;
      // On-demand edges get the peer's stream when a player asks there: the edge's pullStream
      // reaches every origin linked to it, and the holder (linked to every edge too) answers.
      const onDemand = this.#onDemandForPeerStream(stream, held);
      if (onDemand) return this.#redirectTo(onDemand, secure);
      if (Date.now() >= deadline) {
        const holder = this.peers.holderOf(stream)?.originId ?? 'another origin';
        throw new AppError('STREAM_NOT_FOUND', `CDN stream "${stream}" is published on origin "${holder}" but no edge of this origin holds it yet`);
      }
      await new Promise((resolve) => setTimeout(resolve, PEER_POLL_MS));
    }
  }

  /**
   * For a stream another origin publishes, none of whose holders is an edge of ours: the up
   * on-demand edge the concentration rule picks (the peer's holders count as holding it), counted
   * as one more player of it there; null when there is no up on-demand edge.
   */
  #onDemandForPeerStream(stream: string, held: ReadonlySet<string>): EdgeLink | null {
    const up = this.links.filter((l) => l.state === 'up' && l.onDemand);
    const chosen = concentrate(
      this.#loadBalancing.mode,
      up.map((l) => ({
        id: l.edge.id,
        players: l.players + l.redirectsSinceReport,
        cpuLoad: l.cpuLoad,
        holds: held.has(l.edge.id),
        streamPlayers: (l.streamPlayers[stream] ?? 0) + (l.streamRedirectsSinceReport.get(stream) ?? 0),
      })),
      this.#options.config.cdnOnDemandEdgePlayers,
      this.#selection,
    );
    if (!chosen) return null;
    const link = up.find((l) => l.edge.id === chosen.choice.id)!;
    link.streamRedirectsSinceReport.set(stream, (link.streamRedirectsSinceReport.get(stream) ?? 0) + 1);
    return link;
  }

  /** Links that are up and relaying `stream` but not done yet. */
  #inFlight(stream: string): EdgeLink[] {
    return this.links.filter((l) => {
      const relay = l.relayOf(stream);
      return l.state === 'up' && relay !== null && (relay.state === 'pending' || (relay.state === 'relayed' && !relay.complete));
    });
  }

  #choose(stream: string, secure: boolean): PlayRedirect | null {
    const local = this.#options.streams.get(stream);
    const choice = this.#pick(
      this.links.filter((l) => l.state === 'up' && l.relayOf(stream)?.complete),
      secure,
    );
    if (choice) return choice;
    if (local) return null;
    throw new AppError('STREAM_NOT_FOUND', `CDN stream not found: "${stream}"`);
  }

  /** One of `candidates` by the configured mode, counted as a redirect to it; null when there is none. */
  #pick(candidates: EdgeLink[], secure: boolean): PlayRedirect | null {
    const choice = selectEdge(
      this.#loadBalancing.mode,
      candidates.map((l) => ({ id: l.edge.id, players: l.players + l.redirectsSinceReport, cpuLoad: l.cpuLoad })),
      this.#selection,
    );
    if (!choice) return null;
    return this.#redirectTo(
      candidates.find((l) => l.edge.id === choice.id)!,
      secure,
    );
  }

  /** The redirect of a player to `link`, counted as one. */
  #redirectTo(link: EdgeLink, secure: boolean): PlayRedirect {
    link.redirectsSinceReport++;
    link.redirects++;
    const originSecure = originSecureAuthority(this.#options.config);
    return {
      nodeId: link.edge.id,
      url: edgeUrl(link, secure, originSecure),
      httpBase: edgeBaseUrl(link.edge, 'http', secure, originSecure) ?? edgeBaseUrl(link.edge, 'http', false, null)!,
    };
  }

  /** Per edge, the relay state of one stream (for find_all). */
  relayStates(stream: string): { id: string; link: LinkState; relay: string; complete: boolean; reason: string | null; error?: string }[] {
    return this.links.map((l) => {
      const relay = l.relayOf(stream);
      return {
        id: l.edge.id,
        link: l.state,
        relay: relay?.state ?? 'none',
        complete: relay?.complete ?? false,
        reason: l.reasonOf(stream),
        ...(relay?.error ? { error: relay.error } : {}),
      };
    });
  }

  /** The links view of /rest-api/cdn/show_routes. */
  routes(): Record<string, unknown>[] {
    return this.links.map((l) => ({
      id: l.edge.id,
      cluster: l.edge.cluster,
      url: edgeUrl(l, false),
      state: l.state,
      upSince: l.upSince ? new Date(l.upSince).toISOString() : null,
      players: l.players,
      cpuLoad: Math.round(l.cpuLoad * 1000) / 1000,
      distribution: l.edge.distribution,
      streams: this.#options.streams
        .all()
        .filter((s) => l.relayOf(s.name)?.state === 'relayed')
        .map((s) => s.name),
      // Why the edge holds each (pushed: every stream goes to a push edge; pulled: a player needed it there).
      held: Object.fromEntries(
        this.#options.streams
          .all()
          .filter((s) => l.relayOf(s.name)?.state === 'relayed')
          .map((s) => [s.name, l.reasonOf(s.name)]),
      ),
      ...(l.lastError ? { lastError: l.lastError } : {}),
    }));
  }

  linkStateCounts(): { state: string; count: number }[] {
    const states: LinkState[] = ['connecting', 'up', 'down'];
    return states.map((state) => ({ state, count: this.links.filter((l) => l.state === state).length }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.streams.off('add', this.#onAdd);
    for (const link of this.links) link.close();
    this.peers.close();
  }
}

/** Resolves once one of `links` holds the whole of `stream` (or one of them changes state), or after `waitMs`. */
function relayInPlace(links: readonly EdgeLink[], stream: string, waitMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const l of links) l.off('relayed', onRelayed).off('state', done);
      resolve();
    };
    const onRelayed = (name: string) => {
      if (name === stream && links.some((l) => l.relayOf(stream)?.complete)) done();
    };
    const timer = setTimeout(done, waitMs);
    for (const l of links) l.on('relayed', onRelayed).on('state', done);
  });
}

/**
 * The command-channel URL a player uses on an edge. A secure player gets the edge's wss.port, or
 * the origin's secure proxy to the edge when the edge has none (`originSecure`, see nodeUrls.ts);
 * without either it gets the plain ws:// URL.
 */
export function edgeUrl(link: EdgeLink, secure: boolean, originSecure: string | null = null): string {
  return `${edgeBaseUrl(link.edge, 'ws', secure, originSecure) ?? edgeBaseUrl(link.edge, 'ws', false, null)}/`;
}
