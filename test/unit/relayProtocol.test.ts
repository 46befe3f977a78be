// The relay channel's frames added for reconciliation and the heartbeat (src/cluster/relayProtocol.ts).
import { parseRelayRequest, relayDigestNotification, relayStreamClosedNotification } from '../../src/cluster/relayProtocol';

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

test('a relayDigest lists streams with their relay ids, names checked by the stream name rule', () => {
  expect(relayDigestNotification.safeParse({ streams: [] }).success).toBe(true);
  expect(relayDigestNotification.safeParse({ streams: [{ stream: 'cam', relayId: 'r1' }] }).success).toBe(true);
  expect(relayDigestNotification.safeParse({ streams: [{ stream: 'a/b', relayId: 'r1' }] }).success).toBe(false);
  expect(relayDigestNotification.safeParse({ streams: [{ stream: 'cam' }] }).success).toBe(false);
  expect(relayDigestNotification.safeParse({}).success).toBe(false);
});

test('relayStreamClosed may name the relay it is about', () => {
  expect(relayStreamClosedNotification.safeParse({ stream: 'cam', relayId: 'r1' }).success).toBe(true);
  expect(relayStreamClosedNotification.safeParse({ stream: 'cam' }).success).toBe(true);
});
