// The relay channel's frames added for reconciliation and the heartbeat (src/cluster/relayProtocol.ts).
import {
  parseRelayRequest,
  relayDigestNotification,
  relayHeldNotification,
  relayPipeClosedNotification,
  relayStreamClosedNotification,
} from '../../src/cluster/relayProtocol';

test('ping takes an empty object and nothing else', () => {
  expect(parseRelayRequest('ping', {})).toEqual({ method: 'ping', data: {} });
  expect(() => parseRelayRequest('ping', { extra: 1 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
});

test('relay commands take an optional relayId, and refuse a malformed one', () => {
  expect(parseRelayRequest('relayUnpublish', { stream: 'cam' }).data).toEqual({ stream: 'cam' });
  expect(parseRelayRequest('relayUnpublish', { stream: 'cam', relayId: 'r1' }).data).toEqual({ stream: 'cam', relayId: 'r1' });
  expect(() => parseRelayRequest('relayUnpublish', { stream: 'cam', relayId: '' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  expect(() => parseRelayRequest('relayProducerPause', { stream: 'cam', relayId: 'x'.repeat(65), producerId: 'p' })).toThrow(
    expect.objectContaining({ code: 'BAD_REQUEST' }),
  );
});

test('a relayDigest lists pipes, and streams with their relay and pipe ids, names checked by the stream name rule', () => {
  expect(relayDigestNotification.safeParse({ seq: 1, pipes: [], streams: [] }).success).toBe(true);
  expect(relayDigestNotification.safeParse({ seq: 2, pipes: ['p1'], streams: [{ stream: 'cam', relayId: 'r1', pipeId: 'p1' }] }).success).toBe(true);
  expect(relayDigestNotification.safeParse({ seq: 3, pipes: ['p1'], streams: [{ stream: 'a/b', relayId: 'r1', pipeId: 'p1' }] }).success).toBe(false);
  expect(relayDigestNotification.safeParse({ seq: 4, pipes: [], streams: [{ stream: 'cam', relayId: 'r1' }] }).success).toBe(false);
  expect(relayDigestNotification.safeParse({ seq: 5, streams: [] }).success).toBe(false);
  expect(relayDigestNotification.safeParse({ pipes: [], streams: [] }).success).toBe(false);
  expect(relayDigestNotification.safeParse({ seq: -1, pipes: [], streams: [] }).success).toBe(false);
  expect(relayDigestNotification.safeParse({ seq: 6, pipes: Array.from({ length: 1025 }, (_, i) => `p${i}`), streams: [] }).success).toBe(false);
  expect(relayDigestNotification.safeParse({}).success).toBe(false);
});

test('relayPipe carries a pipe id and a tuple; relayStream names its pipe and needs a relay id', () => {
  const srtpParameters = { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: 'x' };
  expect(parseRelayRequest('relayPipe', { pipeId: 'p1', ip: '10.0.0.1', port: 40000, srtpParameters }).data).toEqual({
    pipeId: 'p1',
    ip: '10.0.0.1',
    port: 40000,
    srtpParameters,
  });
  expect(() => parseRelayRequest('relayPipe', { ip: '10.0.0.1', port: 40000, srtpParameters })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  expect(() => parseRelayRequest('relayPipeClose', { pipeId: '' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  expect(parseRelayRequest('relayStream', { stream: 'cam', relayId: 'r1', pipeId: 'p1' }).data).toEqual({ stream: 'cam', relayId: 'r1', pipeId: 'p1' });
  expect(() => parseRelayRequest('relayStream', { stream: 'cam', pipeId: 'p1' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  // The tuple moved to relayPipe: the old form of relayStream is refused, not half understood.
  expect(() => parseRelayRequest('relayStream', { stream: 'cam', relayId: 'r1', pipeId: 'p1', ip: '10.0.0.1', port: 1, srtpParameters })).toThrow(
    expect.objectContaining({ code: 'BAD_REQUEST' }),
  );
  expect(relayHeldNotification.safeParse({ seq: 1, pipes: ['p1'], streams: [{ stream: 'cam', relayId: 'r1', pipeId: 'p1' }] }).success).toBe(true);
  expect(relayHeldNotification.safeParse({ seq: 1, pipes: ['p1'], streams: [{ stream: 'cam', relayId: 'r1', pipeId: 'p1', extra: 1 }] }).success).toBe(false);
  expect(relayPipeClosedNotification.safeParse({ pipeId: 'p1' }).success).toBe(true);
  expect(relayPipeClosedNotification.safeParse({ pipeId: 'p1', extra: 1 }).success).toBe(false);
});

test('relayStreamClosed may name the relay it is about', () => {
  expect(relayStreamClosedNotification.safeParse({ stream: 'cam', relayId: 'r1' }).success).toBe(true);
  expect(relayStreamClosedNotification.safeParse({ stream: 'cam' }).success).toBe(true);
});
