// The token CLI's arguments (src/cli/tokenArgs.ts) and the plain-RTP address rule
// (src/streams/plainRtp.ts): pure parts of I/O paths.
import { parseTokenArgs } from '../../src/cli/tokenArgs';
import { parseAddressList } from '../../src/config/propertiesSchema';
import { checkPlainAddress, plainAllowList } from '../../src/streams/plainRtp';

const NOW = 1_800_000_000_000;

test('the token CLI turns --stream --play --ttl into a policy expiring ttl seconds from now', () => {
  expect(parseTokenArgs(['--stream', 'cam1', '--play', '--ttl', '3600'], NOW)).toEqual({
    ok: true,
    policy: { act: 'play', stream: 'cam1', exp: 1_800_003_600 },
    confDir: 'conf',
  });
  expect(parseTokenArgs(['--prefix', 'team-', '--publish', '--ip', '10.0.0.1', '--conf', 'x'], NOW)).toEqual({
    ok: true,
    policy: { act: 'publish', prefix: 'team-', exp: 1_800_003_600, ip: '10.0.0.1' },
    confDir: 'x',
  });
});

test('the token CLI refuses ambiguous or invalid arguments with a reason', () => {
  expect(parseTokenArgs(['--stream', 'a', '--play', '--publish'], NOW)).toMatchObject({ ok: false, reason: /exactly one of --publish/ });
  expect(parseTokenArgs(['--play'], NOW)).toMatchObject({ ok: false, reason: /exactly one of --stream/ });
  expect(parseTokenArgs(['--stream', 'a', '--play', '--ttl', '-5'], NOW)).toMatchObject({ ok: false });
  expect(parseTokenArgs(['--stream', 'a', '--play', '--ip', 'nowhere'], NOW)).toMatchObject({ ok: false, reason: /not an IP/ });
  expect(parseTokenArgs(['--stream', 'a/b', '--play'], NOW)).toMatchObject({ ok: false, reason: /--stream/ });
  expect(parseTokenArgs(['--bogus'], NOW)).toMatchObject({ ok: false });
  expect(parseTokenArgs(['--stream', 'a', '--play', '--ttl', '60', '--valid-in', '60'], NOW)).toMatchObject({ ok: false, reason: /--valid-in/ });
  expect(parseTokenArgs(['--stream', 'a', '--play', '--valid-in', 'soon'], NOW)).toMatchObject({ ok: false, reason: /--valid-in/ });
});

test('--valid-in sets nbf that many seconds from now', () => {
  expect(parseTokenArgs(['--stream', 'cam1', '--play', '--ttl', '3600', '--valid-in', '300'], NOW)).toMatchObject({
    ok: true,
    policy: { act: 'play', stream: 'cam1', exp: NOW / 1000 + 3600, nbf: NOW / 1000 + 300 },
  });
});

test('a plain transport connects to the session address, or to the allow-list, and nowhere else', () => {
  const none = plainAllowList([]);
  expect(() => checkPlainAddress('192.0.2.7', '192.0.2.7', none, 'player')).not.toThrow();
  expect(() => checkPlainAddress('192.0.2.7', '::ffff:192.0.2.7', none, 'player')).not.toThrow();
  for (const target of ['192.0.2.8', '255.255.255.255', '224.0.0.1', '169.254.169.254', '10.0.0.1']) {
    expect(() => checkPlainAddress(target, '192.0.2.7', none, 'player')).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }));
  }
  expect(() => checkPlainAddress('not-an-ip', '192.0.2.7', none, 'publisher')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  const lan = plainAllowList(['10.0.0.0/8', 'fd00::/8', '198.51.100.1']);
  expect(() => checkPlainAddress('10.20.30.40', '192.0.2.7', lan, 'player')).not.toThrow();
  expect(() => checkPlainAddress('fd12::1', '192.0.2.7', lan, 'player')).not.toThrow();
  expect(() => checkPlainAddress('198.51.100.1', '192.0.2.7', lan, 'player')).not.toThrow();
  expect(() => checkPlainAddress('198.51.100.2', '192.0.2.7', lan, 'player')).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }));
});

test('rtp.plain_allowed_destinations takes IPs and CIDR blocks, and refuses anything else', () => {
  expect(parseAddressList('')).toEqual({ ok: true, value: [] });
  expect(parseAddressList(' 10.0.0.0/8, ::1 ')).toEqual({ ok: true, value: ['10.0.0.0/8', '::1'] });
  for (const bad of ['10.0.0.0/33', 'host.example', '10.0.0.0/8/1', 'fd00::/129']) expect(parseAddressList(bad)).toMatchObject({ ok: false });
});
