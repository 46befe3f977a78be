// WCS's Streamer and Stream Recording pages, written as WCS's examples are (test/e2e/wcsExamplePages.ts)
// and served by the test, in a real Chromium against a real node: they connect to
// `ws://host:port/<8 characters>` (any path is the command channel), the Streamer publishes and
// plays its preview back, the Recording page shows FAILED with the reason (no recording here);
// and the statuses WCS gives: REST terminate, session.disconnect() and a lost session end every
// stream of the session the way WCS ends them.
import type { Browser, Page } from 'playwright-core';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { framesAdvance, launchChromium, openPage } from './browser';
import { type ExampleSite, serveExamples } from './wcsExamplePages';

let node: NodeProcess;
let site: ExampleSite;
let browser: Browser;
const logs: string[] = [];

/** The page's own status line, as its user reads it. */
async function statusLine(page: Page): Promise<{ status: string; info: string; button: string }> {
  return {
    status: (await page.textContent('#status')) ?? '',
    info: (await page.textContent('#info')) ?? '',
    button: (await page.textContent('#publishBtn')) ?? '',
  };
}

async function openStreamer(): Promise<{ page: Page; name: string }> {
  const page = await openPage(browser, `${site.url}/streamer.html?wsPort=${node.port}`, logs, 'streamer');
  const url = await page.inputValue('#url');
  expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${node.port}/[0-9a-f]{8}$`));
  return { page, name: url.split('/')[3] };
}

/** Clicks Start and waits for the preview the page plays back from the node. */
async function startStreaming(page: Page): Promise<void> {
  await page.click('#publishBtn');
  await until(async () => (await statusLine(page)).button === 'Stop', 15000, 'the preview playing (Stop button)');
  expect((await statusLine(page)).status).toBe('PUBLISHING');
  await framesAdvance(page, '#remoteVideo', 15);
}

async function published(name: string): Promise<boolean> {
  const res = await fetch(`${node.http}/rest-api/stream/find_all`, { method: 'POST', body: '{}' });
  return ((await res.json()) as { name: string }[]).some((s) => s.name === name);
}

/** Keeps the session's streams where the test can read them once the session is gone from getSessions(). */
function holdStreams(page: Page): Promise<number> {
  return page.evaluate(() => {
    const w = window as unknown as { Flashphoner: { getSessions(): { getStreams(): unknown[] }[] }; held: unknown[] };
    w.held = w.Flashphoner.getSessions()[0].getStreams();
    return w.held.length;
  });
}

function heldStreams(page: Page): Promise<{ status: string; info: string; published: boolean }[]> {
  return page.evaluate(() =>
    (window as unknown as { held: { status(): string; getInfo(): string; published(): boolean }[] }).held.map((s) => ({
      status: s.status(),
      info: s.getInfo(),
      published: s.published(),
    })),
  );
}

beforeAll(async () => {
  // A node on its own, taking publishes (a test node holds a cluster secret, which makes it an edge otherwise).
  node = await startNode({ name: 'wcs-examples', props: { 'publish.allow_direct': true } });
  site = await serveExamples(node.http);
  browser = await launchChromium();
}, 60000);

afterEach(() => {
  if (logs.length) process.stdout.write(logs.splice(0).join('\n') + '\n');
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await node?.stop();
});

test("WCS's Streamer connects to ws://host:port/<8 characters>, publishes under that name and plays its preview back; Stop unpublishes", async () => {
  const { page, name } = await openStreamer();
  await startStreaming(page);
  expect(await published(name)).toBe(true);
  await page.click('#publishBtn');
  await until(async () => (await statusLine(page)).status === 'UNPUBLISHED', 10000, 'UNPUBLISHED after Stop');
  expect((await statusLine(page)).button).toBe('Start');
  await until(async () => !(await published(name)), 5000, 'the stream gone from the node');
  await page.close();
});

test("WCS's Stream Recording shows FAILED with the reason, and its Start button comes back", async () => {
  const page = await openPage(browser, `${site.url}/recording.html?wsPort=${node.port}`, logs, 'recording');
  await page.click('#publishBtn');
  await until(async () => (await statusLine(page)).status === 'FAILED', 10000, 'FAILED');
  expect(await statusLine(page)).toEqual({ status: 'FAILED', info: 'Stream recording is not supported by this server (record: true)', button: 'Start' });
  expect(
    await page.evaluate(() =>
      (window as unknown as { Flashphoner: { getSessions(): { getStreams(): { errorCode(): string }[] }[] } }).Flashphoner.getSessions()[0]
        .getStreams()[0]
        .errorCode(),
    ),
  ).toBe('NOT_SUPPORTED');
  // Nothing was published, and the page's session is still up for a next try.
  expect(
    await page.evaluate(() => (window as unknown as { Flashphoner: { getSessions(): { status(): string }[] } }).Flashphoner.getSessions()[0].status()),
  ).toBe('ESTABLISHED');
  await page.close();
});

test('a stream ended by REST terminate shows UNPUBLISHED with "Stopped by rest /terminate"', async () => {
  const { page, name } = await openStreamer();
  await startStreaming(page);
  expect(await holdStreams(page)).toBe(2);
  const res = await fetch(`${node.http}/rest-api/stream/terminate`, { method: 'POST', body: JSON.stringify({ name }) });
  expect(res.status).toBe(200);
  await until(async () => (await statusLine(page)).status === 'UNPUBLISHED', 10000, 'UNPUBLISHED');
  const [publisher, preview] = await heldStreams(page);
  expect(publisher).toEqual({ status: 'UNPUBLISHED', info: 'Stopped by rest /terminate', published: true });
  expect(preview).toEqual({ status: 'STOPPED', info: 'Stopped by publisher stop', published: false });
  await page.close();
});

test('session.disconnect() ends every stream of the session FAILED "Stopped by session disconnect", before the session\'s DISCONNECTED', async () => {
  const { page, name } = await openStreamer();
  await startStreaming(page);
  expect(await holdStreams(page)).toBe(2);
  await page.evaluate(() => (window as unknown as { Flashphoner: { getSessions(): { disconnect(): void }[] } }).Flashphoner.getSessions()[0].disconnect());
  await until(async () => (await statusLine(page)).status === 'DISCONNECTED', 10000, 'the session DISCONNECTED');
  // The publisher's FAILED came first (it wrote the info line), then the session's DISCONNECTED.
  expect(await statusLine(page)).toEqual({ status: 'DISCONNECTED', info: 'Stopped by session disconnect', button: 'Start' });
  expect(await heldStreams(page)).toEqual([
    { status: 'FAILED', info: 'Stopped by session disconnect', published: true },
    { status: 'FAILED', info: 'Stopped by session disconnect', published: false },
  ]);
  await until(async () => !(await published(name)), 5000, 'the stream gone from the node');
  await page.close();
});

test("the smaller WCS API: constants, Browser.version(), loggers, getAudioState() and setMicrophoneGain() on a page's streams", async () => {
  const { page } = await openStreamer();
  const constants = await page.evaluate(() => {
    const F = (window as unknown as { Flashphoner: Record<string, unknown> & { constants: Record<string, Record<string, string>> } }).Flashphoner;
    const c = F.constants;
    return {
      resize: c.STREAM_EVENT_TYPE.RESIZE,
      groups: ['CALL_STATUS', 'CALL_STATUS_INFO', 'TRANSPORT_TYPE', 'CONNECTION_QUALITY', 'CONTENT_HINT_TYPE'].map((g) => Object.keys(c[g] ?? {}).length),
      terminated: c.STREAM_STATUS_INFO.TERMINATED_BY_KEEP_ALIVE,
      info: Object.keys(c.STREAM_STATUS_INFO).length,
      firefox: F.firefoxScreenSharingExtensionInstalled,
      version: (F.Browser as { version(): number }).version(),
      chrome: Number(/Chrome\/(\d+)/.exec(navigator.userAgent)?.[1]),
      logger: typeof (F.getLogger as () => { info?: unknown })().info,
    };
  });
  expect(constants).toEqual({
    resize: 'resize',
    groups: [11, 11, 2, 5, 3],
    terminated: 'Terminated by keep-alive',
    info: 42,
    firefox: false,
    version: constants.chrome,
    chrome: expect.any(Number),
    logger: 'function',
  });

  await startStreaming(page);
  // The preview (a player) reads the publisher's mute state; the publisher its own.
  const state = () =>
    page.evaluate(() => {
      const streams = (
        window as unknown as {
          Flashphoner: { getSessions(): { getStreams(): { published(): boolean; getAudioState(): unknown; getVideoState(): unknown }[] }[] };
        }
      ).Flashphoner.getSessions()[0].getStreams();
      return streams.map((s) => ({ published: s.published(), audio: s.getAudioState(), video: s.getVideoState() }));
    });
  expect(await state()).toEqual([
    { published: true, audio: { muted: false }, video: { muted: false } },
    { published: false, audio: { muted: false }, video: { muted: false } },
  ]);
  await page.evaluate(() =>
    (window as unknown as { Flashphoner: { getSessions(): { getStreams(): { muteAudio(): void }[] }[] } }).Flashphoner.getSessions()[0]
      .getStreams()[0]
      .muteAudio(),
  );
  await until(async () => JSON.stringify((await state()).map((s) => s.audio)) === '[{"muted":true},{"muted":true}]', 5000, 'both audio states muted');
  await page.evaluate(() =>
    (window as unknown as { Flashphoner: { getSessions(): { getStreams(): { unmuteAudio(): void }[] }[] } }).Flashphoner.getSessions()[0]
      .getStreams()[0]
      .unmuteAudio(),
  );
  await until(async () => JSON.stringify((await state()).map((s) => s.audio)) === '[{"muted":false},{"muted":false}]', 5000, 'both audio states unmuted');

  // setMicrophoneGain: WCS's state check on a player, then silence and sound again in what the
  // preview receives from the node (its loudest sample over a while, through a Web Audio analyser).
  const loudness = (ms: number): Promise<number> =>
    page.evaluate(async (duration) => {
      const w = window as unknown as {
        Flashphoner: { getSessions(): { getStreams(): { getMediaStream(): MediaStream }[] }[] };
        analyser?: AnalyserNode;
      };
      if (!w.analyser) {
        const preview = w.Flashphoner.getSessions()[0].getStreams()[1];
        const context = new AudioContext();
        w.analyser = context.createAnalyser();
        context.createMediaStreamSource(new MediaStream(preview.getMediaStream().getAudioTracks())).connect(w.analyser);
        await context.resume();
      }
      const samples = new Float32Array(w.analyser.fftSize);
      let peak = 0;
      for (const end = performance.now() + duration; performance.now() < end;) {
        w.analyser.getFloatTimeDomainData(samples);
        for (const v of samples) peak = Math.max(peak, Math.abs(v));
        await new Promise((r) => setTimeout(r, 20));
      }
      return peak;
    }, ms);
  const gain = (index: number, volume: number) =>
    page.evaluate(
      ([i, v]) => {
        const w = window as unknown as { Flashphoner: { getSessions(): { getStreams(): { setMicrophoneGain(v: number): void }[] }[] } };
        const streams = w.Flashphoner.getSessions()[0].getStreams();
        try {
          streams[i].setMicrophoneGain(v);
          return 'set';
        } catch (err) {
          return (err as Error).message;
        }
      },
      [index, volume],
    );
  expect(await gain(1, 0)).toBe('Invalid stream state');
  const loud = await loudness(3000);
  expect(loud).toBeGreaterThan(0.01);
  expect(await gain(0, 0)).toBe('set');
  await page.waitForTimeout(1000); // what was already on its way
  expect(await loudness(3000)).toBeLessThan(loud / 100);
  expect(await gain(0, 100)).toBe('set');
  await until(async () => (await loudness(1500)) > loud / 2, 10000, 'sound again at gain 100');
  await page.close();
});

test('a lost session (the node killed) ends every stream FAILED "Stopped by session disconnect", before the session\'s DISCONNECTED', async () => {
  const { page } = await openStreamer();
  await startStreaming(page);
  expect(await holdStreams(page)).toBe(2);
  await node.kill();
  await until(async () => (await statusLine(page)).status === 'DISCONNECTED', 10000, 'the session DISCONNECTED');
  expect(await statusLine(page)).toEqual({ status: 'DISCONNECTED', info: 'Stopped by session disconnect', button: 'Start' });
  expect(await heldStreams(page)).toEqual([
    { status: 'FAILED', info: 'Stopped by session disconnect', published: true },
    { status: 'FAILED', info: 'Stopped by session disconnect', published: false },
  ]);
  await page.close();
});
