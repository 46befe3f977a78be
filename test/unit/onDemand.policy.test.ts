// The pure parts of on-demand edges: the concentration rule (concentration.ts), when a pulled
// stream is released (linger.ts), and loadbalancing.xml's `distribution` attribute.
import { ConfigError } from '../../src/config/errors';
import { parseLoadBalancing } from '../../src/config/loadbalancing';
import { concentrate, type StreamCandidate } from '../../src/cluster/concentration';
import { lingerStep, PULL_GRACE_MS, pulledNow } from '../../src/cluster/linger';

const edge = (id: string, holds: boolean, streamPlayers: number, players = streamPlayers): StreamCandidate => ({
  id,
  holds,
  streamPlayers,
  players,
  cpuLoad: 0,
});

describe('concentrate', () => {
  test('fills an edge that holds the stream before starting it on another', () => {
    const edges = [edge('a', false, 0, 0), edge('b', true, 3, 40), edge('c', false, 0, 0)];
    expect(concentrate('FEWESTCALLS', edges, 10, { next: 0 })).toEqual({ choice: edges[1], start: false });
  });

  test('an edge whose relay is on its way counts as holding it (a burst of players waits for one relay)', () => {
    const edges = [edge('a', false, 0), edge('b', true, 0)];
    expect(concentrate('ROUNDROBIN', edges, 2, { next: 0 })!.choice.id).toBe('b');
  });

  test('at the threshold on every holder, starts the stream on another edge chosen by the mode', () => {
    const edges = [edge('a', true, 2, 2), edge('b', false, 0, 9), edge('c', false, 0, 1)];
    expect(concentrate('FEWESTCALLS', edges, 2, { next: 0 })).toEqual({ choice: edges[2], start: true });
    const state = { next: 0 };
    expect(concentrate('ROUNDROBIN', edges, 2, state)!.choice.id).toBe('b');
    expect(concentrate('ROUNDROBIN', edges, 2, state)!.choice.id).toBe('c');
  });

  test('among holders below the threshold, the mode chooses', () => {
    const edges = [edge('a', true, 1, 50), edge('b', true, 1, 5)];
    expect(concentrate('FEWESTCALLS', edges, 10, { next: 0 })!.choice.id).toBe('b');
  });

  test('every edge holds it and is past the threshold: the holder with the fewest players of the stream', () => {
    const edges = [edge('a', true, 7), edge('b', true, 5), edge('c', true, 6)];
    expect(concentrate('ROUNDROBIN', edges, 5, { next: 0 })).toEqual({ choice: edges[1], start: false });
  });

  test('a cold stream goes to one edge; no edge at all is null', () => {
    expect(concentrate('FEWESTCALLS', [edge('a', false, 0, 3), edge('b', false, 0, 1)], 5, { next: 0 })).toEqual({
      choice: edge('b', false, 0, 1),
      start: true,
    });
    expect(concentrate('FEWESTCALLS', [], 5, { next: 0 })).toBeNull();
  });
});

describe('lingerStep', () => {
  const LINGER = 1000;

  test('a stream with players is kept, and its idle clock reset', () => {
    const step = lingerStep({ pulledAt: 0, idleSince: 500, arrived: true }, 2, 10_000, LINGER);
    expect(step).toEqual({ state: { pulledAt: 0, idleSince: null, arrived: true }, release: false });
  });

  test('released once the reports have shown no player for the linger time', () => {
    let state = { pulledAt: 0, idleSince: null, arrived: true } as ReturnType<typeof pulledNow>;
    const first = lingerStep(state, 0, 100, LINGER);
    expect(first.release).toBe(false);
    state = first.state;
    expect(lingerStep(state, 0, 100 + LINGER - 1, LINGER).release).toBe(false);
    expect(lingerStep(state, 0, 100 + LINGER, LINGER).release).toBe(true);
  });

  test('a pull whose player never showed up is kept PULL_GRACE_MS, even with no linger', () => {
    const state = lingerStep(pulledNow(0), 0, 10, 0).state;
    expect(lingerStep(state, 0, PULL_GRACE_MS - 1, 0).release).toBe(false);
    expect(lingerStep(state, 0, PULL_GRACE_MS, 0).release).toBe(true);
  });

  test('once its player arrived, the grace no longer holds the stream', () => {
    const seen = lingerStep(pulledNow(0), 1, 100, LINGER).state;
    const idle = lingerStep(seen, 0, 200, LINGER).state;
    expect(lingerStep(idle, 0, 200 + LINGER, LINGER).release).toBe(true);
  });
});

describe('loadbalancing.xml distribution', () => {
  const xml = (root: string, cluster: string) =>
    [
      `<loadbalancer${root}>`,
      '  <node id="a"><ip>10.0.0.1</ip></node>',
      `  <cluster name="eu"${cluster}>`,
      '    <node id="b"><ip>10.0.0.2</ip></node>',
      '  </cluster>',
      '</loadbalancer>',
    ].join('\n');
  const distributions = (text: string) => parseLoadBalancing(text, 'lb.xml').nodes.map((n) => n.distribution);

  test('push by default; <loadbalancer> sets it for every cluster, a <cluster> for its own nodes', () => {
    expect(distributions(xml('', ''))).toEqual(['push', 'push']);
    expect(distributions(xml(' distribution="on_demand"', ''))).toEqual(['on_demand', 'on_demand']);
    expect(distributions(xml('', ' distribution="ON_DEMAND"'))).toEqual(['push', 'on_demand']);
    expect(distributions(xml(' distribution="on_demand"', ' distribution="push"'))).toEqual(['on_demand', 'push']);
  });

  test('a bad value names file, line and attribute', () => {
    const refused = (text: string) => {
      try {
        parseLoadBalancing(text, 'lb.xml');
      } catch (err) {
        if (err instanceof ConfigError) return err;
      }
      throw new Error('expected a ConfigError');
    };
    const root = refused(xml(' distribution="pull"', ''));
    expect(root.message).toBe('lb.xml:1: loadbalancer@distribution: "pull" is not one of push, on_demand');
    const cluster = refused(xml('', ' distribution="ondemand"'));
    expect([cluster.line, cluster.key]).toEqual([3, 'loadbalancer/cluster[1]@distribution']);
    expect(() => parseLoadBalancing(xml(' distributon="push"', ''), 'lb.xml')).toThrow(/did you mean "distribution"/);
  });
});
