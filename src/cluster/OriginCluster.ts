// The origin side of the static CDN: one EdgeLink per node of loadbalancing.xml, every local
// stream relayed to every edge whose link is up, and the choice of edge for each player. With
// several origins (<origin> in loadbalancing.xml) it also holds the links to the other origins and
// who holds which stream (OriginPeers), so it answers players of their streams too. Edges of an
// on-demand cluster (loadbalancing.xml distribution="on_demand") get a stream only when a player
// is sent there or asks there (concentration.ts chooses the edge; EdgeLink ends it after the linger).
//
// Relay tiers (loadbalancing.xml `parent`, tiers.ts): the origin links only to the nodes without a
// parent, and a relay node runs an OriginCluster of its own (`self`: its node id) for the nodes
// whose parent it is, relaying every stream it holds (relayed to it) rather than local ones. A
// feeder that loses a relay takes that relay's children on (tiers.ts feedSet) and hands them back
// once the relay feeds them again (handBack). Each relay passes its children's load reports up
// (`descendants`, with `via`), so the origin sends players to any node of the tree.
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
import { feedRank, feedSet, handBack } from './tiers';
import { boundDescendants, type DescendantReport } from './relayProtocol';

export interface OriginClusterOptions {
  config: NodeConfig;
  loadBalancing: LoadBalancingConfig;
  logger: Logger;
  streams: StreamRegistry;
  /** Opens each link's socket to its edge. Default: a `ws` WebSocket (see EdgeLinkOptions). */
  connect?: ConnectEdge;
  /** TLS options of the relay links (relayTls.ts `relayClientTls`); unused when cdn.relay_tls=false. */
  relayTls?: ConnectionOptions;
  /** Where publishers reach this origin; told to every edge (which sends publishers here). null: not known yet (a relay not linked up yet). */
  originInfo?: () => OriginInfo | null;
  /** A data event an edge passes on for a stream published here (StreamEventService.fromEdge; a relay passes it up). */
  streamEvent?: (stream: string, payload: unknown) => { seq: number } | Promise<{ seq: number }>;
  /**
   * A relay node (tiers.ts): its node id. It feeds the nodes whose parent it is, with every stream
   * it holds; absent on an origin, which feeds the nodes without a parent with its local streams.
   */
  self?: string;
  /** A relay: asks its own feeder for a stream it does not hold (EdgeRelayService.pull), for a child's pullStream. */
  pullUp?: (stream: string) => Promise<boolean>;
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
/**
 * How long a feeder keeps a lost relay's child, once the relay is back, when the relay's reports do
 * not show it feeding the child every stream (tiers.ts handBack): then the child is let go anyway.
 */
const HAND_BACK_MAX_MS = 10_000;
/** How often the tree is looked at again without a link event (the hand-back's bound above). */
const SYNC_MS = 1000;

export class OriginCluster {
  /** Distinguishes this run of the origin from a restarted one with the same node id. */
  readonly instanceId = randomUUID();
  /**
   * One link per node this feeder feeds now (tiers.ts feedSet: the nodes without parent on an
   * origin, a relay's children on a relay, and those of a lost relay), in the order found; changed
   * in place by reload() and as relays are lost and come back.
   */
  readonly links: EdgeLink[] = [];
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
  readonly #syncTimer: NodeJS.Timeout;
  /** Players sent to a node fed by a relay since that relay's last report, by node id. */
  readonly #descendantRedirects = new Map<string, number>();
  /** The same per node and stream ("id\nstream"), for the concentration rule. */
  readonly #descendantStreamRedirects = new Map<string, number>();

  constructor(options: OriginClusterOptions) {
    this.#options = options;
    this.#loadBalancing = options.loadBalancing;
    this.#sync();
    this.#syncTimer = setInterval(() => this.#sync(), SYNC_MS);
    this.#syncTimer.unref();
    this.peers = new OriginPeers({
      config: options.config,
      // A relay is no origin: it has no peers (their claims are the origins' business).
      origins: options.self === undefined ? options.loadBalancing.origins : [],
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
      if (!this.#feeds(stream)) return;
      // On a relay too: a relayed stream's tracks arrive one relayProducer at a time.
      this.#pacing.watch(stream);
      // A push edge gets it now; an on-demand edge only if a player still wants that name there (a republish).
      for (const link of this.links) if (link.wants(stream.name)) link.relay(stream);
    };
    options.streams.on('add', this.#onAdd);
  }

  /** The streams this feeder relays: an origin its local ones, a relay every stream it holds. */
  #feeds(stream: Stream): boolean {
    return this.#options.self !== undefined || stream.source.kind === 'local';
  }

  /** A relay's node id; null on an origin. */
  get self(): string | null {
    return this.#options.self ?? null;
  }

  /**
   * Brings the links in line with the tree (tiers.ts): links to the nodes fed now, made (and
   * started) when missing; a link to a node no longer fed here is closed at once, or, when that
   * node's own parent is back and up on this feeder, once the parent feeds it (handBack). Run on
   * every link state change and load report, and every SYNC_MS.
   */
  #sync(): void {
    if (this.#closed) return;
    const byId = new Map(this.links.map((l) => [l.edge.id, l]));
    const lost = (id: string): boolean => {
      const link = byId.get(id);
      return link !== undefined && link.state !== 'up' && link.attempted;
    };
    const fed = feedSet(this.#loadBalancing.nodes, this.#options.self ?? null, lost);
    const next: EdgeLink[] = [];
    for (const id of fed) {
      const existing = byId.get(id);
      if (existing) {
        next.push(existing);
        continue;
      }
      const node = this.#loadBalancing.nodes.find((n) => n.id === id)!;
      const link = this.#newLink(node);
      this.#pullWhatItHeld(link, node.parent !== undefined ? byId.get(node.parent) : undefined);
      if (this.#started) link.start();
      this.#options.logger.info(
        { edge: id, ...(node.parent ? { relay: node.parent } : {}) },
        node.parent && node.parent !== this.self ? 'relay lost; feeding its node directly' : 'linking to node',
      );
      next.push(link);
    }
    for (const link of this.links) {
      if (fed.includes(link.edge.id)) continue;
      if (this.#keepForHandBack(link, byId)) next.push(link);
      else {
        this.#options.logger.info({ edge: link.edge.id }, 'node no longer fed here (its relay is back, or the tree changed)');
        link.close();
      }
    }
    this.links.splice(0, this.links.length, ...next);
  }

  /**
   * A lost relay's on-demand node, taken on here: it is sent the streams it held from the relay
   * (the relay's last report), so its players keep playing (taken over in place) rather than
   * losing the stream with the relay's pipe. A push node gets every stream anyway.
   */
  #pullWhatItHeld(link: EdgeLink, lostRelay: EdgeLink | undefined): void {
    const report = lostRelay?.descendants.find((d) => d.id === link.edge.id);
    for (const name of Object.keys(report?.held ?? {})) {
      const stream = this.#options.streams.get(name);
      if (stream && this.#feeds(stream)) link.pull(stream);
    }
  }

  /** A link to a lost relay's child, now that the relay is up again: kept until the relay feeds it (tiers.ts handBack). */
  #keepForHandBack(link: EdgeLink, byId: ReadonlyMap<string, EdgeLink>): boolean {
    const node = this.#loadBalancing.nodes.find((n) => n.id === link.edge.id);
    const relay = node?.parent !== undefined ? byId.get(node.parent) : undefined;
    if (!relay || relay.state !== 'up' || link.state !== 'up' || relay.upSince === null) return false;
    const sent = link
      .relays()
      .filter((r) => r.complete)
      .map((r) => r.stream.name);
    const report = relay.descendants.find((d) => d.id === link.edge.id);
    const held = report ? new Set(Object.keys(report.held)) : null;
    return !handBack(sent, held, Date.now() - relay.upSince, HAND_BACK_MAX_MS);
  }

  /**
   * What a relay reports up in its load reports (relayProtocol.ts `descendants`): each node it
   * links to now, with the streams it holds from here and its load, then what those report of
   * their own (their `via` kept).
   */
  descendants(): DescendantReport[] {
    const self = this.#options.self ?? '';
    return boundDescendants(
      this.links
        .filter((l) => l.state === 'up')
        .flatMap((l) => [
          {
            id: l.edge.id,
            via: self,
            players: l.players,
            cpuLoad: l.cpuLoad,
            connections: l.connections,
            streams: l.streamPlayers,
            held: Object.fromEntries(l.relays().flatMap((r) => (r.complete ? [[r.stream.name, l.reasonOf(r.stream.name) ?? 'pushed']] : []))),
          },
          ...l.descendants,
        ]),
    );
  }

  /** Nodes below the relays this origin links to, as their relays last reported them (a node linked here directly is left out). */
  #descendantsNow(): (DescendantReport & { link: EdgeLink })[] {
    const direct = new Set(this.links.filter((l) => l.state === 'up').map((l) => l.edge.id));
    return this.links.filter((l) => l.state === 'up').flatMap((l) => l.descendants.filter((d) => !direct.has(d.id)).map((d) => ({ ...d, link: l })));
  }

  get mode(): LoadBalancingConfig['mode'] {
    return this.#loadBalancing.mode;
  }

  start(): void {
    this.#started = true;
    this.#sync();
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
    // A relay has no peers (the origins' business), whatever the <origin> list says.
    const several = this.#options.self === undefined && (next.origins.length > 0 || this.#loadBalancing.origins.length > 0);
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
    this.links.splice(0, this.links.length, ...kept.values());
    this.#loadBalancing = next;
    this.#sync();
    for (const link of this.links) if (!kept.has(link.edge.id)) result.added.push(link.edge.id);
    const origins = several ? this.peers.reload(next.origins) : null;
    this.#options.logger.info({ ...result, mode: next.mode, ...(origins ? { origins } : {}) }, 'loadbalancing.xml reloaded');
    return { edges: result, origins };
  }

  #newLink(edge: EdgeNodeConfig): EdgeLink {
    const { config, logger, streams, connect, relayTls, originInfo, streamEvent } = this.#options;
    const fedStreams = () => streams.all().filter((s) => this.#feeds(s));
    const link = new EdgeLink({
      edge,
      config,
      instanceId: this.instanceId,
      logger,
      streams: fedStreams,
      rank: () => feedRank(this.#loadBalancing.nodes, edge.id, this.#options.self ?? null) ?? Number.MAX_SAFE_INTEGER,
      standby: this.#options.self !== undefined && edge.parent !== this.#options.self && (edge.fallbacks ?? []).includes(this.#options.self),
      connect,
      relayTls,
      originInfo,
      streamEvent,
      pullStream: (from, stream) => this.pullFromEdge(from, stream),
      pacing: this.#pacing,
    });
    link.watch(this.#watched);
    // A lost relay's children are taken on (or handed back) as soon as its link changes state.
    link.on('state', () => queueMicrotask(() => this.#sync()));
    link.on('load', () => {
      for (const d of link.descendants) {
        this.#descendantRedirects.delete(d.id);
        for (const key of [...this.#descendantStreamRedirects.keys()]) if (key.startsWith(`${d.id}\n`)) this.#descendantStreamRedirects.delete(key);
      }
      this.#sync();
    });
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
    if (local && this.#descendantsNow().length > 0) {
      const chosen = await this.#pullInTree(stream, secure);
      if (chosen) return chosen;
    } else if (local && this.links.some((l) => l.onDemand)) {
      const link = await this.pullFor(stream, this.links, PULL_WAIT_MS);
      if (link) return this.#redirectTo(link, secure);
    }
    const now = this.#choose(stream, secure);
    if (now || this.#inFlight(stream).length === 0) return now;
    await relayInPlace(this.#inFlight(stream), stream, waitMs);
    return this.#choose(stream, secure);
  }

  /**
   * Relay tiers with on-demand nodes: the concentration rule over the up nodes linked here and the
   * nodes below the relays alike (a push node counts as holding). A node linked here is sent the
   * stream before the answer, as pullFor does; a node below a relay is not: the player's `play`
   * there pulls it through its relay (EdgeRelayService.pull, a chain up to here). null when no
   * node is on demand, or none is up.
   */
  async #pullInTree(stream: string, secure: boolean): Promise<PlayRedirect | null> {
    const nodeOf = (id: string) => this.#loadBalancing.nodes.find((n) => n.id === id);
    const below = this.#descendantsNow();
    if (!this.links.some((l) => l.onDemand) && !below.some((d) => nodeOf(d.id)?.distribution === 'on_demand')) return null;
    const up = this.links.filter((l) => l.state === 'up');
    const candidates: StreamCandidate[] = [
      ...up.map((l) => ({
        id: l.edge.id,
        players: l.players + l.redirectsSinceReport,
        cpuLoad: l.cpuLoad,
        holds: !l.onDemand || (l.relayOf(stream) !== null && l.relayOf(stream)?.state !== 'failed'),
        streamPlayers: (l.streamPlayers[stream] ?? 0) + (l.streamRedirectsSinceReport.get(stream) ?? 0),
      })),
      ...below.map((d) => ({
        id: d.id,
        players: d.players + (this.#descendantRedirects.get(d.id) ?? 0),
        cpuLoad: d.cpuLoad,
        holds: d.held[stream] !== undefined || nodeOf(d.id)?.distribution !== 'on_demand',
        streamPlayers: (d.streams[stream] ?? 0) + (this.#descendantStreamRedirects.get(`${d.id}\n${stream}`) ?? 0),
      })),
    ];
    const chosen = concentrate(this.#loadBalancing.mode, candidates, this.#options.config.cdnOnDemandEdgePlayers, this.#selection);
    if (!chosen) return null;
    const link = up.find((l) => l.edge.id === chosen.choice.id);
    if (link) {
      const pulled = await this.pullFor(stream, [link], PULL_WAIT_MS);
      return pulled ? this.#redirectTo(pulled, secure) : null;
    }
    const node = nodeOf(chosen.choice.id);
    if (!node) return null;
    const key = `${node.id}\n${stream}`;
    this.#descendantStreamRedirects.set(key, (this.#descendantStreamRedirects.get(key) ?? 0) + 1);
    return this.#redirectToNode(node, secure);
  }

  /**
   * On-demand: the edge among `links` (up) that is to serve the next player of local stream
   * `stream`, by the concentration rule (concentration.ts), with the stream's relay in place there:
   * started when the edge does not hold it yet, and waited for (up to `waitMs`) when it is on its
   * way. null when no edge is up, or the relay is not complete in time.
   */
  async pullFor(stream: string, links: readonly EdgeLink[], waitMs: number): Promise<EdgeLink | null> {
    const local = this.#options.streams.get(stream);
    if (!local || !this.#feeds(local)) return null;
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
    // A relay that does not hold it asks its own feeder first (a chain of pulls up the tree).
    if (!this.#options.streams.get(stream) && this.#options.pullUp) await this.#options.pullUp(stream);
    const local = this.#options.streams.get(stream);
    if (!local || !this.#feeds(local))
      throw new AppError('STREAM_NOT_FOUND', `CDN stream not found on ${this.self ? 'relay' : 'origin'} "${this.#options.config.nodeId}": "${stream}"`);
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
    const direct = this.links.filter((l) => l.state === 'up' && l.relayOf(stream)?.complete);
    // Nodes fed by a relay count as well, when their relay reports them holding the stream.
    const below = this.#descendantsNow().filter((d) => d.held[stream] !== undefined);
    const candidates = [
      ...direct.map((l) => ({ id: l.edge.id, players: l.players + l.redirectsSinceReport, cpuLoad: l.cpuLoad })),
      ...below.map((d) => ({ id: d.id, players: d.players + (this.#descendantRedirects.get(d.id) ?? 0), cpuLoad: d.cpuLoad })),
    ];
    const picked = selectEdge(this.#loadBalancing.mode, candidates, this.#selection);
    const link = picked ? direct.find((l) => l.edge.id === picked.id) : undefined;
    if (link) return this.#redirectTo(link, secure);
    const node = picked ? this.#loadBalancing.nodes.find((n) => n.id === picked.id) : undefined;
    if (node) return this.#redirectToNode(node, secure);
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

  /** Players sent to a node fed by a relay since its relay's last report (/rtcloadbalance counts its answers here too). */
  redirectsBelow(id: string): number {
    return this.#descendantRedirects.get(id) ?? 0;
  }

  /** One more player sent to a node fed by a relay. */
  countRedirectBelow(id: string): void {
    this.#descendantRedirects.set(id, this.redirectsBelow(id) + 1);
  }

  /** The redirect of a player to a node fed by a relay (no link of ours), counted as one. */
  #redirectToNode(node: EdgeNodeConfig, secure: boolean): PlayRedirect {
    this.countRedirectBelow(node.id);
    // No secure proxy: the origin's proxy reaches the nodes it links to, not those below a relay
    // (which may be out of its reach); a secure player gets the node's own wss port, else plain.
    return {
      nodeId: node.id,
      url: `${edgeBaseUrl(node, 'ws', secure, null) ?? edgeBaseUrl(node, 'ws', false, null)}/`,
      httpBase: edgeBaseUrl(node, 'http', secure, null) ?? edgeBaseUrl(node, 'http', false, null)!,
    };
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
  relayStates(stream: string): { id: string; link: LinkState; relay: string; complete: boolean; reason: string | null; via?: string; error?: string }[] {
    const direct = this.links.map((l) => {
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
    // Nodes fed by a relay: what their relay last reported (the link state is the relay's to them: up).
    const below = this.#descendantsNow().map((d) => ({
      id: d.id,
      link: 'up' as LinkState,
      relay: d.held[stream] !== undefined ? 'relayed' : 'none',
      complete: d.held[stream] !== undefined,
      reason: d.held[stream] ?? null,
      via: d.via,
    }));
    return [...direct, ...below];
  }

  /** Per node fed by a relay: its relay (`via`), the streams it holds and why, its load; for show_routes, /metrics and the console. */
  tierNodes(): (DescendantReport & { cluster: string })[] {
    return this.#descendantsNow().map(({ link: _link, ...d }) => ({
      ...d,
      cluster: this.#loadBalancing.nodes.find((n) => n.id === d.id)?.cluster ?? 'default',
    }));
  }

  /** The links view of /rest-api/cdn/show_routes. */
  routes(): Record<string, unknown>[] {
    const direct = this.links.map((l) => ({
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
    // Nodes fed by a relay (tiers): `via` names the relay that feeds each, as it last reported them.
    const below = this.tierNodes().map((d) => {
      const node = this.#loadBalancing.nodes.find((n) => n.id === d.id);
      return {
        id: d.id,
        cluster: d.cluster,
        url: node ? `${edgeBaseUrl(node, 'ws', false, null)}/` : null,
        state: 'up',
        via: d.via,
        players: d.players,
        cpuLoad: Math.round(d.cpuLoad * 1000) / 1000,
        distribution: node?.distribution ?? 'push',
        streams: Object.keys(d.held),
        held: d.held,
      };
    });
    return [...direct, ...below];
  }

  linkStateCounts(): { state: string; count: number }[] {
    const states: LinkState[] = ['connecting', 'up', 'down'];
    return states.map((state) => ({ state, count: this.links.filter((l) => l.state === state).length }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#syncTimer);
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
