// The client command channel: one schema per command, validated at runtime before a handler sees
// it. docs/protocol.md documents every command here; mediasoup validates the inner shape of RTP
// parameters and capabilities further (its TypeErrors become BAD_REQUEST).
import { z } from 'zod';
import { MAX_TOKEN_LENGTH } from '../auth/tokens';
import { AppError } from '../errors';
import { describe } from '../rpc/frames';
import { streamNameSchema } from '../streams/streamName';

/** The one stream-name rule (src/streams/streamName.ts); parses to the NFC-normalised name. */
export const streamName = streamNameSchema;

const objectLike = z.record(z.string(), z.unknown());
const id = z.string().min(1).max(64);
const transportKind = z.enum(['webrtc', 'plain']).default('webrtc');
/** A publish or play token (docs/security.md), required when the node's auth.publish / auth.play is `token`. */
const token = z.string().max(MAX_TOKEN_LENGTH).optional();

export const REQUESTS = {
  connect: z.strictObject({ clientName: z.string().max(128).optional() }),
  getRouterRtpCapabilities: z.strictObject({}),
  /** The SDK's heartbeat: answered `{}` at once, so a client notices a node that stopped answering (SIGSTOP, a hung host). */
  ping: z.strictObject({}),
  publish: z.strictObject({ stream: streamName, transport: transportKind, token }),
  connectTransport: z.strictObject({
    transportId: id,
    /** WebRTC transports. */
    dtlsParameters: objectLike.optional(),
    /** Plain transports: where a player's RTP goes, or the only source a publisher's is taken from. */
    ip: z.string().max(64).optional(),
    port: z.number().int().min(1).max(65535).optional(),
  }),
  produce: z.strictObject({
    transportId: id,
    kind: z.enum(['audio', 'video']),
    rtpParameters: objectLike,
    paused: z.boolean().default(false),
  }),
  pauseProducer: z.strictObject({ producerId: id }),
  resumeProducer: z.strictObject({ producerId: id }),
  unpublish: z.strictObject({ stream: streamName }),
  play: z.strictObject({
    stream: streamName,
    rtpCapabilities: objectLike,
    transport: transportKind,
    token,
    /** On the origin: serve the stream here instead of redirecting to an edge. */
    noRedirect: z.boolean().default(false),
    /**
     * Cap on what the node sends this player (bits/s), applied before the first consumer, with the
     * transport's initial bandwidth estimate no higher (mediasoup's minimum is 30 kbps).
     */
    maxBitrate: z.number().int().min(30000).max(100_000_000).optional(),
  }),
  resumeConsumer: z.strictObject({ consumerId: id }),
  pauseConsumer: z.strictObject({ consumerId: id }),
  setPreferredLayers: z.strictObject({
    consumerId: id,
    spatialLayer: z.number().int().min(0).max(3),
    temporalLayer: z.number().int().min(0).max(3).optional(),
  }),
  /** Caps what a publisher's transport accepts (bits/s). */
  setMaxIncomingBitrate: z.strictObject({ transportId: id, bitrate: z.number().int().min(10000).max(100_000_000) }),
  /** Caps what a player's transport sends (bits/s); simulcast layers adapt to it. */
  setMaxOutgoingBitrate: z.strictObject({ transportId: id, bitrate: z.number().int().min(10000).max(100_000_000) }),
  requestKeyFrame: z.strictObject({ consumerId: id }),
  stop: z.strictObject({ stream: streamName }),
  /** The publisher of `stream` sends `payload` (any JSON value) to every player of it, on every node. */
  sendData: z.strictObject({ stream: streamName, payload: z.unknown() }),
} as const;

export type Method = keyof typeof REQUESTS;
export const METHODS = Object.keys(REQUESTS) as Method[];

export type ClientRequest = { [M in Method]: { method: M; data: z.output<(typeof REQUESTS)[M]> } }[Method];

/** Validates a request's method and arguments; UNKNOWN_COMMAND or BAD_REQUEST otherwise. */
export function parseClientRequest(method: string, data: Record<string, unknown>): ClientRequest {
  if (!Object.prototype.hasOwnProperty.call(REQUESTS, method)) {
    throw new AppError('UNKNOWN_COMMAND', `unknown command "${method}"`);
  }
  const schema = REQUESTS[method as Method];
  const result = schema.safeParse(data);
  if (!result.success) throw new AppError('BAD_REQUEST', `${method}: ${describe(result.error)}`);
  return { method, data: result.data } as ClientRequest;
}

/** Server -> client notifications (documented in docs/protocol.md). */
export const NOTIFICATIONS = [
  'streamStatus',
  'newConsumer',
  'trackFailed',
  'consumerClosed',
  'consumerPaused',
  'consumerResumed',
  'consumerLayersChanged',
  'consumerScore',
  'streamEvent',
] as const;
export type NotificationName = (typeof NOTIFICATIONS)[number];
