// The jitter of every back-off (src/client/jitter.ts): within [delay/2, delay], spread by the random source.
import { equalJitter } from '../../src/client/jitter';
import { relayRetryDelay } from '../../src/cluster/relayRetry';

describe('equal jitter', () => {
  test('half the delay is fixed, the other half drawn: the bounds come from the random source', () => {
    expect(equalJitter(1000, () => 0)).toBe(500);
    expect(equalJitter(1000, () => 0.5)).toBe(750);
    expect(equalJitter(1000, () => 0.999999)).toBe(1000);
  });

  test('a random source out of range is clamped: never below half, never above the delay', () => {
    expect(equalJitter(1000, () => -3)).toBe(500);
    expect(equalJitter(1000, () => 7)).toBe(1000);
    expect(equalJitter(1000, () => Number.NaN)).toBe(500);
  });

  test('no delay, a negative or odd one gives 0, not NaN', () => {
    expect(equalJitter(0)).toBe(0);
    expect(equalJitter(-5)).toBe(0);
    expect(equalJitter(Number.NaN)).toBe(0);
    expect(equalJitter(Number.POSITIVE_INFINITY)).toBe(0);
  });

  test('with Math.random, a crowd of retries spreads over the upper half instead of firing together', () => {
    const delays = Array.from({ length: 2000 }, () => equalJitter(2000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2000);
    // 2000 draws over 1001 possible values: far more than a handful of distinct moments.
    expect(new Set(delays).size).toBeGreaterThan(400);
    const lowHalf = delays.filter((d) => d < 1500).length;
    expect(lowHalf).toBeGreaterThan(800);
    expect(lowHalf).toBeLessThan(1200);
  });

  test('relay retries are jittered: the same attempt waits between half and all of its back-off', () => {
    expect(relayRetryDelay(0, () => 0)).toBe(1000);
    expect(relayRetryDelay(0, () => 0.999999)).toBe(2000);
    expect(relayRetryDelay(3, () => 0)).toBe(8000);
    expect(relayRetryDelay(50, () => 0.999999)).toBe(30000);
  });
});
