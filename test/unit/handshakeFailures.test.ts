// Failed relay handshakes per address (src/cluster/handshakeFailures.ts): counted in windows,
// refused over the limit, reported as one summary per address per window.
import { HandshakeFailures } from '../../src/cluster/handshakeFailures';

test('the first failure of a window is reported alone, the rest in the summary', () => {
  const f = new HandshakeFailures({ windowMs: 10_000, maxFailures: 10 });
  expect(f.record('1.2.3.4', 0)).toEqual({ first: true });
  for (let i = 1; i < 5; i++) expect(f.record('1.2.3.4', i)).toEqual({ first: false });
  expect(f.record('5.6.7.8', 5)).toEqual({ first: true });
  expect(f.drain(100)).toEqual([{ address: '1.2.3.4', count: 5, unreported: 4 }]);
  // Nothing new: nothing to say.
  expect(f.drain(200)).toEqual([]);
});

test('an address over the limit is blocked until its window ends', () => {
  const f = new HandshakeFailures({ windowMs: 10_000, maxFailures: 3 });
  for (let i = 0; i < 3; i++) f.record('9.9.9.9', i);
  expect(f.blocked('9.9.9.9', 100)).toBe(true);
  expect(f.blocked('8.8.8.8', 100)).toBe(false);
  expect(f.blocked('9.9.9.9', 10_001)).toBe(false);
});

test('windows that ended are forgotten once drained, so memory does not grow with addresses', () => {
  const f = new HandshakeFailures({ windowMs: 1000, maxFailures: 3 });
  for (let i = 0; i < 100; i++) f.record(`10.0.0.${i}`, 0);
  expect(f.size).toBe(100);
  f.drain(1000);
  expect(f.size).toBe(0);
});
