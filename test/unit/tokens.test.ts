// Publish and play tokens (src/auth/tokens.ts) and the access decisions built on them
// (src/auth/access.ts): pure code, checked without a node.
import { checkDirectPublish, checkToken, directPublishAllowed, type AccessConfig } from '../../src/auth/access';
import { adminAllowed, bearerToken } from '../../src/auth/adminToken';
import { loopbackOnly, securityWarnings } from '../../src/auth/startupWarnings';
import { normalizeIp, parseToken, signToken, verifyToken, type TokenPolicy } from '../../src/auth/tokens';

const SECRET = 'a-long-enough-token-secret';
const NOW = Date.UTC(2026, 0, 1);
const exp = NOW / 1000 + 60;

function play(stream: string, ip: string | null = null, now = NOW) {
  return { action: 'play' as const, stream, ip, now };
}

describe('tokens', () => {
  test('a signed token verifies and gives back its policy', () => {
    const policy: TokenPolicy = { act: 'play', stream: 'cam1', exp };
    const token = signToken(policy, SECRET);
    expect(token).toMatch(/^[\w-]+\.[\w-]{43}$/);
    expect(verifyToken(token, SECRET, play('cam1'))).toEqual({ ok: true, policy });
    expect(parseToken(token)).toEqual(policy);
  });

  test('a token signed with another secret, or altered, is UNAUTHORIZED', () => {
    const token = signToken({ act: 'play', stream: 'cam1', exp }, SECRET);
    expect(verifyToken(token, `${SECRET}x`, play('cam1'))).toMatchObject({ ok: false, code: 'UNAUTHORIZED', reason: 'bad token signature' });
    // Same signature, payload swapped for one naming another stream.
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ act: 'play', stream: 'other', exp })).toString('base64url')}.${signature}`;
    expect(verifyToken(forged, SECRET, play('other'))).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(verifyToken(`${token.slice(0, -2)}AA`, SECRET, play('cam1'))).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
  });

  test('a missing, malformed or expired token is UNAUTHORIZED', () => {
    expect(verifyToken(undefined, SECRET, play('cam1'))).toMatchObject({ code: 'UNAUTHORIZED', reason: 'a play token is required' });
    for (const bad of ['x', 'a.b.c', 'e30.e30', '.', 'x'.repeat(5000)]) {
      expect(verifyToken(bad, SECRET, play('cam1'))).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    }
    const token = signToken({ act: 'play', stream: 'cam1', exp }, SECRET);
    expect(verifyToken(token, SECRET, play('cam1', null, exp * 1000 - 1))).toMatchObject({ ok: true });
    expect(verifyToken(token, SECRET, play('cam1', null, exp * 1000))).toMatchObject({ ok: false, code: 'UNAUTHORIZED', reason: 'token expired' });
  });

  test('a valid token for another stream, action or address is FORBIDDEN', () => {
    const token = signToken({ act: 'play', stream: 'cam1', exp, ip: '10.0.0.5' }, SECRET);
    expect(verifyToken(token, SECRET, play('cam2', '10.0.0.5'))).toMatchObject({ code: 'FORBIDDEN' });
    expect(verifyToken(token, SECRET, { ...play('cam1', '10.0.0.5'), action: 'publish' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(verifyToken(token, SECRET, play('cam1', '10.0.0.6'))).toMatchObject({ code: 'FORBIDDEN' });
    expect(verifyToken(token, SECRET, play('cam1', null))).toMatchObject({ code: 'FORBIDDEN' });
    // The node may see an IPv4 client as an IPv4-mapped IPv6 address.
    expect(verifyToken(token, SECRET, play('cam1', '::ffff:10.0.0.5'))).toMatchObject({ ok: true });
  });

  test('a prefix token covers every name starting with it, compared in NFC', () => {
    const token = signToken({ act: 'publish', prefix: 'team-a:', exp }, SECRET);
    const publish = (stream: string) => verifyToken(token, SECRET, { action: 'publish', stream, ip: null, now: NOW });
    expect(publish('team-a:cam')).toMatchObject({ ok: true });
    expect(publish('team-b:cam')).toMatchObject({ code: 'FORBIDDEN' });
    const cafe = signToken({ act: 'play', stream: 'cafe\u0301', exp }, SECRET);
    expect(verifyToken(cafe, SECRET, play('caf\u00e9'))).toMatchObject({ ok: true });
  });

  test('signing refuses a policy with both or neither of stream and prefix, and an empty secret', () => {
    expect(() => signToken({ act: 'play', exp } as TokenPolicy, SECRET)).toThrow(/exactly one of stream and prefix/);
    expect(() => signToken({ act: 'play', stream: 'a', prefix: 'a', exp }, SECRET)).toThrow(/exactly one/);
    expect(() => signToken({ act: 'play', stream: 'a', exp }, '')).toThrow(/secret is empty/);
  });

  test('only the canonical spelling of a token verifies (no stray bits in a last character)', () => {
    const token = signToken({ act: 'play', stream: 'cam1', exp }, SECRET);
    expect(verifyToken(token, SECRET, play('cam1'))).toMatchObject({ ok: true });
    // A 32-byte signature is 43 characters: the last carries 4 bits and 2 spare ones; set them.
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spellings = [1, 2, 3].map((extra) => `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) | extra]}`).filter((t) => t !== token);
    expect(spellings.length).toBeGreaterThan(0);
    for (const other of spellings) {
      // The same bytes: a decoder that drops the spare bits takes it for the token itself.
      expect(Buffer.from(other.split('.')[1], 'base64url')).toEqual(Buffer.from(token.split('.')[1], 'base64url'));
      expect(verifyToken(other, SECRET, play('cam1'))).toMatchObject({ ok: false, code: 'UNAUTHORIZED', reason: 'malformed token' });
    }
  });

  test('nbf: refused before that second, accepted from it on', () => {
    const nbf = NOW / 1000 + 10;
    const token = signToken({ act: 'play', stream: 'cam1', exp, nbf }, SECRET);
    expect(verifyToken(token, SECRET, play('cam1', null, nbf * 1000 - 1))).toMatchObject({
      ok: false,
      code: 'UNAUTHORIZED',
      reason: 'token not valid yet (nbf)',
    });
    expect(verifyToken(token, SECRET, play('cam1', null, nbf * 1000))).toMatchObject({ ok: true });
    expect(() => signToken({ act: 'play', stream: 'cam1', exp, nbf: exp }, SECRET)).toThrow(/nbf must be before exp/);
  });

  test('during a rotation tokens of both keys verify, each with its own secret only', () => {
    const OLD = { id: '', secret: 'the-old-secret-of-the-cluster' };
    const NEW = { id: '2027-01', secret: 'the-new-secret-of-the-cluster' };
    const old = signToken({ act: 'play', stream: 'cam1', exp }, OLD);
    const fresh = signToken({ act: 'play', stream: 'cam1', exp }, NEW);
    expect(parseToken(fresh)?.kid).toBe('2027-01');
    expect(parseToken(old)?.kid).toBeUndefined();
    const rotating = [NEW, OLD];
    expect(verifyToken(old, rotating, play('cam1'))).toMatchObject({ ok: true });
    expect(verifyToken(fresh, rotating, play('cam1'))).toMatchObject({ ok: true });
    // After the rotation: the old key is gone, its tokens fail; a token naming an unknown id too.
    expect(verifyToken(old, [NEW], play('cam1'))).toMatchObject({ ok: false, code: 'UNAUTHORIZED', reason: /names no key id/ });
    expect(verifyToken(fresh, [{ ...OLD, id: '2026-01' }], play('cam1'))).toMatchObject({ ok: false, reason: 'unknown token key id "2027-01"' });
    // A token naming the new id but signed with the old secret is a forgery.
    const forged = signToken({ act: 'play', stream: 'cam1', exp, kid: '2027-01' }, OLD.secret);
    expect(verifyToken(forged, rotating, play('cam1'))).toMatchObject({ ok: false, reason: 'bad token signature' });
  });

  test('IPv4-mapped IPv6 addresses normalise to IPv4', () => {
    expect(normalizeIp('::FFFF:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1');
  });
});

const open: AccessConfig = {
  tokenSecret: SECRET,
  tokenKeyId: '',
  tokenSecretPrevious: '',
  tokenKeyIdPrevious: '',
  publishAuth: 'open',
  playAuth: 'open',
  publishAllowDirect: null,
  loadBalancingEnabled: false,
  cdnSecret: '',
};

describe('access', () => {
  test('open modes let anyone through, token modes want a token that covers the request', () => {
    expect(() => checkToken(open, 'play', 'cam1', { ip: null })).not.toThrow();
    const guarded = { ...open, playAuth: 'token' as const };
    expect(() => checkToken(guarded, 'play', 'cam1', { ip: null }, NOW)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    const token = signToken({ act: 'play', stream: 'cam1', exp }, SECRET);
    expect(() => checkToken(guarded, 'play', 'cam1', { token, ip: null }, NOW)).not.toThrow();
    expect(() => checkToken(guarded, 'play', 'cam2', { token, ip: null }, NOW)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    // Publishing stays open: only auth.play is token.
    expect(() => checkToken(guarded, 'publish', 'cam2', { ip: null }, NOW)).not.toThrow();
  });

  test('direct publishing: auto refuses on an edge (cdn_secret, not the origin) and allows elsewhere; explicit settings win', () => {
    expect(directPublishAllowed(open)).toBe(true); // standalone
    expect(directPublishAllowed({ ...open, cdnSecret: 's' })).toBe(false); // edge
    expect(directPublishAllowed({ ...open, cdnSecret: 's', loadBalancingEnabled: true })).toBe(true); // origin
    expect(directPublishAllowed({ ...open, cdnSecret: 's', publishAllowDirect: true })).toBe(true);
    expect(directPublishAllowed({ ...open, publishAllowDirect: false })).toBe(false);
    expect(() => checkDirectPublish({ ...open, cdnSecret: 's' }, 'cam')).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }));
  });

  test('the admin credential is a Bearer token compared whole; none configured means open', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(adminAllowed('', undefined)).toBe(true);
    const admin = 'an-admin-token-of-some-length';
    expect(adminAllowed(admin, `Bearer ${admin}`)).toBe(true);
    expect(adminAllowed(admin, `Bearer ${admin.slice(0, -1)}`)).toBe(false);
    expect(adminAllowed(admin, undefined)).toBe(false);
  });
});

describe('start-up warnings', () => {
  const base = {
    cdnSecret: 'x'.repeat(32),
    loadBalancingEnabled: false,
    adminToken: '',
    ipLocal: '127.0.0.1',
    publishAuth: 'open',
    playAuth: 'open',
    publishAllowDirect: null,
    tokenSecret: '',
    cdnRelayTls: true,
  } as const;

  test('an origin without cdn_secret, and a weak cdn_secret anywhere, are warned about', () => {
    expect(securityWarnings(base)).toEqual([]);
    expect(securityWarnings({ ...base, cdnSecret: '', loadBalancingEnabled: true })[0]).toMatch(/cdn_secret is empty on this origin/);
    expect(securityWarnings({ ...base, cdnSecret: 'short' })[0]).toMatch(/cdn_secret is weak \(5 characters/);
    expect(securityWarnings({ ...base, cdnSecret: '' })).toEqual([]); // standalone
  });

  test('plain relay links (cdn.relay_tls=false) are warned about on every node with a secret, loopback included', () => {
    expect(securityWarnings({ ...base, cdnRelayTls: false })).toEqual([
      expect.stringMatching(/^cdn\.relay_tls=false: relay links between nodes are plain ws:\/\/.*SRTP keys/),
    ]);
    expect(securityWarnings({ ...base, cdnRelayTls: false, cdnSecret: '' })).toEqual([]); // no relays at all
  });

  test('a node beyond loopback without admin.token, or open to publishers, is warned about', () => {
    const origin = { ...base, loadBalancingEnabled: true, ipLocal: '0.0.0.0' };
    expect(securityWarnings(origin)).toEqual([expect.stringMatching(/this origin .* without admin.token/), expect.stringMatching(/auth.publish=open/)]);
    expect(securityWarnings({ ...origin, adminToken: 'y'.repeat(20), publishAuth: 'token' })).toEqual([]);
    // An edge (not the origin, holds the cluster secret) lists its players' addresses too.
    const edge = { ...base, cdnSecret: 'x'.repeat(20), ipLocal: '0.0.0.0' };
    expect(securityWarnings(edge)).toEqual([expect.stringMatching(/this node listens on 0.0.0.0 without admin.token/)]);
    expect(loopbackOnly('127.0.0.1')).toBe(true);
    expect(loopbackOnly('::1')).toBe(true);
    expect(loopbackOnly('::')).toBe(false);
  });
});
