// A WCS admin's own files: WCS keys this product does not use are accepted and named in one
// warning, typos of ours still stop the node, loadbalancing.xml's WCS attributes are read with WCS's
// defaults, and an origin without a shared cdn_secret refuses to start.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { ignoredSettingsWarning, type IgnoredSetting } from '../../src/config/ignored';
import { loadConfig } from '../../src/config/load';
import { parseLoadBalancing } from '../../src/config/loadbalancing';
import { PROPERTY_SPECS, SETTING_FIELDS, suggestKey } from '../../src/config/propertiesSchema';
import { WCS_IGNORED_KEYS } from '../../src/config/wcsKeys';
import { WCS_KEYS_IGNORED, WCS_KEYS_UNKNOWN, wcsLoadBalancing, wcsProperties } from '../helpers/wcsConf';

const SHIPPED_CONF = path.join(__dirname, '../../conf');
const dirs: string[] = [];

function confDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-wcsconf-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** loadConfig with its warnings collected. */
function load(dir: string, env: NodeJS.ProcessEnv = {}): { config: ReturnType<typeof loadConfig>; warnings: string[] } {
  const warnings: string[] = [];
  const config = loadConfig(dir, env, (m) => warnings.push(m));
  return { config, warnings };
}

const lineOf = (text: string, key: string): number => text.split('\n').findIndex((l) => l.startsWith(`${key}=`)) + 1;

describe('a WCS flashphoner.properties', () => {
  test('loads with the WCS keys it shares with us applied and one warning naming every ignored key with its line', () => {
    const properties = wcsProperties({ port: 9080, mediaFrom: 40000, secret: 's3cret', origin: true });
    const dir = confDir({ 'flashphoner.properties': properties, 'loadbalancing.xml': wcsLoadBalancing([{ id: '1', port: 8081 }]) });
    const { config, warnings } = load(dir);
    expect(config).toMatchObject({ ip: '127.0.0.1', wsPort: 9080, wssPort: 8443, mediaPortFrom: 40000, mediaPortTo: 40199, loadBalancingEnabled: true });
    expect(warnings).toHaveLength(1);
    const [warning] = warnings;
    expect(warning).toMatch(/^\d+ WCS setting\(s\) accepted but not used by this product: /);
    const [knownPart, unknownPart] = warning.split(
      ". 21 setting(s) this product does not know, taken for another product's (WCS) and not checked (config.strict=true refuses them): ",
    );
    for (const key of WCS_KEYS_IGNORED) expect(knownPart).toContain(`${key} (line ${lineOf(properties, key)})`);
    expect(WCS_KEYS_UNKNOWN).toHaveLength(21);
    expect(unknownPart).toBe(
      `${path.join(dir, 'flashphoner.properties')}: ${WCS_KEYS_UNKNOWN.map((key) => `${key} (line ${lineOf(properties, key)})`).join(', ')}`,
    );
    expect(warning).toContain(`${path.join(dir, 'flashphoner.properties')}: wss.keystore.password (line 9)`);
    expect(warning).toContain(
      `${path.join(dir, 'loadbalancing.xml')}: loadbalancer/node[1]/http (line 6: this product serves HTTP and REST on the node's <ws> port)`,
    );
    expect(warning).toContain("loadbalancer/node[1]/https (line 7: this product serves HTTPS on the node's <wss> port)");
  });

  test('a typo of one of our keys still stops the node with file, line, key and "did you mean"', () => {
    const properties = wcsProperties({ port: 9080, mediaFrom: 40000, secret: 's3cret', origin: false }).replace('ws.port=', 'ws.prot=');
    const dir = confDir({ 'flashphoner.properties': properties });
    const err = errorOf(() => load(dir));
    expect(err.message).toBe(`${path.join(dir, 'flashphoner.properties')}:${lineOf(properties, 'ws.prot')}: ws.prot: unknown key (did you mean "ws.port"?)`);
  });

  test('typos of our keys that swap two letters stop the node too', () => {
    const base = wcsProperties({ port: 9080, mediaFrom: 40000, secret: 's3cret', origin: true });
    for (const [typo, key] of [
      ['cdn_secert=', 'cdn_secret'],
      ['load_balancing_enabeld=', 'load_balancing_enabled'],
    ]) {
      const properties = base.replace(`${key}=`, typo);
      const dir = confDir({ 'flashphoner.properties': properties, 'loadbalancing.xml': wcsLoadBalancing([{ id: '1', port: 8081 }]) });
      const name = typo.slice(0, -1);
      expect(errorOf(() => load(dir)).message).toBe(
        `${path.join(dir, 'flashphoner.properties')}:${lineOf(properties, name)}: ${name}: unknown key (did you mean "${key}"?)`,
      );
    }
  });

  test('a key that is neither ours nor a WCS key we know is accepted and named; config.strict=true refuses it', () => {
    const dir = confDir({ 'flashphoner.properties': 'codecs=opus,vp8\nvideo_magic=on\n' });
    expect(load(dir).warnings).toEqual([
      `1 WCS setting(s) accepted but not used by this product: ${path.join(dir, 'flashphoner.properties')}: codecs (line 1). ` +
        `1 setting(s) this product does not know, taken for another product's (WCS) and not checked (config.strict=true refuses them): ${path.join(dir, 'flashphoner.properties')}: video_magic (line 2)`,
    ]);
    const strict = confDir({ 'flashphoner.properties': 'config.strict=true\ncodecs=opus,vp8\nvideo_magic=on\n' });
    expect(errorOf(() => load(strict)).message).toBe(
      `${path.join(strict, 'flashphoner.properties')}:3: video_magic: unknown key (neither one of this product's keys, documented in conf/flashphoner.properties, nor a WCS key it knows to ignore, src/config/wcsKeys.ts); config.strict=true refuses it`,
    );
  });

  test('with config.strict=true an unknown loadbalancing.xml element stops the node; WCS elements we know still pass', () => {
    const xml = '<loadbalancer>\n<node id="1"><ip>h</ip><http>8081</http>\n<rtmp>1935</rtmp></node>\n</loadbalancer>\n';
    const properties = 'load_balancing_enabled=true\ncdn_secret=x\n';
    expect(load(confDir({ 'flashphoner.properties': properties, 'loadbalancing.xml': xml })).warnings[0]).toContain('loadbalancer/node[1]/rtmp (line 3)');
    const dir = confDir({ 'flashphoner.properties': properties + 'config.strict=true\n', 'loadbalancing.xml': xml });
    const err = errorOf(() => load(dir));
    expect([err.file, err.line, err.key]).toEqual([path.join(dir, 'loadbalancing.xml'), 3, 'loadbalancer/node[1]/rtmp']);
    expect(err.reason).toBe('unknown element <rtmp> in <node> (expected <ip> or <ws> or <wss> or <relay> or <http> or <https>; config.strict=true refuses it)');
  });

  test('the shipped configuration gives no warning', () => {
    expect(load(SHIPPED_CONF).warnings).toEqual([]);
  });

  test('no listed WCS key is one of ours or close enough to one of ours to hide a typo', () => {
    const ours = new Set(SETTING_FIELDS.map((f) => PROPERTY_SPECS[f].key));
    for (const key of WCS_IGNORED_KEYS) {
      expect([key, ours.has(key)]).toEqual([key, false]);
      expect([key, suggestKey(key)]).toEqual([key, null]);
    }
  });
});

describe('an origin without a shared cdn_secret', () => {
  const XML = '<loadbalancer stream_distribution="webrtc">\n<node id="1"><ip>127.0.0.1</ip></node>\n</loadbalancer>\n';
  const ADVICE =
    "set the same cdn_secret (a long random string) in flashphoner.properties on the origin and on every edge (or CDN_SECRET in their environment); without it every edge refuses this origin's relays";

  test("the seed's two-file set-up (XML + load_balancing_enabled=true) is refused, naming the key that made it an origin", () => {
    const dir = confDir({ 'flashphoner.properties': 'ip=127.0.0.1\nload_balancing_enabled=true\n', 'loadbalancing.xml': XML });
    expect(errorOf(() => load(dir)).message).toBe(
      `${path.join(dir, 'flashphoner.properties')}:2: load_balancing_enabled: is true but cdn_secret is empty: ${ADVICE}`,
    );
  });

  test('an empty cdn_secret line is the one named', () => {
    const dir = confDir({ 'flashphoner.properties': 'load_balancing_enabled=true\ncdn_secret=\n', 'loadbalancing.xml': XML });
    expect(errorOf(() => load(dir)).message).toBe(`${path.join(dir, 'flashphoner.properties')}:2: cdn_secret: is empty on an origin: ${ADVICE}`);
  });

  test('the environment naming the role is named too, and a CDN_SECRET there fixes it', () => {
    const dir = confDir({ 'flashphoner.properties': '', 'loadbalancing.xml': XML });
    expect(errorOf(() => load(dir, { LOAD_BALANCING_ENABLED: 'true' })).message).toBe(
      `environment: LOAD_BALANCING_ENABLED: is true but cdn_secret is empty: ${ADVICE}`,
    );
    expect(load(dir, { LOAD_BALANCING_ENABLED: 'true', CDN_SECRET: 'x' }).config.cdnSecret).toBe('x');
  });

  test('a broken loadbalancing.xml is reported before the missing secret', () => {
    const dir = confDir({ 'flashphoner.properties': 'load_balancing_enabled=true\n', 'loadbalancing.xml': '<loadbalancer mode="FASTEST"/>' });
    expect(errorOf(() => load(dir)).key).toBe('loadbalancer@mode');
  });

  test('an edge may have an empty cdn_secret (it then refuses every relay)', () => {
    expect(load(confDir({ 'flashphoner.properties': 'cdn_secret=\n' })).config.cdnSecret).toBe('');
  });
});

describe('loadbalancing.xml as WCS writes it', () => {
  const FILE = 'conf/loadbalancing.xml';
  const nodes = (n: number): string => Array.from({ length: n }, (_, i) => `<node id="e${i + 1}"><ip>10.0.0.${i + 1}</ip></node>`).join('');

  function parse(xml: string, random?: () => number): { ids: string[]; mode: string; ignored: IgnoredSetting[] } {
    const ignored: IgnoredSetting[] = [];
    const config = parseLoadBalancing(xml, FILE, { onIgnored: (s) => ignored.push(s), random });
    return { ids: config.nodes.map((n) => n.id), mode: config.mode, ignored };
  }

  test('mode defaults to FEWESTCALLS and a node without <wss> has no secure port', () => {
    const config = parseLoadBalancing(`<loadbalancer>${nodes(1)}</loadbalancer>`, FILE);
    expect(config.mode).toBe('FEWESTCALLS');
    expect(config.nodes[0]).toMatchObject({ ws: 8080, wss: 0 });
  });

  test('randomize="true" with FEWESTCALLS shuffles the node order, so ties do not always go to the first edge', () => {
    // random() = 0 always swaps with the first: [e1..e4] -> [e2, e3, e4, e1].
    expect(parse(`<loadbalancer mode="FEWESTCALLS" randomize="true">${nodes(4)}</loadbalancer>`, () => 0)).toEqual({
      ids: ['e2', 'e3', 'e4', 'e1'],
      mode: 'FEWESTCALLS',
      ignored: [],
    });
    expect(parse(`<loadbalancer randomize="TRUE">${nodes(3)}</loadbalancer>`, () => 0.999).ids).toEqual(['e1', 'e2', 'e3']);
  });

  test('randomize="false" keeps the file order', () => {
    expect(parse(`<loadbalancer randomize="false">${nodes(4)}</loadbalancer>`, () => 0).ids).toEqual(['e1', 'e2', 'e3', 'e4']);
  });

  test('randomize with another mode is reported as ignored, with its line, and changes nothing', () => {
    expect(parse(`<loadbalancer\n  mode="ROUNDROBIN"\n  randomize="true">${nodes(3)}</loadbalancer>`, () => 0)).toEqual({
      ids: ['e1', 'e2', 'e3'],
      mode: 'ROUNDROBIN',
      ignored: [{ file: FILE, line: 3, key: 'loadbalancer@randomize', why: 'WCS applies it to mode FEWESTCALLS only, this file has ROUNDROBIN' }],
    });
  });

  test('a randomize that is not a boolean is refused with its line', () => {
    expect(errorOf(() => parse('<loadbalancer\n randomize="yes"/>')).message).toBe(`${FILE}:2: loadbalancer@randomize: "yes" is not a boolean (true or false)`);
  });

  test('<http> and <https> are read, checked and reported as ignored', () => {
    const { ignored } = parse('<loadbalancer>\n<node id="a"><ip>h</ip>\n<http>8081</http>\n<https>8444</https></node>\n</loadbalancer>');
    expect(ignored).toEqual([
      { file: FILE, line: 3, key: 'loadbalancer/node[1]/http', why: "this product serves HTTP and REST on the node's <ws> port" },
      { file: FILE, line: 4, key: 'loadbalancer/node[1]/https', why: "this product serves HTTPS on the node's <wss> port" },
    ]);
    expect(errorOf(() => parse('<loadbalancer>\n<node id="a"><ip>h</ip>\n<http>web</http></node>\n</loadbalancer>')).message).toBe(
      `${FILE}:3: loadbalancer/node[1]/http: "web" is not a port number (1-65535)`,
    );
  });
});

describe('ignoredSettingsWarning', () => {
  test('is null when nothing was ignored', () => {
    expect(ignoredSettingsWarning([])).toBeNull();
  });

  test('groups the settings by file, with their lines and reasons', () => {
    expect(
      ignoredSettingsWarning([
        { file: 'a.properties', line: 3, key: 'codecs' },
        { file: 'b.xml', line: 7, key: 'loadbalancer/node[1]/http', why: 'unused' },
        { file: 'a.properties', line: 9, key: 'rtmp.port' },
      ]),
    ).toBe(
      '3 WCS setting(s) accepted but not used by this product: a.properties: codecs (line 3), rtmp.port (line 9); b.xml: loadbalancer/node[1]/http (line 7: unused)',
    );
  });
});
