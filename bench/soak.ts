// The soak: churning users against an origin with two edges for minutes, to show that nothing
// accumulates. Each user loops until the deadline: connect, then publish its own stream (one time
// in five) or play one of a few long-lived streams through the origin's redirect to an edge, keep it
// a few seconds, stop, disconnect, pause, again. Every few seconds it samples each node: memory of
// the node process (RSS, JS heap) and of its mediasoup worker (RSS), sessions, streams, transports
// and consumers. At the end every count must be back to its value before the users started.
import fs from 'node:fs';
import { TestClient } from '../test/helpers/client';
import { edgesXml, type NodeProcess, startNode, until } from '../test/helpers/nodes';
import { type RtpReceiver, type RtpSender, VIDEO_PT } from '../test/helpers/rtp';
import { median } from './stats';

export interface SoakOptions {
  users: number;
  durationMs: number;
  /** Streams published for the whole soak, which the playing users play. */
  anchors?: number;
  /** cdn.pipe_idle_ms of the nodes (default the node's, 10 s): an idle relay pipe counts until it closes. */
  pipeIdleMs?: number;
  log: (msg: string) => void;
}

/** One node at one moment. */
export interface Sample {
  rssMb: number;
  heapMb: number;
  workerRssMb: number;
  sessions: number;
  streams: number;
  transports: number;
  consumers: number;
}

export type Counts = Pick<Sample, 'sessions' | 'streams' | 'transports' | 'consumers'>;
const COUNTS: (keyof Counts)[] = ['sessions', 'streams', 'transports', 'consumers'];

export interface NodeSoak {
  name: string;
  before: Sample;
  peak: Sample;
  /** Medians of the samples of the first and of the last third of the soak: a leak shows as growth between them. */
  firstThird: Sample;
  lastThird: Sample;
  after: Sample;
  /** True when every count came back to its `before` value. */
  countsBack: boolean;
}

export interface SoakResult {
  users: number;
  durationMs: number;
  sessionsRun: { publish: number; play: number };
  failures: Record<string, number>;
  /** Medians over the sessions: ms from connect to the first packet at a player. */
  medianJoinMs: number;
  nodes: NodeSoak[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function sample(node: NodeProcess): Promise<Sample> {
  const health = (await (await fetch(`${node.http}/healthz`)).json()) as {
    workers: number[];
    streams: number;
    workerLoad: { transports: number; consumers: number }[];
  };
  const metrics = await (await fetch(`${node.http}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  return {
    rssMb: rssMb(node.child.pid!),
    heapMb: metric('cdn_process_nodejs_heap_size_used_bytes') / 2 ** 20,
    workerRssMb: health.workers.reduce((sum, pid) => sum + rssMb(pid), 0),
    sessions: metric('cdn_sessions'),
    streams: health.streams,
    transports: health.workerLoad.reduce((sum, w) => sum + w.transports, 0),
    consumers: health.workerLoad.reduce((sum, w) => sum + w.consumers, 0),
  };
}

function fieldwise(samples: Sample[], pick: (values: number[]) => number): Sample {
  const keys = Object.keys(samples[0]) as (keyof Sample)[];
  return Object.fromEntries(keys.map((k) => [k, pick(samples.map((s) => s[k]))])) as unknown as Sample;
}

const countsEqual = (a: Counts, b: Counts) => COUNTS.every((k) => a[k] === b[k]);

export async function soak(options: SoakOptions): Promise<SoakResult> {
  const { users, durationMs, log } = options;
  const anchorCount = options.anchors ?? 4;
  const nodes: NodeProcess[] = [];
  const quiet = {
    'log.level': 'warn',
    max_connections: users * 2,
    ...(options.pipeIdleMs !== undefined ? { 'cdn.pipe_idle_ms': options.pipeIdleMs } : {}),
  };
  try {
    // Wide media port ranges: a few hundred plain transports and pipes per node.
    const edge1 = await startNode({ name: 'soak-edge1', props: { ...quiet, media_port_from: 55000, media_port_to: 55999 } });
    nodes.push(edge1);
    const edge2 = await startNode({ name: 'soak-edge2', props: { ...quiet, media_port_from: 56000, media_port_to: 56999 } });
    nodes.push(edge2);
    const origin = await startNode({
      name: 'soak-origin',
      props: { ...quiet, load_balancing_enabled: true, media_port_from: 57000, media_port_to: 57999 },
      xml: edgesXml([edge1, edge2].map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))),
    });
    nodes.push(origin);
    await until(
      async () => (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()).edges.every((e: { state: string }) => e.state === 'up'),
      10000,
    );
    const before = await Promise.all(nodes.map(sample));

    const anchors: { client: TestClient; sender: RtpSender; name: string }[] = [];
    for (let i = 0; i < anchorCount; i++) {
      const client = await TestClient.connect(origin.url);
      const name = `soak-anchor-${i}`;
      anchors.push({ client, sender: await client.publishRtp(name, { intervalMs: 20 }), name });
    }
    const result: SoakResult = { users, durationMs, sessionsRun: { publish: 0, play: 0 }, failures: {}, medianJoinMs: NaN, nodes: [] };
    const joins: number[] = [];
    const fail = (what: string, err: unknown) => {
      const key = `${what}: ${(err as Error).message.replace(/\d+/g, 'N').slice(0, 80)}`;
      result.failures[key] = (result.failures[key] ?? 0) + 1;
    };

    const deadline = Date.now() + durationMs;
    const user = async (id: number) => {
      // Spread the first connects over two seconds rather than all at once.
      await sleep(between(0, 2000));
      for (let round = 0; Date.now() < deadline; round++) {
        const clients: TestClient[] = [];
        let receiver: RtpReceiver | null = null;
        let sender: RtpSender | null = null;
        const publishing = Math.random() < 0.2;
        try {
          const start = performance.now();
          const first = await TestClient.connect(origin.url);
          clients.push(first);
          if (publishing) {
            sender = await first.publishRtp(`soak-u${id}-${round}`, { intervalMs: 40 });
            result.sessionsRun.publish++;
          } else {
            const anchor = anchors[Math.floor(Math.random() * anchors.length)].name;
            const asked = await first.playRtp(anchor);
            if (asked.redirect) {
              // As the SDK does: leave the origin once it answered with an edge.
              await first.close();
              const there = await TestClient.connect(asked.redirect.url);
              clients.push(there);
              receiver = (await there.playRtp(anchor)).receiver;
            } else {
              receiver = asked.receiver;
            }
            await receiver.waitFor(1, VIDEO_PT, 5000);
            joins.push(performance.now() - start);
            result.sessionsRun.play++;
          }
          await sleep(between(2000, 6000));
          // Half the publishers unpublish first; everyone else just disconnects.
          if (sender && round % 2 === 0) await first.request('unpublish', { stream: `soak-u${id}-${round}` });
        } catch (err) {
          fail(publishing ? 'publish' : 'play', err);
        } finally {
          await sender?.close();
          await receiver?.close();
          for (const c of clients) await c.close();
        }
        await sleep(between(0, 500));
      }
    };

    const samples: Sample[][] = nodes.map(() => []);
    const sampler = (async () => {
      while (Date.now() < deadline) {
        await sleep(3000);
        const now = await Promise.all(nodes.map(sample));
        now.forEach((s, i) => samples[i].push(s));
        log(
          `soak: ${Math.round((deadline - Date.now()) / 1000)} s left; sessions ${now.map((s) => s.sessions).join('/')}, transports ${now.map((s) => s.transports).join('/')} (${nodes.map((n) => n.name.replace('soak-', '')).join('/')})`,
        );
      }
    })();
    log(`soak: ${users} users for ${Math.round(durationMs / 1000)} s against an origin and two edges`);
    await Promise.all([sampler, ...Array.from({ length: users }, (_, i) => user(i))]);
    for (const a of anchors) {
      await a.sender.close();
      await a.client.close();
    }
    result.medianJoinMs = median(joins);

    // Every count back to where it was before the users came (give the nodes a moment to settle).
    const settled = await until(
      async () => (await Promise.all(nodes.map(sample))).every((s, i) => countsEqual(s, before[i])),
      15000,
      'every count back to its baseline',
      250,
    ).catch(() => -1);
    const after = await Promise.all(nodes.map(sample));
    log(settled >= 0 ? `soak: every count back to its baseline ${settled} ms after the last user left` : 'soak: counts did NOT return to baseline');
    result.nodes = nodes.map((node, i) => ({
      name: node.name.replace('soak-', ''),
      before: before[i],
      firstThird: fieldwise(samples[i].slice(0, Math.max(1, Math.floor(samples[i].length / 3))), median),
      lastThird: fieldwise(samples[i].slice(-Math.max(1, Math.floor(samples[i].length / 3))), median),
      peak: fieldwise([...samples[i], after[i]], (v) => Math.max(...v)),
      after: after[i],
      countsBack: countsEqual(after[i], before[i]),
    }));
    return result;
  } finally {
    for (const n of nodes) await n.stop();
  }
}

const mb = (v: number) => v.toFixed(1);

/** The BENCHMARKS.md section of a soak (its heading included). */
export function soakMarkdown(r: SoakResult): string {
  const row = (n: NodeSoak, label: string, s: Sample) =>
    `| ${n.name} | ${label} | ${mb(s.rssMb)} | ${mb(s.heapMb)} | ${mb(s.workerRssMb)} | ${s.sessions} | ${s.streams} | ${s.transports} | ${s.consumers} |`;
  const failures = Object.entries(r.failures);
  return `## Soak: ${r.users} churning users for ${Math.round(r.durationMs / 60000)} min against an origin and two edges

\`BENCH_SOAK_USERS\` users (default 300) for \`BENCH_SOAK_S\` seconds (default 180); \`BENCH_ONLY=soak npm run bench\`
runs only this part and rewrites only this section. Each user loops: connect to the origin, then
either publish a stream of its own over plain RTP (one time in five; 25 packets/s) or play one of 4
long-lived streams (50 packets/s) the way the SDK does (ask the origin, follow its redirect to an
edge, play there over plain RTP until the first packet), keep it 2-6 s, stop (half the publishers
unpublish first, the others just disconnect), disconnect, pause up to 0.5 s, again. The nodes are
sampled every 3 s: RSS and JS heap (used) of the node process, RSS of its mediasoup worker, command-
channel sessions, streams, transports and consumers. "first third" and "last third" are the medians
of the samples of the first and the last third of the soak (memory that leaks grows between them),
"peak" the maximum; "before" is taken before the first user connects, "after" once the last has
left and the 4 long-lived streams have been unpublished. Heap "used" includes garbage not yet
collected (nothing forces a collection), so each heap figure is an upper bound; worker RSS includes
memory its allocator keeps for reuse after the sessions end.

${r.sessionsRun.publish} publish and ${r.sessionsRun.play} play sessions ran (median time from connect to the first
packet at an edge player: ${r.medianJoinMs.toFixed(0)} ms). ${failures.length === 0 ? 'No session failed.' : `Failed sessions: ${failures.map(([k, v]) => `${v} x ${k}`).join('; ')}.`}
Every count back to its baseline: ${
    r.nodes.every((n) => n.countsBack)
      ? '**yes**, on all three nodes'
      : `**no** (${r.nodes
          .filter((n) => !n.countsBack)
          .map((n) => n.name)
          .join(', ')})`
  }.

| node | when | RSS MB | heap MB | worker RSS MB | sessions | streams | transports | consumers |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${r.nodes
  .map((n) =>
    [
      row(n, 'before', n.before),
      row(n, 'first third (median)', n.firstThird),
      row(n, 'last third (median)', n.lastThird),
      row(n, 'peak', n.peak),
      row(n, 'after', n.after),
    ].join('\n'),
  )
  .join('\n')}
`;
}
