// The relay handshake proves knowledge of cdn_secret without sending it: the edge hands out a
// random nonce (the `challenge` command), the origin answers `hello` with
// HMAC-SHA256(cdn_secret, [nonce, originId, instanceId]), the edge recomputes it and compares in
// constant time. A nonce is used once, so a recorded hello cannot be replayed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MIN_SECRET_LENGTH } from '../config/propertiesSchema';

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

/**
 * What is wrong with this node's cdn_secret, for a loud warning at start, or null. An origin needs
 * one (every relay fails without it); a secret shorter than MIN_SECRET_LENGTH can be guessed.
 */
export function secretWarning(config: { cdnSecret: string; loadBalancingEnabled: boolean }): string | null {
  const { cdnSecret, loadBalancingEnabled } = config;
  if (cdnSecret === '') {
    return loadBalancingEnabled
      ? 'cdn_secret is empty on this origin: every edge will refuse its relay links. Set the same long random value on every node'
      : null;
  }
  if (cdnSecret.length < MIN_SECRET_LENGTH) {
    return `cdn_secret is weak (${cdnSecret.length} characters, fewer than ${MIN_SECRET_LENGTH}): anyone who guesses it can relay streams to the edges. Use a long random value`;
  }
  return null;
}
