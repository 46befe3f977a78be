// Prometheus metrics of one node, read at scrape time from the live objects (no counters to keep
// in sync by hand). The relay's traffic is read from the pipes' mediasoup stats at scrape time
// (RelayStats keeps the per-edge totals growing across relays). docs/grafana-dashboard.json
// charts them; test/unit/grafanaDashboard.test.ts checks that every metric it queries exists.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RelaySample } from '../cluster/RelayStats';

/** One edge of the origin's loadbalancing.xml, as /metrics shows it. */
export interface EdgeMetrics {
  id: string;
  cluster: string;
  state: string;
  players: number;
  cpuLoad: number;
  /** Streams whose relay to the edge is complete. */
  streamsRelayed: number;
  /** loadbalancing.xml distribution of the edge: push or on_demand. */
  distribution: string;
  /** Per stream whose relay to the edge is complete: why the edge holds it (pushed, or pulled on demand). */
  held: Record<string, string>;
  /** Players sent to the edge since its link was made. */
  redirects: number;
  /** Failed relays to the edge since its link was made, by error code. */
  failures: Record<string, number>;
  /** Relay tiers: the relay that feeds the node (as it reports it); absent for a node the origin links to itself. */
  via?: string;
}

export interface MetricsSource {
  sessions(): number;
  players(): number;
  streams(): { local: number; relayed: number };
  edgeLinks(): { state: string; count: number }[];
  /** The origin's edges (empty elsewhere). */
  edges(): EdgeMetrics[];
  /** The origin's relay traffic (null elsewhere). */
  relayTraffic(): Promise<RelaySample | null>;
  /** How this node's relay links run (cdn.relay_tls), and relay sockets not yet authenticated. */
  relayLinks(): { tls: boolean; pending: number };
  /** On an origin of several: every origin of the list (this one included), whether its link is up, and the streams it holds. */
  originPeers?(): { id: string; up: boolean; streams: number }[];
}

const LINK_STATES = ['connecting', 'up', 'down'];

export function createMetrics(source: MetricsSource, nodeId: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: registry, prefix: 'cdn_process_' });
  new Gauge({
    name: 'cdn_sessions',
    help: 'Connected command-channel clients',
    registers: [registry],
    collect() {
      this.set(source.sessions());
    },
  });
  new Gauge({
    name: 'cdn_players',
    help: 'Sessions playing at least one stream',
    registers: [registry],
    collect() {
      this.set(source.players());
    },
  });
  new Gauge({
    name: 'cdn_streams',
    help: 'Streams held by this node, by origin of the stream',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      const s = source.streams();
      this.set({ source: 'local' }, s.local);
      this.set({ source: 'relay' }, s.relayed);
    },
  });
  new Gauge({
    name: 'cdn_edge_links',
    help: "Origin's links to its edges, by state",
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { state, count } of source.edgeLinks()) this.set({ state }, count);
    },
  });
  // Plain relay links are warned about at start; this keeps the fact visible to monitoring.
  new Gauge({
    name: 'cdn_relay_tls',
    help: '1 when relay links between nodes run over TLS (cdn.relay_tls=true), 0 when plain ws:// (readable on the path)',
    registers: [registry],
    collect() {
      this.set(source.relayLinks().tls ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cdn_relay_pending_sockets',
    help: 'Relay sockets accepted and not yet authenticated (capped by cdn.relay_pending_per_ip and cdn.relay_pending_max)',
    registers: [registry],
    collect() {
      this.set(source.relayLinks().pending);
    },
  });
  new Gauge({
    name: 'cdn_origin_peer_up',
    help: "1 while the other origin's link to this one is up (its claims are current), 0 while it is down; this origin itself is always 1",
    labelNames: ['origin'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of source.originPeers?.() ?? []) this.set({ origin: p.id }, p.up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cdn_origin_streams',
    help: 'Streams each origin of the cluster holds, as this origin last heard (a down origin: what it held when its link went)',
    labelNames: ['origin'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of source.originPeers?.() ?? []) this.set({ origin: p.id }, p.streams);
    },
  });
  registerEdgeMetrics(registry, source);
  return registry;
}

/** Per-edge series of the origin: link state, load, relays, redirects, failures and pipe traffic. */
function registerEdgeMetrics(registry: Registry, source: MetricsSource): void {
  const perEdge = (name: string, help: string, value: (e: EdgeMetrics) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['edge', 'cluster'],
      registers: [registry],
      collect() {
        this.reset();
        for (const e of source.edges()) this.set({ edge: e.id, cluster: e.cluster }, value(e));
      },
    });
  new Gauge({
    name: 'cdn_edge_link_state',
    help: "1 for the state the origin's link to the edge is in (connecting, up, down), 0 for the others",
    labelNames: ['edge', 'cluster', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of source.edges()) for (const state of LINK_STATES) this.set({ edge: e.id, cluster: e.cluster, state }, e.state === state ? 1 : 0);
    },
  });
  perEdge('cdn_edge_players', 'Players on the edge (its last load report)', (e) => e.players);
  perEdge('cdn_edge_cpu_load', "The edge's CPU load, 0..1 of its cores (its last load report)", (e) => e.cpuLoad);
  perEdge('cdn_edge_streams_relayed', 'Streams whose relay to the edge is complete', (e) => e.streamsRelayed);
  perEdge('cdn_edge_on_demand', '1 when the edge gets streams on demand (loadbalancing.xml distribution="on_demand"), 0 when every stream is pushed', (e) =>
    e.distribution === 'on_demand' ? 1 : 0,
  );
  new Gauge({
    name: 'cdn_edge_stream_held',
    help: 'Which edge holds which stream (relay complete), and why: pushed (push edge) or pulled (on-demand edge a player needed it on); via: the relay that feeds it ("" when the origin does)',
    labelNames: ['edge', 'cluster', 'stream', 'reason', 'via'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of source.edges()) {
        for (const [stream, reason] of Object.entries(e.held)) this.set({ edge: e.id, cluster: e.cluster, stream, reason, via: e.via ?? '' }, 1);
      }
    },
  });
  new Counter({
    name: 'cdn_edge_redirects_total',
    help: 'Players the origin sent to the edge',
    labelNames: ['edge', 'cluster'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of source.edges()) this.inc({ edge: e.id, cluster: e.cluster }, e.redirects);
    },
  });
  new Counter({
    name: 'cdn_edge_relay_failures_total',
    help: 'Failed relays to the edge, by reason (the error code)',
    labelNames: ['edge', 'cluster', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of source.edges()) for (const [reason, n] of Object.entries(e.failures)) this.inc({ edge: e.id, cluster: e.cluster, reason }, n);
    },
  });
  const traffic = (name: string, help: string, key: 'bytesSent' | 'packetsSent' | 'packetsLost' | 'packetsRetransmitted') =>
    new Counter({
      name,
      help,
      labelNames: ['edge', 'cluster'],
      registers: [registry],
      async collect() {
        this.reset();
        const sample = await source.relayTraffic();
        if (!sample) return;
        for (const e of source.edges()) {
          const t = sample.edges.get(e.id);
          if (t) this.inc({ edge: e.id, cluster: e.cluster }, t[key]);
        }
      },
    });
  traffic('cdn_edge_relay_bytes_sent_total', 'Bytes the origin sent to the edge over its pipes (RTP, RTX, RTCP)', 'bytesSent');
  traffic('cdn_edge_relay_packets_sent_total', 'RTP packets the origin sent to the edge over its pipes', 'packetsSent');
  traffic('cdn_edge_relay_packets_lost_total', 'RTP packets the edge reported lost on the pipes (RTCP receiver reports)', 'packetsLost');
  traffic('cdn_edge_relay_packets_retransmitted_total', 'RTP packets sent again to the edge after its NACKs', 'packetsRetransmitted');
}
