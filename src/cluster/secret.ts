// The relay handshake proves knowledge of cdn_secret without sending it: the edge hands out a
// random nonce (the `challenge` command), the origin answers `hello` with
// HMAC-SHA256(cdn_secret, [nonce, originId, instanceId]), the edge recomputes it and compares in
// constant time. A nonce is used once, so a recorded hello cannot be replayed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh single-use challenge: 32 random bytes, base64url. */
export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

/** The origin's answer to a challenge. JSON keeps the three parts apart (no ambiguous concatenation). */
export function helloProof(secret: string, nonce: string, originId: string, instanceId: string): string {
  return createHmac('sha256', secret)
    .update(JSON.stringify([nonce, originId, instanceId]))
    .digest('base64url');
}

/** Checks a hello's proof in constant time; always false without a secret. */
export function proofMatches(secret: string, nonce: string, originId: string, instanceId: string, proof: string): boolean {
  if (!secret) return false;
  const expected = Buffer.from(helloProof(secret, nonce, originId, instanceId), 'base64url');
  const given = Buffer.from(proof, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
