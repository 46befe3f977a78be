// Fifty edges on one machine (issue 22, item 4): an origin and `edges` edge processes on loopback,
// `streams` streams published on the origin, players on `playerEdges` of the edges; each topology
// of `topologies` in turn, on the same edge processes (a fresh origin per topology, its
// loadbalancing.xml from topologyXml). Measured per topology:
//   - publish: the publishers' answers (publish, produce x2, connectTransport) while every edge
//     that is to get the streams gets them, and the time from the first publish until each stream
//     is on every edge that needs it (push: every edge; on demand: none until a player asks, so the
//     time from its players' first ask to the stream on all of their edges);
//   - join: a player's first video packet on an edge, asked at that edge directly (play, connect,
//     resume, first packet; the keyframe asked for by the edge crosses both hops): the first player
//     of a stream there (cold: on demand the edge pulls it) and a second one (warm), and their ratio;
//   - steady: with those players watching `watched` streams, the origin's egress in bytes/s (the
//     RTP bytes its pipe consumers sent, mediasoup's outbound-rtp stats summed over every edge,
//     /metrics cdn_edge_relay_bytes_sent_total, over a window) and its CPU (its Node.js process and
//     its worker, /proc), against the issue's bound for on demand: (edges with players) x (streams
//     watched) x bitrate;
//   - flash crowd: `crowd` players asking the origin for random streams within `crowdSpreadMs`,
//     following its redirect to an edge (as bench/flashCrowd.ts): redirected, first packet within
//     5 s, first packet p50/p99, how many edges they landed on, the origin's CPU meanwhile.
// Relay tiers (item 2) are the third topology: topologyXml writes their config (`parent=` on the
// edges below a relay), and the relays, which must read that file too, are restarted with it.
import { TestClient } from '../test/helpers/client';
import fs from 'node:fs';
import path from 'node:path';
import { type NodeProcess, startNodeFromConf, until } from '../test/helpers/nodes';
import { AUDIO_RTP_PARAMETERS, type RtpReceiver, VIDEO_PT, VIDEO_RTP_PARAMETERS } from '../test/helpers/rtp';
import { publishingStreams, workerPids } from './cluster';
import { Generator, type Source } from './generator';
import { startBenchNode } from './node';
import { cpuSeconds, loadAverage, rssBytes } from './proc';
import type { RtpSink } from './sink';
import { fmt, median, percentile } from './stats';

export type Topology = 'push' | 'on_demand' | 'tiers';

export interface FiftyEdgesOptions {
  edges: number;
  streams: number;
  /** Edges with players (the first ones). */
  playerEdges: number;
  /** Streams the players watch (the first ones): one cold and one warm player per stream and player edge. */
  watched: number;
  crowd: number;
  crowdSpreadMs: number;
  /** The steady window (egress, CPU), ms. */
  windowMs: number;
  topologies: Topology[];
  /** Relays of the tiers topology (each feeding edges / relays of the edges). */
  relays: number;
  log: (line: string) => void;
}

/**
 * The media of each stream: light, since 50 edges and their workers share 2 cores with the origin
 * (30 packets/s made push's forwarding starve the joins' keyframes). Keyframes answer a request at
 * once (keyframeAtOnce): at 10 frames/s the wait for the next frame (measured: 90 ms from resume to
 * first packet playing on the origin itself) would be most of every join and drown the cold edge's
 * extra cost.
 */
const VIDEO_RATE = 10;
const VIDEO_BYTES = 300;
const AUDIO_RATE = 10;
/** Generator.ts: audio packets are 100 bytes. */
const AUDIO_BYTES = 100;
export const STREAM_BYTES_PER_S = VIDEO_RATE * VIDEO_BYTES + AUDIO_RATE * AUDIO_BYTES;
/** Publishes into the quiet cluster, one after the other (each waits for its relays). */
const QUIET_PUBLISHES = 3;

export interface TopologyResult {
  topology: Topology;
  /** Publish answers (publish, produce x2, connectTransport), ms: median and max over the streams. */
  publishAnswerMs: { p50: number; max: number };
  /** The same, each publish into a quiet cluster (every relay before it done), ms: median and max. */
  quietAnswerMs: { p50: number; max: number };
  /** Per stream: from its first need (push: its publish; on demand: its players' first ask) to every edge that needs it holding it, ms. */
  reachMs: { p50: number; max: number };
  /** Edges that hold at least one stream in the steady window. */
  edgesHolding: number;
  joinMs: { cold: number; warm: number; ratio: number; coldMax: number };
  steady: {
    egressBytesPerS: number;
    /** Stream copies leaving the origin in the window: (edge, stream) relays in place. */
    copies: number;
    /** What each publisher sent the origin, bytes/s (the generator's packets over the window). */
    ingressPerStream: number;
    originProcessCpu: number;
    originWorkerCpu: number;
    originRssMb: number;
  };
  crowd: {
    players: number;
    redirected: number;
    playingWithin5s: number;
    firstPacketMs: { p50: number; p99: number };
    edgesUsed: number;
    originCpu: number;
    errors: string[];
  };
}

export type FiftySizes = Omit<FiftyEdgesOptions, 'log' | 'topologies'>;

export interface FiftyEdgesResult {
  options: FiftySizes;
  startSeconds: number;
  /** RSS of every node process and worker with every edge up and no stream, MB. */
  startRssMb: number;
  /** The machine's 1-minute load average before the edges started and at the end (a shared machine). */
  loadAverages: [number, number];
  results: TopologyResult[];
}

/**
 * loadbalancing.xml of the origin for a topology. Tiers: the first `relays` edges are relays
 * (nodes of the origin), each other edge names one as its `parent` (round robin), the syntax of
 * issue 22 item 2.
 */
export function topologyXml(topology: Topology, edges: { id: string; port: number; relayPort: number }[], relays: number): string {
  const distribution = topology === 'on_demand' ? 'on_demand' : 'push';
  const node = (e: { id: string; port: number; relayPort: number }, parent?: string) =>
    `  <node id="${e.id}"${parent ? ` parent="${parent}"` : ''}><ip>127.0.0.1</ip><ws>${e.port}</ws><wss>0</wss><relay>${e.relayPort}</relay></node>\n`;
  const nodes = topology === 'tiers' ? edges.map((e, i) => (i < relays ? node(e) : node(e, edges[(i - relays) % relays].id))) : edges.map((e) => node(e));
  return `<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN" distribution="${distribution}">\n${nodes.join('')}</loadbalancer>\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds of processes so far; NaN once one of them is gone (a worker that died and was replaced). */
function cpuOf(pids: number[]): number {
  try {
    return pids.reduce((s, p) => s + cpuSeconds(p), 0);
  } catch {
    return NaN;
  }
}

/**
 * Runs `task` over `items`, `parallel` at a time (node start-up: 50 at once miss their health
 * timeout on 2 cores). A failure stops it once its batch has settled, so every node a batch started
 * is in the caller's list to stop.
 */
async function eachInBatches<T>(items: T[], parallel: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += parallel) {
    const failed = (await Promise.allSettled(items.slice(i, i + parallel).map(task))).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** Sum of cdn_edge_relay_bytes_sent_total over every edge of the origin's /metrics. */
async function relayBytes(origin: NodeProcess): Promise<number> {
  const text = await (await fetch(`${origin.http}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^cdn_edge_relay_bytes_sent_total\{[^}]*\} (\S+)$/gm)) sum += Number(m[1]);
  return sum;
}

/**
 * Edges the origin's find_all says hold `stream` complete (relay state relayed): with `direct`,
 * only those the origin relays to itself (not the nodes below a relay, whose relay reports them).
 */
async function originEdges(origin: NodeProcess, direct = false): Promise<Map<string, Set<string>>> {
  const list = (await (await fetch(`${origin.http}/rest-api/stream/find_all`)).json()) as {
    name: string;
    edges?: { id: string; relay: string; via?: string }[];
  }[];
  return new Map(list.map((s) => [s.name, new Set((s.edges ?? []).filter((e) => e.relay === 'relayed' && !(direct && e.via)).map((e) => e.id))]));
}

/**
 * The tiers topology's relays read the tree from their own loadbalancing.xml (a relay finds the
 * nodes it feeds by its node_id there) and take it at start only: each is started again with it.
 */
async function restartAsRelays(edges: NodeProcess[], relays: number, xml: string): Promise<void> {
  for (let i = 0; i < relays; i++) {
    const e = edges[i];
    fs.writeFileSync(path.join(e.confDir, 'loadbalancing.xml'), xml);
    await e.kill();
    edges[i] = await startNodeFromConf(e.confDir, e.port, e.name);
  }
}

interface Player {
  client: TestClient;
  receiver: RtpReceiver;
}

/** Plays `stream` on `edge` directly into a receiver of its own; ms until its first video packet. */
async function joinAt(edge: NodeProcess, stream: string): Promise<{ player: Player; ms: number }> {
  const t0 = performance.now();
  const client = await TestClient.connect(edge.url);
  try {
    const { receiver } = await client.playRtp(stream, { noRedirect: true });
    await receiver.waitFor(1, VIDEO_PT, 10000).catch(async (err: Error) => {
      await receiver.close();
      throw new Error(`${stream} on ${edge.name}: ${err.message} (${receiver.count()} packets of any type)`);
    });
    return { player: { client, receiver }, ms: performance.now() - t0 };
  } catch (err) {
    await client.close();
    throw err;
  }
}

export async function fiftyEdges(sink: RtpSink, options: FiftyEdgesOptions): Promise<FiftyEdgesResult> {
  const { log } = options;
  const edges: NodeProcess[] = [];
  const started = performance.now();
  const loadBefore = loadAverage();
  try {
    // Each edge its own media ports (300: its pipes and up to a few hundred crowd players).
    const indexes = Array.from({ length: options.edges }, (_, i) => i);
    await eachInBatches(indexes, 4, async (i) => {
      const from = 20000 + i * 300;
      edges.push(
        await startBenchNode({
          name: `edge${i + 1}`,
          props: {
            'log.level': 'warn',
            max_connections: 5000,
            media_port_from: from,
            media_port_to: from + 299,
            'cdn.load_report_ms': 200,
          },
        }),
      );
      if (edges.length % 10 === 0) log(`fifty edges: ${edges.length}/${options.edges} edges up after ${((performance.now() - started) / 1000).toFixed(0)} s`);
    });
    edges.sort((a, b) => Number(a.name.slice(4)) - Number(b.name.slice(4)));
    const startSeconds = (performance.now() - started) / 1000;
    const pids = (await Promise.all(edges.map(async (e) => [e.child.pid!, ...(await workerPids(e))]))).flat();
    const startRssMb = pids.reduce((s, p) => s + rssBytes(p), 0) / 2 ** 20;
    log(`fifty edges: ${edges.length} edges up in ${startSeconds.toFixed(0)} s, ${startRssMb.toFixed(0)} MB resident (node processes and workers)`);
    const results: TopologyResult[] = [];
    for (const topology of options.topologies) results.push(await runTopology(topology, edges, sink, options));
    const { edges: edgeCount, streams, playerEdges, watched, crowd, crowdSpreadMs, windowMs, relays } = options;
    return {
      options: { edges: edgeCount, streams, playerEdges, watched, crowd, crowdSpreadMs, windowMs, relays },
      startSeconds,
      startRssMb,
      loadAverages: [loadBefore, loadAverage()],
      results,
    };
  } finally {
    await Promise.all(edges.map((e) => e.stop()));
  }
}

async function runTopology(topology: Topology, edges: NodeProcess[], sink: RtpSink, o: FiftyEdgesOptions): Promise<TopologyResult> {
  const { log } = o;
  const xml = topologyXml(
    topology,
    edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort })),
    o.relays,
  );
  if (topology === 'tiers') {
    await restartAsRelays(edges, o.relays, xml);
    log(`fifty edges, tiers: ${o.relays} edges restarted as relays`);
  }
  const origin = await startBenchNode({
    name: `origin-${topology}`,
    props: {
      load_balancing_enabled: true,
      'log.level': 'warn',
      max_connections: 5000,
      // Publishers, and the pipes: one per worker and edge.
      media_port_from: 36000,
      media_port_to: 38999,
      'cdn.on_demand_edge_players': 25,
      'limits.session.requests_per_s': 1000,
      'limits.session.request_burst': 1000,
    },
    xml,
  });
  const generator = new Generator(20, 3_600_000); // keyframes only when asked: a join waits for its request to cross
  const clients: TestClient[] = [];
  const players: Player[] = [];
  try {
    const linked = await until(
      async () => {
        // Tiers: the nodes below a relay are listed once their relay's reports name them.
        const listed = (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()).edges as { state: string }[];
        return listed.length === edges.length && listed.every((e) => e.state === 'up');
      },
      60000,
      'every edge link up',
      200,
    );
    log(`fifty edges, ${topology}: origin linked to ${edges.length} edges in ${linked} ms`);
    const names = Array.from({ length: o.streams }, (_, i) => `fifty-${i}`);
    const needAt = new Map<string, number>();
    const reached = new Map<string, number>();
    const answers: number[] = [];
    const sources: Source[] = [];
    /** Publishes `name` (audio + video, light media from the generator); ms of its four answers. */
    const publish = async (name: string, ssrc: number): Promise<{ client: TestClient; source: Source; ms: number }> => {
      const client = await TestClient.connect(origin.url);
      clients.push(client);
      const t0 = performance.now();
      const { transport } = await client.request('publish', { stream: name, transport: 'plain' });
      await client.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(ssrc) });
      await client.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: AUDIO_RTP_PARAMETERS(ssrc + 1) });
      await client.request('connectTransport', { transportId: transport.id, ip: '127.0.0.1', port: await generator.port() });
      const ms = performance.now() - t0;
      const target = { ip: transport.ip, port: transport.port };
      const source = generator.add({
        target,
        videoSsrc: ssrc,
        audioSsrc: ssrc + 1,
        rate: VIDEO_RATE,
        packetBytes: VIDEO_BYTES,
        audioRate: AUDIO_RATE,
        keyframeAtOnce: true,
      });
      return { client, source, ms };
    };
    // One after the other, each while the relays of the ones before are still being set up.
    for (const [i, name] of names.entries()) {
      if (topology !== 'on_demand') needAt.set(name, performance.now());
      const { source, ms } = await publish(name, 300000 + i * 2);
      answers.push(ms);
      sources.push(source);
    }
    // Which edges need which stream: push and tiers every edge every stream; on demand the players' edges their watched streams.
    // The last edges: below a relay in the tiers topology (the first ones are the relays).
    const playerEdges = edges.slice(-o.playerEdges);
    const watched = names.slice(0, o.watched);
    const needs = (name: string): Set<string> =>
      topology === 'on_demand' ? new Set(watched.includes(name) ? playerEdges.map((e) => e.name) : []) : new Set(edges.map((e) => e.name));
    const watchReach = async () => {
      const held = await originEdges(origin);
      const now = performance.now();
      for (const name of names) {
        const at = needAt.get(name);
        if (at === undefined || reached.has(name)) continue;
        const need = needs(name);
        if ([...need].every((id) => held.get(name)?.has(id))) reached.set(name, now - at);
      }
    };
    if (topology !== 'on_demand') {
      await until(
        async () => {
          await watchReach();
          return reached.size === names.length;
        },
        120000,
        'every stream on every edge',
        50,
      );
    }
    log(`fifty edges, ${topology}: ${names.length} published, answers p50 ${fmt(median(answers), 0)} ms max ${fmt(Math.max(...answers), 0)} ms`);
    // A publish into a quiet cluster (every relay before it done): its answers, then it leaves again.
    const quiet: number[] = [];
    for (let k = 0; k < QUIET_PUBLISHES; k++) {
      const name = `fifty-quiet-${k}`;
      const { client, source, ms } = await publish(name, 400000 + k * 2);
      quiet.push(ms);
      if (topology !== 'on_demand') {
        await until(async () => (await originEdges(origin)).get(name)?.size === edges.length, 60000, `${name} on every edge`, 50);
      }
      generator.remove(source);
      await client.close();
      await until(async () => !(await originEdges(origin)).has(name), 10000, `${name} gone`, 50);
    }
    log(`fifty edges, ${topology}: publish answers into a quiet cluster ${quiet.map((x) => fmt(x, 0)).join(', ')} ms`);

    // Joins: per watched stream, a cold player on each player edge at once (on demand: the stream's
    // first need there), then a warm one on each, at once too.
    const cold: number[] = [];
    const warm: number[] = [];
    for (const name of watched) {
      if (topology === 'on_demand') needAt.set(name, performance.now());
      const joins = await Promise.all(playerEdges.map((e) => joinAt(e, name)));
      for (const j of joins) {
        players.push(j.player);
        cold.push(j.ms);
      }
      if (topology === 'on_demand') {
        await until(
          async () => {
            await watchReach();
            return reached.has(name);
          },
          10000,
          `${name} on its players' edges`,
          20,
        );
      }
      // The same way as the cold ones (one on each player edge at once), so the two compare.
      for (const j of await Promise.all(playerEdges.map((e) => joinAt(e, name)))) {
        players.push(j.player);
        warm.push(j.ms);
      }
    }
    log(`fifty edges, ${topology}: ${players.length} players; first packet cold p50 ${fmt(median(cold), 0)} ms, warm p50 ${fmt(median(warm), 0)} ms`);

    // Steady: the players watch; the origin's egress and CPU over the window.
    await sleep(1500);
    const originPids = [origin.child.pid!, ...(await workerPids(origin))];
    const held = await originEdges(origin);
    const edgesHolding = new Set([...held.values()].flatMap((s) => [...s])).size;
    // Copies leaving the origin: its own relays (tiers: to the relays, which feed the rest).
    const copies = [...(await originEdges(origin, true)).values()].reduce((n, s) => n + s.size, 0);
    const sentBytes = () => sources.reduce((n, s) => n + s.sent * VIDEO_BYTES + s.audioSent * AUDIO_BYTES, 0);
    const b0 = await relayBytes(origin);
    const i0 = sentBytes();
    const c0 = originPids.map(cpuSeconds);
    const w0 = performance.now();
    await sleep(o.windowMs);
    const i1 = sentBytes();
    const b1 = await relayBytes(origin);
    const secs = (performance.now() - w0) / 1000;
    const [processCpu, ...workerCpu] = originPids.map((p, i) => (cpuSeconds(p) - c0[i]) / secs);
    const egress = (b1 - b0) / secs;
    const originRssMb = originPids.reduce((s, p) => s + rssBytes(p), 0) / 2 ** 20;
    log(
      `fifty edges, ${topology}: origin egress ${fmt(egress / 1000, 1)} kB/s, ${copies} stream copies (on-demand bound ${o.playerEdges * o.watched}), ${edgesHolding} edges holding streams; origin CPU ${fmt(processCpu * 100, 0)}% + worker ${fmt(workerCpu.reduce((s, x) => s + x, 0) * 100, 0)}%`,
    );

    const crowd = await flashCrowd(origin, sink, names, o);
    log(
      `fifty edges, ${topology}: crowd ${crowd.redirected}/${crowd.players} redirected, ${crowd.playingWithin5s} playing within 5 s, first packet p50 ${fmt(crowd.firstPacketMs.p50, 0)} ms p99 ${fmt(crowd.firstPacketMs.p99, 0)} ms on ${crowd.edgesUsed} edges`,
    );
    const reach = [...reached.values()];
    return {
      topology,
      publishAnswerMs: { p50: median(answers), max: Math.max(...answers) },
      quietAnswerMs: { p50: median(quiet), max: Math.max(...quiet) },
      reachMs: { p50: median(reach), max: Math.max(...reach) },
      edgesHolding,
      joinMs: { cold: median(cold), warm: median(warm), ratio: median(cold) / median(warm), coldMax: Math.max(...cold) },
      steady: {
        egressBytesPerS: egress,
        copies,
        ingressPerStream: (i1 - i0) / secs / sources.length,
        originProcessCpu: processCpu,
        originWorkerCpu: workerCpu.reduce((s, x) => s + x, 0),
        originRssMb,
      },
      crowd,
    };
  } finally {
    // What the origin logged at error and above explains a failed crowd (a worker that died, say).
    for (const line of origin
      .output()
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l))
      .slice(0, 5))
      log(`fifty edges, ${topology}: origin logged ${line.slice(0, 300)}`);
    for (const p of players) {
      await p.client.close();
      await p.receiver.close();
    }
    await Promise.all(clients.map((c) => c.close()));
    await generator.close();
    await origin.stop();
    // The edges drop the origin's streams with its link (relayEnd); the next topology starts clean.
    await until(async () => (await Promise.all(edges.map((e) => publishingStreams(e, 0)))).every((s) => s.size === 0), 30000, 'every edge empty', 200);
  }
}

interface CrowdOutcome {
  askedAt: bigint;
  ssrcs: number[];
  nodeId: string | null;
  error?: string;
}

/** The crowd: each asks the origin for a random stream at a random moment, follows the redirect and plays into the sink. */
async function flashCrowd(origin: NodeProcess, sink: RtpSink, names: string[], o: FiftyEdgesOptions): Promise<TopologyResult['crowd']> {
  const originPids = [origin.child.pid!, ...(await workerPids(origin))];
  const c0 = cpuOf(originPids);
  const t0 = performance.now();
  const clients: TestClient[] = [];
  try {
    const outcomes: CrowdOutcome[] = await Promise.all(
      Array.from({ length: o.crowd }, async (_, i): Promise<CrowdOutcome> => {
        await sleep(Math.random() * o.crowdSpreadMs);
        const askedAt = process.hrtime.bigint();
        const stream = names[Math.floor(Math.random() * names.length)];
        let client: TestClient | null = null;
        try {
          client = await TestClient.connect(origin.url);
          const { rtpCapabilities } = await client.request('getRouterRtpCapabilities');
          const answer = await client.request('play', { stream, rtpCapabilities, transport: 'plain' });
          await client.close();
          client = null;
          if (!answer.redirect) return { askedAt, ssrcs: [], nodeId: null, error: 'served by the origin' };
          client = await TestClient.connect(answer.redirect.url);
          clients.push(client);
          const caps = (await client.request('getRouterRtpCapabilities')).rtpCapabilities;
          const play = await client.request('play', { stream, rtpCapabilities: caps, transport: 'plain' });
          await client.request('connectTransport', { transportId: play.transport.id, ip: '127.0.0.1', port: sink.portFor(i) });
          for (const c of play.consumers) await client.request('resumeConsumer', { consumerId: c.id });
          const ssrcs = play.consumers.map((c: { rtpParameters: { encodings: { ssrc: number }[] } }) => c.rtpParameters.encodings[0].ssrc);
          return { askedAt, ssrcs, nodeId: answer.redirect.nodeId as string };
        } catch (err) {
          await client?.close();
          return { askedAt, ssrcs: [], nodeId: null, error: (err as Error).message };
        }
      }),
    );
    // Until every player that is set up has its first packet, or 5 s after the last ask.
    const lastAsk = outcomes.reduce((m, x) => (x.askedAt > m ? x.askedAt : m), 0n);
    const deadline = lastAsk + 5_000_000_000n;
    let counts = await sink.snapshot();
    while (process.hrtime.bigint() < deadline && !outcomes.every((x) => x.ssrcs.some((s) => counts.has(s)))) {
      await sleep(200);
      counts = await sink.snapshot();
    }
    const originCpu = (cpuOf(originPids) - c0) / ((performance.now() - t0) / 1000);
    const first: number[] = [];
    let within = 0;
    for (const x of outcomes) {
      const firsts = x.ssrcs.map((s) => counts.get(s)?.firstNs).filter((t): t is bigint => t !== undefined);
      if (firsts.length === 0) continue;
      const ms = Number(firsts.reduce((m, t) => (t < m ? t : m)) - x.askedAt) / 1e6;
      first.push(ms);
      if (ms <= 5000) within++;
    }
    const errors = outcomes.filter((x) => x.error).map((x) => x.error!);
    return {
      players: o.crowd,
      redirected: outcomes.filter((x) => x.nodeId).length,
      playingWithin5s: within,
      firstPacketMs: { p50: median(first), p99: percentile(first, 99) },
      edgesUsed: new Set(outcomes.flatMap((x) => (x.nodeId ? [x.nodeId] : []))).size,
      originCpu,
      errors: [...new Set(errors)].slice(0, 3),
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

export const FIFTY_EDGES_HEADING = 'Fifty edges: push, on demand and relay tiers side by side';

const TOPOLOGY_NAMES: Record<Topology, string> = { push: 'push', on_demand: 'on demand', tiers: 'tiers' };

/** When the publishers sent well below their rate (the benchmark process starved of CPU), what that means for the egress figure. */
function starvedNote(cols: TopologyResult[]): string {
  const starved = cols.filter((t) => t.steady.ingressPerStream < 0.9 * STREAM_BYTES_PER_S);
  if (starved.length === 0) return '';
  const names = starved.map((t) => `${TOPOLOGY_NAMES[t.topology]} (${fmt(t.steady.ingressPerStream, 0)} B/s)`).join(', ');
  return `\nThe publishers sent less than their ${STREAM_BYTES_PER_S} B/s in ${names}: the generator in the benchmark process was starved of CPU while the edges forwarded; at the full rate that egress would be its copies x about ${fmt(STREAM_BYTES_PER_S * 1.13, 0)} B/s (a copy on the pipe is about 13% more than the generator's packets).\n`;
}

export function fiftyEdgesMarkdown(r: FiftyEdgesResult): string {
  const o = r.options;
  const cols = r.results;
  const boundCopies = o.playerEdges * o.watched;
  const tiersBound = o.relays * o.streams;
  const row = (what: string, cell: (t: TopologyResult) => string) => `| ${what} | ${cols.map(cell).join(' | ')} |`;
  const kb = (x: number) => fmt(x / 1000, 1);
  return `## ${FIFTY_EDGES_HEADING}

An origin and ${o.edges} edges, each a process of its own with one mediasoup worker, on loopback;
${o.streams} streams published on the origin one after the other (audio + video each, light media:
${VIDEO_RATE} video packets/s of ${VIDEO_BYTES} bytes and ${AUDIO_RATE} audio packets/s of ${AUDIO_BYTES}, ${STREAM_BYTES_PER_S} bytes/s a stream, since the
${o.edges} edges and their workers share the machine's cores with the origin). Players on ${o.playerEdges} of the edges,
asking there directly: for each of ${o.watched} streams, a first player on each of those edges at once (cold: on
demand the edge pulls the stream from the origin; push: it holds it already), then a second on each at once (warm). The same edge
processes serve each topology in turn, behind a fresh origin. Starting the ${o.edges} edges took
${fmt(r.startSeconds, 0)} s (four at a time) and ${fmt(r.startRssMb, 0)} MB resident (node processes and workers, summed:
shared pages counted in each). The machine is shared: its load average was ${fmt(r.loadAverages[0], 1)} before the edges
started and ${fmt(r.loadAverages[1], 1)} at the end.

- Publish answer: publish, produce x2, connectTransport on the origin's command channel, per stream,
  the ${o.streams} streams one after the other (each while the relays of those before it are still being
  set up); then ${QUIET_PUBLISHES} more, each into a quiet cluster (waiting until it reached every edge, then ending it).
- Reach: from a stream's first need (push: its publish; on demand: its first players' ask) until
  every edge that needs it holds it, as the origin's \`find_all\` says (polled every 50 ms).
- Join: connect to the edge, \`play\`, connect, resume, first video packet; the synthetic publisher
  sends keyframes only when asked, and at once, so the edge's keyframe request crosses both hops
  and the figure is the path's, not the wait for the next of 10 frames a second.
- Egress: the RTP bytes the origin's pipe consumers sent (mediasoup's outbound-rtp stats, summed over
  every edge: \`cdn_edge_relay_bytes_sent_total\` in /metrics) over ${fmt(o.windowMs / 1000, 0)} s while the
  players watch, and the stream copies that make it: the (edge, stream) relays in place. The issue's
  bound for on demand is (edges with players) x (streams watched) x a stream's bitrate: ${o.playerEdges} x ${o.watched} = ${boundCopies}
  copies. A copy on the pipe is a little more than what its publisher sends (the pipe's RTP header
  extensions): both are in the table, so the bound in bytes is ${boundCopies} x the per-copy figure. CPU: the origin's Node.js process and its worker (utime + stime from /proc, 100% = one core).
- Flash crowd: ${o.crowd} players asking the origin for a random stream within ${fmt(o.crowdSpreadMs / 1000, 0)} s and following
  its redirect (\`cdn.on_demand_edge_players\` 25: on demand packs a stream's players on few edges).

| | ${cols.map((t) => TOPOLOGY_NAMES[t.topology]).join(' | ')} |
| --- | ${cols.map(() => '---').join(' | ')} |
${row('publish answer p50 / max, ms', (t) => `${fmt(t.publishAnswerMs.p50, 0)} / ${fmt(t.publishAnswerMs.max, 0)}`)}
${row(`publish answer into a quiet cluster p50 / max (${QUIET_PUBLISHES}), ms`, (t) => `${fmt(t.quietAnswerMs.p50, 0)} / ${fmt(t.quietAnswerMs.max, 0)}`)}
${row('reach every edge that needs it p50 / max, ms', (t) => `${fmt(t.reachMs.p50, 0)} / ${fmt(t.reachMs.max, 0)}`)}
${row('edges holding streams', (t) => String(t.edgesHolding))}
${row('first packet cold / warm p50, ms', (t) => `${fmt(t.joinMs.cold, 0)} / ${fmt(t.joinMs.warm, 0)}`)}
${row('cold / warm ratio (cold max, ms)', (t) => `${fmt(t.joinMs.ratio)}x (${fmt(t.joinMs.coldMax, 0)})`)}
${row('origin egress, kB/s', (t) => kb(t.steady.egressBytesPerS))}
${row('stream copies leaving the origin', (t) => String(t.steady.copies))}
${row('a copy on the pipe / its publisher sends, B/s', (t) => `${fmt(t.steady.egressBytesPerS / t.steady.copies, 0)} / ${fmt(t.steady.ingressPerStream, 0)}`)}
${row(`within the on-demand bound (${boundCopies} copies)?`, (t) => (t.steady.copies <= boundCopies ? 'yes' : `no (${fmt(t.steady.copies / boundCopies, 0)}x)`))}
${row(`within the tiers bound (${o.relays} relays x ${o.streams} streams = ${tiersBound} copies)?`, (t) => (t.steady.copies <= tiersBound ? 'yes' : `no (${fmt(t.steady.copies / tiersBound, 1)}x)`))}
${row('origin CPU: process + worker', (t) => `${fmt(t.steady.originProcessCpu * 100, 0)}% + ${fmt(t.steady.originWorkerCpu * 100, 0)}%`)}
${row('origin resident, MB', (t) => fmt(t.steady.originRssMb, 0))}
${row('crowd redirected / playing within 5 s', (t) => `${t.crowd.redirected} / ${t.crowd.playingWithin5s} of ${t.crowd.players}`)}
${row('crowd first packet p50 / p99, ms', (t) => `${fmt(t.crowd.firstPacketMs.p50, 0)} / ${fmt(t.crowd.firstPacketMs.p99, 0)}`)}
${row('crowd: edges used; origin CPU', (t) => `${t.crowd.edgesUsed}; ${fmt(t.crowd.originCpu * 100, 0)}%`)}
${starvedNote(cols)}${cols.some((t) => t.crowd.errors.length > 0) ? `\nCrowd errors: ${cols.flatMap((t) => t.crowd.errors.map((e) => `${TOPOLOGY_NAMES[t.topology]}: ${e}`)).join('; ')}\n` : ''}
Relay tiers: the first ${o.relays} edges are relays fed by the origin (restarted with the tree's
loadbalancing.xml, which a relay reads at start), every other edge names one of them as its
\`parent\` (round robin), push. The origin relays each stream to the relays only; they feed the rest.
Their reach and holdings are what the relays report to the origin (load reports every 200 ms), so
the tiers reach includes up to one report's delay. The issue's bound for tiers is (relays) x
(streams) x a stream's bitrate: ${tiersBound} copies. Players (cold, warm, and the steady window's) are
on the last ${o.playerEdges} edges, below relays in the tiers topology.
`;
}
