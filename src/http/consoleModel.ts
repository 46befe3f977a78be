// The console's picture of the cluster (docs/console.md), assembled from plain figures the node
// gathered (consoleGather.ts). Pure: the same inputs give the same snapshot, so every rule here
// (staleness, what "relayed" means, loss ratios, clusters) is unit-tested without sockets.

export type LinkState = 'connecting' | 'up' | 'down';

/** A live relay's traffic to one edge (StreamRelay.stats). */
export interface RelayFigures {
  bitrate: number;
  bytesSent: number;
  packetsSent: number;
  packetsLost: number;
  packetsRetransmitted: number;
}

export interface EdgeInput {
  id: string;
  cluster: string;
  url: string;
  state: LinkState;
  stateSince: number;
  players: number;
  cpuLoad: number;
  /** When the edge's last load report arrived (null: never). */
  loadAt: number | null;
  /** Players per stream on the edge (its last load report). */
  streamPlayers: Record<string, number>;
  /** bits/s the edge's players receive, as the edge measured it (null when it did not say). */
  bitrateOut: number | null;
  lastError: string;
  redirects: number;
  failures: Record<string, number>;
  /** The origin's pipes to this edge: totals and bits/s (null before the first reading). */
  relay: (Omit<RelayFigures, 'bitrate'> & { bitrate: number }) | null;
  /** Relay tiers: the relay that feeds this node (absent for a node the origin links to). */
  via?: string;
}

export interface TrackInput {
  kind: string;
  codec: string;
  paused: boolean;
  /** Per encoding arriving from the publisher (simulcast: one per rid). */
  encodings: { rid: string | null; bitrate: number; score: number }[];
}

export interface StreamInput {
  name: string;
  status: string;
  source: 'local' | 'relay';
  publisher: string;
  createdAt: number;
  tracks: TrackInput[];
  /** Players on this node. */
  players: number;
  /** Per edge (origin only): the relay's state and, while it has a pipe, its traffic. */
  relays: {
    id: string;
    state: string;
    complete: boolean;
    error: string | null;
    traffic: RelayFigures | null;
    held?: 'pushed' | 'pulled' | null;
    /** Relay tiers: the relay that feeds the node. */
    via?: string;
  }[];
}

export interface ConsoleInputs {
  now: number;
  /** The edges' load report period: a report older than three of them is stale. */
  loadReportMs: number;
  node: {
    id: string;
    role: 'origin' | 'edge' | 'standalone';
    mode: string | null;
    cpuLoad: number;
    players: number;
    traffic: { in: number; out: number } | null;
    /** On an edge: the origins linked to it. */
    origins: { originId: string; since: string; streams: number }[];
    /** On an origin of several (<origin>): every origin of the list, this one first, its link state and streams held. */
    peers?: { id: string; self: boolean; state: string; streams: number }[];
  };
  edges: EdgeInput[];
  streams: StreamInput[];
}

export type RelayView = 'relayed' | 'pending' | 'failed' | 'none';

export interface ConsoleSnapshot {
  at: number;
  node: ConsoleInputs['node'] & { streams: number; bitrateIn: number | null; bitrateOut: number | null };
  clusters: { name: string; edges: string[] }[];
  edges: {
    id: string;
    cluster: string;
    url: string;
    state: LinkState;
    since: number;
    stale: boolean;
    players: number;
    cpuLoad: number;
    streams: number;
    bitrateIn: number | null;
    bitrateOut: number | null;
    lastError: string | null;
    redirects: number;
    failures: Record<string, number>;
    packetsSent: number;
    packetsLost: number;
    packetsRetransmitted: number;
    /** Relay tiers: the relay that feeds this node (absent for a node the origin links to). */
    via?: string;
  }[];
  streams: {
    name: string;
    status: string;
    source: 'local' | 'relay';
    publisher: string;
    since: number;
    bitrate: number;
    tracks: { kind: string; codec: string; paused: boolean; bitrate: number; layers: string[] }[];
    players: number;
    edges: {
      id: string;
      relay: RelayView;
      reason: string | null;
      /** Why the edge has the stream: pushed (push edge), pulled (on-demand edge a player needed it on); null when not relayed there. */
      held: 'pushed' | 'pulled' | null;
      players: number | null;
      bitrate: number | null;
      packetsLost: number | null;
      packetsRetransmitted: number | null;
      /** packetsLost / (packetsSent + packetsLost), null before anything was sent. */
      lossRatio: number | null;
      /** Relay tiers: the relay that feeds the node. */
      via?: string;
    }[];
  }[];
}

/**
 * relayed: the pipe is up and every track is on the edge (players may be sent there); pending:
 * being set up or a track is still on its way; failed: with the edge's or the origin's reason;
 * none: not relayed (link not up, or the stream has no relay there yet).
 */
export function relayView(state: string, complete: boolean): RelayView {
  if (state === 'relayed') return complete ? 'relayed' : 'pending';
  if (state === 'pending') return 'pending';
  if (state === 'failed') return 'failed';
  return 'none';
}

/** Figures an edge reported are stale once its link is not up or its last report is older than 3 report periods. */
export function edgeIsStale(edge: Pick<EdgeInput, 'state' | 'loadAt'>, now: number, loadReportMs: number): boolean {
  if (edge.state !== 'up') return true;
  return edge.loadAt === null || now - edge.loadAt > 3 * loadReportMs;
}

export function lossRatio(sent: number, lost: number): number | null {
  const total = sent + lost;
  return total > 0 ? lost / total : null;
}

/** Arriving simulcast layers: encodings with traffic, by rid (a single encoding without rid is '-'). */
function layersOf(track: TrackInput): string[] {
  return track.encodings.filter((e) => e.bitrate > 0).map((e) => e.rid ?? '-');
}

export function buildSnapshot(input: ConsoleInputs): ConsoleSnapshot {
  const { now, loadReportMs } = input;
  const edges = input.edges.map((e) => {
    const held = input.streams.filter((s) => s.relays.some((r) => r.id === e.id && relayView(r.state, r.complete) === 'relayed')).length;
    return {
      id: e.id,
      cluster: e.cluster,
      url: e.url,
      state: e.state,
      since: e.stateSince,
      stale: edgeIsStale(e, now, loadReportMs),
      players: e.players,
      cpuLoad: e.cpuLoad,
      streams: held,
      // What the edge receives is what the origin's pipes send it (measured here, exact).
      bitrateIn: e.state === 'up' && e.relay ? e.relay.bitrate : null,
      bitrateOut: e.bitrateOut,
      lastError: e.lastError || null,
      redirects: e.redirects,
      failures: e.failures,
      packetsSent: e.relay?.packetsSent ?? 0,
      packetsLost: e.relay?.packetsLost ?? 0,
      packetsRetransmitted: e.relay?.packetsRetransmitted ?? 0,
      ...(e.via !== undefined ? { via: e.via } : {}),
    };
  });
  const clusterNames = [...new Set(input.edges.map((e) => e.cluster))];
  const clusters = clusterNames.map((name) => ({ name, edges: input.edges.filter((e) => e.cluster === name).map((e) => e.id) }));
  const edgeById = new Map(input.edges.map((e) => [e.id, e]));
  const streams = input.streams.map((s) => {
    const tracks = s.tracks.map((t) => ({
      kind: t.kind,
      codec: t.codec,
      paused: t.paused,
      bitrate: t.encodings.reduce((sum, e) => sum + e.bitrate, 0),
      layers: layersOf(t),
    }));
    return {
      name: s.name,
      status: s.status,
      source: s.source,
      publisher: s.publisher,
      since: s.createdAt,
      bitrate: tracks.reduce((sum, t) => sum + t.bitrate, 0),
      tracks,
      players: s.players,
      edges: s.relays.map((r) => {
        const edge = edgeById.get(r.id);
        // No player is sent to an edge whose link is not up, whatever relay the origin keeps for it
        // through a blip of the link (cdn.link_grace_ms): not relayed, as far as players go.
        const down = edge !== undefined && edge.state !== 'up';
        const kept = down && (r.state === 'relayed' || r.state === 'pending');
        const view = down ? 'none' : relayView(r.state, r.complete);
        return {
          id: r.id,
          relay: view,
          reason: view === 'failed' ? (r.error ?? 'failed') : down ? `link ${edge.state}${kept ? '; relay kept for cdn.link_grace_ms' : ''}` : null,
          held: view === 'none' ? null : (r.held ?? null),
          players: edge && edge.state === 'up' ? (edge.streamPlayers[s.name] ?? 0) : null,
          bitrate: r.traffic?.bitrate ?? null,
          packetsLost: r.traffic?.packetsLost ?? null,
          packetsRetransmitted: r.traffic?.packetsRetransmitted ?? null,
          lossRatio: r.traffic ? lossRatio(r.traffic.packetsSent, r.traffic.packetsLost) : null,
          ...(r.via !== undefined ? { via: r.via } : {}),
        };
      }),
    };
  });
  const traffic = input.node.traffic;
  return {
    at: now,
    node: {
      ...input.node,
      streams: input.streams.length,
      bitrateIn: traffic?.in ?? null,
      bitrateOut: traffic === null ? null : traffic.out + relayOut(input.edges),
    },
    clusters,
    edges,
    streams,
  };
}

/** The node's own transports do not include the origin's relay pipes: their bits/s are added. */
function relayOut(edges: EdgeInput[]): number {
  return edges.reduce((sum, e) => sum + (e.relay?.bitrate ?? 0), 0);
}
