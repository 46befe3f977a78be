// The relay channel's frames for stream events and publishers (issue 20) are validated like every
// other frame: a bad one is refused with a reason, never passed on.
import { MAX_STREAM_EVENT_BYTES } from '../../src/config/propertiesSchema';
import {
  originInfoNotification,
  parseOriginRequest,
  relayEventsHeldNotification,
  relayStreamEventNotification,
  relayStreamStateNotification,
} from '../../src/cluster/relayProtocol';
import { parseClientRequest } from '../../src/signaling/protocol';

const event = { stream: 'cam', relayId: 'r1', seq: 1, type: 'data', payload: { caption: 'hi' } };

test('relayStreamEvent: a numbered event of a known type with a JSON payload within the ceiling every node takes', () => {
  expect(relayStreamEventNotification.safeParse(event).success).toBe(true);
  expect(relayStreamEventNotification.safeParse({ ...event, type: 'audioMuted', payload: { streamName: 'cam' } }).success).toBe(true);
  for (const bad of [
    { ...event, seq: 0 },
    { ...event, seq: 1.5 },
    { ...event, type: 'snapshot' },
    { ...event, stream: 'a/b' },
    { ...event, extra: true },
    { ...event, payload: 'x'.repeat(MAX_STREAM_EVENT_BYTES) },
    { stream: 'cam', relayId: 'r1', seq: 1, type: 'data' },
  ]) {
    expect(relayStreamEventNotification.safeParse(bad).success).toBe(false);
  }
  expect(relayStreamEventNotification.safeParse({ ...event, payload: 'x'.repeat(MAX_STREAM_EVENT_BYTES - 2) }).success).toBe(true);
});

test('relayStreamState and relayEventsHeld carry numbers and booleans only', () => {
  expect(relayStreamStateNotification.safeParse({ stream: 'cam', relayId: 'r1', seq: 0, audioMuted: true, videoMuted: false }).success).toBe(true);
  expect(relayStreamStateNotification.safeParse({ stream: 'cam', relayId: 'r1', seq: -1, audioMuted: true, videoMuted: false }).success).toBe(false);
  expect(relayStreamStateNotification.safeParse({ stream: 'cam', relayId: 'r1', seq: 3, audioMuted: 'yes', videoMuted: false }).success).toBe(false);
  expect(relayEventsHeldNotification.safeParse({ seq: 4, relays: [{ relayId: 'r1', eventSeq: 9 }] }).success).toBe(true);
  expect(relayEventsHeldNotification.safeParse({ seq: 4, relays: [{ relayId: 'r1' }] }).success).toBe(false);
});

test("originInfo: the origin's command-channel and HTTP URLs, nothing else", () => {
  const info = {
    url: 'ws://10.0.0.1:8080/',
    httpBase: 'http://10.0.0.1:8080',
    secureUrl: 'wss://o.example:8443/cdn/',
    secureHttpBase: 'https://o.example:8443/cdn',
  };
  expect(originInfoNotification.safeParse(info).success).toBe(true);
  expect(originInfoNotification.safeParse({ ...info, url: 'http://10.0.0.1:8080/' }).success).toBe(false);
  expect(originInfoNotification.safeParse({ ...info, httpBase: 'javascript:alert(1)' }).success).toBe(false);
  expect(originInfoNotification.safeParse({ ...info, url: 'ws://a b/' }).success).toBe(false);
});

test('an edge may ask its origin sendStreamEvent and pullStream only, well formed', () => {
  expect(parseOriginRequest('pullStream', { stream: 'cam' })).toEqual({ method: 'pullStream', data: { stream: 'cam' } });
  expect(() => parseOriginRequest('pullStream', { stream: 'cam', edge: 'e1' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  expect(() => parseOriginRequest('pullStream', { stream: '' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  expect(parseOriginRequest('sendStreamEvent', { stream: 'cam', payload: [1, 2] })).toEqual({
    method: 'sendStreamEvent',
    data: { stream: 'cam', payload: [1, 2] },
  });
  expect(() => parseOriginRequest('relayStream', { stream: 'cam' })).toThrow(expect.objectContaining({ code: 'UNKNOWN_COMMAND' }));
  expect(() => parseOriginRequest('sendStreamEvent', { stream: 'cam' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
});

test('sendData on the command channel: a stream and any payload, no other field', () => {
  expect(parseClientRequest('sendData', { stream: 'cam', payload: null })).toEqual({ method: 'sendData', data: { stream: 'cam', payload: null } });
  expect(() => parseClientRequest('sendData', { stream: 'cam', payload: 1, to: 'x' })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
});
