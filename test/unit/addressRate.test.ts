import { AddressRate } from '../../src/limits/AddressRate';

test('each address has its own bucket; exempt addresses are never limited', () => {
  const rate = new AddressRate({ ratePerSecond: 2, burst: 3, exempt: ['127.0.0.1'] }, 0);
  expect([1, 2, 3, 4].map(() => rate.admit('10.0.0.1', 0))).toEqual([true, true, true, false]);
  expect(rate.admit('10.0.0.2', 0)).toBe(true);
  for (let i = 0; i < 100; i++) expect(rate.admit('127.0.0.1', 0)).toBe(true);
  // Refilled at 2 per second.
  expect(rate.admit('10.0.0.1', 500)).toBe(true);
  expect(rate.admit('10.0.0.1', 500)).toBe(false);
});

test('idle addresses are forgotten, and beyond the cap new addresses share one bucket', () => {
  const rate = new AddressRate({ ratePerSecond: 10, burst: 10, exempt: [], maxAddresses: 3 }, 0);
  for (const a of ['a', 'b', 'c']) rate.admit(a, 0);
  expect(rate.size).toBe(3);
  // Over the cap: d and e draw from the same overflow bucket of 10.
  const shared = Array.from({ length: 12 }, (_, i) => rate.admit(i % 2 ? 'd' : 'e', 0)).filter(Boolean).length;
  expect(shared).toBe(10);
  expect(rate.size).toBe(3);
  // A second later the buckets have refilled: forgotten on the next admit.
  rate.admit('f', 1000);
  expect(rate.size).toBe(1);
});
