// The other origins of the cluster (loadbalancing.xml <origin>) and which of them holds which
// stream. This origin dials every other one (OriginPeerLink: its own claims go out) and serves
// their links on its relay entrance (EdgeRelayService hands a `hello` from a listed origin here:
// their claims come in). A peer is "up" while its link to us is up: that is where its claims come
// from, kept as they were when it went down (a takeover needs their gens).
//
// Ownership (claims.ts, docs/protocol.md): a publish here is refused while an up peer holds the
// name; taken over (gen + 1) when only down peers hold it. When two claims of one name meet (a race,
// or a partition healing) every node keeps the same winner by compareClaims, and the losing origin
// ends its publication with STREAM_NAME_TAKEN (its relays to edges end with it).
import type { ConnectionOptions } from 'node:tls';
import type { EdgeNodeConfig, NodeConfig } from '../config/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import type { Stream } from '../streams/Stream';
import type { StreamRegistry } from '../streams/StreamRegistry';
import { type Claim, compareClaims, decidePublish, winner } from './claims';
import { OriginPeerLink } from './OriginPeerLink';
import { MAX_CLAIMS, parsePeerNotification, parsePeerRequest, streamEdgesAnswer } from './peerProtocol';
import type { ConnectEdge } from './relayDialer';

export interface OriginPeersOptions {
  config: NodeConfig;
  /** Every origin of the cluster, this one included (loadbalancing.xml <origin>). */
  origins: readonly EdgeNodeConfig[];
  instanceId: string;
  logger: Logger;
  streams: StreamRegistry;
  relayTls?: ConnectionOptions;
  connect?: ConnectEdge;
  /** The edges that hold a stream published here (relay complete), for a peer asking where to send a player. */
  edgesHolding: (stream: string) => string[];
  /** Ends a publication here that lost its name to a better claim: its publisher hears STREAM_NAME_TAKEN. */
  endLost: (stream: string, winner: Claim) => void;
  /** Drops any link this origin accepted from `originId` (EdgeRelayService.dropOrigin), so it redials as what the list now says. */
  dropInbound?: (originId: string, why: string) => void;
  now?: () => number;
}

/** What a reload did to the <origin> list: peers linked, unlinked, and kept as they were. */
export interface PeerChanges {
  added: string[];
  removed: string[];
  kept: string[];
}

/** What EdgeRelayService hands a peer's authenticated inbound link to (and tells of its end). */
export interface InboundPeer {
  notice(method: string, data: unknown): void;
  request(method: string, data: Record<string, unknown>): Promise<unknown>;
  down(why: string): void;
}

interface PeerState {
  readonly config: EdgeNodeConfig;
  readonly out: OriginPeerLink;
  /** The peer's link to us while it is up (the handle EdgeRelayService holds), else null. */
  inbound: InboundPeer | null;
  inboundSince: number | null;
  /** The peer's claims by stream name, as last heard (kept while it is down). */
  readonly claims: Map<string, Claim>;
}

export class OriginPeers {
  readonly #options: OriginPeersOptions;
  readonly #logger: Logger;
  readonly #peers = new Map<string, PeerState>();
  /** This origin's claims, with the local stream each belongs to. */
  readonly #local = new Map<string, { claim: Claim; stream: Stream }>();
  readonly #onAdd: (stream: Stream) => void;
  readonly #onRemove: (stream: Stream) => void;
  /** The <origin> list now (this origin included), as loaded or last reloaded. */
  #origins: readonly EdgeNodeConfig[];
  #started = false;
  #closed = false;

  constructor(options: OriginPeersOptions) {
    this.#options = options;
    this.#logger = options.logger;
    const { config } = options;
    this.#origins = options.origins;
    for (const origin of options.origins) if (origin.id !== config.nodeId) this.#addPeer(origin);
    this.#onAdd = (stream) => {
      if (stream.source.kind !== 'local') return;
      const decision = this.#decide(stream.name);
      // admit() refused this name a moment ago if an up peer held it, with no await in between.
      const claim: Claim = { stream: stream.name, originId: config.nodeId, gen: decision.ok ? decision.gen : 1, at: this.#now() };
      this.#local.set(stream.name, { claim, stream });
      if (claim.gen > 1) this.#logger.info({ stream: stream.name, gen: claim.gen }, 'stream taken over from an origin whose link is down');
      this.#announce('claim', { stream: claim.stream, gen: claim.gen, at: claim.at });
    };
    this.#onRemove = (stream) => {
      const mine = this.#local.get(stream.name);
      if (mine?.stream !== stream) return;
      this.#local.delete(stream.name);
      this.#announce('release', { stream: stream.name, gen: mine.claim.gen });
    };
    options.streams.on('add', this.#onAdd);
    options.streams.on('remove', this.#onRemove);
  }

  /** True when the cluster has other origins. */
  get enabled(): boolean {
    return this.#peers.size > 0;
  }

  /** The <origin> list now, this origin included (the `connect` answer's origins). */
  get origins(): readonly EdgeNodeConfig[] {
    return this.#origins;
  }

  start(): void {
    this.#started = true;
    for (const peer of this.#peers.values()) peer.out.start();
    if (this.#peers.size > 0) this.#logger.info({ peers: [...this.#peers.keys()] }, 'linking to the other origins');
  }

  /**
   * The publish guard (PublishService): STREAM_NAME_TAKEN while an origin whose link is up holds
   * `name`. Synchronous, and the stream is registered right after it with no await between, so
   * the claim made on `add` is the decision taken here.
   */
  admit(name: string): void {
    const decision = this.#decide(name);
    if (!decision.ok) throw new AppError('STREAM_NAME_TAKEN', `stream "${name}" is already published on origin "${decision.holder.originId}"`);
  }

  /**
   * Applies an edited <origin> list (a reload): a removed origin's links close and its claims stop
   * counting; a new one is dialed, and any link it already had to us is dropped so that it comes
   * back as a peer link; one whose address changed is re-linked (removed and added). The others,
   * and every stream, carry on. The list names this origin (the parser checks it).
   */
  reload(origins: readonly EdgeNodeConfig[]): PeerChanges {
    const self = this.#options.config.nodeId;
    const next = new Map(origins.filter((o) => o.id !== self).map((o) => [o.id, o]));
    const changes: PeerChanges = { added: [], removed: [], kept: [] };
    for (const [id, peer] of [...this.#peers]) {
      const wanted = next.get(id);
      if (wanted && JSON.stringify(wanted) === JSON.stringify(peer.config)) {
        changes.kept.push(id);
        continue;
      }
      this.#removePeer(peer, wanted ? 'its <origin> changed in loadbalancing.xml' : 'removed from <origin> in loadbalancing.xml');
      changes.removed.push(id);
    }
    for (const [id, origin] of next) {
      if (this.#peers.has(id)) continue;
      // A link it already opened to us was served as a relay link (it was not listed): dropped, it redials as a peer.
      this.#options.dropInbound?.(id, 'listed in <origin> now; it comes back as a peer link');
      const peer = this.#addPeer(origin);
      if (this.#started) peer.out.start();
      changes.added.push(id);
    }
    this.#origins = origins;
    if (changes.added.length + changes.removed.length > 0) this.#logger.info(changes, '<origin> list reloaded');
    return changes;
  }

  /** True for another origin of this node's <origin> list (its hello opens a peer link, not a relay link). */
  isPeer(originId: string): boolean {
    return this.#peers.has(originId);
  }

  /** A listed origin's link to us authenticated: its claims come in on it until down(). */
  attach(originId: string): InboundPeer {
    const peer = this.#peers.get(originId);
    if (!peer) throw new Error(`${originId} is not a peer origin`);
    const handle: InboundPeer = {
      notice: (method, data) => this.#notice(peer, handle, method, data),
      request: (method, data) => this.#request(method, data),
      down: (why) => {
        if (peer.inbound !== handle) return;
        peer.inbound = null;
        peer.inboundSince = null;
        this.#logger.warn({ peer: originId, why, claims: peer.claims.size }, 'origin peer down: its streams may be taken over here');
      },
    };
    peer.inbound = handle;
    peer.inboundSince = Date.now();
    this.#logger.info({ peer: originId }, 'origin peer up');
    return handle;
  }

  /** The claim that owns `stream` among the peers whose links are up, or null when none holds it. */
  holderOf(stream: string): Claim | null {
    return winner([...this.#peers.values()].filter((p) => p.inbound !== null).flatMap((p) => p.claims.get(stream) ?? []));
  }

  /**
   * The edges that hold a stream an up peer owns (its relay there complete), as that peer says;
   * null when no up peer holds it. An empty list: held, but relayed to no edge yet (or the peer
   * could not be asked).
   */
  async peerEdges(stream: string): Promise<string[] | null> {
    const holder = this.holderOf(stream);
    if (!holder) return null;
    const link = this.#peers.get(holder.originId)!.out;
    try {
      const answer = streamEdgesAnswer.safeParse(await link.request('streamEdges', { stream }));
      return answer.success ? answer.data.edges : [];
    } catch {
      return [];
    }
  }

  /** show_routes' `peers`: every origin of the list, this one first, with its link states and claims. */
  routes(): Record<string, unknown>[] {
    const self = {
      id: this.#options.config.nodeId,
      self: true,
      state: 'up',
      streams: [...this.#local.values()].map(({ claim }) => claimView(claim)),
    };
    const peers = [...this.#peers.values()].map((p) => ({
      id: p.config.id,
      self: false,
      state: this.stateOf(p.config.id),
      inbound: p.inbound ? 'up' : 'down',
      outbound: p.out.state,
      upSince: p.inboundSince ? new Date(p.inboundSince).toISOString() : null,
      url: p.out.url,
      streams: [...p.claims.values()].map(claimView),
      ...(p.out.lastError ? { lastError: p.out.lastError } : {}),
    }));
    return [self, ...peers];
  }

  /** Which origin owns each stream this origin knows of: its own, and the up peers' winners. */
  owners(): { stream: string; origin: string; gen: number }[] {
    const byName = new Map<string, Claim[]>();
    const add = (c: Claim) => byName.set(c.stream, [...(byName.get(c.stream) ?? []), c]);
    for (const { claim } of this.#local.values()) add(claim);
    for (const p of this.#peers.values()) if (p.inbound) for (const c of p.claims.values()) add(c);
    return [...byName.values()].map((claims) => {
      const w = winner(claims)!;
      return { stream: w.stream, origin: w.originId, gen: w.gen };
    });
  }

  /**
   * A peer's state: up while its link to us is up (its claims are current), else down, whatever
   * our own link to it is doing (`outbound` in routes(): it may be reconnecting to a hung peer).
   */
  stateOf(id: string): 'up' | 'down' {
    return this.#peers.get(id)?.inbound ? 'up' : 'down';
  }

  /** Every origin of the list, this one first: its state and how many streams it holds (for /metrics and the console). */
  summary(): { id: string; self: boolean; state: 'up' | 'down'; streams: number }[] {
    const mine = { id: this.#options.config.nodeId, self: true, state: 'up' as const, streams: this.#local.size };
    return [mine, ...[...this.#peers.values()].map((p) => ({ id: p.config.id, self: false, state: this.stateOf(p.config.id), streams: p.claims.size }))];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.streams.off('add', this.#onAdd);
    this.#options.streams.off('remove', this.#onRemove);
    for (const peer of this.#peers.values()) peer.out.close();
  }

  #addPeer(origin: EdgeNodeConfig): PeerState {
    const { config, instanceId, logger, connect, relayTls } = this.#options;
    const out = new OriginPeerLink({ peer: origin, config, instanceId, logger, digest: () => ({ claims: this.#digest() }), connect, relayTls });
    const peer: PeerState = { config: origin, out, inbound: null, inboundSince: null, claims: new Map() };
    this.#peers.set(origin.id, peer);
    return peer;
  }

  /** Unlinks a peer: its links close (both ways) and its claims no longer count here. */
  #removePeer(peer: PeerState, why: string): void {
    this.#peers.delete(peer.config.id);
    peer.out.close();
    if (peer.inbound) {
      peer.inbound = null;
      this.#options.dropInbound?.(peer.config.id, why);
    }
    this.#logger.info({ peer: peer.config.id, why, claims: peer.claims.size }, 'origin peer unlinked');
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #decide(name: string) {
    return decidePublish([...this.#peers.values()].flatMap((p) => (p.claims.has(name) ? [{ claim: p.claims.get(name)!, up: p.inbound !== null }] : [])));
  }

  #digest(): { stream: string; gen: number; at: number }[] {
    const all = [...this.#local.values()];
    if (all.length > MAX_CLAIMS)
      this.#logger.warn({ streams: all.length, max: MAX_CLAIMS }, 'more streams than one claims digest carries; the rest are announced one by one only');
    return all.slice(0, MAX_CLAIMS).map(({ claim }) => ({ stream: claim.stream, gen: claim.gen, at: claim.at }));
  }

  #announce(method: 'claim' | 'release', data: Record<string, unknown>): void {
    for (const peer of this.#peers.values()) peer.out.notify(method, data);
  }

  #notice(peer: PeerState, handle: InboundPeer, method: string, data: unknown): void {
    if (peer.inbound !== handle) return;
    const n = parsePeerNotification(method, data);
    if (!n) return void this.#logger.warn({ peer: peer.config.id, method }, 'origin peer sent an unknown or malformed notification');
    const originId = peer.config.id;
    if (n.method === 'claims') {
      const previous = peer.claims.size;
      peer.claims.clear();
      for (const c of n.data.claims) peer.claims.set(c.stream, { ...c, originId });
      this.#logger.debug({ peer: originId, claims: peer.claims.size, previous }, 'origin peer claims digest');
      for (const name of peer.claims.keys()) this.#settle(name);
    } else if (n.method === 'claim') {
      // Bounded like the digest: a peer's claims never grow past what one digest could replace.
      if (!peer.claims.has(n.data.stream) && peer.claims.size >= MAX_CLAIMS) {
        return void this.#logger.warn({ peer: originId, max: MAX_CLAIMS }, 'origin peer claims more streams than a digest carries; claim ignored');
      }
      peer.claims.set(n.data.stream, { ...n.data, originId });
      this.#settle(n.data.stream);
    } else if (peer.claims.get(n.data.stream)?.gen === n.data.gen) {
      peer.claims.delete(n.data.stream);
    }
  }

  async #request(method: string, data: Record<string, unknown>): Promise<unknown> {
    const request = parsePeerRequest(method, data);
    if (request.method === 'ping') return {};
    return { edges: this.#options.edgesHolding(request.data.stream) };
  }

  /** A peer's claim to `name` arrived: if it beats this origin's, this origin's publication ends. */
  #settle(name: string): void {
    const mine = this.#local.get(name);
    if (!mine) return;
    const rivals = [...this.#peers.values()].flatMap((p) => p.claims.get(name) ?? []);
    const best = winner([mine.claim, ...rivals])!;
    if (compareClaims(best, mine.claim) === 0) return;
    this.#local.delete(name);
    this.#announce('release', { stream: name, gen: mine.claim.gen });
    this.#logger.warn(
      { stream: name, mine: claimView(mine.claim), winner: claimView(best) },
      'stream name lost to a better claim of another origin; ending it here',
    );
    this.#options.endLost(name, best);
  }
}

function claimView(c: Claim): Record<string, unknown> {
  return { stream: c.stream, origin: c.originId, gen: c.gen, at: new Date(c.at).toISOString() };
}
