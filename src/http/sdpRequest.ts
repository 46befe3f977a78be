// Reading a WHIP/WHEP request: the stream name from the path and the SDP offer from the body,
// both validated before anything is allocated.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken } from '../auth/adminToken';
import type { Credentials } from '../auth/access';
import { AppError, isMediasoupRefusal } from '../errors';
import { MAX_OFFER_BYTES, parseOffer, type ParsedOffer } from '../sdp/offer';
import { parseStreamName } from '../streams/streamName';
import { readBody } from './body';

/**
 * The stream name of a WHIP/WHEP path (already percent-decoded by the router), checked by the one
 * stream-name rule and NFC-normalised; BAD_REQUEST quoting the rule otherwise.
 */
export function streamName(raw: string | undefined): string {
  return parseStreamName(raw);
}

export async function readOffer(req: IncomingMessage): Promise<ParsedOffer> {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type !== 'application/sdp') {
    req.resume(); // drain, so the connection can be reused
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/sdp, not "${type || 'none'}"`);
  }
  return parseOffer(await readBody(req, MAX_OFFER_BYTES));
}

export function sendSdp(res: ServerResponse, status: number, sdp: string, location: string, links: string[] = []): void {
  res.writeHead(status, {
    'Content-Type': 'application/sdp',
    'Content-Length': Buffer.byteLength(sdp),
    Location: location,
    ...(links.length > 0 ? { Link: links } : {}),
  });
  res.end(sdp);
}

/** mediasoup's refusal of parameters taken from the offer is the offer's fault (see isMediasoupRefusal). */
export function asOfferError(err: unknown): unknown {
  return isMediasoupRefusal(err) ? new AppError('BAD_SDP', `bad SDP offer: ${err.message}`) : err;
}

/**
 * The client's token and address for the publish/play checks: `Authorization: Bearer <token>`
 * (RFC 9725), else a `token` query parameter, which is how an origin's 307 hands the token to the
 * edge (browsers drop Authorization on a cross-origin redirect). `ip`: the client's address
 * behind trusted proxies (HttpContext.clientAddress).
 */
export function credentialsOf(req: IncomingMessage, url: URL, ip: string): Credentials {
  return { token: bearerToken(req.headers.authorization) ?? url.searchParams.get('token'), ip };
}
