// Prometheus metrics of one node, read at scrape time from the live objects (no counters to keep
// in sync by hand).
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSource {
  sessions(): number;
  players(): number;
  streams(): { local: number; relayed: number };
  edgeLinks(): { state: string; count: number }[];
}

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
  return registry;
}
