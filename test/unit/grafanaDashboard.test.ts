// docs/grafana-dashboard.json charts the node's /metrics: every metric one of its queries names
// must be in the output of the registry the node serves (built here in-process, with an origin's
// figures), with at least one series, or the panel would stay empty without anyone noticing.
import fs from 'node:fs';
import path from 'node:path';
import type { RelaySample } from '../../src/cluster/RelayStats';
import { createMetrics, type EdgeMetrics, type MetricsSource } from '../../src/http/metrics';

const DASHBOARD = path.resolve(__dirname, '..', '..', 'docs', 'grafana-dashboard.json');

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

function originSource(): MetricsSource {
  const sample: RelaySample = {
    at: Date.now(),
    edges: new Map([['edge1', { bytesSent: 123_456, packetsSent: 200, packetsLost: 3, packetsRetransmitted: 2, bitrate: 1_000_000 }]]),
    relays: new Map(),
  };
  return {
    sessions: () => 2,
    players: () => 1,
    streams: () => ({ local: 1, relayed: 0 }),
    edgeLinks: () => [
      { state: 'up', count: 1 },
      { state: 'down', count: 1 },
    ],
    edges: (): EdgeMetrics[] => [
      {
        id: 'edge1',
        cluster: 'default',
        state: 'up',
        players: 4,
        cpuLoad: 0.25,
        streamsRelayed: 1,
        distribution: 'push',
        held: { cam: 'pushed' },
        redirects: 5,
        failures: {},
      },
      {
        id: 'edge2',
        cluster: 'default',
        state: 'down',
        players: 0,
        cpuLoad: 0,
        streamsRelayed: 0,
        distribution: 'on_demand',
        held: {},
        redirects: 0,
        failures: { STREAM_NAME_TAKEN: 2 },
      },
    ],
    relayTraffic: () => Promise.resolve(sample),
    relayLinks: () => ({ tls: true, pending: 0 }),
  };
}

/** Metric names in a PromQL expression: identifiers of ours (`cdn_...`), not functions or labels. */
function metricsIn(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '');
  return [...withoutLabels.matchAll(/\bcdn_[a-z0-9_]+\b/g)].map((m) => m[0]);
}

test("every metric the Grafana dashboard queries is in the node's /metrics, with series", async () => {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: { query?: unknown }[] } };
  const exprs = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list.map((v) => v.query).filter((q): q is string => typeof q === 'string'),
  ];
  const used = new Set(exprs.flatMap(metricsIn));
  expect(used.size).toBeGreaterThanOrEqual(10);

  const text = await createMetrics(originSource(), 'origin').metrics();
  const withSeries = new Set([...text.matchAll(/^(cdn_[a-z0-9_]+)\{/gm)].map((m) => m[1]));
  const missing = [...used].filter((name) => !withSeries.has(name));
  expect(missing).toEqual([]);
});

test('every panel of the dashboard has a query, and the relay metrics it relies on are all there', () => {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  expect(dashboard.panels.filter((p) => (p.targets ?? []).length === 0).map((p) => p.title)).toEqual([]);
  const used = new Set(dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricsIn(t.expr))));
  for (const name of [
    'cdn_edge_link_state',
    'cdn_edge_streams_relayed',
    'cdn_edge_relay_bytes_sent_total',
    'cdn_edge_relay_packets_sent_total',
    'cdn_edge_relay_packets_lost_total',
    'cdn_edge_relay_packets_retransmitted_total',
    'cdn_edge_redirects_total',
    'cdn_edge_relay_failures_total',
  ]) {
    expect(used).toContain(name);
  }
});

test('the per-edge series carry the figures of the origin', async () => {
  const text = await createMetrics(originSource(), 'origin').metrics();
  expect(text).toContain('cdn_edge_link_state{edge="edge1",cluster="default",state="up",node="origin"} 1');
  expect(text).toContain('cdn_edge_link_state{edge="edge2",cluster="default",state="down",node="origin"} 1');
  expect(text).toContain('cdn_edge_relay_bytes_sent_total{edge="edge1",cluster="default",node="origin"} 123456');
  expect(text).toContain('cdn_edge_relay_packets_lost_total{edge="edge1",cluster="default",node="origin"} 3');
  expect(text).toContain('cdn_edge_relay_packets_retransmitted_total{edge="edge1",cluster="default",node="origin"} 2');
  expect(text).toContain('cdn_edge_redirects_total{edge="edge1",cluster="default",node="origin"} 5');
  expect(text).toContain('cdn_edge_relay_failures_total{edge="edge2",cluster="default",reason="STREAM_NAME_TAKEN",node="origin"} 2');
  // On-demand edges (docs/console.md): the edge's distribution, and which stream it holds and why.
  expect(text).toContain('cdn_edge_on_demand{edge="edge1",cluster="default",node="origin"} 0');
  expect(text).toContain('cdn_edge_on_demand{edge="edge2",cluster="default",node="origin"} 1');
  expect(text).toContain('cdn_edge_stream_held{edge="edge1",cluster="default",stream="cam",reason="pushed",via="",node="origin"} 1');
});
