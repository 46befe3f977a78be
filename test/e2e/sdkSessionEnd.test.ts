// The browser SDK's own streams (window.CDN) when their end comes from elsewhere, in a real
// Chromium: a publisher whose session disconnects is UNPUBLISHED (it used to stay PUBLISHING when
// the socket closed under its unpublish), and one an admin terminates through REST says so in
// statusMessage().
import type { Browser, Page } from 'playwright-core';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { launchChromium, openPage } from './browser';

let node: NodeProcess;
let browser: Browser;
let page: Page;
const logs: string[] = [];

/** Publishes `name` from the page with a session of its own, kept as window.sdkSession / window.sdkStream. */
function publish(name: string): Promise<string> {
  return page.evaluate(
    ([url, name]) =>
      new Promise<string>((resolve, reject) => {
        type Stream = { status(): string; on(e: string, fn: (s: Stream) => void): Stream; publish(): void };
        type Session = { on(e: string, fn: (s: Session) => void): Session; createStream(o: Record<string, unknown>): Stream };
        const w = window as unknown as {
          CDN: { SESSION_STATUS: Record<string, string>; STREAM_STATUS: Record<string, string>; createSession(o: { urlServer: string }): Session };
          sdkSession: Session;
          sdkStream: Stream;
        };
        const sdk = w.CDN;
        w.sdkSession = sdk.createSession({ urlServer: url }).on(sdk.SESSION_STATUS.ESTABLISHED, (session) => {
          w.sdkStream = session
            .createStream({ name })
            .on(sdk.STREAM_STATUS.PUBLISHING, (s) => resolve(s.status()))
            .on(sdk.STREAM_STATUS.FAILED, () => reject(new Error('publish failed')));
          w.sdkStream.publish();
        });
      }),
    [node.url, name] as const,
  );
}

const streamState = (): Promise<{ status: string; message: string | null }> =>
  page.evaluate(() => {
    const s = (window as unknown as { sdkStream: { status(): string; statusMessage(): string | null } }).sdkStream;
    return { status: s.status(), message: s.statusMessage() };
  });

beforeAll(async () => {
  node = await startNode({ name: 'sdk-ends', props: { 'publish.allow_direct': true } });
  browser = await launchChromium();
  page = await openPage(browser, `${node.http}/index.html`, logs, 'sdk');
  await page.addScriptTag({ url: `${node.http}/sdk/cdn-sdk.js` });
}, 60000);

afterAll(async () => {
  await browser?.close();
  expect(await node?.stop()).toBe(0);
  if (logs.length) process.stdout.write(`${logs.join('\n')}\n`);
});

test('a publisher whose session disconnects is UNPUBLISHED, and the node drops its stream', async () => {
  expect(await publish('sdk-end-1')).toBe('PUBLISHING');
  await page.evaluate(() => (window as unknown as { sdkSession: { disconnect(): void } }).sdkSession.disconnect());
  await until(async () => (await streamState()).status === 'UNPUBLISHED', 5000, 'the publisher UNPUBLISHED');
  expect(await streamState()).toEqual({ status: 'UNPUBLISHED', message: null });
  const listed = async () => ((await (await fetch(`${node.http}/rest-api/stream/find_all`, { method: 'POST' })).json()) as unknown[]).length;
  await until(async () => (await listed()) === 0, 5000, 'no stream left on the node');
});

test('a publisher whose stream an admin terminates is UNPUBLISHED with the node\'s "Stopped by rest /terminate"', async () => {
  expect(await publish('sdk-end-2')).toBe('PUBLISHING');
  const res = await fetch(`${node.http}/rest-api/stream/terminate`, { method: 'POST', body: JSON.stringify({ name: 'sdk-end-2' }) });
  expect(res.status).toBe(200);
  await until(async () => (await streamState()).status === 'UNPUBLISHED', 5000, 'the publisher UNPUBLISHED');
  expect(await streamState()).toEqual({ status: 'UNPUBLISHED', message: 'Stopped by rest /terminate' });
});
