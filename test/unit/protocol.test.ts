import fs from 'node:fs';
import path from 'node:path';
import { parseFrame } from '../../src/rpc/frames';
import { METHODS, NOTIFICATIONS, parseClientRequest } from '../../src/signaling/protocol';
import { RELAY_METHODS, parseRelayRequest } from '../../src/cluster/relayProtocol';

const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'protocol.md'), 'utf8');

test.each([...METHODS, ...NOTIFICATIONS, ...RELAY_METHODS])('%s is documented in docs/protocol.md', (name) => {
  expect(doc).toContain(`\`${name}\``);
});

describe('frame parsing', () => {
  test('a request, a response, an error response and a notification are told apart', () => {
    expect(parseFrame('{"id":1,"method":"connect","data":{}}')).toMatchObject({ type: 'request', frame: { id: 1, method: 'connect' } });
    expect(parseFrame('{"id":1,"ok":true,"data":{"a":1}}')).toMatchObject({ type: 'response', frame: { ok: true } });
    expect(parseFrame('{"id":1,"ok":false,"error":{"code":"X","message":"m"}}')).toMatchObject({ type: 'response', frame: { ok: false } });
    expect(parseFrame('{"method":"streamStatus","data":{}}')).toMatchObject({ type: 'notification' });
  });

  test('a request without data gets an empty object', () => {
    expect(parseFrame('{"id":3,"method":"getRouterRtpCapabilities"}')).toMatchObject({ frame: { data: {} } });
  });

  test.each([
    ['not JSON', '{'],
    ['an array', '[1]'],
    ['a string', '"x"'],
    ['a negative id', '{"id":-1,"method":"x"}'],
    ['a fractional id', '{"id":1.5,"method":"x"}'],
    ['an empty method', '{"id":1,"method":""}'],
    ['data that is not an object', '{"id":1,"method":"x","data":[1]}'],
    ['an unknown field', '{"id":1,"method":"x","extra":1}'],
    ['a response with a bad error', '{"id":1,"ok":false,"error":"boom"}'],
  ])('%s is refused with BAD_REQUEST', (_what, text) => {
    expect(() => parseFrame(text)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});

describe('command validation', () => {
  test('an unknown method is UNKNOWN_COMMAND, including inherited object keys', () => {
    expect(() => parseClientRequest('fly', {})).toThrow(expect.objectContaining({ code: 'UNKNOWN_COMMAND' }));
    expect(() => parseClientRequest('toString', {})).toThrow(expect.objectContaining({ code: 'UNKNOWN_COMMAND' }));
    expect(() => parseRelayRequest('__proto__', {})).toThrow(expect.objectContaining({ code: 'UNKNOWN_COMMAND' }));
  });

  test('defaults are filled in: webrtc transport, no redirect opt-out, not paused', () => {
    expect(parseClientRequest('publish', { stream: 'a' }).data).toEqual({ stream: 'a', transport: 'webrtc' });
    expect(parseClientRequest('play', { stream: 'a', rtpCapabilities: {} }).data).toMatchObject({ transport: 'webrtc', noRedirect: false });
  });

  test.each([
    ['a stream name with a slash', 'publish', { stream: 'a/b' }],
    ['an empty stream name', 'publish', { stream: '' }],
    ['a stream name of 129 characters', 'publish', { stream: 'a'.repeat(129) }],
    ['an unknown transport kind', 'publish', { stream: 'a', transport: 'tcp' }],
    ['an unknown field', 'stop', { stream: 'a', force: true }],
    ['a kind other than audio or video', 'produce', { transportId: 't', kind: 'data', rtpParameters: {} }],
    ['a port out of range', 'connectTransport', { transportId: 't', ip: '127.0.0.1', port: 70000 }],
    ['a bitrate below 10 kbit/s', 'setMaxOutgoingBitrate', { transportId: 't', bitrate: 5 }],
  ])('%s is BAD_REQUEST naming the field', (_what, method, data) => {
    expect(() => parseClientRequest(method, data)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  test('relay commands are validated too', () => {
    expect(() => parseRelayRequest('relayPipe', { pipeId: 'p1', ip: '1.2.3.4', port: 0, srtpParameters: {} })).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining('port') }),
    );
  });
});
