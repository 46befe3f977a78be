// The admin credential of the REST API: `Authorization: Bearer <admin.token>`, compared in
// constant time. Pure: header and setting in, a verdict out.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of an `Authorization: Bearer <token>` header (RFC 6750: the scheme is case-insensitive), or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  return m ? m[1] : null;
}

/** Constant-time equality of two strings of any lengths (both hashed first, so lengths leak nothing). */
export function constantTimeEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** True when no admin token is configured (open), or the header carries it. */
export function adminAllowed(adminToken: string, authorization: string | string[] | undefined): boolean {
  if (adminToken === '') return true;
  const given = bearerToken(authorization);
  return given !== null && constantTimeEquals(given, adminToken);
}
