// The client's address behind proxies (src/http/clientAddress.ts): X-Forwarded-For counts only
// from a trusted peer, walked from the right past trusted hops; a linked origin is trusted as the
// socket's peer only.
import type { IncomingMessage } from 'node:http';
import { clientAddressResolver } from '../../src/http/clientAddress';

const request = (peer: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  }) as unknown as IncomingMessage;

test('without trusted proxies the socket peer is the client, whatever the header says', () => {
  const of = clientAddressResolver([]);
  expect(of(request('198.51.100.7', '10.0.0.1'))).toBe('198.51.100.7');
  expect(of(request('::ffff:198.51.100.7'))).toBe('198.51.100.7');
});

test('behind a configured proxy the nearest untrusted hop of X-Forwarded-For is the client', () => {
  const of = clientAddressResolver(['10.0.0.0/8']);
  expect(of(request('10.0.0.2', '203.0.113.9'))).toBe('203.0.113.9');
  // A client that writes its own header: only the entry the proxy appended counts.
  expect(of(request('10.0.0.2', '1.2.3.4, 203.0.113.9'))).toBe('203.0.113.9');
  // Two proxies of ours in a row.
  expect(of(request('10.0.0.2', '203.0.113.9, 10.0.0.3'))).toBe('203.0.113.9');
  // A trusted proxy that sent no header: it is the client.
  expect(of(request('10.0.0.2'))).toBe('10.0.0.2');
});

test('a linked origin is trusted as the peer only, and the linked set is read on every request', () => {
  let origins = ['192.0.2.1'];
  const of = clientAddressResolver([], () => origins);
  expect(of(request('::ffff:192.0.2.1', '203.0.113.9'))).toBe('203.0.113.9');
  // The origin's own header entries beyond the peer are not trusted: no walking past the client.
  expect(of(request('192.0.2.1', '192.0.2.1, 203.0.113.9'))).toBe('203.0.113.9');
  expect(of(request('192.0.2.1', '203.0.113.9, 192.0.2.1'))).toBe('192.0.2.1');
  origins = [];
  expect(of(request('192.0.2.1', '203.0.113.9'))).toBe('192.0.2.1');
});
