// Which relay failures are retried, and after how long.
import { ERROR_CODES } from '../../src/errors';
import { isPermanent, PERMANENT_EDGE_CODES, RELAY_RETRY_MAX_MS, relayRetryBackoff } from '../../src/cluster/relayRetry';

describe('permanent failures', () => {
  test.each(['BAD_REQUEST', 'UNKNOWN_COMMAND', 'CANNOT_CONSUME'] as const)('the edge answering %s is permanent: waiting cannot change it', (code) => {
    expect(isPermanent({ code, message: 'x', where: 'edge' })).toBe(true);
  });

  test.each(['STREAM_NAME_TAKEN', 'TIMEOUT', 'MEDIA_UNAVAILABLE', 'NODE_CLOSING', 'INTERNAL', 'STREAM_NOT_FOUND'] as const)(
    'the edge answering %s is retried: the cause can pass',
    (code) => {
      expect(isPermanent({ code, message: 'x', where: 'edge' })).toBe(false);
    },
  );

  test('a failure here on the origin is always retried, whatever its code', () => {
    for (const code of ERROR_CODES) expect(isPermanent({ code, message: 'pipe failed', where: 'origin' })).toBe(false);
  });

  test('the permanent codes are codes of the error registry', () => {
    for (const code of PERMANENT_EDGE_CODES) expect(ERROR_CODES).toContain(code);
  });
});

describe('back-off', () => {
  test('retries back off 2 s, 4 s, 8 s, 16 s, then 30 s for ever (before jitter, test/unit/jitter.test.ts)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((a) => relayRetryBackoff(a))).toEqual([2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  });

  test('a huge or odd attempt number still gives a sane delay', () => {
    expect(relayRetryBackoff(10_000)).toBe(RELAY_RETRY_MAX_MS);
    expect(relayRetryBackoff(Number.POSITIVE_INFINITY)).toBe(RELAY_RETRY_MAX_MS);
    expect(relayRetryBackoff(-1)).toBe(2000);
    expect(relayRetryBackoff(Number.NaN)).toBe(2000);
  });
});
