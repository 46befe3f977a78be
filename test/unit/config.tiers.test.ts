// Relay tiers in loadbalancing.xml (`parent`): what is read, and every mistake refused with file,
// line and element/attribute, like the rest of the file.
import { ConfigError } from '../../src/config/errors';
import { parseLoadBalancing } from '../../src/config/loadbalancing';

const FILE = 'conf/loadbalancing.xml';
const doc = (...lines: string[]): string => lines.join('\n');
const node = (id: string, port: number, parent?: string): string =>
  `  <node id="${id}"${parent !== undefined ? ` parent="${parent}"` : ''}><ip>127.0.0.1</ip><ws>${port}</ws></node>`;

function errorOf(xml: string): ConfigError {
  try {
    parseLoadBalancing(xml, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadbalancing.xml parent (relay tiers)', () => {
  test('reads the tree: relays under the origin, edges under the relays, any depth', () => {
    const config = parseLoadBalancing(
      doc(
        '<loadbalancer>',
        node('e1', 8101, 'r1'),
        node('r1', 8100),
        node('r2', 8200),
        '  <cluster name="eu">',
        `  ${node('e3', 8201, 'r2')}`,
        '  </cluster>',
        node('e4', 8202, ' e3 '),
        '</loadbalancer>',
      ),
      FILE,
    );
    expect(config.nodes.map((n) => [n.id, n.parent ?? null])).toEqual([
      ['e1', 'r1'],
      ['r1', null],
      ['r2', null],
      ['e3', 'r2'],
      ['e4', 'e3'],
    ]);
    // A node without parent has no parent key at all (as before relay tiers).
    expect('parent' in config.nodes[1]).toBe(false);
  });

  test('a parent that is not a <node> of the file: file, line and attribute, with a guess', () => {
    const err = errorOf(doc('<loadbalancer>', node('relay1', 8100), node('e1', 8101, 'relay2'), '</loadbalancer>'));
    expect(err.message).toContain('conf/loadbalancing.xml:3');
    expect(err.message).toContain('loadbalancer/node[2]@parent');
    expect(err.message).toContain('no <node> with id "relay2"');
    expect(err.message).toContain('did you mean "relay1"');
  });

  test('an <origin> named as parent', () => {
    const err = errorOf(doc('<loadbalancer>', '  <origin id="o1"><ip>127.0.0.1</ip></origin>', node('r1', 8100), node('e1', 8101, 'o1'), '</loadbalancer>'));
    expect(err.message).toContain('conf/loadbalancing.xml:4');
    expect(err.message).toContain('loadbalancer/node[2]@parent');
    expect(err.message).toContain('"o1" is an <origin>');
  });

  test('parent on an <origin> is refused', () => {
    const err = errorOf(doc('<loadbalancer>', node('r1', 8100), '  <origin id="o1" parent="r1"><ip>127.0.0.1</ip></origin>', '</loadbalancer>'));
    expect(err.message).toContain('conf/loadbalancing.xml:3');
    expect(err.message).toContain('loadbalancer/origin[1]@parent');
  });

  test('a node that is its own parent', () => {
    const err = errorOf(doc('<loadbalancer>', node('r1', 8100, 'r1'), '</loadbalancer>'));
    expect(err.message).toContain('conf/loadbalancing.xml:2');
    expect(err.message).toContain('a loop: r1 -> r1');
  });

  test('a loop of 2', () => {
    const err = errorOf(doc('<loadbalancer>', node('r0', 8099), node('a', 8100, 'b'), node('b', 8101, 'a'), '</loadbalancer>'));
    expect(err.message).toContain('conf/loadbalancing.xml:3');
    expect(err.message).toContain('loadbalancer/node[2]@parent');
    expect(err.message).toContain('a loop: a -> b -> a');
  });

  test('a loop of 3, with a node hanging off it, reported at the loop', () => {
    const err = errorOf(doc('<loadbalancer>', node('x', 8099, 'b'), '', node('a', 8100, 'c'), node('b', 8101, 'a'), node('c', 8102, 'b'), '</loadbalancer>'));
    expect(err.message).toContain('conf/loadbalancing.xml:4');
    expect(err.message).toContain('loadbalancer/node[2]@parent');
    expect(err.message).toContain('a loop: a -> c -> b -> a');
  });

  test('a group: the first relay feeds the node, the next stand in, in order', () => {
    const config = parseLoadBalancing(doc('<loadbalancer>', node('r1', 8100), node('r2', 8101), node('e1', 8102, 'r1  r2'), '</loadbalancer>'), FILE);
    expect(config.nodes.find((n) => n.id === 'e1')).toMatchObject({ parent: 'r1', fallbacks: ['r2'] });
    expect('fallbacks' in config.nodes[0]).toBe(false);
  });

  test('a group naming an unknown node, an <origin>, or one relay twice, by line', () => {
    const unknown = errorOf(doc('<loadbalancer>', node('r1', 8100), node('e1', 8102, 'r1 r9'), '</loadbalancer>'));
    expect(unknown.message).toContain('conf/loadbalancing.xml:3');
    expect(unknown.message).toContain('loadbalancer/node[2]@parent');
    expect(unknown.message).toContain('no <node> with id "r9"');
    const origin = errorOf(
      doc('<loadbalancer>', '  <origin id="o1"><ip>127.0.0.1</ip></origin>', node('r1', 8100), node('e1', 8102, 'r1 o1'), '</loadbalancer>'),
    );
    expect(origin.message).toContain('"o1" is an <origin>');
    const twice = errorOf(doc('<loadbalancer>', node('r1', 8100), node('e1', 8102, 'r1 r1'), '</loadbalancer>'));
    expect(twice.message).toContain('"r1" appears twice in the group');
  });

  test('a loop through a fall-back relay of a group', () => {
    const err = errorOf(doc('<loadbalancer>', node('r1', 8100), node('a', 8101, 'r1 b'), node('b', 8102, 'a'), '</loadbalancer>'));
    expect(err.message).toContain('conf/loadbalancing.xml:3');
    expect(err.message).toContain('a loop: a -> b -> a');
  });

  test('an empty parent', () => {
    const err = errorOf(doc('<loadbalancer>', node('e1', 8102, ''), '</loadbalancer>'));
    expect(err.message).toContain('loadbalancer/node[1]@parent');
  });
});
