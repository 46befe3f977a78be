// The browser SDK with tokens on (auth.publish and auth.play = token), in a real Chromium: the
// `token` option of createStream goes with publish on the origin, and with play to the origin and
// to the edge it redirects to (each checks it); a player without one fails with UNAUTHORIZED.
import type { Browser, Page } from 'playwright-core';
import { signToken } from '../../src/auth/tokens';
import { type NodeProcess, edgesXml, startNode, until } from '../helpers/nodes';
import { edgeHolds } from '../helpers/pages';
import { launchChromium, openPage } from './browser';

const SECRET = 'the-token-secret-of-the-browser-cluster';
const AUTH = { 'auth.publish': 'token', 'auth.play': 'token', 'auth.token_secret': SECRET };
const STREAM = 'sdk-token';

let browser: Browser;
let origin: NodeProcess;
let edge: NodeProcess;
let page: Page;
const logs: string[] = [];

const token = (act: 'publish' | 'play') => signToken({ act, stream: STREAM, exp: Math.floor(Date.now() / 1000) + 300 }, SECRET);

interface Outcome {
  status: string;
  nodeId: string | null;
  error: { code: string } | null;
}

/** The part of the bundled SDK's global (window.CDN) this test uses. */
interface SdkStream {
  status(): string;
  nodeId(): string | null;
  getErrorInfo(): { code: string } | null;
  on(event: string, listener: (s: SdkStream) => void): SdkStream;
  publish(): void;
  play(): void;
}
interface SdkSession {
  on(event: string, listener: (s: SdkSession) => void): SdkSession;
  createStream(options: Record<string, unknown>): SdkStream;
}
interface Sdk {
  SESSION_STATUS: Record<string, string>;
  STREAM_STATUS: Record<string, string>;
  createSession(options: { urlServer: string }): SdkSession;
}

/** Runs one SDK stream in the page (publish or play) until it settles; what the page's user would see. */
function runStream(action: 'publish' | 'play', options: { token?: string }): Promise<Outcome> {
  return page.evaluate(
    ([url, name, action, token]) =>
      new Promise<Outcome>((resolve, reject) => {
        const sdk = (window as unknown as { CDN: Sdk }).CDN;
        const done = (s: SdkStream) => resolve({ status: s.status(), nodeId: s.nodeId(), error: s.getErrorInfo() });
        sdk
          .createSession({ urlServer: url })
          .on(sdk.SESSION_STATUS.ESTABLISHED, (session) => {
            const stream = session.createStream({ name, ...(token ? { token } : {}), failover: false });
            stream.on(sdk.STREAM_STATUS.PUBLISHING, done).on(sdk.STREAM_STATUS.PLAYING, done).on(sdk.STREAM_STATUS.FAILED, done);
            if (action === 'publish') stream.publish();
            else stream.play();
          })
          .on(sdk.SESSION_STATUS.FAILED, () => reject(new Error('session failed')));
      }),
    [origin.url, STREAM, action, options.token ?? ''] as const,
  );
}

beforeAll(async () => {
  edge = await startNode({ name: 'edge1', props: AUTH });
  origin = await startNode({
    name: 'origin',
    props: { ...AUTH, load_balancing_enabled: true },
    xml: edgesXml([{ id: 'edge1', port: edge.port, relayPort: edge.relayPort }]),
  });
  browser = await launchChromium();
  page = await openPage(browser, `${origin.http}/index.html`, logs, 'sdk');
  await page.addScriptTag({ url: `${origin.http}/sdk/cdn-sdk.js` });
}, 60000);

afterAll(async () => {
  await browser?.close();
  expect(await Promise.all([origin?.stop(), edge?.stop()])).toEqual([0, 0]);
  if (logs.length) process.stdout.write(`${logs.join('\n')}\n`);
});

test('the SDK publishes with its publish token, and plays through the origin on the edge with its play token', async () => {
  expect(await runStream('publish', {})).toMatchObject({ status: 'FAILED', error: { code: 'UNAUTHORIZED' } });
  expect(await runStream('publish', { token: token('publish') })).toMatchObject({ status: 'PUBLISHING' });
  await until(() => edgeHolds(edge, STREAM), 15000, 'the stream on the edge');
  expect(await runStream('play', {})).toMatchObject({ status: 'FAILED', error: { code: 'UNAUTHORIZED' } });
  expect(await runStream('play', { token: token('publish') })).toMatchObject({ status: 'FAILED', error: { code: 'FORBIDDEN' } });
  expect(await runStream('play', { token: token('play') })).toMatchObject({ status: 'PLAYING', nodeId: 'edge1' });
}, 60000);
