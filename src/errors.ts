// The error registry: every failure the product reports on the wire has a stable code here, an
// HTTP status for REST/WHIP/WHEP, and a one-line meaning. docs/protocol.md lists them all, and
// test/unit/errors.test.ts fails when one is missing there.

export const ERRORS = {
  BAD_REQUEST: { status: 400, text: 'The frame or request is malformed or its arguments are invalid.' },
  UNKNOWN_COMMAND: { status: 400, text: 'The method is not a command of this protocol.' },
  NOT_CONNECTED: { status: 409, text: 'The session must send `connect` before any other command.' },
  ALREADY_CONNECTED: { status: 409, text: '`connect` was sent twice on one session.' },
  STREAM_NOT_FOUND: { status: 404, text: 'CDN stream not found: no node of the cluster holds a stream of that name.' },
  STREAM_NAME_TAKEN: { status: 409, text: 'A stream of that name is already published on this node.' },
  TRANSPORT_NOT_FOUND: { status: 404, text: 'No transport with that id belongs to this session.' },
  PRODUCER_NOT_FOUND: { status: 404, text: 'No producer with that id belongs to this session.' },
  PIPE_NOT_FOUND: { status: 404, text: 'Relay channel: no relay pipe of that id on this link (it closed, or was never set up).' },
  CONSUMER_NOT_FOUND: { status: 404, text: 'No consumer with that id belongs to this session.' },
  CANNOT_CONSUME: { status: 422, text: "The player's RTP capabilities cannot receive the stream's codecs." },
  NOT_ALLOWED: { status: 403, text: 'The command is not allowed on this node or in this state.' },
  UNAUTHORIZED: {
    status: 401,
    text: 'A credential is missing or wrong: a publish or play token (absent, malformed, badly signed or expired), the admin token, or the cluster secret (relay channel).',
  },
  FORBIDDEN: { status: 403, text: 'The token is valid but does not cover this action, stream or client address.' },
  TOO_MANY_CONNECTIONS: { status: 503, text: 'The node is at its max_connections cap.' },
  NODE_CLOSING: { status: 503, text: 'The node is shutting down.' },
  MEDIA_UNAVAILABLE: { status: 503, text: 'The node could not open a media transport (its media port range may be exhausted).' },
  UNKNOWN_CLUSTER: { status: 404, text: '/rtcloadbalance: no cluster of that name in loadbalancing.xml.' },
  UNKNOWN_MACHINE: { status: 404, text: '/rtcloadbalance: no node of that id (in that cluster) in loadbalancing.xml.' },
  MACHINE_DOWN: { status: 503, text: "/rtcloadbalance: the requested machine's link from the origin is down." },
  NO_NODE_AVAILABLE: { status: 503, text: 'No node is up, below its connection cap and (when asked) holding the stream.' },
  BAD_SDP: { status: 400, text: 'WHIP/WHEP: the SDP offer is malformed or offers nothing this node can use.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, text: 'WHIP/WHEP: the offer must be sent with Content-Type: application/sdp.' },
  SESSION_NOT_FOUND: { status: 404, text: 'WHIP/WHEP: no session at that resource URL (it ended or never existed).' },
  EDGE_UNREACHABLE: { status: 502, text: 'Secure proxy: the origin could not reach the edge.' },
  TIMEOUT: { status: 504, text: 'A request to another node (or a peer) got no answer in time.' },
  INTERNAL: { status: 500, text: 'The server failed; the log has the details.' },
  RELAY_VERSION: {
    status: 426,
    text: 'Relay channel: the origin speaks another relay protocol version (protocol 2: TLS on cdn.relay_port and proofs from both ends); upgrade the older node.',
  },
  CONFIG_INVALID: { status: 422, text: 'POST /rest-api/cdn/reload: the edited configuration is broken (file, line and key in the answer); nothing changed.' },
  // Stream events (docs/protocol.md "Stream events").
  EVENT_TOO_LARGE: { status: 413, text: "A stream event's payload is larger than stream.event_max_bytes allows." },
  ORIGIN_UNREACHABLE: { status: 502, text: "An edge could not pass a stream event on to the stream's origin (its relay link is down)." },
  // Per-client limits (docs/protocol.md "Limits").
  LIMIT_REACHED: { status: 429, text: 'A per-client limit is reached (streams or transports per session, connections or WHIP/WHEP sessions per address).' },
  RATE_LIMITED: {
    status: 429,
    text: 'Requests come faster than the rate limit allows (a session on the command channel, HTTP requests from one address, or events of one stream); a session that keeps on is closed.',
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** An error meant for the client: its code and message go on the wire as `{code, message}`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message?: string) {
    super(message ?? ERRORS[code].text);
    this.name = 'AppError';
    this.code = code;
  }
  get status(): number {
    return ERRORS[this.code].status;
  }
}

export interface WireError {
  code: ErrorCode;
  message: string;
}

/**
 * Turns anything thrown into what a client may see: AppErrors as they are, anything else as
 * INTERNAL without its details (those go to the log).
 */
export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: ERRORS.INTERNAL.text };
}

/**
 * A TypeError thrown by mediasoup's own code: its validators (RTP, DTLS and SRTP parameters,
 * tuples, bitrates) and the worker's refusals, which its channel rethrows as TypeError. Told apart
 * by where it was thrown (the first frame of its stack is in the mediasoup package), so a TypeError
 * of ours ("Cannot read properties of undefined" in our code) stays a server fault.
 */
export function isMediasoupRefusal(err: unknown): err is TypeError {
  if (!(err instanceof TypeError)) return false;
  const frame = (err.stack ?? '').split('\n').find((line) => line.trimStart().startsWith('at '));
  return frame !== undefined && /[\\/]node_modules[\\/]mediasoup[\\/]/.test(frame);
}

/**
 * mediasoup's refusal of parameters a peer sent is the peer's mistake (BAD_REQUEST), not a server
 * fault; anything else goes on as it is (INTERNAL unless it is an AppError).
 */
export function peerMistake(err: unknown, context: string): unknown {
  return isMediasoupRefusal(err) ? new AppError('BAD_REQUEST', `${context}: ${err.message}`) : err;
}
