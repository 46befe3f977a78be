// getRemoteBitrate(): bits/s a player received between two samples of its stats
// (src/client/wcs/bitrateSampler.ts; docs/wcs-migration.md: "bits/s this player received over the
// last second").
import { bitsPerSecond } from '../../src/client/wcs/bitrateSampler';

describe('bitsPerSecond', () => {
  test('bytes over the window, as bits per second', () => {
    expect(bitsPerSecond({ at: 1000, bytes: 0 }, { at: 2000, bytes: 125_000 })).toBe(1_000_000);
    expect(bitsPerSecond({ at: 5000, bytes: 10_000 }, { at: 5500, bytes: 72_500 })).toBe(1_000_000);
  });

  test('a timer firing late or early still gives the rate, rounded to a whole bit/s', () => {
    // 1000 bytes in 1.003 s: 7976.07... bits/s.
    expect(bitsPerSecond({ at: 0, bytes: 0 }, { at: 1003, bytes: 1000 })).toBe(7976);
    expect(bitsPerSecond({ at: 0, bytes: 0 }, { at: 999.5, bytes: 1000 })).toBe(8004);
  });

  test('nothing received is 0, not unknown', () => {
    expect(bitsPerSecond({ at: 1000, bytes: 4242 }, { at: 2000, bytes: 4242 })).toBe(0);
  });

  test('a zero-length window, or one going back in time, gives no figure', () => {
    expect(bitsPerSecond({ at: 1000, bytes: 0 }, { at: 1000, bytes: 5000 })).toBeNull();
    expect(bitsPerSecond({ at: 2000, bytes: 0 }, { at: 1000, bytes: 5000 })).toBeNull();
  });
});
