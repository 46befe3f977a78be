// Reading a WHIP/WHEP request: the stream name from the path and the SDP offer from the body,
// both validated before anything is allocated.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors';
import { MAX_OFFER_BYTES, parseOffer, type ParsedOffer } from '../sdp/offer';
import { readBody } from './body';

const STREAM_NAME = /^[^\x00-\x1f\x7f/]{1,128}$/;

export function streamName(raw: string | undefined): string {
  if (!raw || !STREAM_NAME.test(raw)) throw new AppError('BAD_REQUEST', 'stream name must be 1-128 printable characters without "/"');
  return raw;
}

export async function readOffer(req: IncomingMessage): Promise<ParsedOffer> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/sdp') {
    req.resume(); // drain, so the connection can be reused
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/sdp, not "${type || 'none'}"`);
  }
  return parseOffer(await readBody(req, MAX_OFFER_BYTES));
}

export function sendSdp(res: ServerResponse, status: number, sdp: string, location: string): void {
  res.writeHead(status, { 'Content-Type': 'application/sdp', 'Content-Length': Buffer.byteLength(sdp), Location: location });
  res.end(sdp);
}

/** mediasoup reports parameters it refuses as TypeError: that is the offer's fault. */
export function asOfferError(err: unknown): unknown {
  return err instanceof TypeError ? new AppError('BAD_SDP', `bad SDP offer: ${err.message}`) : err;
}
