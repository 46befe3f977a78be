// Flash crowd: one stream (audio + video) published on the origin and relayed to N edges, then
// P players that each ask the origin at a random moment within a few seconds, follow its redirect
// to an edge and play there (bench/viewers.ts) into the RTP sink, whose first packet per consumer
// SSRC gives the time from asking to the first packet. The origin's answer time (play request ->
// redirect) is compared between the first and the last tenth of the crowd: work per answer that
// grew with the players already watching would show as the last tenth answered slower.
import { TestClient } from '../test/helpers/client';
import { AUDIO_RTP_PARAMETERS, VIDEO_RTP_PARAMETERS } from '../test/helpers/rtp';
import { until } from '../test/helpers/nodes';
import { publishingStreams, startCluster, workerPids } from './cluster';
import { Generator } from './generator';
import { cpuSeconds } from './proc';
import type { RtpSink } from './sink';
import { median, percentile } from './stats';

export interface FlashCrowdResult {
  players: number;
  spreadMs: number;
  /** Players that got a redirect, and that got their first packet within 5 s of asking. */
  redirected: number;
  playingWithin5s: number;
  failed: number;
  firstErrors: string[];
  /** Ask -> first packet, ms, over the players that got one. */
  firstPacketMs: { p50: number; p99: number; max: number };
  /** The origin's answer (connect + play request -> redirect), ms, first and last tenth of the crowd. */
  answerMs: {
    /** Median of ANSWER_SAMPLES sequential asks before the crowd (nobody watching) and after (the crowd watching). */
    nobodyWatching: number;
    crowdWatching: number;
    firstTenthP50: number;
    lastTenthP50: number;
    all: { p50: number; p99: number };
  };
  /** Cores used during the crowd (first ask to last first packet): origin Node.js process, its worker. */
  originProcessCpu: number;
  originWorkerCpu: number;
  perEdge: Record<string, number>;
  /** Cores used by each edge's Node.js process, and by the bench process (the crowd's clients). */
  edgeProcessCpu: number[];
  benchCpu: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ANSWER_SAMPLES = 40;

interface Outcome {
  askedAt: bigint;
  answerMs: number | null;
  redirected: boolean;
  ssrcs: number[];
  nodeId: string | null;
  error?: string;
  client?: TestClient;
}

/**
 * The origin's answer alone: `count` players one after the other, each connecting, asking to play
 * and leaving with its redirect. Taken with nobody watching and again with the crowd watching:
 * work per answer that grew with the players watching would show as the second median above the first.
 */
async function answerTimes(originUrl: string, stream: string, count: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const c = await TestClient.connect(originUrl);
    const { rtpCapabilities } = await c.request('getRouterRtpCapabilities');
    const answer = await c.request('play', { stream, rtpCapabilities, transport: 'plain' });
    ms.push(performance.now() - t0);
    await c.close();
    if (!answer.redirect) throw new Error('the origin served a player itself');
  }
  return median(ms);
}

async function onePlayer(originUrl: string, stream: string, sinkPort: number): Promise<Outcome> {
  const askedAt = process.hrtime.bigint();
  let origin: TestClient | null = null;
  let edge: TestClient | null = null;
  try {
    origin = await TestClient.connect(originUrl);
    const { rtpCapabilities } = await origin.request('getRouterRtpCapabilities');
    const answer = await origin.request('play', { stream, rtpCapabilities, transport: 'plain' });
    const answerMs = Number(process.hrtime.bigint() - askedAt) / 1e6;
    await origin.close();
    if (!answer.redirect) return { askedAt, answerMs, redirected: false, ssrcs: [], nodeId: null, error: 'served by the origin' };
    edge = await TestClient.connect(answer.redirect.url);
    const caps = (await edge.request('getRouterRtpCapabilities')).rtpCapabilities;
    const play = await edge.request('play', { stream, rtpCapabilities: caps, transport: 'plain' });
    await edge.request('connectTransport', { transportId: play.transport.id, ip: '127.0.0.1', port: sinkPort });
    for (const c of play.consumers) await edge.request('resumeConsumer', { consumerId: c.id });
    const ssrcs = play.consumers.map((c: { rtpParameters: { encodings: { ssrc: number }[] } }) => c.rtpParameters.encodings[0].ssrc);
    return { askedAt, answerMs, redirected: true, ssrcs, nodeId: answer.redirect.nodeId, client: edge };
  } catch (err) {
    await origin?.close();
    await edge?.close();
    return { askedAt, answerMs: null, redirected: false, ssrcs: [], nodeId: null, error: (err as Error).message };
  }
}

export async function flashCrowd(
  sink: RtpSink,
  players: number,
  spreadMs: number,
  edgeCount: number,
  log: (m: string) => void,
  profileDir: string | null = null,
  /** Stop waiting once every player that was set up has its first packet (the smoke run), not 5 s after the last ask. */
  untilAllPlaying = false,
): Promise<FlashCrowdResult> {
  const cluster = await startCluster(edgeCount, profileDir);
  const generator = new Generator();
  const clients: TestClient[] = [];
  try {
    const { origin, edges } = cluster;
    const publisher = await TestClient.connect(origin.url);
    clients.push(publisher);
    const { transport } = await publisher.request('publish', { stream: 'crowd', transport: 'plain' });
    await publisher.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(0x5555) });
    await publisher.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: AUDIO_RTP_PARAMETERS(0x5556) });
    // 10 video packets/s of 1000 bytes + 10 audio packets/s: what is measured is how fast a crowd
    // gets to its first packet, and at a full bitrate the edges' forwarding to a thousand players
    // would take most of this 2-core machine, which also runs the crowd's clients.
    await publisher.request('connectTransport', { transportId: transport.id, ip: '127.0.0.1', port: await generator.port() });
    generator.add({ target: { ip: transport.ip, port: transport.port }, videoSsrc: 0x5555, audioSsrc: 0x5556, rate: 10, packetBytes: 1000, audioRate: 10 });
    await until(async () => (await Promise.all(edges.map((e) => publishingStreams(e, 2)))).every((s) => s.has('crowd')), 10000, 'crowd on every edge');

    const answerIdleMs = await answerTimes(origin.url, 'crowd', ANSWER_SAMPLES);
    const originPids = [origin.child.pid!, ...(await workerPids(origin))];
    const cpu0 = originPids.map(cpuSeconds);
    const edgePids = edges.map((e) => e.child.pid!);
    const edgeCpu0 = edgePids.map(cpuSeconds);
    const bench0 = process.cpuUsage();
    const t0 = performance.now();
    const offsets = Array.from({ length: players }, () => Math.random() * spreadMs).sort((a, b) => a - b);
    const outcomes = await Promise.all(
      offsets.map(async (at, i) => {
        await sleep(at);
        return onePlayer(origin.url, 'crowd', sink.portFor(i));
      }),
    );
    for (const o of outcomes) if (o.client) clients.push(o.client);
    // Players that are set up get 5 s from their ask to receive a first packet.
    const lastAsk = outcomes.reduce((m, o) => (o.askedAt > m ? o.askedAt : m), 0n);
    const deadline = Date.now() + Number(lastAsk + 5_000_000_000n - process.hrtime.bigint()) / 1e6;
    const allPlaying = async (): Promise<boolean> => {
      const now = await sink.snapshot();
      return outcomes.every((o) => o.ssrcs.length === 0 || o.ssrcs.some((x) => now.get(x)?.firstNs !== undefined));
    };
    while (Date.now() < deadline && !(untilAllPlaying && (await allPlaying()))) await sleep(Math.min(100, deadline - Date.now()));
    const secs = (performance.now() - t0) / 1000;
    const [processCpu, ...workerCpu] = originPids.map((p, i) => (cpuSeconds(p) - cpu0[i]) / secs);
    const edgeCpu = edgePids.map((p, i) => (cpuSeconds(p) - edgeCpu0[i]) / secs);
    const benchUsage = process.cpuUsage(bench0);
    const benchCpu = (benchUsage.user + benchUsage.system) / 1e6 / secs;
    const counts = await sink.snapshot();
    const answerWatchedMs = await answerTimes(origin.url, 'crowd', ANSWER_SAMPLES);

    const firstMs: number[] = [];
    let within = 0;
    const perEdge: Record<string, number> = {};
    for (const o of outcomes) {
      if (o.nodeId) perEdge[o.nodeId] = (perEdge[o.nodeId] ?? 0) + 1;
      const firsts = o.ssrcs.map((s) => counts.get(s)?.firstNs).filter((t): t is bigint => t !== undefined);
      if (firsts.length === 0) continue;
      const ms = Number(firsts.reduce((m, t) => (t < m ? t : m)) - o.askedAt) / 1e6;
      firstMs.push(ms);
      if (ms <= 5000) within++;
    }
    const answers = outcomes.map((o) => o.answerMs).filter((x): x is number => x !== null);
    const tenth = Math.max(1, Math.floor(answers.length / 10));
    const errors = outcomes.filter((o) => o.error).map((o) => o.error!);
    const result: FlashCrowdResult = {
      players,
      spreadMs,
      redirected: outcomes.filter((o) => o.redirected).length,
      playingWithin5s: within,
      failed: errors.length,
      firstErrors: [...new Set(errors)].slice(0, 3),
      firstPacketMs: { p50: median(firstMs), p99: percentile(firstMs, 99), max: Math.max(...firstMs) },
      answerMs: {
        nobodyWatching: answerIdleMs,
        crowdWatching: answerWatchedMs,
        firstTenthP50: median(answers.slice(0, tenth)),
        lastTenthP50: median(answers.slice(-tenth)),
        all: { p50: median(answers), p99: percentile(answers, 99) },
      },
      originProcessCpu: processCpu,
      originWorkerCpu: workerCpu.reduce((s, x) => s + x, 0),
      perEdge,
      edgeProcessCpu: edgeCpu,
      benchCpu,
    };
    log(
      `flash crowd: ${result.redirected}/${players} redirected, ${within} playing within 5 s, first packet p50 ${result.firstPacketMs.p50.toFixed(0)} ms p99 ${result.firstPacketMs.p99.toFixed(0)} ms; origin ${(processCpu * 100).toFixed(0)}% + worker ${(result.originWorkerCpu * 100).toFixed(0)}%, edges ${edgeCpu.map((c) => (c * 100).toFixed(0) + '%').join(' ')}, bench ${(benchCpu * 100).toFixed(0)}%; answer p50 first tenth ${result.answerMs.firstTenthP50.toFixed(0)} ms, last tenth ${result.answerMs.lastTenthP50.toFixed(0)} ms; alone: nobody watching ${answerIdleMs.toFixed(1)} ms, crowd watching ${answerWatchedMs.toFixed(1)} ms`,
    );
    return result;
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await generator.close();
    // What the nodes logged at warn and above explains failed players (a link dropped, say).
    for (const n of [cluster.origin, ...cluster.edges]) {
      const lines = n
        .output()
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l));
      for (const l of lines.slice(0, 3)) log(`flash crowd, ${n.name} logged: ${l.slice(0, 240)}`);
    }
    await cluster.stop();
  }
}
