import { type Candidate, selectEdge } from '../../src/cluster/selection';

const edges: Candidate[] = [
  { id: 'a', players: 5, cpuLoad: 0.5 },
  { id: 'b', players: 1, cpuLoad: 0.9 },
  { id: 'c', players: 3, cpuLoad: 0.1 },
];

test('no candidates means no choice, in every mode', () => {
  for (const mode of ['ROUNDROBIN', 'FEWESTCALLS', 'RANDOM', 'LESS_LOADED_NODE'] as const) {
    expect(selectEdge(mode, [], { next: 0 })).toBeNull();
  }
});

test('round robin walks the candidates in order and wraps around', () => {
  const state = { next: 0 };
  const ids = Array.from({ length: 7 }, () => selectEdge('ROUNDROBIN', edges, state)!.id);
  expect(ids).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
});

test('round robin keeps alternating when the candidate list shrinks', () => {
  const state = { next: 0 };
  const two = edges.slice(0, 2);
  expect([0, 1, 2, 3].map(() => selectEdge('ROUNDROBIN', two, state)!.id)).toEqual(['a', 'b', 'a', 'b']);
});

test('fewest calls picks the edge with the fewest players, ties to the first listed', () => {
  expect(selectEdge('FEWESTCALLS', edges, { next: 0 })!.id).toBe('b');
  expect(selectEdge('FEWESTCALLS', [{ ...edges[0], players: 1 }, edges[1]], { next: 0 })!.id).toBe('a');
});

test('less loaded node picks the lowest reported CPU load', () => {
  expect(selectEdge('LESS_LOADED_NODE', edges, { next: 0 })!.id).toBe('c');
});

test('random maps the random number onto the candidates, including the edges of [0, 1)', () => {
  expect(selectEdge('RANDOM', edges, { next: 0 }, () => 0)!.id).toBe('a');
  expect(selectEdge('RANDOM', edges, { next: 0 }, () => 0.5)!.id).toBe('b');
  expect(selectEdge('RANDOM', edges, { next: 0 }, () => 0.9999999)!.id).toBe('c');
});
