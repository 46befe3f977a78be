// Relay tiers, the pure decisions (src/cluster/tiers.ts), the takeover rule by rank
// (relayTakeover.ts) and the frames they add to the relay channel (relayProtocol.ts).
import {
  boundDescendants,
  descendantReport,
  type DescendantReport,
  loadNotification,
  MAX_DESCENDANT_ENTRIES,
  MAX_DESCENDANT_STREAMS,
  MAX_DESCENDANTS,
  upstreamNotification,
} from '../../src/cluster/relayProtocol';
import { ORIGIN_RANK, relayTakeover } from '../../src/cluster/relayTakeover';
import { childrenOf, feedRank, feedSet, handBack, isRelay, standbyOf } from '../../src/cluster/tiers';

// origin -> r1 -> (e1, m1 -> (e3)); origin -> r2 -> e2; origin -> solo
const nodes = [
  { id: 'r1' },
  { id: 'e1', parent: 'r1' },
  { id: 'm1', parent: 'r1' },
  { id: 'e3', parent: 'm1' },
  { id: 'r2' },
  { id: 'e2', parent: 'r2' },
  { id: 'solo' },
];

describe('the tree', () => {
  test("a feeder's children: the origin's are the nodes without parent", () => {
    expect(childrenOf(nodes, null)).toEqual(['r1', 'r2', 'solo']);
    expect(childrenOf(nodes, 'r1')).toEqual(['e1', 'm1']);
    expect(childrenOf(nodes, 'e1')).toEqual([]);
    expect(isRelay(nodes, 'm1')).toBe(true);
    expect(isRelay(nodes, 'e3')).toBe(false);
  });

  test('every relay up: each feeder links to its children only', () => {
    const none = () => false;
    expect(feedSet(nodes, null, none)).toEqual(['r1', 'r2', 'solo']);
    expect(feedSet(nodes, 'r1', none)).toEqual(['e1', 'm1']);
  });

  test("a lost relay's children are fed by its feeder, down a chain of lost relays", () => {
    expect(feedSet(nodes, null, (id) => id === 'r1')).toEqual(['r1', 'r2', 'solo', 'e1', 'm1']);
    expect(feedSet(nodes, null, (id) => id === 'r1' || id === 'm1')).toEqual(['r1', 'r2', 'solo', 'e1', 'm1', 'e3']);
    expect(feedSet(nodes, 'r1', (id) => id === 'm1')).toEqual(['e1', 'm1', 'e3']);
    // A lost leaf changes nothing (it feeds nobody).
    expect(feedSet(nodes, null, (id) => id === 'solo')).toEqual(['r1', 'r2', 'solo']);
  });

  test("rank: 0 for the node's parent, then up the chain, the origins last; null for a feeder not above it", () => {
    expect(feedRank(nodes, 'e3', 'm1')).toBe(0);
    expect(feedRank(nodes, 'e3', 'r1')).toBe(1);
    expect(feedRank(nodes, 'e3', null)).toBe(2);
    expect(feedRank(nodes, 'r1', null)).toBe(0);
    expect(feedRank(nodes, 'e3', 'r2')).toBeNull();
    expect(feedRank(nodes, 'e1', 'e1')).toBeNull();
  });

  test('hand back: once the relay holds there every stream the stand-in sent, or after the longest wait', () => {
    expect(handBack(['a', 'b'], null, 100, 10_000)).toBe(false);
    expect(handBack(['a', 'b'], new Set(['a']), 100, 10_000)).toBe(false);
    expect(handBack(['a', 'b'], new Set(['a', 'b', 'c']), 100, 10_000)).toBe(true);
    expect(handBack([], new Set(), 0, 10_000)).toBe(true);
    expect(handBack(['a'], null, 10_000, 10_000)).toBe(true);
  });
});

describe('groups of relays (parent="r1 r2")', () => {
  const grouped = [{ id: 'r1' }, { id: 'r2' }, { id: 'e1', parent: 'r1', fallbacks: ['r2'] }, { id: 'e2', parent: 'r1' }];

  test('the first relay feeds the node; a fall-back keeps a standby link to it; both are relays', () => {
    expect(feedSet(grouped, 'r1', () => false)).toEqual(['e1', 'e2']);
    expect(feedSet(grouped, 'r2', () => false)).toEqual(['e1']);
    expect(standbyOf(grouped, 'r2')).toEqual(['e1']);
    expect(isRelay(grouped, 'r2')).toBe(true);
  });

  test('a lost first relay: its feeder stands in only for the nodes without fall-backs', () => {
    expect(feedSet(grouped, null, (id) => id === 'r1')).toEqual(['r1', 'r2', 'e2']);
  });

  test("rank: the group in order, then up the first relay's chain, the origins last", () => {
    expect(feedRank(grouped, 'e1', 'r1')).toBe(0);
    expect(feedRank(grouped, 'e1', 'r2')).toBe(1);
    expect(feedRank(grouped, 'e1', null)).toBe(2);
    expect(feedRank(grouped, 'e2', null)).toBe(1);
  });
});

describe('takeover by rank', () => {
  test('a nearer feeder takes the name even from an up holder (a relay back from its stand-in); a farther one waits, then is refused', () => {
    expect(relayTakeover({ originId: 'origin', holder: 'up', rank: 1 }, 'r1', false, 0)).toBe('take');
    expect(relayTakeover({ originId: 'r1', holder: 'up', rank: 0 }, 'origin', false, 1)).toBe('wait');
    expect(relayTakeover({ originId: 'r1', holder: 'up', rank: 0 }, 'origin', true, 1)).toBe('refuse');
    // The stand-in takes a lost relay's stream as any feeder takes one in grace.
    expect(relayTakeover({ originId: 'r1', holder: 'in-grace', rank: 0 }, 'origin', false, 1)).toBe('take');
  });

  test('feeders of one rank (origins, or ones that do not say) keep the rule of origin failover', () => {
    expect(relayTakeover({ originId: 'A', holder: 'up' }, 'B', false)).toBe('wait');
    expect(relayTakeover({ originId: 'A', holder: 'up', rank: 2 }, 'B', true, 2)).toBe('refuse');
    expect(relayTakeover({ originId: 'A', holder: 'up', rank: ORIGIN_RANK }, 'B', true)).toBe('refuse');
    expect(relayTakeover({ originId: 'A', holder: 'up', rank: 0 }, 'A', false, 0)).toBe('refuse');
  });
});

describe('relay channel frames', () => {
  const report: DescendantReport = { id: 'e1', via: 'r1', players: 3, cpuLoad: 0.2, connections: 4, streams: { cam: 3 }, held: { cam: 'pushed' } };

  test('upstream carries a non-negative integer rank and nothing else', () => {
    expect(upstreamNotification.safeParse({ rank: 0 }).success).toBe(true);
    expect(upstreamNotification.safeParse({ rank: -1 }).success).toBe(false);
    expect(upstreamNotification.safeParse({ rank: 1.5 }).success).toBe(false);
    expect(upstreamNotification.safeParse({ rank: 1, extra: true }).success).toBe(false);
  });

  test("a relay's load report lists the nodes below it, each checked", () => {
    expect(loadNotification.safeParse({ players: 0, cpuLoad: 0, descendants: [report] }).success).toBe(true);
    expect(descendantReport.safeParse({ ...report, held: { cam: 'copied' } }).success).toBe(false);
    expect(descendantReport.safeParse({ ...report, held: { 'a/b': 'pushed' } }).success).toBe(false);
    expect(descendantReport.safeParse({ ...report, via: '' }).success).toBe(false);
    const { via: _via, ...withoutVia } = report;
    expect(descendantReport.safeParse(withoutVia).success).toBe(false);
    const many = Array.from({ length: MAX_DESCENDANTS + 1 }, (_, i) => ({ ...report, id: `e${i}` }));
    expect(loadNotification.safeParse({ players: 0, cpuLoad: 0, descendants: many }).success).toBe(false);
    const streams = Object.fromEntries(Array.from({ length: MAX_DESCENDANT_STREAMS + 1 }, (_, i) => [`s${i}`, 1]));
    expect(descendantReport.safeParse({ ...report, streams }).success).toBe(false);
  });

  test('a relay bounds what it reports of a big tree, so the origin never refuses the report; the most watched streams stay', () => {
    const names = Array.from({ length: 800 }, (_, i) => `s${i}`);
    const big = Array.from({ length: MAX_DESCENDANTS + 50 }, (_, i) => ({
      ...report,
      id: `n${i}`,
      streams: Object.fromEntries(names.map((s, j) => [s, j])),
      held: Object.fromEntries(names.map((s) => [s, 'pushed' as const])),
    }));
    const bounded = boundDescendants(big);
    expect(bounded).toHaveLength(MAX_DESCENDANTS);
    expect(loadNotification.safeParse({ players: 0, cpuLoad: 0, descendants: bounded }).success).toBe(true);
    const entries = bounded.reduce((n, d) => n + Object.keys(d.streams).length + Object.keys(d.held).length, 0);
    expect(entries).toBeLessThanOrEqual(MAX_DESCENDANT_ENTRIES);
    expect(JSON.stringify(bounded).length).toBeLessThan(1024 * 1024);
    // The first node keeps the streams with the most players, and holds what it lists as watched.
    expect(Object.keys(bounded[0].streams)).toContain('s799');
    expect(Object.keys(bounded[0].streams)).not.toContain('s0');
    expect(Object.keys(bounded[0].held).sort()).toEqual(Object.keys(bounded[0].streams).sort());
    // A small tree passes as it is.
    expect(boundDescendants([report])).toEqual([report]);
  });
});
