// The relay handshake (protocol 2): each end proves it knows cdn_secret without sending it, and
// binds its proof to the TLS session the link runs on, so a proof made for one session is worth
// nothing on another. The origin sends `challenge {version, nonce}`; the edge answers with its own
// nonce and its proof; the origin checks that proof BEFORE it sends anything else (so a party that
// impersonates the edge learns nothing but a nonce), then answers `hello` with its own proof.
//
//   proof = HMAC-SHA256(cdn_secret, JSON ["cdn-relay/2", role, binding, originNonce, edgeNonce, ...ids])
//
// `binding` is keying material exported from the TLS session (RFC 5705/8446 exporter, see
// relayTls.ts), base64url, or "" on a plain link (cdn.relay_tls=false). A man in the middle with a
// certificate of its own runs two TLS sessions with two different exports: neither end's proof
// checks on the other. `role` keeps an edge's proof from being reflected as an origin's (and the
// other way round); the nonces, fresh per link from both ends, keep a recorded proof from being
// replayed on a plain link. JSON keeps the parts apart (no ambiguous concatenation). Only HMAC and
// constant-time comparison from node:crypto: no cryptography of our own.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The relay protocol this code speaks; sent in `challenge`, refused with RELAY_VERSION when different. */
export const RELAY_PROTOCOL_VERSION = 2;

export type RelayRole = 'origin' | 'edge';

/** A fresh single-use nonce: 32 random bytes, base64url. */
export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

/** What both proofs of one link cover: the TLS session (null on a plain link) and both nonces. */
export interface HandshakeTranscript {
  binding: Buffer | null;
  originNonce: string;
  edgeNonce: string;
}

/**
 * One end's proof. `ids` name the end that proves: the edge's node id; the origin's id and
 * instance id. Empty without a secret (and never accepted then).
 */
export function relayProof(secret: string, role: RelayRole, transcript: HandshakeTranscript, ids: readonly string[]): string {
  if (!secret) return '';
  const binding = transcript.binding ? transcript.binding.toString('base64url') : '';
  return createHmac('sha256', secret)
    .update(JSON.stringify([`cdn-relay/${RELAY_PROTOCOL_VERSION}`, role, binding, transcript.originNonce, transcript.edgeNonce, ...ids]))
    .digest('base64url');
}

/** Checks the other end's proof in constant time; always false without a secret. */
export function relayProofMatches(secret: string, role: RelayRole, transcript: HandshakeTranscript, ids: readonly string[], proof: string): boolean {
  if (!secret) return false;
  const expected = Buffer.from(relayProof(secret, role, transcript, ids), 'base64url');
  const given = Buffer.from(proof, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
