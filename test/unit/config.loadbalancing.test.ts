import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import type { IgnoredSetting } from '../../src/config/ignored';
import { parseLoadBalancing } from '../../src/config/loadbalancing';
import { DEFAULT_CLUSTER } from '../../src/config/types';

const FILE = 'conf/loadbalancing.xml';

function errorOf(xml: string, strict = false): ConfigError {
  try {
    parseLoadBalancing(xml, FILE, { strict });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** The settings parseLoadBalancing reported as not used, and the edges it read. */
function reported(xml: string): { ignored: IgnoredSetting[]; ids: string[] } {
  const ignored: IgnoredSetting[] = [];
  const config = parseLoadBalancing(xml, FILE, { onIgnored: (setting) => ignored.push(setting) });
  return { ignored, ids: config.nodes.map((n) => n.id) };
}

/** Builds a document whose lines are easy to count: one element per line. */
const doc = (...lines: string[]): string => lines.join('\n');

describe('parseLoadBalancing', () => {
  test('reads the WCS example with the WCS defaults', () => {
    const config = parseLoadBalancing(
      doc('<loadbalancer stream_distribution="webrtc">', '  <node id="1">', '    <ip>edge.flashphoner.com</ip>', '  </node>', '</loadbalancer>'),
      FILE,
    );
    expect(config).toEqual({
      file: path.resolve(FILE),
      streamDistribution: 'webrtc',
      mode: 'FEWESTCALLS',
      origins: [],
      nodes: [
        {
          id: '1',
          ip: 'edge.flashphoner.com',
          ws: 8080,
          wss: 0,
          relay: 8445,
          maxConnections: 500,
          cluster: DEFAULT_CLUSTER,
          pathPrefix: '',
          distribution: 'push',
        },
      ],
    });
  });

  test('reads every attribute and element, named clusters included, in file order', () => {
    const config = parseLoadBalancing(
      doc(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!-- edges -->',
        '<loadbalancer stream_distribution="webrtc" mode="FEWESTCALLS">',
        '  <node id="a" max_connections="100" path_prefix="/media"><ip>10.0.0.1</ip><ws>8081</ws><wss>0</wss></node>',
        '  <cluster name="eu">',
        '    <node id="b"><wss>9443</wss><ip>::1</ip><ws>8082</ws><relay>9445</relay></node>',
        '  </cluster>',
        '  <node id="c"><ip>10.0.0.3</ip></node>',
        '</loadbalancer>',
      ),
      FILE,
    );
    expect(config.mode).toBe('FEWESTCALLS');
    expect(config.nodes).toEqual([
      { id: 'a', ip: '10.0.0.1', ws: 8081, wss: 0, relay: 8445, maxConnections: 100, cluster: 'default', pathPrefix: '/media', distribution: 'push' },
      { id: 'b', ip: '::1', ws: 8082, wss: 9443, relay: 9445, maxConnections: 500, cluster: 'eu', pathPrefix: '', distribution: 'push' },
      { id: 'c', ip: '10.0.0.3', ws: 8080, wss: 0, relay: 8445, maxConnections: 500, cluster: 'default', pathPrefix: '', distribution: 'push' },
    ]);
  });

  test('accepts every balancing mode, in any case as WCS examples vary', () => {
    for (const mode of ['ROUNDROBIN', 'FEWESTCALLS', 'RANDOM', 'LESS_LOADED_NODE']) {
      expect(parseLoadBalancing(`<loadbalancer mode="${mode}"/>`, FILE).mode).toBe(mode);
    }
    expect(parseLoadBalancing('<loadbalancer mode="roundrobin" stream_distribution="WebRTC"/>', FILE).mode).toBe('ROUNDROBIN');
  });

  test('an empty list of edges is valid', () => {
    expect(parseLoadBalancing('<loadbalancer></loadbalancer>', FILE).nodes).toEqual([]);
  });

  test('a node without id is named <ip>:<ws> like the default node_id', () => {
    const config = parseLoadBalancing('<loadbalancer><node><ip>10.0.0.1</ip><ws>8081</ws></node><node><ip>::1</ip></node></loadbalancer>', FILE);
    expect(config.nodes.map((n) => n.id)).toEqual(['10.0.0.1:8081', '[::1]:8080']);
  });

  test('CRLF line endings do not shift the lines in messages', () => {
    const err = errorOf('<loadbalancer>\r\n  <node id="a">\r\n    <ip>10.0.0.1</ip>\r\n    <ws>0</ws>\r\n  </node>\r\n</loadbalancer>');
    expect(err.message).toBe('conf/loadbalancing.xml:4: loadbalancer/node[1]/ws: "0" is not a port number (1-65535)');
  });

  test('the shipped conf/loadbalancing.xml lists two edges on 127.0.0.1:8081 and :8082', () => {
    const file = path.join(__dirname, '../../conf/loadbalancing.xml');
    const config = parseLoadBalancing(fs.readFileSync(file, 'utf8'), file);
    expect(config.nodes.map((n) => `${n.ip}:${n.ws}`)).toEqual(['127.0.0.1:8081', '127.0.0.1:8082']);
  });
});

describe('parseLoadBalancing refuses', () => {
  test('malformed XML, naming its line', () => {
    const err = errorOf(doc('<loadbalancer>', '  <node id="a">', '    <ip>h</ip>', '  </nod>', '</loadbalancer>'));
    expect(err.line).toBe(4);
    expect(err.key).toBeNull();
    expect(err.message).toMatch(/^conf\/loadbalancing\.xml:4: malformed XML: /);
  });

  test('a document without any element', () => {
    expect(errorOf('').message).toBe('conf/loadbalancing.xml:1: malformed XML: Start tag expected.');
    expect(errorOf('<!-- nothing -->').message).toMatch(/^conf\/loadbalancing\.xml(:1)?: /);
  });

  test('a wrong root element', () => {
    const err = errorOf(doc('<?xml version="1.0"?>', '<balancer/>'));
    expect(err.message).toBe('conf/loadbalancing.xml:2: balancer: the root element must be <loadbalancer>, not <balancer>');
  });

  test('a second root element', () => {
    const err = errorOf(doc('<loadbalancer/>', '<loadbalancer/>'));
    expect(err.message).toBe('conf/loadbalancing.xml:2: loadbalancer: a second root element: the document must hold one <loadbalancer>');
  });

  test('an unknown element close to one of ours, naming it, its line and the one it is close to', () => {
    const err = errorOf(doc('<loadbalancer>', '  <node id="a"><ip>h</ip></node>', '  <nodes id="b"><ip>h</ip></nodes>', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:3: loadbalancer/nodes: unknown element <nodes> in <loadbalancer> (did you mean <node>?)');
    expect(errorOf('<loadbalancer><node><ip>h</ip><realy>9</realy></node></loadbalancer>').reason).toBe(
      'unknown element <realy> in <node> (did you mean <relay>?)',
    );
  });

  test('an unknown element that holds elements of ours is refused: its edges would be lost', () => {
    const err = errorOf(doc('<loadbalancer>', '  <edge id="b">', '    <ip>h</ip>', '  </edge>', '</loadbalancer>'));
    expect(err.message).toBe(
      'conf/loadbalancing.xml:2: loadbalancer/edge: unknown element <edge> in <loadbalancer> (expected <node> or <cluster> or <origin>; it holds <ip> on line 3, as a <node> or <cluster> would, so its edges would be lost)',
    );
  });

  test('an unknown element inside a node is reported as not known, or refused with config.strict', () => {
    const xml = doc('<loadbalancer>', '  <node id="a">', '    <ip>h</ip>', '    <port>1</port>', '  </node>', '</loadbalancer>');
    expect(reported(xml)).toEqual({ ids: ['a'], ignored: [{ file: FILE, line: 4, key: 'loadbalancer/node[1]/port', unknown: true }] });
    expect(errorOf(xml, true).message).toBe(
      'conf/loadbalancing.xml:4: loadbalancer/node[1]/port: unknown element <port> in <node> (expected <ip> or <ws> or <wss> or <relay> or <http> or <https>; config.strict=true refuses it)',
    );
  });

  test('an element nested inside <ip>', () => {
    const err = errorOf(doc('<loadbalancer>', '  <node id="a">', '    <ip><b>h</b></ip>', '  </node>', '</loadbalancer>'));
    expect(err.line).toBe(3);
    expect(err.key).toBe('loadbalancer/node[1]/ip/b');
  });

  test('an element given twice in one node', () => {
    const err = errorOf(doc('<loadbalancer>', '  <node id="a">', '    <ip>h</ip>', '    <ip>i</ip>', '  </node>', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:4: loadbalancer/node[1]/ip[2]: <ip> appears twice in <node> (first on line 3)');
  });

  test('text where elements are expected', () => {
    const err = errorOf(doc('<loadbalancer>', '  edge1', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:1: loadbalancer: unexpected text "edge1" in <loadbalancer>');
  });

  test('an attribute close to one of ours, naming the line of the attribute in a multi-line tag', () => {
    const err = errorOf(doc('<loadbalancer>', '  <node id="a"', '        maxconnections="5">', '    <ip>h</ip>', '  </node>', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:3: loadbalancer/node[1]@maxconnections: unknown attribute (did you mean "max_connections"?)');
  });

  test('an unknown attribute on the root and on a node field is reported, or refused with config.strict', () => {
    expect(reported(doc('<loadbalancer', '  algo="x">', '<node><ip v="4">h</ip></node></loadbalancer>')).ignored).toEqual([
      { file: FILE, line: 2, key: 'loadbalancer@algo', unknown: true },
      { file: FILE, line: 3, key: 'loadbalancer/node[1]/ip@v', unknown: true },
    ]);
    expect(errorOf('<loadbalancer algo="x"/>', true).message).toBe(
      'conf/loadbalancing.xml:1: loadbalancer@algo: unknown attribute (known: stream_distribution, mode, randomize, distribution); config.strict=true refuses it',
    );
    expect(errorOf('<loadbalancer><node><ip v="4">h</ip></node></loadbalancer>', true).key).toBe('loadbalancer/node[1]/ip@v');
  });

  test('a stream_distribution other than webrtc', () => {
    const err = errorOf('<loadbalancer stream_distribution="rtmp"/>');
    expect(err.message).toBe('conf/loadbalancing.xml:1: loadbalancer@stream_distribution: "rtmp" is not supported (only "webrtc")');
  });

  test('an unknown mode', () => {
    const err = errorOf(doc('<!-- x -->', '<loadbalancer', '   mode="ROUND_ROBIN">', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:3: loadbalancer@mode: "ROUND_ROBIN" is not one of ROUNDROBIN, FEWESTCALLS, RANDOM, LESS_LOADED_NODE');
  });

  test('a node without <ip>', () => {
    const err = errorOf(doc('<loadbalancer>', '  <node id="a"><ws>8081</ws></node>', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:2: loadbalancer/node[1]: missing <ip>: the address the origin and players reach the edge at');
  });

  test('an empty <ip>', () => {
    for (const ip of ['<ip></ip>', '<ip/>', '<ip>   </ip>']) {
      const err = errorOf(doc('<loadbalancer>', '  <node id="a">', `    ${ip}`, '  </node>', '</loadbalancer>'));
      expect(err.message).toBe('conf/loadbalancing.xml:3: loadbalancer/node[1]/ip: must not be empty');
    }
  });

  test('an <ip> that is no address', () => {
    const err = errorOf('<loadbalancer><node><ip>not a host</ip></node></loadbalancer>');
    expect(err.message).toBe('conf/loadbalancing.xml:1: loadbalancer/node[1]/ip: "not a host" is not an IP address or host name');
  });

  test('bad ports in <ws>, <wss> and <relay>', () => {
    const ws = errorOf(doc('<loadbalancer>', '  <node id="a"><ip>h</ip>', '    <ws>99999</ws></node>', '</loadbalancer>'));
    expect(ws.message).toBe('conf/loadbalancing.xml:3: loadbalancer/node[1]/ws: "99999" is not a port number (1-65535)');
    const wss = errorOf(
      doc('<loadbalancer>', '  <cluster name="eu">', '    <node id="a"><ip>h</ip><wss>https</wss></node>', '  </cluster>', '</loadbalancer>'),
    );
    expect(wss.message).toBe('conf/loadbalancing.xml:3: loadbalancer/cluster[1]/node[1]/wss: "https" is not a port number (0-65535)');
    const relay = errorOf(doc('<loadbalancer>', '  <node id="a"><ip>h</ip>', '    <relay>0</relay></node>', '</loadbalancer>'));
    expect(relay.message).toBe('conf/loadbalancing.xml:3: loadbalancer/node[1]/relay: "0" is not a port number (1-65535)');
  });

  test('a duplicate node id anywhere in the file, naming both lines', () => {
    const err = errorOf(
      doc(
        '<loadbalancer>',
        '  <node id="e1"><ip>a</ip></node>',
        '  <cluster name="eu">',
        '    <node id="e1"><ip>b</ip></node>',
        '  </cluster>',
        '</loadbalancer>',
      ),
    );
    expect(err.message).toBe('conf/loadbalancing.xml:4: loadbalancer/cluster[1]/node[1]@id: duplicate node id "e1" (first on line 2)');
  });

  test('two nodes without id at the same address', () => {
    const err = errorOf(doc('<loadbalancer>', '  <node><ip>a</ip></node>', '  <node><ip>a</ip><ws>8080</ws></node>', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:3: loadbalancer/node[2]@id: duplicate node id "a:8080" derived from <ip>:<ws> (first on line 2)');
  });

  test('an empty node id or one with spaces', () => {
    expect(errorOf('<loadbalancer><node id=""><ip>a</ip></node></loadbalancer>').message).toBe(
      'conf/loadbalancing.xml:1: loadbalancer/node[1]@id: must not be empty',
    );
    expect(errorOf('<loadbalancer><node id="edge one"><ip>a</ip></node></loadbalancer>').message).toBe(
      'conf/loadbalancing.xml:1: loadbalancer/node[1]@id: "edge one" must be at most 128 characters without spaces or control characters',
    );
  });

  test('a duplicate cluster name, naming both lines', () => {
    const err = errorOf(doc('<loadbalancer>', '  <cluster name="eu"/>', '  <cluster name="us"/>', '  <cluster name="eu"/>', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:4: loadbalancer/cluster[3]@name: duplicate cluster name "eu" (first on line 2)');
  });

  test('a cluster without a usable name', () => {
    expect(errorOf('<loadbalancer><cluster/></loadbalancer>').message).toBe('conf/loadbalancing.xml:1: loadbalancer/cluster[1]@name: is required');
    expect(errorOf('<loadbalancer><cluster name=""/></loadbalancer>').key).toBe('loadbalancer/cluster[1]@name');
    expect(errorOf('<loadbalancer><cluster name="a b"/></loadbalancer>').reason).toMatch(/^"a b" must be 1-64 letters/);
  });

  test('anything but nodes inside a cluster', () => {
    const err = errorOf(doc('<loadbalancer>', '  <cluster name="eu">', '    <cluster name="inner"/>', '  </cluster>', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:3: loadbalancer/cluster[1]/cluster[1]: unknown element <cluster> in <cluster> (expected <node>)');
  });

  test('a max_connections that is not an integer', () => {
    const err = errorOf(doc('<loadbalancer>', '  <node id="a" max_connections="lots"><ip>h</ip></node>', '</loadbalancer>'));
    expect(err.message).toBe('conf/loadbalancing.xml:2: loadbalancer/node[1]@max_connections: "lots" is not an integer from 0 to 1000000');
    expect(errorOf('<loadbalancer><node max_connections="1.5"><ip>h</ip></node></loadbalancer>').key).toBe('loadbalancer/node[1]@max_connections');
  });

  test('a bad path_prefix', () => {
    const err = errorOf('<loadbalancer><node path_prefix="media/"><ip>h</ip></node></loadbalancer>');
    expect(err.message).toBe('conf/loadbalancing.xml:1: loadbalancer/node[1]@path_prefix: "media/" must be empty or start with "/"');
  });

  test('every refusal is a ConfigError with the stable code', () => {
    const err = errorOf('<x/>');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.file).toBe(FILE);
  });
});
