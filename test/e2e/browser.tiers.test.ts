// Relay tiers with SDK players in Chromium (issue 22): an origin, two relays (r1, r2) and four
// edges, two under each relay. A player on each edge decodes frames; r1 is killed with SIGKILL: the
// origin feeds e1 and e2 in place (their streams taken over, relayTakeover.ts), and their SDK players
// decode new frames again within 3 s while the players on e3 and e4 never stop. When r1 is back,
// it feeds e1 and e2 again and their players decode on.
import type { Browser, Page } from 'playwright-core';
import { stopAll } from '../helpers/cluster';
import { until } from '../helpers/nodes';
import { edgeHolds } from '../helpers/pages';
import { startTree, type Tree, TWO_RELAYS_FOUR_EDGES } from '../helpers/tiers';
import { framesAdvance, launchChromium } from './browser';
import { firstNewFrameAt, pageEvents, type SdkWindow, sdkPage, startStream } from './sdkPages';

const STREAM = 'e2e-tiers';
let tree: Tree;
let browser: Browser;
const logs: string[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  tree = await startTree(TWO_RELAYS_FOUR_EDGES);
  browser = await launchChromium();
}, 90000);

afterEach(() => {
  if (logs.length) process.stdout.write(logs.splice(0).join('\n') + '\n');
});

afterAll(async () => {
  for (const page of pages) await page.close();
  await browser?.close();
  await stopAll(tree?.all ?? []);
});

/** The longest time (ms) between `from` and `to` (page clock) during which a player decoded no new frame. */
function longestStall(page: Page, from: number, to: number): Promise<number> {
  return page.evaluate(
    ([from, to]) => {
      const frames = (window as unknown as SdkWindow).frames;
      let last = from;
      let longest = 0;
      const decodedBy = new Map<number, number>();
      for (const f of frames) {
        const before = decodedBy.get(f.ssrc) ?? 0;
        decodedBy.set(f.ssrc, Math.max(before, f.decoded));
        if (f.t < from || f.t > to || f.decoded <= before) continue;
        longest = Math.max(longest, f.t - last);
        last = f.t;
      }
      return Math.max(longest, to - last);
    },
    [from, to] as const,
  );
}

test('SIGKILL of a relay: the SDK players on its edges decode new frames within 3 s, the others never stop; back, it feeds them again', async () => {
  const publisher = await sdkPage(browser, tree.origin.http, logs, 'publisher');
  pages.push(publisher);
  await startStream(publisher, 'publish', [tree.origin.url], STREAM);
  await until(async () => (await Promise.all(tree.edges.map((e) => edgeHolds(e, STREAM)))).every(Boolean), 10000, 'every edge to hold the stream');

  const players = new Map<string, Page>();
  for (const edge of tree.edges) {
    const page = await sdkPage(browser, tree.origin.http, logs, `player on ${edge.name}`);
    pages.push(page);
    await startStream(page, 'play', [edge.url], STREAM);
    expect(await page.evaluate(() => (window as unknown as SdkWindow).stream.nodeId())).toBe(edge.name);
    players.set(edge.name, page);
  }
  for (const page of players.values()) await framesAdvance(page, '#display', 15);

  const orphans = ['e1', 'e2'].map((n) => players.get(n)!);
  const others = ['e3', 'e4'].map((n) => players.get(n)!);
  const killedAt = Date.now();
  await tree.relays[0].kill();
  const decodedMs: number[] = [];
  for (const page of orphans) {
    await until(async () => (await firstNewFrameAt(page, killedAt)) !== null, 6000, 'a player of e1/e2 decoding new frames').catch(async (err: Error) => {
      const events = (await pageEvents(page)).filter((e) => e.t >= killedAt - 2000).map((e) => `${e.what}@${e.t - killedAt}`);
      throw new Error(`${err.message}: ${events.join(', ')}`);
    });
    decodedMs.push((await firstNewFrameAt(page, killedAt))! - killedAt);
  }
  // Watched for 3 s after the kill: the players under r2 went on decoding (no stall, no new track).
  await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 3000 - Date.now())));
  const stalls = await Promise.all(others.map((p) => longestStall(p, killedAt, killedAt + 3000)));
  console.log(
    `tiers: relay r1 SIGKILLed; players on e1, e2 decode new frames after ${decodedMs.join(' ms, ')} ms; ` +
      `players on e3, e4 longest pause ${stalls.join(' ms, ')} ms`,
  );
  for (const ms of decodedMs) expect(ms).toBeLessThan(3000);
  for (const ms of stalls) expect(ms).toBeLessThan(1000);
  for (const page of others) expect(await firstNewFrameAt(page, killedAt)).toBeNull();
  for (const page of orphans) await framesAdvance(page, '#display', 15, 5000);

  // r1 back (a new process on its ports): it feeds e1 and e2 again, taking their streams over in place.
  const backAt = Date.now();
  tree.relays[0] = await tree.restart(tree.relays[0]);
  tree.all[1] = tree.relays[0];
  const againMs: number[] = [];
  for (const page of orphans) {
    await until(async () => (await firstNewFrameAt(page, backAt)) !== null, 15000, 'a player of e1/e2 decoding frames relayed by r1 again');
    againMs.push((await firstNewFrameAt(page, backAt))! - backAt);
  }
  console.log(`tiers: r1 restarted; players on e1, e2 decode frames relayed by it ${againMs.join(' ms, ')} ms after the restart began`);
  for (const page of players.values()) await framesAdvance(page, '#display', 15, 5000);
}, 90000);
