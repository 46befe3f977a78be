// Publish and play tokens: a signed policy saying who may do what with which streams, until when.
// Pure: no I/O, the clock is passed in. The same secret (`auth.token_secret`) on every node of a
// cluster lets an edge admit a player the origin redirected, with the token the player already had.
//
// Wire form: `<payload>.<signature>`, both base64url without padding; the payload is the policy's
// JSON, the signature HMAC-SHA256(secret, <payload> as sent). Compared in constant time. Only the
// canonical spelling is accepted: the last base64url character of a part can carry bits that
// decoding drops, so four strings would otherwise verify as one token (and a deny-list or a log
// keyed on the string would miss three of them).
//
// Rotation: a node holds up to two keys, each with an id (`auth.token_key_id`,
// `auth.token_key_id_previous`); a token names the key it was signed with (`kid`; none = the key
// whose id is empty), so tokens of the old and the new secret both verify while a rotation lasts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { KEY_ID_PATTERN } from '../config/propertiesSchema';

export type TokenAction = 'publish' | 'play';

/** What a token allows. Exactly one of `stream` (one name) or `prefix` (every name starting with it). */
export interface TokenPolicy {
  /** The action allowed. */
  act: TokenAction;
  /** One stream name (NFC), or absent when `prefix` is given. */
  stream?: string;
  /** A name prefix ("" allows every name), or absent when `stream` is given. */
  prefix?: string;
  /** Expiry, seconds since the Unix epoch; the token is refused from that second on. */
  exp: number;
  /** The only client address the token is good from, when set (IPv4 or IPv6, as the node sees it). */
  ip?: string;
  /** Not before, seconds since the Unix epoch: the token is refused until that second. */
  nbf?: number;
  /** The id of the key that signed it (see TokenKey); absent = the key whose id is "". */
  kid?: string;
}

/** A secret tokens are signed with, and the id tokens name it by ("" = tokens that name none). */
export interface TokenKey {
  id: string;
  secret: string;
}

const policySchema = z
  .strictObject({
    act: z.enum(['publish', 'play']),
    stream: z.string().min(1).max(512).optional(),
    prefix: z.string().max(512).optional(),
    exp: z.number().int().nonnegative(),
    nbf: z.number().int().nonnegative().optional(),
    kid: z.string().regex(KEY_ID_PATTERN).optional(),
    ip: z
      .string()
      .max(64)
      .refine((s) => isIP(s) !== 0, 'not an IP address')
      .optional(),
  })
  .refine((p) => (p.stream === undefined) !== (p.prefix === undefined), 'exactly one of stream and prefix')
  .refine((p) => p.nbf === undefined || p.nbf < p.exp, 'nbf must be before exp');

/** Longest token accepted, so a huge header or argument costs nothing to refuse. */
export const MAX_TOKEN_LENGTH = 2048;

/** Why a token was refused: UNAUTHORIZED (not a valid token) or FORBIDDEN (valid, but not for this). */
export type TokenRefusal = { code: 'UNAUTHORIZED' | 'FORBIDDEN'; reason: string };

export type TokenCheck = { ok: true; policy: TokenPolicy } | ({ ok: false } & TokenRefusal);

function signature(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * Signs a policy into a token. With a key (rather than a bare secret) the token names the key's id
 * (`kid`), unless the id is "". Throws on a policy that verifyToken would refuse as malformed.
 */
export function signToken(policy: TokenPolicy, key: string | TokenKey): string {
  const { id, secret } = typeof key === 'string' ? { id: '', secret: key } : key;
  if (!secret) throw new Error('signToken: the secret is empty');
  const checked = policySchema.safeParse(id ? { ...policy, kid: id } : policy);
  if (!checked.success) throw new Error(`signToken: invalid policy: ${checked.error.issues.map((i) => i.message).join('; ')}`);
  const payload = Buffer.from(JSON.stringify(checked.data)).toString('base64url');
  return `${payload}.${signature(secret, payload).toString('base64url')}`;
}

/**
 * Splits and decodes a token WITHOUT checking its signature (for the CLI and logs): the policy, or
 * null when the token is not one. Never trust its answer for access: use verifyToken.
 */
export function parseToken(token: string): TokenPolicy | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const parts = token.split('.');
  if (parts.length !== 2 || !parts.every(isCanonicalBase64url)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    return null; // not JSON: not a token of ours (the caller says so)
  }
  const r = policySchema.safeParse(json);
  return r.success ? r.data : null;
}

/** base64url without padding, spelled the one way encoding gives (no stray bits in the last character). */
function isCanonicalBase64url(part: string): boolean {
  return /^[\w-]+$/.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part;
}

/** Same address whether the node sees an IPv4 client as `1.2.3.4` or as `::ffff:1.2.3.4`. */
export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return (mapped ? mapped[1] : ip).toLowerCase();
}

export interface TokenRequest {
  action: TokenAction;
  /** The stream asked for (NFC, as the name rule returns it). */
  stream: string;
  /** The client's address as this node sees it, or null when unknown. */
  ip: string | null;
  /** Now, in milliseconds since the epoch. */
  now: number;
}

/**
 * Verifies a token's signature with the key it names, then that its policy covers the request.
 * `keys`: the node's keys (current and, during a rotation, previous), or one bare secret (id "").
 */
export function verifyToken(token: string | undefined | null, keys: string | readonly TokenKey[], request: TokenRequest): TokenCheck {
  if (!token) return { ok: false, code: 'UNAUTHORIZED', reason: `a ${request.action} token is required` };
  const ring = (typeof keys === 'string' ? [{ id: '', secret: keys }] : keys).filter((k) => k.secret !== '');
  if (ring.length === 0) return { ok: false, code: 'UNAUTHORIZED', reason: 'tokens cannot be checked: auth.token_secret is not set on this node' };
  const dot = token.indexOf('.');
  const policy = parseToken(token);
  if (!policy || dot < 0) return { ok: false, code: 'UNAUTHORIZED', reason: 'malformed token' };
  const key = ring.find((k) => k.id === (policy.kid ?? ''));
  if (!key)
    return {
      ok: false,
      code: 'UNAUTHORIZED',
      reason: policy.kid === undefined ? 'the token names no key id, and every key here has one' : `unknown token key id "${policy.kid}"`,
    };
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = signature(key.secret, token.slice(0, dot));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, code: 'UNAUTHORIZED', reason: 'bad token signature' };
  if (request.now >= policy.exp * 1000) return { ok: false, code: 'UNAUTHORIZED', reason: 'token expired' };
  if (policy.nbf !== undefined && request.now < policy.nbf * 1000) return { ok: false, code: 'UNAUTHORIZED', reason: 'token not valid yet (nbf)' };
  if (policy.act !== request.action) return { ok: false, code: 'FORBIDDEN', reason: `the token allows ${policy.act}, not ${request.action}` };
  const covered = policy.stream !== undefined ? policy.stream.normalize('NFC') === request.stream : request.stream.startsWith(policy.prefix!.normalize('NFC'));
  if (!covered) return { ok: false, code: 'FORBIDDEN', reason: `the token does not cover stream "${request.stream}"` };
  if (policy.ip !== undefined && (request.ip === null || normalizeIp(policy.ip) !== normalizeIp(request.ip))) {
    return { ok: false, code: 'FORBIDDEN', reason: 'the token is bound to another client address' };
  }
  return { ok: true, policy };
}

/** The node's token keys: auth.token_secret with its id, and the previous pair while a rotation lasts. */
export function tokenKeys(config: { tokenSecret: string; tokenKeyId: string; tokenSecretPrevious: string; tokenKeyIdPrevious: string }): TokenKey[] {
  const keys = [{ id: config.tokenKeyId, secret: config.tokenSecret }];
  if (config.tokenSecretPrevious) keys.push({ id: config.tokenKeyIdPrevious, secret: config.tokenSecretPrevious });
  return keys;
}
