// loadbalancing.xml's <origin> list (several origins in one cluster): read like <node>, validated
// with file, line and element named.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import { parseLoadBalancing } from '../../src/config/loadbalancing';
import { DEFAULT_CLUSTER } from '../../src/config/types';

const FILE = 'conf/loadbalancing.xml';
const doc = (...lines: string[]): string => lines.join('\n');

function errorOf(xml: string, selfId?: string): ConfigError {
  try {
    parseLoadBalancing(xml, FILE, { selfId });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('<origin> in loadbalancing.xml', () => {
  test('reads every origin with the defaults of <node>, apart from the edges', () => {
    const config = parseLoadBalancing(
      doc(
        '<loadbalancer>',
        '  <origin id="o1"><ip>10.0.0.1</ip><ws>8080</ws><wss>8443</wss><relay>9445</relay></origin>',
        '  <origin id="o2" path_prefix="/cdn"><ip>10.0.0.2</ip></origin>',
        '  <node id="e1"><ip>10.0.1.1</ip></node>',
        '</loadbalancer>',
      ),
      FILE,
      { selfId: 'o2' },
    );
    expect(config.origins).toEqual([
      { id: 'o1', ip: '10.0.0.1', ws: 8080, wss: 8443, relay: 9445, maxConnections: 500, cluster: DEFAULT_CLUSTER, pathPrefix: '', distribution: 'push' },
      { id: 'o2', ip: '10.0.0.2', ws: 8080, wss: 0, relay: 8445, maxConnections: 500, cluster: DEFAULT_CLUSTER, pathPrefix: '/cdn', distribution: 'push' },
    ]);
    expect(config.nodes.map((n) => n.id)).toEqual(['e1']);
  });

  test('no <origin>: an empty list (one origin, as in WCS), whatever this node is called', () => {
    expect(parseLoadBalancing('<loadbalancer><node id="e1"><ip>h</ip></node></loadbalancer>', FILE, { selfId: 'x' }).origins).toEqual([]);
  });

  test('a list that does not name this node stops it, naming the file and the first <origin>', () => {
    const err = errorOf(
      doc(
        '<loadbalancer>',
        '  <node id="e1"><ip>h</ip></node>',
        '  <origin id="o1"><ip>a</ip></origin>',
        '  <origin id="o2"><ip>b</ip></origin>',
        '</loadbalancer>',
      ),
      'o3',
    );
    expect(err.message).toBe(
      'conf/loadbalancing.xml:3: loadbalancer/origin[1]: the <origin> list (o1, o2) does not name this node (node_id "o3"): list every origin of the cluster, this one included, with the id its node_id has',
    );
  });

  test('ids are unique among origins and nodes, naming both lines', () => {
    const err = errorOf(doc('<loadbalancer>', '  <node id="a"><ip>h</ip></node>', '  <origin id="a"><ip>o</ip></origin>', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:3: loadbalancer/origin[1]@id: duplicate node id "a" (first on line 2)');
    const twice = errorOf(doc('<loadbalancer>', '  <origin><ip>o</ip></origin>', '  <origin><ip>o</ip></origin>', '</loadbalancer>'));
    expect(twice.message).toBe('conf/loadbalancing.xml:3: loadbalancer/origin[2]@id: duplicate node id "o:8080" derived from <ip>:<ws> (first on line 2)');
  });

  test('a near typo of <origin> or of its elements is refused with "did you mean"', () => {
    expect(errorOf(doc('<loadbalancer>', '  <orgin id="o1"><ip>h</ip></orgin>', '</loadbalancer>')).message).toBe(
      'conf/loadbalancing.xml:2: loadbalancer/orgin: unknown element <orgin> in <loadbalancer> (did you mean <origin>?)',
    );
    expect(errorOf('<loadbalancer><origin id="o"><ip>h</ip><rely>1</rely></origin></loadbalancer>').reason).toBe(
      'unknown element <rely> in <origin> (did you mean <relay>?)',
    );
    expect(errorOf('<loadbalancer><origin id="o" path_prefx="/a"><ip>h</ip></origin></loadbalancer>').reason).toBe(
      'unknown attribute (did you mean "path_prefix"?)',
    );
  });

  test('an origin without <ip>, or with a bad port, names its line', () => {
    expect(errorOf(doc('<loadbalancer>', '', '  <origin id="o1"><ws>1</ws></origin>', '</loadbalancer>')).message).toBe(
      'conf/loadbalancing.xml:3: loadbalancer/origin[1]: missing <ip>: the address the other origins and clients reach this origin at',
    );
    expect(errorOf(doc('<loadbalancer>', '  <origin id="o1">', '    <ip>h</ip>', '    <relay>70000</relay>', '  </origin>', '</loadbalancer>')).key).toBe(
      'loadbalancer/origin[1]/relay',
    );
  });

  test('an <origin> inside a <cluster> is refused: origins are not a bank of edges', () => {
    expect(errorOf('<loadbalancer><cluster name="eu"><origin id="o"><ip>h</ip></origin></cluster></loadbalancer>').reason).toBe(
      'unknown element <origin> in <cluster> (expected <node>)',
    );
  });
});

describe('<origin> at start (loadConfig): the list must name this node', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const conf = (properties: string, xml: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-origins-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'flashphoner.properties'), properties);
    fs.writeFileSync(path.join(dir, 'loadbalancing.xml'), xml);
    return dir;
  };
  const xml = doc(
    '<loadbalancer>',
    '  <origin id="o1"><ip>10.0.0.1</ip></origin>',
    '  <origin id="127.0.0.1:8080"><ip>127.0.0.1</ip></origin>',
    '</loadbalancer>',
  );
  const props = 'load_balancing_enabled=true\ncdn_secret=a-long-enough-cluster-secret-for-tests\n';

  test('by its node_id, or by the default one (<ip>:<ws.port>)', () => {
    expect(loadConfig(conf(`${props}node_id=o1\n`, xml), {}).loadBalancing?.origins.map((o) => o.id)).toEqual(['o1', '127.0.0.1:8080']);
    expect(loadConfig(conf(props, xml), {}).loadBalancing?.origins).toHaveLength(2);
  });

  test('a node_id the list does not name stops the node, naming the file and line', () => {
    const dir = conf(`${props}node_id=o9\n`, xml);
    let err: unknown;
    try {
      loadConfig(dir, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      `${path.join(dir, 'loadbalancing.xml')}:2: loadbalancer/origin[1]: the <origin> list (o1, 127.0.0.1:8080) does not name this node (node_id "o9"): list every origin of the cluster, this one included, with the id its node_id has`,
    );
  });
});
