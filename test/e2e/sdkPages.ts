// Pages on the browser SDK (window.CDN) that survive the loss of an origin: a publisher or a player
// whose session knows every origin, logging its statuses with the page's clock, and a player that
// samples what it decodes. Shared by test/e2e/browser.originFailover.test.ts and the origin
// failover benchmark (bench/originFailover.ts), so both measure the same way.
import type { Browser, Page } from 'playwright-core';
import { openPage } from './browser';

export interface PageEvent {
  t: number;
  what: string;
  nodeId: string | null;
}

export type SdkWindow = {
  CDN: {
    SESSION_STATUS: Record<string, string>;
    STREAM_STATUS: Record<string, string>;
    STREAM_EVENT: Record<string, string>;
    createSession(o: { urlServer: string[] }): Session;
  };
  loadMark: number;
  events: PageEvent[];
  stream: Stream;
  frames: { t: number; ssrc: number; decoded: number }[];
};
export type Stream = {
  status(): string;
  nodeId(): string | null;
  on(e: string, fn: (s: Stream, x?: unknown) => void): Stream;
  publish(): Stream;
  play(): Stream;
  getStats(): Promise<RTCStatsReport | null>;
};
export type Session = { on(e: string, fn: (s: Session) => void): Session; createStream(o: Record<string, unknown>): Stream; nodeId(): string | null };

/**
 * An SDK page served by `http` (a node that outlives the origins, e.g. an edge): the bundle, a
 * display, a load mark to prove no reload.
 */
export async function sdkPage(browser: Browser, http: string, logs: string[], name: string): Promise<Page> {
  const page = await openPage(browser, `${http}/index.html`, logs, name);
  await page.addScriptTag({ url: `${http}/sdk/cdn-sdk.js` });
  // Run under tsx (the benchmark), esbuild wraps the named functions of evaluated code in a
  // `__name(fn, "name")` helper that exists only in Node: the page gets one that does nothing.
  await page.evaluate('window.__name = (fn) => fn');
  await page.evaluate(() => {
    document.body.innerHTML = '<div id="display" style="width:320px;height:240px"></div>';
    const w = window as unknown as SdkWindow;
    w.loadMark = Math.random();
    w.events = [];
    w.frames = [];
  });
  return page;
}

/**
 * Starts the SDK stream `name` on the page (session to every origin), logging statuses and node
 * changes with the page's clock; a player also samples framesDecoded per video SSRC every 50 ms.
 */
export function startStream(page: Page, role: 'publish' | 'play', urls: string[], name: string): Promise<void> {
  return page.evaluate(
    ([role, urls, name]) =>
      new Promise<void>((resolve, reject) => {
        const w = window as unknown as SdkWindow;
        const { SESSION_STATUS, STREAM_STATUS, STREAM_EVENT } = w.CDN;
        const log = (what: string, nodeId: string | null) => w.events.push({ t: Date.now(), what, nodeId });
        const session = w.CDN.createSession({ urlServer: urls });
        for (const status of Object.values(SESSION_STATUS)) session.on(status, (s) => log(`session ${status}`, s.nodeId()));
        session.on(SESSION_STATUS.ESTABLISHED, () => {
          if (w.stream) return;
          const stream = session.createStream({ name, display: document.getElementById('display') });
          w.stream = stream;
          for (const status of Object.values(STREAM_STATUS)) if (status !== STREAM_STATUS.FAILED) stream.on(status, (s) => log(status, s.nodeId()));
          stream.on(STREAM_EVENT.NODE_CHANGED, (s) => log('NODE_CHANGED', s.nodeId()));
          stream.on(STREAM_EVENT.RETRYING, (s, info) => log(`RETRYING ${(info as { reason: { code: string } }).reason.code}`, s.nodeId()));
          stream.on(role === 'publish' ? STREAM_STATUS.PUBLISHING : STREAM_STATUS.PLAYING, () => resolve());
          stream.on(STREAM_STATUS.FAILED, (s) => {
            log(`FAILED ${JSON.stringify((s as unknown as { getErrorInfo(): unknown }).getErrorInfo())}`, s.nodeId());
            reject(new Error(`${role} failed`));
          });
          if (role === 'publish') stream.publish();
          else stream.play();
        });
        session.on(SESSION_STATUS.FAILED, () => reject(new Error('session failed')));
        if (role === 'play') {
          // framesDecoded per inbound video SSRC, every 50 ms, for as long as the page lives.
          setInterval(() => {
            void w.stream?.getStats().then((report) => {
              report?.forEach((r: { type: string; kind?: string; ssrc?: number; framesDecoded?: number }) => {
                if (r.type === 'inbound-rtp' && r.kind === 'video') w.frames.push({ t: Date.now(), ssrc: r.ssrc!, decoded: r.framesDecoded ?? 0 });
              });
            });
          }, 50);
        }
      }),
    [role, urls, name] as const,
  );
}

export const pageEvents = (page: Page): Promise<PageEvent[]> => page.evaluate(() => (window as unknown as SdkWindow).events);
export const loadMark = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as SdkWindow).loadMark);

/** When the player first decoded a frame on an SSRC it had not decoded on before `since` (page clock), or null. */
export function firstNewFrameAt(page: Page, since: number): Promise<number | null> {
  return page.evaluate((since) => {
    const frames = (window as unknown as SdkWindow).frames;
    const before = new Set(frames.filter((f) => f.t < since && f.decoded > 0).map((f) => f.ssrc));
    return frames.find((f) => f.t >= since && !before.has(f.ssrc) && f.decoded > 0)?.t ?? null;
  }, since);
}
