// A node with a bad configuration exits non-zero before anything listens, and says which file,
// line and key are wrong; a good one answers /healthz and exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startNodeFromConf } from '../helpers/nodes';
import { removeTempDirs, tempDir } from '../helpers/tempDirs';
import { wcsProperties } from '../helpers/wcsConf';

const ROOT = path.resolve(__dirname, '..', '..');

function runNode(confDir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'index.ts'), '--conf', confDir], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

function confDir(files: Record<string, string>): string {
  const dir = tempDir('cdn-badconf-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

afterAll(removeTempDirs);

/** A WCS flashphoner.properties (many keys this product does not know) with one of our keys misspelt. */
const WCS_WITH_TYPO = wcsProperties({ port: 8080, mediaFrom: 40000, secret: 'x', origin: false }).replace('cdn_secret=x', 'cdn_secert=x');

test.each([
  ['a missing properties file', {}, /flashphoner\.properties/],
  ['an unknown key', { 'flashphoner.properties': 'ws.port=8080\nws.prot=1\n' }, /flashphoner\.properties:2: ws\.prot/],
  [
    "a typo of one of our keys in a WCS admin's file full of WCS keys",
    { 'flashphoner.properties': WCS_WITH_TYPO },
    new RegExp(`flashphoner\\.properties:${WCS_WITH_TYPO.split('\n').indexOf('cdn_secert=x') + 1}: cdn_secert: unknown key \\(did you mean "cdn_secret"\\?\\)`),
  ],
  [
    'an unknown key with config.strict=true',
    { 'flashphoner.properties': 'config.strict=true\nuser_agent=Flashphoner/1.0\n' },
    /flashphoner\.properties:2: user_agent: unknown key .*config\.strict=true refuses it/,
  ],
  ['a port out of range', { 'flashphoner.properties': '\nws.port=99999\n' }, /flashphoner\.properties:2: ws\.port/],
  [
    'malformed XML',
    { 'flashphoner.properties': 'load_balancing_enabled=true\n', 'loadbalancing.xml': '<loadbalancer>\n<node id="a"><ip>x</ip>\n</loadbalancer>\n' },
    /loadbalancing\.xml:\d+/,
  ],
  [
    'an unknown mode',
    { 'flashphoner.properties': 'load_balancing_enabled=true\n', 'loadbalancing.xml': '<loadbalancer\n  mode="FASTEST">\n</loadbalancer>\n' },
    /loadbalancing\.xml:\d+: .*mode/,
  ],
  [
    "the seed's two-file origin without a cdn_secret",
    {
      'flashphoner.properties': 'load_balancing_enabled=true\n',
      'loadbalancing.xml': '<loadbalancer stream_distribution="webrtc">\n<node id="1"><ip>127.0.0.1</ip></node>\n</loadbalancer>\n',
    },
    /flashphoner\.properties:1: load_balancing_enabled: is true but cdn_secret is empty: set the same cdn_secret .* on the origin and on every edge/,
  ],
  [
    'duplicate node ids',
    {
      'flashphoner.properties': 'load_balancing_enabled=true\n',
      'loadbalancing.xml': '<loadbalancer>\n<node id="a"><ip>h1</ip></node>\n<node id="a"><ip>h2</ip></node>\n</loadbalancer>\n',
    },
    /loadbalancing\.xml:3: .*a/,
  ],
])('%s exits with code 2 naming file, line and key', async (_what, files, pattern) => {
  const { code, stderr } = await runNode(confDir(files));
  expect(code).toBe(2);
  expect(stderr).toMatch(/^configuration error: /);
  expect(stderr).toMatch(pattern);
});

test('the shipped conf/ starts a node that answers /healthz (on a free port via PORT) and exits 0 on SIGTERM', async () => {
  const port = await freePort();
  const node = await startNodeFromConf(path.join(ROOT, 'conf'), port, 'shipped', {
    PORT: String(port),
    MEDIA_PORT_FROM: '46000',
    MEDIA_PORT_TO: '46099',
    WORKERS: '1',
  });
  expect((await fetch(`${node.http}/healthz`)).status).toBe(200);
  expect(await node.stop()).toBe(0);
});
