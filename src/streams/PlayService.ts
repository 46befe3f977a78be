// The one way a stream is played on this node, whatever the way in (command channel or WHEP):
// the redirect decision (on an origin, players go to an edge), the choice of worker (the least
// busy, the stream's own on a tie), the router on it (the worker's own, or for WHEP a codec router
// with the offer's payload types), pipes between workers, and the consumers. Access checks belong
// here too, so no way in can go around them.
import type * as ms from 'mediasoup/types';
import { checkToken, type Credentials } from '../auth/access';
import { AppError } from '../errors';
import type { CodecRouterLease } from '../media/CodecRouters';
import { createClientTransport, DEFAULT_INITIAL_BITRATE, onTransportClose, type TransportKind } from '../media/transports';
import { isMediaCodec } from '../sdp/codecs';
import { planPlayerRouter, type PlayerRouterPlan, type WhepPlan } from '../sdp/whep';
import { layerHoldOptions } from './layerHold';
import { trackWaitMs } from './trackWait';
import { Playback, type ConsumerInfo, type PlaySlot } from './Playback';
import type { PlayRedirect } from './PlayRedirect';
import { checkPlainAllowed, type StreamServiceOptions } from './PublishService';
import type { Stream } from './Stream';

/** What a player asks for. */
export type PlayRequest =
  /** A command-channel client (the SDK): its device's capabilities; later tracks are offered too. */
  | { via: 'client'; transport: TransportKind; rtpCapabilities: ms.RtpCapabilities; maxBitrate?: number }
  /** A WHEP offer: its receiving sections and their payload types. */
  | { via: 'whep'; plan: WhepPlan };

/**
 * Where a player of `stream` should go instead of here, or null to serve it here. Throws
 * STREAM_NOT_FOUND when the cluster knows no such stream. Plugged in by the origin.
 */
export type Redirector = (stream: string, secure: boolean) => Promise<PlayRedirect | null>;

/**
 * Asks the origins for a stream this node does not hold (an on-demand edge), resolving once it is
 * here (true) or no origin has it (false). Plugged in by an edge.
 */
export type Puller = (stream: string) => Promise<boolean>;

export class PlayService {
  readonly #options: StreamServiceOptions;
  readonly #playbacks = new Set<Playback>();
  #redirector: Redirector | null = null;
  #puller: Puller | null = null;

  constructor(options: StreamServiceOptions) {
    this.#options = options;
  }

  /** The origin's edge choice; without one every player is served here. */
  setRedirector(redirector: Redirector | null): void {
    this.#redirector = redirector;
  }

  /** On an edge: how a player's stream that is not here is asked of the origins (on-demand edges). */
  setPuller(puller: Puller | null): void {
    this.#puller = puller;
  }

  /** Live players on this node, whatever the way in (FEWESTCALLS and load reports count these). */
  get players(): number {
    return this.#playbacks.size;
  }

  /** Every live player on this node (the REST API lists them). */
  all(): Playback[] {
    return [...this.#playbacks];
  }

  /** Live players of one stream on this node. */
  playersOf(name: string): number {
    let n = 0;
    for (const p of this.#playbacks) if (p.name === name) n++;
    return n;
  }

  /**
   * The edge a player should use instead of this node, or null to play here. The player's token is
   * checked first (when auth.play=token), so an edge's address is not given to just anyone; the
   * edge checks the same token again (same auth.token_secret), which the way in passes along.
   */
  async redirect(name: string, secure: boolean, credentials: Credentials): Promise<PlayRedirect | null> {
    if (!this.#redirector) return null;
    checkToken(this.#options.config, 'play', name, credentials);
    return this.#redirector(name, secure);
  }

  /**
   * Plays `name` here: STREAM_NOT_FOUND when this node has no such stream (or, for WHEP, it has no
   * track yet: the answer's sections are fixed), CANNOT_CONSUME when no track fits the player,
   * MEDIA_UNAVAILABLE when no transport can be opened; UNAUTHORIZED / FORBIDDEN without a play
   * token that covers it (when auth.play=token), NOT_ALLOWED for plain RTP where it is disabled.
   */
  async play(name: string, request: PlayRequest, credentials: Credentials): Promise<{ playback: Playback; consumers: ConsumerInfo[] }> {
    const { media, config, logger } = this.#options;
    checkToken(config, 'play', name, credentials);
    if (request.via === 'client') checkPlainAllowed(config, request.transport);
    // An on-demand edge holds a stream only once a player needs it: the first one here waits for it.
    if (!this.#options.streams.get(name) && this.#puller) await this.#puller(name);
    const stream = this.#options.streams.get(name);
    if (!stream) throw new AppError('STREAM_NOT_FOUND', `CDN stream not found: "${name}"`);
    const home = media.pickRouter(stream.router);
    let router = home;
    let lease: CodecRouterLease | null = null;
    let slots: PlaySlot[] | null = null;
    let rtpCapabilities: ms.RtpCapabilities;
    let kind: TransportKind = 'webrtc';
    let maxBitrate: number | null = null;
    if (request.via === 'whep') {
      await awaitTracks(
        stream,
        request.plan.slots.map((slot) => slot.kind),
      );
      if (stream.closed) throw new AppError('STREAM_NOT_FOUND', `stream "${name}" ended`);
      const whep = planWhepRouter(stream, request.plan);
      slots = whep.slots;
      rtpCapabilities = whep.rtpCapabilities;
      const worker = media.workerOf(home);
      if (!worker) throw new AppError('STREAM_NOT_FOUND', `stream "${name}" ended`);
      lease = await media.codecRouters.acquire(worker, whep.mediaCodecs);
      router = lease.router;
    } else {
      rtpCapabilities = request.rtpCapabilities;
      kind = request.transport;
      maxBitrate = request.maxBitrate ?? null;
    }
    let transport: ms.WebRtcTransport | ms.PlainTransport;
    try {
      const initial = maxBitrate ? Math.min(DEFAULT_INITIAL_BITRATE, maxBitrate) : DEFAULT_INITIAL_BITRATE;
      transport = await createClientTransport(router, kind, config, 'recv', initial);
    } catch (err) {
      lease?.release();
      throw err;
    }
    // Counted against the worker's own router, whichever router of that worker it is on.
    media.track(home, transport);
    const playback = new Playback({
      stream,
      router,
      transport,
      kind,
      rtpCapabilities,
      pipes: media.pipes,
      lease,
      slots,
      maxBitrate,
      logger: logger.child({ stream: name }),
      onConsumer: (consumer) => media.trackConsumer(home, consumer),
      layerHold: layerHoldOptions(config.playLayerHoldMs, config.playLayerHoldMaxMs),
    });
    try {
      if (stream.closed) throw new AppError('STREAM_NOT_FOUND', `stream "${name}" ended`);
      const consumers = await playback.consumeAll();
      this.#playbacks.add(playback);
      onTransportClose(playback.transport, () => this.#playbacks.delete(playback));
      return { playback, consumers };
    } catch (err) {
      playback.close();
      throw err;
    }
  }
}

/** WHEP: until the stream has every kind in `want`, or its tracks are no longer young (trackWait.ts). */
async function awaitTracks(stream: Stream, want: string[]): Promise<void> {
  const waitMs = trackWaitMs(
    Date.now(),
    stream.tracksSince,
    stream.producers.map((p) => p.kind),
    want,
  );
  if (waitMs === 0) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stream.off('producer', check);
      stream.off('close', done);
      resolve();
    };
    const check = () => {
      if (
        trackWaitMs(
          Date.now(),
          stream.tracksSince,
          stream.producers.map((p) => p.kind),
          want,
        ) === 0
      )
        done();
    };
    const timer = setTimeout(done, waitMs);
    stream.on('producer', check);
    stream.once('close', done);
  });
}

/** WHEP: the sections that can be served, and the codec router they need (see planPlayerRouter). */
function planWhepRouter(stream: Stream, plan: WhepPlan): Omit<PlayerRouterPlan, 'kinds'> & { slots: PlaySlot[] } {
  if (stream.producers.length === 0) throw new AppError('STREAM_NOT_FOUND', `stream "${stream.name}" has no tracks yet`);
  const tracks = stream.producers.filter((p) => plan.slots.some((s) => s.kind === p.kind));
  const routerPlan = planPlayerRouter(
    tracks.map((p) => ({ kind: p.kind, ...p.rtpParameters.codecs.find((c) => isMediaCodec(c.mimeType))! })),
    plan.rtpCapabilities,
  );
  if (routerPlan.kinds.length === 0) throw new AppError('CANNOT_CONSUME', `cannot play "${stream.name}": no codec in common with the offer`);
  return {
    slots: plan.slots.filter((s) => routerPlan.kinds.includes(s.kind)),
    mediaCodecs: routerPlan.mediaCodecs,
    rtpCapabilities: routerPlan.rtpCapabilities,
  };
}
