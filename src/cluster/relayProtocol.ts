// The origin -> edge relay channel (WebSocket at <prefix>/cdn/relay on every node), framed like
// the client channel. Every command but `challenge` and `hello` needs an authenticated link.
import { z } from 'zod';
import { MAX_STREAM_EVENT_BYTES } from '../config/propertiesSchema';
import { AppError } from '../errors';
import { describe } from '../rpc/frames';
import { payloadBytes, STREAM_EVENT_TYPES } from '../streams/streamEvents';
import { streamNameSchema as streamName } from '../streams/streamName';

const objectLike = z.record(z.string(), z.unknown());
const id = z.string().min(1).max(64);
/**
 * Names one relay of a stream over a link (a new one per attempt), so the edge can tell a late
 * command or notification about an earlier relay of the same name from one about the current relay.
 * Optional for commands of origins that do not send it; such commands name the stream only.
 */
const relayId = id.optional();
const tuple = { ip: z.string().min(1).max(64), port: z.number().int().min(1).max(65535), srtpParameters: objectLike };
/**
 * Names one pipe transport pair between an origin worker and this edge (a new one each time one is
 * made). Every stream of that origin worker crosses it: ports grow with workers and edges, not with
 * streams (docs/networks.md).
 */
const pipeId = id;
/** Numbers a stream's events (streamEvents.ts): 0 before its first. */
const eventSeq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Any JSON value, within the ceiling every node takes (MAX_STREAM_EVENT_BYTES), whatever its own stream.event_max_bytes. */
const eventPayload = z.unknown().refine((p) => p !== undefined && payloadBytes(p) <= MAX_STREAM_EVENT_BYTES, {
  message: `a JSON value of at most ${MAX_STREAM_EVENT_BYTES} bytes`,
});

export const RELAY_REQUESTS = {
  /**
   * Opens the handshake (protocol 2, src/cluster/secret.ts): the origin's nonce; the edge answers
   * {version, nonce, nodeId, proof} with its own nonce and its proof over the TLS session. Both
   * fields are optional only so that an origin of protocol 1 (`{}`) gets RELAY_VERSION, not BAD_REQUEST.
   */
  challenge: z.strictObject({ version: z.number().int().min(0).max(1000).optional(), nonce: z.string().min(16).max(128).optional() }),
  /** proof = HMAC-SHA256(cdn_secret, JSON ["cdn-relay/2", "origin", binding, originNonce, edgeNonce, originId, instanceId]), base64url. */
  hello: z.strictObject({ originId: z.string().min(1).max(128), instanceId: id, proof: z.string().min(1).max(128) }),
  /** The origin's heartbeat: answered at once; a link on which pings stop is dropped (see EdgeLink, EdgeRelayService). */
  ping: z.strictObject({}),
  /** Opens the edge's side of a pipe: answered with the edge's tuple {ip, port, srtpParameters}. */
  relayPipe: z.strictObject({ pipeId, ...tuple }),
  /** Closes a pipe the origin no longer uses (idle) with any stream still on it. */
  relayPipeClose: z.strictObject({ pipeId }),
  /** A stream whose tracks arrive on pipe `pipeId`; relayId is required (one per relay attempt). */
  relayStream: z.strictObject({ stream: streamName, relayId: id, pipeId }),
  relayProducer: z.strictObject({
    stream: streamName,
    relayId,
    producerId: id,
    kind: z.enum(['audio', 'video']),
    rtpParameters: objectLike,
    paused: z.boolean(),
  }),
  relayProducerPause: z.strictObject({ stream: streamName, relayId, producerId: id }),
  relayProducerResume: z.strictObject({ stream: streamName, relayId, producerId: id }),
  relayProducerClose: z.strictObject({ stream: streamName, relayId, producerId: id }),
  relayUnpublish: z.strictObject({ stream: streamName, relayId }),
} as const;

export type RelayMethod = keyof typeof RELAY_REQUESTS;
export const RELAY_METHODS = Object.keys(RELAY_REQUESTS) as RelayMethod[];

export type RelayRequest = { [M in RelayMethod]: { method: M; data: z.output<(typeof RELAY_REQUESTS)[M]> } }[RelayMethod];

export function parseRelayRequest(method: string, data: Record<string, unknown>): RelayRequest {
  if (!Object.prototype.hasOwnProperty.call(RELAY_REQUESTS, method)) {
    throw new AppError('UNKNOWN_COMMAND', `unknown relay command "${method}"`);
  }
  const r = RELAY_REQUESTS[method as RelayMethod].safeParse(data);
  if (!r.success) throw new AppError('BAD_REQUEST', `${method}: ${describe(r.error)}`);
  return { method, data: r.data } as RelayRequest;
}

/**
 * Most streams one load report lists players of (those with the most players first): keeps the
 * report far below the relay link's 1 MiB frame limit however many streams the edge holds.
 */
export const MAX_LOAD_STREAMS = 5_000;

/** Most nodes below a relay one load report lists (relay tiers): far above a real tree, bounding a forged one. */
export const MAX_DESCENDANTS = 1000;
/** Most streams one node below a relay is listed with (held, and players per stream). */
export const MAX_DESCENDANT_STREAMS = 500;
/** Most (node, stream) entries one report lists in all: about 40 bytes each, well under the 1 MiB frame. */
export const MAX_DESCENDANT_ENTRIES = 15_000;

const nodeId = z.string().min(1).max(128);
const limitedRecord = <T extends z.ZodType>(value: T) =>
  z.record(streamName, value).refine((o) => Object.keys(o).length <= MAX_DESCENDANT_STREAMS, 'too many streams');

/**
 * One node below a relay (relay tiers), as the relay that feeds it (`via`) sees it: its last load
 * report, and the streams it holds from that relay and why (pushed or pulled).
 */
export const descendantReport = z.strictObject({
  id: nodeId,
  via: nodeId,
  players: z.number().int().nonnegative(),
  cpuLoad: z.number().nonnegative(),
  connections: z.number().int().nonnegative(),
  streams: limitedRecord(z.number().int().nonnegative()),
  held: limitedRecord(z.enum(['pushed', 'pulled'])),
});
export type DescendantReport = z.output<typeof descendantReport>;

/**
 * What a relay may put in one load report of the nodes below it: at most MAX_DESCENDANTS nodes,
 * MAX_DESCENDANT_STREAMS streams each and MAX_DESCENDANT_ENTRIES in all (the streams with the most
 * players first, then held ones), so a big tree never makes the report too large for the frame, or
 * invalid to the origin, which would then lose the relay's load altogether. What is left out is a
 * stream the origin does not send players to that node for.
 */
export function boundDescendants(reports: readonly DescendantReport[]): DescendantReport[] {
  let budget = MAX_DESCENDANT_ENTRIES;
  return reports.slice(0, MAX_DESCENDANTS).map((r) => {
    const room = Math.max(0, Math.min(MAX_DESCENDANT_STREAMS, Math.floor(budget / 2)));
    const streams = Object.entries(r.streams)
      .sort((a, b) => b[1] - a[1])
      .slice(0, room);
    const watched = new Set(streams.map(([name]) => name));
    const held = Object.entries(r.held)
      .sort(([a], [b]) => Number(watched.has(b)) - Number(watched.has(a)))
      .slice(0, room);
    budget -= streams.length + held.length;
    return { ...r, streams: Object.fromEntries(streams), held: Object.fromEntries(held) };
  });
}

/** Edge -> origin notification, every `cdn.load_report_ms` (default 1 s): what LESS_LOADED_NODE and FEWESTCALLS use. */
export const loadNotification = z.strictObject({
  /** A relay (relay tiers): every node below it, so the origin can send players there. */
  descendants: z.array(descendantReport).max(MAX_DESCENDANTS).optional(),
  players: z.number().int().nonnegative(),
  cpuLoad: z.number().nonnegative(),
  connections: z.number().int().nonnegative().optional(),
  // Console (docs/console.md): players per stream name here, always; the edge's traffic in bits/s,
  // only while the origin asked for it with `watch` (measuring it costs a worker request per transport).
  streams: z
    .record(streamName, z.number().int().nonnegative())
    .refine((o) => Object.keys(o).length <= MAX_LOAD_STREAMS, 'too many streams')
    .optional(),
  bitrateIn: z.number().nonnegative().optional(),
  bitrateOut: z.number().nonnegative().optional(),
});

/**
 * Feeder -> node notification, first once the link is up (relay tiers): how near the feeder is to
 * the node in the tree (0: its parent relay; the origins after its last relay; tiers.ts feedRank).
 * A node relayed one stream by two feeders keeps the nearer one's (relayTakeover.ts). A feeder that
 * does not send it counts as an origin.
 */
export const upstreamNotification = z.strictObject({ rank: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) });

/** Origin -> edge notification: a console is (on) or is no longer (off) watching the cluster on the origin. */
export const watchNotification = z.strictObject({ on: z.boolean() });

/** Edge -> origin notification: a relayed stream was lost on the edge (e.g. its worker died). */
export const relayStreamClosedNotification = z.strictObject({ stream: streamName, relayId });

/**
 * Origin -> edge notification, just before the origin closes the link on purpose (the edge left
 * loadbalancing.xml, the origin is shutting down): its relays end now, with no grace period.
 */
export const relayEndNotification = z.strictObject({});

/** Edge -> origin notification: a pipe closed on the edge (its worker died); every stream on it went with it. */
export const relayPipeClosedNotification = z.strictObject({ pipeId });

/**
 * Origin -> edge notification: one event of a relayed stream, in the stream's order (`seq`), for its
 * players there. Sent as it happens while the link is up; after a blip, what the edge missed is
 * sent again once its relayHeld says where it stopped.
 */
export const relayStreamEventNotification = z.strictObject({
  stream: streamName,
  relayId: id,
  seq: eventSeq.min(1),
  type: z.enum(STREAM_EVENT_TYPES),
  payload: eventPayload,
});

/**
 * Origin -> edge notification: a relayed stream's event state (the last event's number and the mute
 * state). Sent right after relayStream, so the edge starts from it and the events after it follow
 * as relayStreamEvent; and after a blip when the events the edge missed are no longer kept
 * (streamEvents.ts REPLAY_EVENTS): the edge's players then get the mute changes, and the data
 * events in between are lost.
 */
export const relayStreamStateNotification = z.strictObject({
  stream: streamName,
  relayId: id,
  seq: eventSeq,
  audioMuted: z.boolean(),
  videoMuted: z.boolean(),
});

const wsUrl = z
  .string()
  .max(512)
  .regex(/^wss?:\/\/[^\s]+$/);
const httpUrl = z
  .string()
  .max(512)
  .regex(/^https?:\/\/[^\s]+$/);

/**
 * Origin -> edge notification, once the link is up: where publishers reach the origin (its command
 * channel and HTTP base, plain and, with TLS, secure). An edge sends a publisher there instead of
 * refusing it (publish.allow_direct).
 */
export const originInfoNotification = z.strictObject({ url: wsUrl, secureUrl: wsUrl.optional(), httpBase: httpUrl, secureHttpBase: httpUrl.optional() });

/** Edge -> origin requests: what an edge asks of its origin. */
export const ORIGIN_REQUESTS = {
  /** A data event for a stream the origin publishes, sent to the edge (REST); answered `{seq}`. */
  sendStreamEvent: z.strictObject({ stream: streamName, payload: eventPayload }),
  /**
   * A player on the edge asks for a stream the edge does not hold (on-demand edges): answered `{}`
   * once the origin's relay of it to this edge is complete, STREAM_NOT_FOUND when the stream is
   * not published on this origin, MEDIA_UNAVAILABLE when the relay is not in place in time.
   */
  pullStream: z.strictObject({ stream: streamName }),
} as const;

export type OriginRequest = { [M in keyof typeof ORIGIN_REQUESTS]: { method: M; data: z.output<(typeof ORIGIN_REQUESTS)[M]> } }[keyof typeof ORIGIN_REQUESTS];

export function parseOriginRequest(method: string, data: Record<string, unknown>): OriginRequest {
  if (!Object.prototype.hasOwnProperty.call(ORIGIN_REQUESTS, method)) throw new AppError('UNKNOWN_COMMAND', `unknown request to the origin "${method}"`);
  const r = ORIGIN_REQUESTS[method as keyof typeof ORIGIN_REQUESTS].safeParse(data);
  if (!r.success) throw new AppError('BAD_REQUEST', `${method}: ${describe(r.error)}`);
  return { method, data: r.data } as OriginRequest;
}

/** Most relays one digest lists: far above any real origin, low enough to bound the work of a forged one. */
export const MAX_DIGEST_ENTRIES = 100_000;
/** Most pipes one digest lists: one per origin worker, so 1024 (the `workers` cap) is plenty. */
export const MAX_DIGEST_PIPES = 1024;

const digestLists = {
  /** Numbers the digest; the edge's relayHeld answer names the digest it answers. */
  seq: z.number().int().nonnegative(),
  pipes: z.array(pipeId).max(MAX_DIGEST_PIPES),
  streams: z.array(z.strictObject({ stream: streamName, relayId: id, pipeId })).max(MAX_DIGEST_ENTRIES),
};

/**
 * Origin -> edge notification, when the link comes up and every `cdn.relay_digest_ms`: every pipe
 * and every relay the origin has sent to the edge over this session. The edge drops the relayed
 * streams and pipes of the origin that are not listed (a relay whose end it never heard of), so
 * nothing a race left behind outlives one digest, and answers with relayHeld.
 */
export const relayDigestNotification = z.strictObject(digestLists);

/**
 * Edge -> origin notification, the answer to relayDigest `seq`: every pipe (made or being made) and
 * relayed stream the edge holds from this origin after reading it. The origin relays again, at
 * once, whatever it listed that the edge no longer holds (lost on the edge while the link was down,
 * or by any other means): the second half of the two-way digest.
 */
export const relayHeldNotification = z.strictObject(digestLists);

/**
 * Edge -> origin notification, right after relayHeld `seq`: per relayed stream, the last of its
 * events the edge has; the origin sends each the ones after (those it held back during a blip).
 * Apart from relayHeld so that an origin that does not know stream events ignores it.
 */
export const relayEventsHeldNotification = z.strictObject({
  seq: z.number().int().nonnegative(),
  relays: z.array(z.strictObject({ relayId: id, eventSeq })).max(MAX_DIGEST_ENTRIES),
});
