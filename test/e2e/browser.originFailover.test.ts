// Losing an origin is a blip (issue 21): two origins, each with its own loadbalancing.xml listing
// both edges, two edges, all separate processes, and Chromium pages on the browser SDK (window.CDN):
// a publisher whose session knows both origins, and a player on each edge. The origin the publisher
// is on dies (SIGKILL, then in the second test SIGSTOP: hung, not dead); the publisher moves to the
// other origin by itself and republishes the same name, each edge lets the new origin's relay take
// the stream over, and the players play on without the page doing anything.
//
// What is measured, from the page's own clock (one machine): when the publisher was PUBLISHING on
// the other origin, and when each player first decoded a frame of a track it did not have before
// the kill (a new consumer's SSRC; the old origin's tracks cannot decode anything new).
import type { Browser, Page } from 'playwright-core';
import { routes, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { TestClient } from '../helpers/client';
import { type NodeProcess, startNodeFromConf, until } from '../helpers/nodes';
import { framesAdvance, launchChromium, openPage } from './browser';
import { firstNewFrameAt, loadMark, pageEvents, type SdkWindow, sdkPage, startStream } from './sdkPages';
import type { Fp, FpSession, FpStream } from './wcsPage';

const STREAM = 'e2e-origin-failover';
/**
 * A hung origin is noticed by the SDK's heartbeat (heartbeatTimeoutMs, 2.5 s, at most one 250 ms
 * tick more), not by a closed socket: the bounds of a SIGKILL (2 s, 3 s) plus that wait.
 */
const HUNG_BOUNDS = { publishMs: 2000 + 2750, playMs: 3000 + 2750 };
let edges: NodeProcess[] = [];
let origins: NodeProcess[] = [];
let browser: Browser;
let publisher: Page;
const players: Page[] = [];
let whep: Page;
const logs: string[] = [];

/**
 * A WHEP player as docs/whip-whep.md tells a client to be: POST to an origin (307 to an edge), and
 * when the connection ends (the edge ends the session when the stream changes hands: its DTLS
 * closes, or the connection fails), POST again: to the same origin after a moment when it answered
 * (404 while the stream is moving), to the next one when it did not (dead, or hung: 2 s), starting
 * with the origin after the one it used last. Logs with the page's clock.
 */
function startWhep(page: Page, httpOrigins: string[]): Promise<void> {
  return page.evaluate(
    ([origins, name]) =>
      new Promise<void>((resolve, reject) => {
        const w = window as unknown as SdkWindow & { whepFrames: { t: number; pc: number; decoded: number }[] };
        w.whepFrames = [];
        const log = (what: string) => w.events.push({ t: Date.now(), what, nodeId: null });
        let pcs = 0;
        let at = 0;
        const connect = async (attempt: number): Promise<void> => {
          const id = ++pcs;
          const pc = new RTCPeerConnection();
          pc.addTransceiver('audio', { direction: 'recvonly' });
          pc.addTransceiver('video', { direction: 'recvonly' });
          let done = false;
          const again = (why: string) => {
            if (done) return;
            done = true;
            log(`whep ${id} ended: ${why}`);
            pc.close();
            // Round robin: the next origin first (the one that answered last may be the one that died).
            at++;
            void connect(0);
          };
          pc.addEventListener('connectionstatechange', () => {
            log(`whep ${id} ${pc.connectionState}`);
            if (['failed', 'closed'].includes(pc.connectionState)) again(`connection ${pc.connectionState}`);
          });
          await pc.setLocalDescription(await pc.createOffer());
          const url = `${origins[at % origins.length]}/whep/${encodeURIComponent(name)}`;
          let answered = false;
          try {
            const res = await fetch(url, {
              method: 'POST',
              headers: { 'Content-Type': 'application/sdp' },
              body: pc.localDescription!.sdp,
              // A hung origin accepts the connection and never answers: try the next one.
              signal: AbortSignal.timeout(2000),
            });
            answered = true;
            if (res.status !== 201) throw new Error(`WHEP ${res.status}`);
            await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
            log(`whep ${id} answered by ${res.url}`);
            const dtls = pc.getReceivers()[0]?.transport;
            dtls?.addEventListener('statechange', () => {
              log(`whep ${id} dtls ${dtls.state}`);
              if (['closed', 'failed'].includes(dtls.state)) again(`dtls ${dtls.state}`);
            });
            setInterval(() => {
              if (done) return;
              void pc.getStats().then((r) =>
                r.forEach((x: { type: string; kind?: string; framesDecoded?: number }) => {
                  if (x.type === 'inbound-rtp' && x.kind === 'video') w.whepFrames.push({ t: Date.now(), pc: id, decoded: x.framesDecoded ?? 0 });
                }),
              );
            }, 50);
            resolve();
          } catch (err) {
            log(`whep ${id} POST to ${url} failed: ${(err as Error).message}`);
            done = true;
            pc.close();
            if (attempt > 20) return reject(err as Error);
            if (!answered) at++;
            setTimeout(() => void connect(attempt + 1), answered ? 300 : 0);
          }
        };
        void connect(0);
      }),
    [httpOrigins, STREAM] as const,
  );
}

/** When the WHEP page first decoded a frame on a connection made after `since`, or null. */
function whepFramesAfter(page: Page, since: number): Promise<number | null> {
  return page.evaluate((since) => {
    const w = window as unknown as { whepFrames: { t: number; pc: number; decoded: number }[] };
    const before = new Set(w.whepFrames.filter((f) => f.t < since).map((f) => f.pc));
    return w.whepFrames.find((f) => f.t >= since && !before.has(f.pc) && f.decoded > 0)?.t ?? null;
  }, since);
}

/** The edge holds the stream once, relayed from `originId`, with both tracks. */
async function edgeHoldsFrom(edge: NodeProcess, originId: string, name = STREAM): Promise<boolean> {
  const list = (await streamsOn(edge)) as unknown as { name: string; status: string; origin?: string; tracks?: unknown[] }[];
  const mine = list.filter((s) => s.name === name);
  return mine.length === 1 && mine[0].status === 'PUBLISHING' && mine[0].origin === originId && (mine[0].tracks?.length ?? 0) === 2;
}

beforeAll(async () => {
  edges = [await startEdge('edge1'), await startEdge('edge2')];
  origins = [await startOrigin(edges, { name: 'originA' }), await startOrigin(edges, { name: 'originB' })];
  browser = await launchChromium();
}, 60000);

afterEach(() => {
  if (logs.length) process.stdout.write(logs.splice(0).join('\n') + '\n');
});

afterAll(async () => {
  // A test that failed between SIGSTOP and SIGCONT leaves an origin stopped, deaf to SIGTERM.
  for (const origin of origins) if (!origin.exited) origin.child.kill('SIGCONT');
  await browser?.close();
  await stopAll([...origins, ...edges]);
});

/**
 * The origin the publisher is on goes (`how`); prints the times measured and returns the two
 * origins. Checks: the publisher PUBLISHING on the survivor within 2 s, both SDK players decoding
 * new frames within 3 s, the WHEP player decoding again after its new POST, no page reloaded, each
 * edge holding the stream once, from the survivor.
 */
async function loseOrigin(
  how: (origin: NodeProcess) => Promise<void>,
  label: string,
  bounds = { publishMs: 2000, playMs: 3000 },
): Promise<{ dead: NodeProcess; survivor: NodeProcess }> {
  const on = (await publisher.evaluate(() => (window as unknown as SdkWindow).stream.nodeId()))!;
  const dead = origins.find((o) => o.name === on)!;
  const survivor = origins.find((o) => o !== dead)!;
  const marks = await Promise.all([publisher, ...players, whep].map(loadMark));
  const before = (await pageEvents(publisher)).length;
  const killedAt = await publisher.evaluate(() => Date.now());
  await how(dead);

  await until(
    async () => (await pageEvents(publisher)).slice(before).some((e) => e.what === 'PUBLISHING' && e.nodeId === survivor.name),
    5000,
    `the publisher PUBLISHING on ${survivor.name}`,
  );
  const events = (await pageEvents(publisher)).slice(before);
  const publishingMs = events.find((e) => e.what === 'PUBLISHING' && e.nodeId === survivor.name)!.t - killedAt;
  const seen: string[] = events.map((e) => `${e.what}@${e.t - killedAt}${e.nodeId ? `(${e.nodeId})` : ''}`);

  const decodedMs: number[] = [];
  for (const player of players) {
    await until(async () => (await firstNewFrameAt(player, killedAt)) !== null, 6000, 'a player decoding new frames');
    decodedMs.push((await firstNewFrameAt(player, killedAt))! - killedAt);
  }
  // The WHEP player's edge ended its session; it POSTed again (to the survivor, the dead origin refusing).
  await until(async () => (await whepFramesAfter(whep, killedAt)) !== null, 10000, 'the WHEP player decoding again after a new POST').catch(
    async (err: Error) => {
      const events = (await pageEvents(whep)).filter((e) => e.t >= killedAt - 2000).map((e) => `${e.what}@${e.t - killedAt}`);
      throw new Error(`${err.message}: ${events.join(', ')}`);
    },
  );
  const whepMs = (await whepFramesAfter(whep, killedAt))! - killedAt;
  const whepEvents = (await pageEvents(whep)).filter((e) => e.t >= killedAt).map((e) => `${e.what}@${e.t - killedAt}`);
  console.log(`${label}: WHEP player decoding again after ${whepMs} ms (${whepEvents.join(', ')})`);
  const playerEvents = await Promise.all(
    players.map(async (p) => (await pageEvents(p)).filter((e) => e.t >= killedAt).map((e) => `${e.what}@${e.t - killedAt}`)),
  );
  console.log(
    `${label} of ${dead.name}: publisher PUBLISHING on ${survivor.name} after ${publishingMs} ms (${seen.join(', ')}); ` +
      `players decoding new frames after ${decodedMs.join(' ms, ')} ms (player statuses since: ${JSON.stringify(playerEvents)})`,
  );
  // Slow: what the players decoded, and what the nodes logged, to tell why.
  if (decodedMs.some((ms) => ms >= bounds.playMs) || publishingMs >= bounds.publishMs) {
    for (const player of players) {
      const frames = await player.evaluate(
        (since) => (window as unknown as SdkWindow).frames.filter((f) => f.t >= since - 200).map((f) => `${f.t - since}:${f.ssrc}:${f.decoded}`),
        killedAt,
      );
      console.log(`frames of a player since the loss: ${frames.join(' ')}`);
    }
    for (const node of [...edges, survivor])
      console.log(
        `${node.name}:\n${node
          .output()
          .split('\n')
          .filter((l) => Number(/"time":(\d+)/.exec(l)?.[1]) >= killedAt - 100)
          .slice(0, 40)
          .join('\n')}`,
      );
  }
  expect(publishingMs).toBeLessThan(bounds.publishMs);
  for (const ms of decodedMs) expect(ms).toBeLessThan(bounds.playMs);
  // What a viewer sees: the picture moves on, in the same page (nothing reloaded).
  for (const player of players) await framesAdvance(player, '#display', 15, 5000);
  expect(await Promise.all([publisher, ...players, whep].map(loadMark))).toEqual(marks);
  // Each edge now holds the stream once, from the survivor.
  await until(
    async () => (await edgeHoldsFrom(edges[0], survivor.name)) && (await edgeHoldsFrom(edges[1], survivor.name)),
    5000,
    `edges holding the stream from ${survivor.name}`,
  );
  return { dead, survivor };
}

test('SIGKILL of the origin the publisher is on: it publishes on the other within 2 s, players on both edges decode again within 3 s', async () => {
  const urls = origins.map((o) => o.url);
  publisher = await sdkPage(browser, edges[0].http, logs, 'publisher');
  await startStream(publisher, 'publish', urls, STREAM);
  expect(await publisher.evaluate(() => (window as unknown as SdkWindow).stream.nodeId())).toBe('originA');
  await until(async () => (await edgeHoldsFrom(edges[0], 'originA')) && (await edgeHoldsFrom(edges[1], 'originA')), 10000, 'both edges to hold the stream');
  // originA's ROUNDROBIN sends the first player to one edge and the second to the other.
  for (const name of ['player1', 'player2']) {
    const page = await sdkPage(browser, edges[0].http, logs, name);
    players.push(page);
    await startStream(page, 'play', urls, STREAM);
  }
  const playingOn = await Promise.all(players.map((p) => p.evaluate(() => (window as unknown as SdkWindow).stream.nodeId())));
  expect(playingOn.sort()).toEqual(['edge1', 'edge2']);
  for (const player of players) await framesAdvance(player, '#display', 15);
  whep = await sdkPage(browser, edges[0].http, logs, 'whep');
  await startWhep(
    whep,
    origins.map((o) => o.http),
  );
  await until(async () => (await whepFramesAfter(whep, 0)) !== null, 10000, 'the WHEP player decoding');

  const killed = origins[0];
  try {
    const { survivor } = await loseOrigin((o) => o.kill(), 'SIGKILL');
    // A new player that knows only the survivor is sent to an edge and plays there.
    const late = await sdkPage(browser, edges[0].http, logs, 'late player');
    await startStream(late, 'play', [survivor.url], STREAM);
    expect(await late.evaluate(() => (window as unknown as SdkWindow).stream.nodeId())).toMatch(/^edge[12]$/);
    await framesAdvance(late, '#display', 15);
    await late.close();
  } finally {
    // Brought back for the next tests, from its own configuration (a new instance: a restart).
    const revived = await startNodeFromConf(killed.confDir, killed.port, killed.name);
    origins[0] = revived;
    await until(async () => (await routes(revived)).edges.every((e) => e.state === 'up'), 10000, `${revived.name}'s edge links up`);
  }
}, 90000);

test('SIGSTOP of the origin the publisher is on is noticed and handled the same way; SIGCONT brings it back without a second copy', async () => {
  let stopped: NodeProcess | null = null;
  const { dead, survivor } = await loseOrigin(async (o) => void (stopped = o).child.kill('SIGSTOP'), 'SIGSTOP', HUNG_BOUNDS).finally(() =>
    stopped?.child.kill('SIGCONT'),
  );
  // Back as a healthy origin: its links to both edges up again, the stream gone from it (its
  // publisher left), and every edge still holding one copy, the survivor's.
  await until(async () => (await routes(dead)).edges.every((e) => e.state === 'up'), 10000, `${dead.name}'s edge links up again`);
  await until(async () => !(await streamsOn(dead)).some((s) => s.name === STREAM), 10000, `${dead.name} to drop the stream its publisher left`);
  for (const edge of edges) expect(await edgeHoldsFrom(edge, survivor.name)).toBe(true);
  for (const player of players) await framesAdvance(player, '#display', 15, 5000);
}, 60000);

test('a republish refused with STREAM_NAME_TAKEN (the name still held on the new origin) is retried until the name is free', async () => {
  const on = (await publisher.evaluate(() => (window as unknown as SdkWindow).stream.nodeId()))!;
  const dead = origins.find((o) => o.name === on)!;
  const survivor = origins.find((o) => o !== dead)!;
  // Another session holds the name on the survivor, as a dead origin's claim would for a moment.
  const blocker = await TestClient.connect(survivor.url);
  await blocker.request('publish', { stream: STREAM });
  const before = (await pageEvents(publisher)).length;
  const killedAt = await publisher.evaluate(() => Date.now());
  await dead.kill();
  await until(
    async () => (await pageEvents(publisher)).slice(before).some((e) => e.what === 'RETRYING STREAM_NAME_TAKEN'),
    5000,
    'the publisher to be refused the name and retry',
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify((await pageEvents(publisher)).slice(before))}`);
  });
  const freedAt = await publisher.evaluate(() => Date.now());
  await blocker.close();
  await until(
    async () => (await pageEvents(publisher)).slice(before).some((e) => e.what === 'PUBLISHING' && e.nodeId === survivor.name),
    5000,
    `the publisher PUBLISHING on ${survivor.name} once the name is free`,
  );
  const events = (await pageEvents(publisher)).slice(before);
  const publishingMs = events.find((e) => e.what === 'PUBLISHING')!.t - killedAt;
  expect(events.filter((e) => e.what.startsWith('FAILED'))).toEqual([]);
  // The players come back too (here through their own failover: the edges may have dropped the
  // stream with the other session's relay of it).
  const decodedMs: number[] = [];
  for (const player of players) {
    await until(async () => (await firstNewFrameAt(player, freedAt)) !== null, 10000, 'a player decoding again');
    decodedMs.push((await firstNewFrameAt(player, freedAt))! - killedAt);
  }
  console.log(
    `SIGKILL of ${dead.name} with the name held on ${survivor.name} for ${freedAt - killedAt} ms: publisher PUBLISHING there after ${publishingMs} ms ` +
      `(${events.map((e) => `${e.what}@${e.t - killedAt}`).join(', ')}); players decoding again after ${decodedMs.join(' ms, ')} ms`,
  );
  for (const player of players) await framesAdvance(player, '#display', 15, 5000);
}, 60000);

test('a WCS page (Flashphoner, urlServer listing both origins) sees no session status when its origin dies; its publisher is PENDING, then PUBLISHING on the other', async () => {
  // The origin test 3 killed, back (a restart).
  const down = origins.findIndex((o) => o.exited);
  if (down >= 0) {
    origins[down] = await startNodeFromConf(origins[down].confDir, origins[down].port, origins[down].name);
    await until(async () => (await routes(origins[down])).edges.every((e) => e.state === 'up'), 10000, `${origins[down].name}'s edge links up`);
  }
  const name = `${STREAM}-wcs`;
  const page = await openPage(browser, `${edges[0].http}/index.html`, logs, 'wcs');
  await page.addScriptTag({ url: `${edges[0].http}/sdk/flashphoner.js` });
  const on = await page.evaluate(
    ([urls, name]) =>
      new Promise<string>((resolve, reject) => {
        const w = window as unknown as { Flashphoner: Fp; wcsLog: string[]; wcsSession: FpSession };
        const F = w.Flashphoner;
        F.init({});
        const { SESSION_STATUS, STREAM_STATUS } = F.constants;
        w.wcsLog = [];
        const display = document.createElement('div');
        document.body.appendChild(display);
        const session = F.createSession({ urlServer: urls });
        w.wcsSession = session;
        for (const status of Object.values(SESSION_STATUS)) session.on(status, () => w.wcsLog.push(`session ${status}`));
        session.on(SESSION_STATUS.ESTABLISHED, () => {
          w.wcsLog.push('session ESTABLISHED');
          const stream: FpStream = session.createStream({ name, display });
          for (const status of Object.values(STREAM_STATUS)) stream.on(status, () => w.wcsLog.push(`stream ${status}`));
          stream.on(STREAM_STATUS.PUBLISHING, () => {
            w.wcsLog.push(`stream PUBLISHING ${session.nodeId()}`);
            resolve(session.nodeId()!);
          });
          stream.on(STREAM_STATUS.FAILED, () => reject(new Error(`WCS publish failed: ${stream.getInfo()}`)));
          stream.publish();
        });
      }),
    [origins.map((o) => o.url), name] as const,
  );
  const dead = origins.find((o) => o.name === on)!;
  const survivor = origins.find((o) => o !== dead)!;
  const log = (): Promise<string[]> => page.evaluate(() => (window as unknown as { wcsLog: string[] }).wcsLog);
  const before = (await log()).length;
  await dead.kill();
  await until(
    async () => (await log()).slice(before).includes(`stream PUBLISHING ${survivor.name}`),
    5000,
    `the WCS publisher PUBLISHING on ${survivor.name}`,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${(await log()).join(', ')}`);
  });
  // WCS has no status for a move: the session says nothing, the stream passes through PENDING.
  expect((await log()).slice(before)).toEqual(['stream PENDING', `stream PUBLISHING ${survivor.name}`]);
  expect(await page.evaluate(() => (window as unknown as { wcsSession: FpSession }).wcsSession.getServerUrl())).toBe(survivor.url);
  await until(
    async () => (await edgeHoldsFrom(edges[0], survivor.name, name)) && (await edgeHoldsFrom(edges[1], survivor.name, name)),
    5000,
    'edges holding the WCS stream from the survivor',
  );
}, 60000);
