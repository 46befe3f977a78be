// The pure logic of the per-client limits: token bucket, frame gate, session caps, per-address
// counts, the log throttle, and the classification helpers the ways in use.
import { AddressCounter, normalizeAddress } from '../../src/limits/AddressCounter';
import { ClientLogThrottle } from '../../src/limits/ClientLogThrottle';
import { RequestGate } from '../../src/limits/RequestGate';
import { SessionCaps } from '../../src/limits/SessionCaps';
import { TokenBucket } from '../../src/limits/TokenBucket';
import { usedRtpIds } from '../../src/streams/rtpIds';
import { clientErrorStatus } from '../../src/http/HttpServer';
import { clientCaused } from '../../src/media/mediasoupLogs';

describe('TokenBucket', () => {
  test('gives its burst at once, then one token per 1/rate seconds', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(50)).toBe(false); // half a token
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
  });

  test('never holds more than its burst, however long it rests', () => {
    const bucket = new TokenBucket(1000, 2, 0);
    expect([bucket.take(1e9), bucket.take(1e9), bucket.take(1e9)]).toEqual([true, true, false]);
  });

  test('a clock going backwards refills nothing', () => {
    const bucket = new TokenBucket(10, 1, 1000);
    expect(bucket.take(1000)).toBe(true);
    expect(bucket.take(0)).toBe(false);
  });
});

describe('RequestGate', () => {
  test('refuses frames over the rate and closes after closeAfter refusals in one window', () => {
    const gate = new RequestGate({ ratePerSecond: 1, burst: 2, closeAfter: 3, windowMs: 10_000 }, 0);
    expect([gate.admit(0), gate.admit(0), gate.admit(0), gate.admit(0), gate.admit(0)]).toEqual(['accept', 'accept', 'refuse', 'refuse', 'close']);
  });

  test('a client that slows down after being refused is not closed', () => {
    const gate = new RequestGate({ ratePerSecond: 1, burst: 1, closeAfter: 3, windowMs: 1000 }, 0);
    expect([gate.admit(0), gate.admit(0), gate.admit(0)]).toEqual(['accept', 'refuse', 'refuse']);
    // A new window: the refusal count starts again; a token is back after a second.
    expect(gate.admit(1000)).toBe('accept');
    expect([gate.admit(1000), gate.admit(1000)]).toEqual(['refuse', 'refuse']);
  });
});

describe('SessionCaps', () => {
  test('refuses a publish beyond the cap with LIMIT_REACHED naming the key, and a released slot is usable again', () => {
    const caps = new SessionCaps({ publishes: 2, plays: 5, transports: 10 });
    const a = caps.reserve('publish');
    caps.reserve('publish');
    expect(() => caps.reserve('publish')).toThrow(
      expect.objectContaining({ code: 'LIMIT_REACHED', message: expect.stringContaining('limits.session.publishes') }),
    );
    a();
    a(); // idempotent: frees one slot, not two
    caps.reserve('publish');
    expect(() => caps.reserve('publish')).toThrow(expect.objectContaining({ code: 'LIMIT_REACHED' }));
  });

  test('counts publishes and plays together against the transport cap', () => {
    const caps = new SessionCaps({ publishes: 5, plays: 5, transports: 3 });
    caps.reserve('publish');
    caps.reserve('play');
    caps.reserve('play');
    expect(caps.transports).toBe(3);
    expect(() => caps.reserve('play')).toThrow(
      expect.objectContaining({ code: 'LIMIT_REACHED', message: expect.stringContaining('limits.session.transports') }),
    );
  });
});

describe('AddressCounter', () => {
  test('caps each address on its own and frees a slot once per release', () => {
    const counter = new AddressCounter(2, []);
    const r1 = counter.acquire('10.0.0.1')!;
    expect(counter.acquire('10.0.0.1')).not.toBeNull();
    expect(counter.acquire('10.0.0.1')).toBeNull();
    expect(counter.acquire('10.0.0.2')).not.toBeNull();
    r1();
    r1();
    expect(counter.count('10.0.0.1')).toBe(1);
  });

  test('counts an IPv4-mapped IPv6 address as its IPv4 address, and leaves exempt addresses uncounted', () => {
    expect(normalizeAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('::1')).toBe('::1');
    const counter = new AddressCounter(1, ['127.0.0.1']);
    expect(counter.acquire('10.0.0.1')).not.toBeNull();
    expect(counter.acquire('::ffff:10.0.0.1')).toBeNull();
    for (let i = 0; i < 5; i++) expect(counter.acquire('::ffff:127.0.0.1')).not.toBeNull();
  });
});

describe('ClientLogThrottle', () => {
  test('lets perWindow lines through per address, counts the rest, and starts over on flush', () => {
    const throttle = new ClientLogThrottle(2);
    expect([throttle.admit('a'), throttle.admit('a'), throttle.admit('a'), throttle.admit('a'), throttle.admit('b')]).toEqual([true, true, false, false, true]);
    expect(throttle.flush()).toEqual([{ address: 'a', suppressed: 2 }]);
    expect(throttle.admit('a')).toBe(true);
    expect(throttle.flush()).toEqual([]);
  });
});

describe('classification helpers', () => {
  test('usedRtpIds lists SSRCs (RTX too), MID and RIDs, skipping what is not of the right type', () => {
    const ids = usedRtpIds([{ mid: '0', codecs: [], encodings: [{ ssrc: 1, rtx: { ssrc: 2 } }, { rid: 'h' }, null, 'x'] }] as never);
    expect(ids).toEqual(['mid "0"', 'ssrc 1', 'ssrc 2', 'rid "h"']);
    expect(usedRtpIds([{ encodings: 'nope' }] as never)).toEqual([]);
  });

  test('requests the HTTP parser refuses get 431 for oversized headers, 408 for slow ones, 400 otherwise', () => {
    expect(clientErrorStatus('HPE_HEADER_OVERFLOW')).toBe(431);
    expect(clientErrorStatus('ERR_HTTP_REQUEST_TIMEOUT')).toBe(408);
    expect(clientErrorStatus('HPE_INVALID_METHOD')).toBe(400);
    expect(clientErrorStatus(undefined)).toBe(400);
  });

  test('mediasoup error lines a client causes are told apart from the others', () => {
    expect(clientCaused("[pid:1 Utils::IP::NormalizeIp() | throwing MediaSoupTypeError: invalid IP 'x'")).toBe(true);
    expect(clientCaused('[pid:1 RTC::PlainTransport::HandleRequest() | throwing MediaSoupError: connect() already called')).toBe(true);
    expect(clientCaused('canConsume() | unexpected error: TypeError: caps.codecs is not an array')).toBe(true);
    expect(clientCaused('Producer Channel error: Error: write EPIPE')).toBe(false);
  });
});
