import { type Claim, compareClaims, decidePublish, winner } from '../../src/cluster/claims';

const claim = (originId: string, gen: number, at: number): Claim => ({ stream: 's', originId, gen, at });

describe('compareClaims', () => {
  test('the higher gen wins, whatever the time and the id', () => {
    expect(compareClaims(claim('z', 2, 500), claim('a', 1, 100))).toBeLessThan(0);
    expect(compareClaims(claim('a', 1, 100), claim('z', 2, 500))).toBeGreaterThan(0);
  });

  test('on equal gens the earlier claim wins, then the lower origin id', () => {
    expect(compareClaims(claim('b', 1, 100), claim('a', 1, 101))).toBeLessThan(0);
    expect(compareClaims(claim('b', 1, 100), claim('a', 1, 100))).toBeGreaterThan(0);
    expect(compareClaims(claim('a', 1, 100), claim('a', 1, 100))).toBe(0);
  });

  test('it is an order: antisymmetric, and every node picks the same winner whatever order it hears the claims in', () => {
    const claims = [claim('o2', 1, 10), claim('o1', 1, 10), claim('o3', 2, 99), claim('o1', 2, 99), claim('o0', 1, 5)];
    for (const a of claims) for (const b of claims) expect(Math.sign(compareClaims(a, b)) || 0).toBe(0 - Math.sign(compareClaims(b, a)) || 0);
    const expected = claim('o1', 2, 99);
    const orders = [claims, [...claims].reverse(), [claims[2], claims[0], claims[3], claims[4], claims[1]]];
    for (const order of orders) expect(winner(order)).toEqual(expected);
    expect(winner([])).toBeNull();
  });
});

describe('decidePublish', () => {
  test('a name nobody holds: a fresh claim, gen 1', () => {
    expect(decidePublish([])).toEqual({ ok: true, gen: 1 });
  });

  test('a peer whose link is up holds it: refused, naming that claim', () => {
    expect(decidePublish([{ claim: claim('o2', 3, 1), up: true }])).toEqual({ ok: false, holder: claim('o2', 3, 1) });
    // Up beats down, whatever the gens.
    expect(
      decidePublish([
        { claim: claim('o2', 7, 1), up: false },
        { claim: claim('o3', 1, 1), up: true },
      ]),
    ).toEqual({ ok: false, holder: claim('o3', 1, 1) });
  });

  test('only peers whose links are down hold it: a takeover, one gen above the highest', () => {
    expect(decidePublish([{ claim: claim('o2', 1, 1), up: false }])).toEqual({ ok: true, gen: 2 });
    expect(
      decidePublish([
        { claim: claim('o2', 4, 1), up: false },
        { claim: claim('o3', 2, 1), up: false },
      ]),
    ).toEqual({ ok: true, gen: 5 });
  });

  test('a takeover claim beats the dead holder’s when it comes back, even though it is later', () => {
    const old = claim('o1', 1, 1000);
    const decision = decidePublish([{ claim: old, up: false }]);
    if (!decision.ok) throw new Error('refused');
    expect(winner([old, claim('o2', decision.gen, 9000)])?.originId).toBe('o2');
  });
});
