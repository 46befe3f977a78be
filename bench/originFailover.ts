// Losing an origin (issue 21): two origins listing each other (<origin>), two edges, all separate
// processes on loopback, and Chromium pages on the browser SDK: a publisher whose session knows both
// origins, and a player on each edge. The origin the publisher is on is killed (SIGKILL) `kills`
// times in a row, each time brought back (a restart) before the next, so the kills alternate
// between the two origins. Measured with the pages' clock (one machine): from the kill to the
// publisher PUBLISHING on the other origin, and to the last of the two players decoding a frame of
// the new origin's tracks (an SSRC it had not decoded before the kill). The same pages and
// measures as test/e2e/browser.originFailover.test.ts (test/e2e/sdkPages.ts).
//
// Then what an origin costs the other: origin B's CPU (its Node.js process: the peer link and the
// claims are all it does for A) over a window while A holds no stream, and while A holds `streams`
// (publishes with no media: a claim each, announced to B and in every claims digest).
import type { Browser, Page } from 'playwright-core';
import { TestClient } from '../test/helpers/client';
import { startEdge } from '../test/helpers/cluster';
import { type NodeProcess, startNodeFromConf, until } from '../test/helpers/nodes';
import { allLinked, clusterXml, originConf, originPlace, ownerOn } from '../test/helpers/origins';
import { launchChromium } from '../test/e2e/browser';
import { firstNewFrameAt, pageEvents, type SdkWindow, sdkPage, startStream } from '../test/e2e/sdkPages';
import { cpuSeconds } from './proc';
import { fmt, median, percentile } from './stats';

export interface OriginFailoverOptions {
  /** How many origins to kill, one after the other. */
  kills: number;
  /** Streams origin A holds while B's CPU is measured. */
  streams: number;
  /** The CPU window, ms. */
  windowMs: number;
  log: (line: string) => void;
}

export interface OriginKill {
  /** The origin killed. */
  origin: string;
  /** Kill -> the publisher PUBLISHING on the other origin. */
  publishingMs: number;
  /** Kill -> the last player decoding the new origin's frames. */
  playersMs: number;
}

export interface OriginFailoverResult {
  kills: OriginKill[];
  /** Origin B's process CPU, in % of a core, with A holding no stream and `streams` streams. */
  peerCpu: { idle: number; loaded: number; streams: number };
}

const STREAM = 'bench-origin-failover';

/** The origin's process CPU over `ms`, in % of one core. */
async function cpuPercent(node: NodeProcess, ms: number): Promise<number> {
  const pid = node.child.pid!;
  const [c0, t0] = [cpuSeconds(pid), performance.now()];
  await new Promise((r) => setTimeout(r, ms));
  return ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
}

export async function originFailover(options: OriginFailoverOptions): Promise<OriginFailoverResult> {
  const { log } = options;
  const edges = await Promise.all([startEdge('edge1'), startEdge('edge2')]);
  const places = await Promise.all(['originA', 'originB'].map(originPlace));
  const xml = clusterXml(edges, places);
  const origins: NodeProcess[] = [];
  let browser: Browser | undefined;
  const logs: string[] = [];
  const clients: TestClient[] = [];
  try {
    // One session publishes every claim-only stream of the CPU window (the limits' defaults allow 4).
    const props = {
      'limits.session.publishes': 1000,
      'limits.session.transports': 1000,
      'limits.session.requests_per_s': 1000,
      'limits.session.request_burst': 1000,
    };
    for (const place of places) origins.push(await startNodeFromConf(originConf(place, xml, props), place.port, place.name));
    await allLinked(origins);
    browser = await launchChromium();
    const urls = origins.map((o) => o.url);
    const publisher = await sdkPage(browser, edges[0].http, logs, 'publisher');
    await startStream(publisher, 'publish', urls, STREAM);
    const players: Page[] = [];
    for (const name of ['player1', 'player2']) {
      const page = await sdkPage(browser, edges[0].http, logs, name);
      await startStream(page, 'play', urls, STREAM);
      players.push(page);
    }
    for (const p of players) await until(async () => (await firstNewFrameAt(p, 0)) !== null, 10000, 'a player decoding');

    const kills: OriginKill[] = [];
    for (let i = 0; i < options.kills; i++) {
      const on = await publisher.evaluate(() => (window as unknown as SdkWindow).stream.nodeId());
      const at = origins.findIndex((o) => o.name === on);
      if (at < 0) throw new Error(`the publisher is on ${on}, not an origin`);
      const dead = origins[at];
      const survivor = origins[1 - at];
      const before = (await pageEvents(publisher)).length;
      const killedAt = await publisher.evaluate(() => Date.now());
      await dead.kill();
      const publishingAt = async () =>
        (await pageEvents(publisher)).slice(before).find((e) => e.what === 'PUBLISHING' && e.nodeId === survivor.name)?.t ?? null;
      await until(async () => (await publishingAt()) !== null, 10000, `the publisher PUBLISHING on ${survivor.name}`);
      const decoded: number[] = [];
      for (const p of players) {
        await until(async () => (await firstNewFrameAt(p, killedAt)) !== null, 10000, 'a player decoding the new origin’s frames');
        decoded.push((await firstNewFrameAt(p, killedAt))!);
      }
      const kill = { origin: dead.name, publishingMs: (await publishingAt())! - killedAt, playersMs: Math.max(...decoded) - killedAt };
      kills.push(kill);
      log(
        `origin failover ${i + 1}/${options.kills}: SIGKILL of ${dead.name}: publisher PUBLISHING on ${survivor.name} after ${kill.publishingMs} ms, players decoding after ${kill.playersMs} ms`,
      );
      // Back (a restart: a new instance), linked to everything, before the next kill.
      origins[at] = await startNodeFromConf(dead.confDir, dead.port, dead.name);
      await allLinked(origins, 15000);
      await new Promise((r) => setTimeout(r, 1000));
    }
    await browser.close();
    browser = undefined;

    // What B does for A: the peer link and A's claims.
    const [a, b] = origins;
    const idle = await cpuPercent(b, options.windowMs);
    const client = await TestClient.connect(a.url);
    clients.push(client);
    for (let j = 0; j < options.streams; j++) await client.request('publish', { stream: `claim-${j}` });
    await until(async () => (await ownerOn(b, `claim-${options.streams - 1}`))?.origin === a.name, 10000, 'B to hear every claim of A');
    const loaded = await cpuPercent(b, options.windowMs);
    log(`origin failover: ${b.name}'s CPU with ${a.name} holding 0 streams ${idle.toFixed(2)}%, ${options.streams} streams ${loaded.toFixed(2)}%`);
    return { kills, peerCpu: { idle, loaded, streams: options.streams } };
  } finally {
    if (logs.length > 0) log(`pages said: ${logs.slice(-10).join(' | ')}`);
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await Promise.all([...origins, ...edges].map((n) => (n.exited ? Promise.resolve() : n.stop())));
  }
}

export const ORIGIN_FAILOVER_HEADING = 'Origin failover: an origin killed, the publisher and the players moving on';

export function originFailoverMarkdown(r: OriginFailoverResult): string {
  const pub = r.kills.map((k) => k.publishingMs);
  const play = r.kills.map((k) => k.playersMs);
  return `## ${ORIGIN_FAILOVER_HEADING}

Two origins listing each other (\`<origin>\`), two edges, each a process of its own; Chromium pages
on the browser SDK: a publisher whose session knows both origins, and an SDK player on each edge.
The origin the publisher is on is killed (SIGKILL) ${r.kills.length} times in a row, brought back
(restarted) before the next, so the kills alternate between the origins. Times are from the kill,
on the pages' clock: the publisher \`PUBLISHING\` on the other origin (its heartbeat or the closed
socket, the reconnect, the republish), and the later of the two players decoding a frame of the
new origin's tracks (the edges take the stream over from the dead origin's relay and the SDK
players consume the new tracks). Targets: 2 s and 3 s. A hung origin (SIGSTOP) adds the heartbeat's
2.5-2.75 s (test/e2e/browser.originFailover.test.ts).

| | median ms | p90 ms | max ms |
| --- | --- | --- | --- |
| publisher PUBLISHING on the other origin | ${fmt(median(pub), 0)} | ${fmt(percentile(pub, 90), 0)} | ${fmt(Math.max(...pub), 0)} |
| players decoding again | ${fmt(median(play), 0)} | ${fmt(percentile(play, 90), 0)} | ${fmt(Math.max(...play), 0)} |

What an origin carries for the other: the peer link (heartbeat, claims). The other origin's
Node.js process CPU, in % of a core, while this one holds no stream and ${r.peerCpu.streams} streams (each a claim,
announced once and listed in every claims digest): ${fmt(r.peerCpu.idle)}% and ${fmt(r.peerCpu.loaded)}%. In push-all no
media crosses between origins: each relays only its own streams to the edges.
`;
}
