// Gathers the console's figures from the live node (links, streams, mediasoup stats) into the plain
// inputs consoleModel.ts turns into a snapshot. Called at most once a second and only while a
// console is connected (consoleHub.ts); the stats readers memoise for a second besides.
import type * as ms from 'mediasoup/types';
import type { RelayStats } from '../cluster/RelayStats';
import type { TrafficMeter } from '../media/TrafficMeter';
import type { HttpContext } from './HttpContext';
import type { ConsoleInputs, EdgeInput, StreamInput, TrackInput } from './consoleModel';
import { edgeUrl } from '../cluster/OriginCluster';
import { edgeBaseUrl } from '../cluster/nodeUrls';

/** What the console and /metrics measure beyond what HttpContext already shows. */
export interface NodeMonitor {
  /** This node's CPU load (0..1 of all cores). */
  cpuLoad(): number;
  traffic: TrafficMeter;
  /** The origin's relay traffic; null on an edge or a standalone node. */
  relayStats: RelayStats | null;
}

export async function gatherInputs(ctx: HttpContext, monitor: NodeMonitor): Promise<ConsoleInputs> {
  const [traffic, relaySample] = await Promise.all([monitor.traffic.read(), monitor.relayStats?.read() ?? null]);
  const links = ctx.origin?.links ?? [];
  const edges: EdgeInput[] = links.map((l) => ({
    id: l.edge.id,
    cluster: l.edge.cluster,
    url: edgeUrl(l, false),
    state: l.state,
    stateSince: l.stateSince,
    players: l.players,
    cpuLoad: l.cpuLoad,
    loadAt: l.loadAt,
    streamPlayers: l.streamPlayers,
    bitrateOut: l.bitrateOut,
    lastError: l.lastError,
    redirects: l.redirects,
    failures: Object.fromEntries(l.failuresByCode),
    relay: relaySample?.edges.get(l.edge.id) ?? null,
  }));
  // Relay tiers: the nodes below the relays, as their relays last reported them (no pipe of ours).
  const below = ctx.origin?.tierNodes() ?? [];
  const now = Date.now();
  for (const d of below) {
    const node = ctx.config.loadBalancing?.nodes.find((n) => n.id === d.id);
    edges.push({
      id: d.id,
      cluster: d.cluster,
      url: node ? `${edgeBaseUrl(node, 'ws', false, null)}/` : '',
      state: 'up',
      stateSince: now,
      players: d.players,
      cpuLoad: d.cpuLoad,
      loadAt: now,
      streamPlayers: d.streams,
      bitrateOut: null,
      lastError: '',
      redirects: 0,
      failures: {},
      relay: null,
      via: d.via,
    });
  }
  const clients = new Map(ctx.clients().map((c) => [c.id, c]));
  const streams: StreamInput[] = await Promise.all(
    ctx.streams.all().map(async (s) => {
      const owner = s.source.kind === 'local' ? clients.get(s.source.sessionId) : undefined;
      const publisher =
        s.source.kind === 'relay'
          ? `relayed from ${s.source.originId}`
          : owner
            ? `${owner.clientName || 'client'} ${owner.remoteAddress}`
            : ctx.webrtcHttp.get(s.source.sessionId)
              ? 'WHIP'
              : 'session ' + s.source.sessionId.slice(0, 8);
      return {
        name: s.name,
        status: s.status,
        source: s.source.kind,
        publisher,
        createdAt: s.createdAt,
        tracks: await Promise.all(s.producers.map(trackOf)),
        players: ctx.play.playersOf(s.name),
        relays: (ctx.origin?.links ?? [])
          .map((l) => {
            const relay = l.relayOf(s.name);
            return {
              id: l.edge.id,
              state: relay?.state ?? 'none',
              complete: relay?.complete ?? false,
              error: relay?.error ?? null,
              held: l.reasonOf(s.name),
              traffic: relaySample?.relays.get(l.edge.id)?.get(s.name) ?? null,
            };
          })
          .concat(
            below.map((d) => ({
              id: d.id,
              state: d.held[s.name] ? 'relayed' : 'none',
              complete: d.held[s.name] !== undefined,
              error: null,
              held: d.held[s.name] ?? null,
              traffic: null,
              via: d.via,
            })),
          ),
      };
    }),
  );
  return {
    now: Date.now(),
    loadReportMs: ctx.config.cdnLoadReportMs,
    node: {
      id: ctx.config.nodeId,
      role: ctx.role(),
      mode: ctx.origin?.mode ?? null,
      cpuLoad: monitor.cpuLoad(),
      players: ctx.play.players,
      traffic: { in: traffic.in, out: traffic.out },
      origins: ctx.originLinks().map((o) => ({ originId: o.originId, since: o.since, streams: o.streams.length })),
      ...(ctx.origin?.peers.enabled ? { peers: ctx.origin.peers.summary() } : {}),
    },
    edges,
    streams,
  };
}

/** A producer's codec and the encodings arriving (simulcast: one per rid), from its mediasoup stats. */
async function trackOf(producer: ms.Producer): Promise<TrackInput> {
  const codec = producer.rtpParameters.codecs[0]?.mimeType ?? 'unknown';
  const encodings = producer.closed ? [] : await producer.getStats().catch((err: Error) => (producer.closed ? [] : Promise.reject(err)));
  return {
    kind: producer.kind,
    codec,
    paused: producer.paused,
    encodings: encodings.map((e) => ({ rid: e.rid ?? null, bitrate: e.bitrate, score: e.score })),
  };
}
