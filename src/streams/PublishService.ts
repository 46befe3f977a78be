// The one way a stream comes into being on this node, whatever the way in: a command-channel
// `publish`, a WHIP POST, or an origin relaying a stream to this edge. It reserves the name in the
// registry (the single place that decides whether a name is free), places the stream on the least
// busy worker, and opens the transport its tracks arrive on. Access checks belong here too, so no
// way in can go around them.
import type * as ms from 'mediasoup/types';
import { type AccessConfig, checkDirectPublish, checkToken, type Credentials, directPublishAllowed } from '../auth/access';
import type { NodeConfig } from '../config/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import type { MediaPool } from '../media/MediaPool';
import { createClientTransport, listenInfoOf, type TransportKind } from '../media/transports';
import type { PlayRedirect } from './PlayRedirect';
import { type EndReason, Publication } from './Publication';
import { parseStreamName } from './streamName';
import type { Stream } from './Stream';
import type { StreamRegistry } from './StreamRegistry';

export interface StreamServiceOptions {
  config: Pick<NodeConfig, 'ip' | 'ipLocal' | 'mediaPortFrom' | 'mediaPortTo' | 'rtpPlainEnabled' | 'playLayerHoldMs' | 'playLayerHoldMaxMs'> & AccessConfig;
  logger: Logger;
  media: MediaPool;
  streams: StreamRegistry;
}

/** The edge's side of a relay pipe from one origin worker, and the router it lands in. */
export interface RelayPipe {
  pipe: ms.PipeTransport;
  router: ms.Router;
}

/** Where the origin's side of a relay pipe listens, and its SRTP keys. */
export interface RelayTuple {
  ip: string;
  port: number;
  srtpParameters: ms.SrtpParameters;
}

/** Where a publisher is sent instead (an edge's origin): the same URLs a player's redirect has. */
export type PublishRedirect = PlayRedirect;

/** The origin a publisher reaching this edge should use (secure: the wss/https URLs), or null when none is linked. Plugged in by the edge. */
export type PublishRedirector = (secure: boolean) => PublishRedirect | null;

/**
 * Checks a client publish of a name against what this node alone cannot see (the other origins'
 * streams, on an origin of several): throws (STREAM_NAME_TAKEN) to refuse. Synchronous, so nothing
 * changes between its verdict and the registration.
 */
export type PublishGuard = (name: string) => void;

export class PublishService {
  readonly #options: StreamServiceOptions;
  /** Live publications by stream, so an admin can end one (terminate) whatever its way in. */
  readonly #live = new Map<Stream, Publication>();
  #redirector: PublishRedirector | null = null;
  #guard: PublishGuard | null = null;

  constructor(options: StreamServiceOptions) {
    this.#options = options;
  }

  /** What this node's routers accept (the same on every worker): a publisher's codecs must fit. */
  get rtpCapabilities(): ms.RtpCapabilities {
    return this.#options.media.rtpCapabilities;
  }

  /** The edge's linked origins; without one a publish refused here is refused (NOT_ALLOWED). */
  setRedirector(redirector: PublishRedirector | null): void {
    this.#redirector = redirector;
  }

  /** The other origins' say on a name (OriginPeers.admit), on an origin of several. */
  setGuard(guard: PublishGuard | null): void {
    this.#guard = guard;
  }

  /**
   * Where a client publishing `name` must go instead of here, or null to publish here: on a node
   * where clients may not publish (an edge, publish.allow_direct), the origin it is linked to, as
   * a player reaching the origin is sent to an edge. NOT_ALLOWED when there is no origin to name
   * (none linked, or none with a secure URL for a secure client). The token, if any, is the
   * origin's to check.
   */
  redirect(rawName: string, secure: boolean): PublishRedirect | null {
    const { config } = this.#options;
    const name = parseStreamName(rawName);
    if (directPublishAllowed(config)) return null;
    const origin = this.#redirector?.(secure) ?? null;
    if (origin) return origin;
    checkDirectPublish(config, name);
    return null;
  }

  /**
   * Publishes `name` from a client: NOT_ALLOWED on an edge (publish.allow_direct) or for plain RTP
   * where it is disabled, UNAUTHORIZED / FORBIDDEN without a publish token that covers it (when
   * auth.publish=token), STREAM_NAME_TAKEN if it is in use, MEDIA_UNAVAILABLE if no transport can
   * be opened. The stream is PENDING until its first track.
   */
  async publish(rawName: string, kind: TransportKind, owner: { sessionId: string } & Credentials): Promise<Publication> {
    const { media, streams, config } = this.#options;
    // Ways in check the rule as they parse; checked again here so no future one can skip it.
    const name = parseStreamName(rawName);
    checkDirectPublish(config, name);
    checkPlainAllowed(config, kind);
    checkToken(config, 'publish', name, owner);
    if (streams.get(name)) throw new AppError('STREAM_NAME_TAKEN', `stream "${name}" is already published`);
    this.#guard?.(name);
    const router = media.pickRouter();
    const stream = streams.create(name, router, { kind: 'local', sessionId: owner.sessionId });
    try {
      const transport = await createClientTransport(router, kind, config, 'send');
      media.track(router, transport);
      if (stream.closed) {
        transport.close();
        throw new AppError('STREAM_NOT_FOUND', `stream "${name}" was unpublished while its transport opened`);
      }
      const publication = new Publication(stream, transport, kind);
      this.#live.set(stream, publication);
      stream.once('close', () => this.#live.delete(stream));
      return publication;
    } catch (err) {
      stream.close();
      throw err;
    }
  }

  /**
   * Ends the stream published here as `name` (REST /rest-api/stream/terminate; or, with `reason`,
   * an origin whose name another origin's better claim took): its publisher is told (UNPUBLISHED,
   * or FAILED with the reason's code), its players get UNPUBLISHED and, on an origin, every edge
   * drops it with the relay.
   * STREAM_NOT_FOUND when there is no such stream; NOT_ALLOWED for a stream an origin relays here
   * (the origin would relay it again: end it on the origin).
   */
  terminate(rawName: string, reason?: EndReason): Stream {
    const name = parseStreamName(rawName);
    const stream = this.#options.streams.get(name);
    if (!stream) throw new AppError('STREAM_NOT_FOUND', `stream "${name}" not found`);
    if (stream.source.kind === 'relay') {
      throw new AppError('NOT_ALLOWED', `stream "${name}" is relayed here by origin "${stream.source.originId}": terminate it on the origin`);
    }
    const publication = this.#live.get(stream);
    // A local stream without a publication is one whose transport is still opening: closing the
    // stream makes publish() fail with STREAM_NOT_FOUND, which is what its publisher then hears.
    if (publication) publication.terminate(reason);
    else stream.close();
    return stream;
  }

  /**
   * The edge side of a relay pipe: a PipeTransport (SRTP + RTX) connected to the origin's, on the
   * router with the fewest transports. Every stream of one origin worker arrives on it (see
   * acceptRelay); players on this node's other workers get them by intra-node piping (PipeCache).
   */
  async acceptRelayPipe(remote: RelayTuple): Promise<RelayPipe> {
    const { media, config } = this.#options;
    const router = media.pickRouter();
    const pipe = await router.createPipeTransport({ listenInfo: listenInfoOf(config, 'udp'), enableSrtp: true, enableRtx: true });
    media.track(router, pipe);
    try {
      await pipe.connect(remote);
    } catch (err) {
      pipe.close();
      throw err;
    }
    return { pipe, router };
  }

  /**
   * The edge side of a relayed stream: a stream on the pipe's router, whose tracks the caller
   * produces on the pipe. When this edge already has a stream of that name, it is taken over if it
   * is relayed and `replaceable` says so (another origin relayed it and is gone: the caller decides,
   * see relayTakeover.ts): the same Stream, and so the same players, now on this relay (takeOver).
   * Otherwise STREAM_NAME_TAKEN (a local one published here, or a live origin's); the origin
   * retries later. Synchronous: nothing can take the name between the check and the registration.
   * The pipe outlives the stream; the caller closes the stream when the pipe closes (one listener
   * per pipe, not one per stream).
   */
  acceptRelay(rawName: string, source: { originId: string; linkId: string }, on: RelayPipe, replaceable?: (held: Stream) => boolean): Stream {
    const { streams } = this.#options;
    const name = parseStreamName(rawName);
    if (on.pipe.closed) throw new AppError('PIPE_NOT_FOUND', 'the relay pipe closed');
    const held = streams.get(name);
    if (held) {
      if (held.source.kind !== 'relay' || !replaceable?.(held)) throw new AppError('STREAM_NAME_TAKEN', `stream "${name}" already exists on this edge`);
      held.takeOver({ kind: 'relay', ...source }, on.router);
      return held;
    }
    return streams.create(name, on.router, { kind: 'relay', ...source });
  }
}

/** NOT_ALLOWED for a plain-RTP transport on a node that disables them (rtp.plain_enabled=false). */
export function checkPlainAllowed(config: Pick<NodeConfig, 'rtpPlainEnabled'>, kind: TransportKind): void {
  if (kind === 'plain' && !config.rtpPlainEnabled) throw new AppError('NOT_ALLOWED', 'plain RTP is disabled on this node (rtp.plain_enabled=false)');
}
