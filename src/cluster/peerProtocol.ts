// What one origin tells another over a peer link (an origin of loadbalancing.xml's <origin> list
// dialing another; docs/protocol.md "Origin peer links"). The link is a relay link (same port,
// same handshake, `ping` heartbeat); after `hello` it carries these instead of relays. The dialing
// origin announces the streams it holds (its claims, src/cluster/claims.ts) and asks where the
// other's streams are relayed; the accepting origin answers, and sends nothing of its own (its
// claims travel over its own link the other way).
import { z } from 'zod';
import { AppError } from '../errors';
import { describe } from '../rpc/frames';
import { streamNameSchema as streamName } from '../streams/streamName';

/**
 * Most claims one `claims` digest lists: far above a real origin's streams, and low enough that
 * the digest (about 80 bytes a claim) stays under the relay link's 1 MiB frame limit.
 */
export const MAX_CLAIMS = 10_000;

/** A claim as it travels: the origin is the link's (proved in `hello`), never a field a peer could forge. */
const claimEntry = {
  stream: streamName,
  gen: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  at: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
};

export const PEER_NOTIFICATIONS = {
  /** Every stream the dialing origin holds: when the link comes up and every cdn.relay_digest_ms. Replaces what was heard before. */
  claims: z.strictObject({ claims: z.array(z.strictObject(claimEntry)).max(MAX_CLAIMS) }),
  /** A stream the dialing origin took, as it happens. */
  claim: z.strictObject(claimEntry),
  /** A stream the dialing origin no longer holds (unpublished, or lost to a better claim); `gen` of the claim it ends. */
  release: z.strictObject({ stream: streamName, gen: claimEntry.gen }),
} as const;

export type PeerNotification = {
  [M in keyof typeof PEER_NOTIFICATIONS]: { method: M; data: z.output<(typeof PEER_NOTIFICATIONS)[M]> };
}[keyof typeof PEER_NOTIFICATIONS];

/** A peer's notification, or null for one that is unknown or malformed (logged by the caller, never a throw). */
export function parsePeerNotification(method: string, data: unknown): PeerNotification | null {
  if (!Object.prototype.hasOwnProperty.call(PEER_NOTIFICATIONS, method)) return null;
  const r = PEER_NOTIFICATIONS[method as keyof typeof PEER_NOTIFICATIONS].safeParse(data);
  return r.success ? ({ method, data: r.data } as PeerNotification) : null;
}

export const PEER_REQUESTS = {
  /** Heartbeat (as on edge links): answered at once. */
  ping: z.strictObject({}),
  /** Which edges hold a stream of the accepting origin (relay complete): answered `{edges: [id, ...]}`. */
  streamEdges: z.strictObject({ stream: streamName }),
} as const;

export type PeerRequest = { [M in keyof typeof PEER_REQUESTS]: { method: M; data: z.output<(typeof PEER_REQUESTS)[M]> } }[keyof typeof PEER_REQUESTS];

export function parsePeerRequest(method: string, data: Record<string, unknown>): PeerRequest {
  if (!Object.prototype.hasOwnProperty.call(PEER_REQUESTS, method)) throw new AppError('UNKNOWN_COMMAND', `unknown request on an origin peer link "${method}"`);
  const r = PEER_REQUESTS[method as keyof typeof PEER_REQUESTS].safeParse(data);
  if (!r.success) throw new AppError('BAD_REQUEST', `${method}: ${describe(r.error)}`);
  return { method, data: r.data } as PeerRequest;
}

/** The answer to `streamEdges`, checked on the asking side. */
export const streamEdgesAnswer = z.strictObject({ edges: z.array(z.string().min(1).max(128)).max(10_000) });
