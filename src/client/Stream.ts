// The WCS-style stream: `publish()` or `play()` one named stream, with STREAM_STATUS events. A
// player follows the origin's redirect to an edge by itself, and fails over (seed 004): when the
// stream is unpublished or the edge is lost it retries through the origin every `retryIntervalMs`
// until the stream plays again (from whichever edge the origin picks) or `maxRetries` runs out.
// A publisher whose origin is lost moves with its session (issue 21): PENDING while the session
// finds another origin, then the same name and media published there (republish.ts decides).
import type { types } from 'mediasoup-client';
import { Emitter } from './Emitter';
import { equalJitter } from './jitter';
import type { NodeLink } from './NodeLink';
import { NAME_TAKEN_RETRY_MS, republishAfter } from './republish';
import { Playback, type TrackFailure } from './Playback';
import { Publication } from './Publication';
import type { Session } from './Session';
import { type ErrorInfo, type Layers, type RetryInfo, SdkError, SESSION_STATUS, STREAM_EVENT, STREAM_STATUS, type StreamStatus } from './constants';

export interface StreamOptions {
  /** Stream name (the rule is in docs/protocol.md, "Stream names"). Required. */
  name: string;
  /** A <video>, or a container the SDK puts its <video> in. Optional. */
  display?: HTMLElement | null;
  /**
   * A publish or play token (docs/security.md), for nodes with auth.publish / auth.play = token.
   * Sent with `publish`, and with `play` to the origin and to the edge it redirects to (and on
   * every failover retry: give a token that outlives them, or renew it with setToken). Default none.
   */
  token?: string;

  // Publishing
  /** getUserMedia constraints. Default: audio, and video at up to 1280x720. */
  constraints?: MediaStreamConstraints;
  /** Publish this MediaStream instead of capturing (it is not stopped afterwards). */
  mediaStream?: MediaStream;
  /** VP8 simulcast with three layers. Default true. */
  simulcast?: boolean;
  /** Simulcast encodings (rid, scaleResolutionDownBy, maxBitrate). Default SIMULCAST_ENCODINGS. */
  encodings?: types.RtpEncodingParameters[];
  /** Keep the camera open after stop(). Default false. */
  cacheLocalResources?: boolean;
  /**
   * When the publisher's origin is lost and the session moves to another origin (RECONNECTING,
   * docs/sdk.md "Origin failover"), publish the same name there with the same media. Default true.
   */
  republish?: boolean;

  // Playing
  /** Retry through the origin when the stream ends or the node is lost. Default true. */
  failover?: boolean;
  /** Delay between attempts, jittered: each waits between half and all of it (src/client/jitter.ts). Default 1000 ms. */
  retryIntervalMs?: number;
  /** Attempts before FAILED; reset whenever play resumes. Default 60. */
  maxRetries?: number;
  /** Caps what the node sends this player, bits/s (mediasoup setMaxOutgoingBitrate). Default none. */
  maxBitrate?: number;
  /** Start muted (autoplay with sound needs a user gesture; the SDK falls back to muted anyway). Default false. */
  muted?: boolean;
  /** How long no video layer must fit before NOT_ENOUGH_BANDWIDTH. Default 1000 ms. */
  bandwidthGraceMs?: number;
  /** Receive the stream's audio (WCS's option name). Default true. */
  receiveAudio?: boolean;
  /** Receive the stream's video (WCS's option name). Default true. */
  receiveVideo?: boolean;
}

export type StreamEvents = { [K in StreamStatus]: [Stream] } & {
  [STREAM_EVENT.RETRYING]: [Stream, RetryInfo];
  [STREAM_EVENT.NODE_CHANGED]: [Stream, string];
  [STREAM_EVENT.LAYERS_CHANGED]: [Stream, Layers | null];
  [STREAM_EVENT.TRACK_FAILED]: [Stream, TrackFailure];
  [STREAM_EVENT.TRACK_PAUSED]: [Stream, { kind: 'audio' | 'video'; paused: boolean }];
  [STREAM_EVENT.DATA]: [Stream, unknown];
};

export class Stream extends Emitter<StreamEvents> {
  readonly #session: Session;
  readonly #options: StreamOptions;
  #status: StreamStatus = STREAM_STATUS.NEW;
  #error: ErrorInfo | null = null;
  #statusMessage: string | null = null;
  #role: 'publisher' | 'player' | null = null;
  #publication: Publication | null = null;
  #playback: Playback | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #retries = 0;
  #nodeId: string | null = null;
  #layers: Layers | null = null;
  /** Bumped by stop() and each new play()/publish(), so late results of an old run are ignored. */
  #run = 0;
  /** Publisher: the MediaStream the page gave (never stopped by the SDK), if any. */
  #pageMedia: MediaStream | undefined;
  /** Publisher: waiting for the session's next origin, with the media to publish there. */
  #waiting: { at: number; media: MediaStream | null } | null = null;
  /** Publisher: what the page paused and sent instead, applied again after a move to another node. */
  readonly #pausedKinds = new Set<'audio' | 'video'>();
  readonly #sendingInstead = new Map<'audio' | 'video', MediaStreamTrack>();

  constructor(session: Session, options: StreamOptions) {
    super();
    if (!options || typeof options.name !== 'string' || !options.name) throw new SdkError('INVALID_STATE', 'createStream needs {name}');
    this.#session = session;
    this.#options = { ...options };
  }

  name(): string {
    return this.#options.name;
  }

  status(): StreamStatus {
    return this.#status;
  }

  /** Why the stream FAILED (or, while a player retries, why it is retrying); null otherwise. */
  getErrorInfo(): ErrorInfo | null {
    return this.#error;
  }

  /**
   * The node's own words with the last status, when it gave some: "Stopped by rest /terminate"
   * (WCS's text) when an admin ended the published stream (docs/rest.md). Null otherwise.
   */
  statusMessage(): string | null {
    return this.#statusMessage;
  }

  /** Player: whether the publisher paused (muted) its track of this kind; null when none is received. */
  isTrackPaused(kind: 'audio' | 'video'): boolean | null {
    return this.#playback?.trackPaused(kind) ?? null;
  }

  /** Id of the node the stream is played from (an edge after a redirect); null when not playing. */
  nodeId(): string | null {
    return this.#nodeId;
  }

  /** The simulcast layers the node currently forwards to this player (null: none or unknown). */
  getLayers(): Layers | null {
    return this.#layers;
  }

  /** 'publisher', 'player' or null before publish()/play(). */
  role(): 'publisher' | 'player' | null {
    return this.#role;
  }

  /** The MediaStream shown: local media for a publisher, received media for a player. */
  getMediaStream(): MediaStream | null {
    return this.#publication?.mediaStream ?? this.#playback?.mediaStream ?? null;
  }

  /** The player's receive transport id on its node (for diagnostics); null when not playing. */
  transportId(): string | null {
    return this.#playback?.transportId ?? null;
  }

  /** `media`: publish this MediaStream this time instead of capturing (as the `mediaStream` option). */
  publish(media?: MediaStream): this {
    this.#begin('publisher');
    const link = this.#session.link();
    if (!link) {
      this.#fail({ code: 'INVALID_STATE', message: 'publish() needs an ESTABLISHED session' });
      return this;
    }
    this.#pageMedia = media ?? this.#options.mediaStream;
    this.#publishOn(this.#run, link, null);
    return this;
  }

  /**
   * One attempt to publish on `link`. `lost`: when the stream lost its node (a republish), null for
   * the first attempt; the media captured then is published again rather than captured anew.
   */
  #publishOn(run: number, link: NodeLink, lost: { at: number; media: MediaStream | null } | null): void {
    const publication = new Publication(link, {
      name: this.#options.name,
      display: this.#options.display,
      constraints: this.#options.constraints ?? {
        audio: true,
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
      },
      mediaStream: this.#pageMedia,
      captured: lost?.media ?? undefined,
      simulcast: this.#options.simulcast ?? true,
      encodings: this.#options.encodings,
      cacheLocalResources: this.#options.cacheLocalResources ?? false,
      token: this.#options.token,
      keepMediaOnFailure: this.#republishes(),
    });
    this.#publication = publication;
    let published = false;
    if (this.#nodeId !== link.nodeId) {
      const first = this.#nodeId === null;
      this.#nodeId = link.nodeId;
      if (!first) this.emit(STREAM_EVENT.NODE_CHANGED, this, link.nodeId);
    }
    publication
      .on('node', (nodeId) => {
        // An edge sent the publisher to its origin.
        if (run !== this.#run || nodeId === this.#nodeId) return;
        this.#nodeId = nodeId;
        this.emit(STREAM_EVENT.NODE_CHANGED, this, nodeId);
      })
      .on('publishing', () => {
        if (run !== this.#run) return;
        published = true;
        this.#retries = 0;
        this.#error = null;
        if (lost) void this.#restoreSending(publication);
        this.#setStatus(STREAM_STATUS.PUBLISHING);
      })
      .on('unpublished', (message) => {
        if (run !== this.#run) return;
        this.#statusMessage = message;
        this.#setStatus(STREAM_STATUS.UNPUBLISHED);
      })
      .on('failed', (error) => {
        if (run !== this.#run) return;
        const next = republishAfter(error, {
          wasPublishing: published || lost !== null,
          republish: this.#republishes(),
          lostAt: lost?.at ?? null,
          now: Date.now(),
        });
        // A session that will not reconnect (one origin known, or disconnect()) already said so:
        // it heard the socket close before this publication did.
        const sessionEnded = this.#session.status() === SESSION_STATUS.DISCONNECTED || this.#session.status() === SESSION_STATUS.FAILED;
        if (next === 'fail' || sessionEnded) {
          publication.releaseMedia();
          return this.#fail(error);
        }
        // A loss after this attempt published is a new loss: its STREAM_NAME_TAKEN grace starts now.
        const again = { at: published || !lost ? Date.now() : lost.at, media: publication.mediaStream };
        this.#republish(run, again, error, next === 'name-taken' ? NAME_TAKEN_RETRY_MS : 0);
      });
    publication.start().catch((err) => publication.fail(SdkError.from(err)));
  }

  /**
   * The publisher lost its node (or the new one still has the name): PENDING, RETRYING, then a new
   * attempt on the session's origin once it is ESTABLISHED (at once if it still is, after the
   * session's own reconnect otherwise), with the same media. The session ending gives up (FAILED).
   */
  #republish(run: number, lost: { at: number; media: MediaStream | null }, reason: ErrorInfo, delayMs: number): void {
    this.#error = reason;
    this.#retries++;
    this.#setStatus(STREAM_STATUS.PENDING);
    const maxRetries = this.#options.maxRetries ?? 60;
    const giveUp = (error: ErrorInfo) => {
      if (lost.media && !this.#pageMedia && !(this.#options.cacheLocalResources ?? false)) lost.media.getTracks().forEach((t) => t.stop());
      this.#fail(error);
    };
    if (this.#retries > maxRetries) return giveUp({ code: reason.code, message: `gave up after ${maxRetries} retries: ${reason.message}` });
    const jittered = delayMs > 0 ? equalJitter(delayMs) : 0;
    this.emit(STREAM_EVENT.RETRYING, this, { attempt: this.#retries, maxRetries, delayMs: jittered, reason });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (run !== this.#run) return;
      this.#waiting = lost;
      void this.#session.whenEstablished().then((link) => {
        if (run !== this.#run) return;
        this.#waiting = null;
        if (!link) return giveUp({ code: 'CONNECTION_LOST', message: `no origin to publish on: ${this.#session.getErrorInfo()?.message ?? reason.message}` });
        this.#publishOn(run, link, lost);
      });
    }, jittered);
  }

  /** After a republish: the page's pauses and sendInstead() tracks hold on the new node too. */
  async #restoreSending(publication: Publication): Promise<void> {
    try {
      for (const [kind, track] of this.#sendingInstead) await publication.sendInstead(kind, track);
      for (const kind of this.#pausedKinds) await publication.setPaused(kind, true);
    } catch (err) {
      console.warn(`[cdn-sdk] "${this.#options.name}": could not restore paused or replaced tracks after moving node`, err);
    }
  }

  play(): this {
    this.#begin('player');
    void this.#attempt(this.#run, true);
    return this;
  }

  /** Publisher: unpublish (-> UNPUBLISHED). Player: stop playing and retrying (-> STOPPED). */
  stop(): this {
    const role = this.#role;
    // A stream that already ended (FAILED, STOPPED, UNPUBLISHED publisher) keeps its status and
    // error: stop() is also how pages clean up, and must not hide why the stream ended.
    const ended = this.#status === STREAM_STATUS.FAILED || this.#status === STREAM_STATUS.STOPPED || this.#status === STREAM_STATUS.NEW;
    const publisherDone = role === 'publisher' && this.#status === STREAM_STATUS.UNPUBLISHED;
    if ((ended || publisherDone) && !this.#retryTimer) return this;
    this.#run++;
    const wasRetrying = this.#retryTimer !== null || this.#waiting !== null;
    this.#clearRetry();
    if (role === 'publisher' && wasRetrying) {
      // Between two nodes: nothing is published anywhere; only the media kept for the next attempt is left.
      const media = this.#waiting?.media ?? this.#publication?.mediaStream ?? null;
      this.#waiting = null;
      if (!this.#pageMedia && !(this.#options.cacheLocalResources ?? false)) media?.getTracks().forEach((t) => t.stop());
      this.#setStatus(STREAM_STATUS.UNPUBLISHED);
    } else if (role === 'publisher' && this.#publication) {
      const publication = this.#publication;
      const run = this.#run;
      // The unpublish may also end as a failure (the session's socket closing under it, as in
      // disconnect()): the stream was asked to stop, and it has.
      publication
        .on('unpublished', () => run === this.#run && this.#setStatus(STREAM_STATUS.UNPUBLISHED))
        .on('failed', () => run === this.#run && this.#setStatus(STREAM_STATUS.UNPUBLISHED));
      void publication.stop();
    } else if (role === 'player') {
      this.#playback?.stop();
      this.#playback = null;
      this.#nodeId = null;
      this.#setStatus(STREAM_STATUS.STOPPED);
    }
    return this;
  }

  /** The browser's WebRTC stats of this stream's transport (null when there is none). */
  async getStats(): Promise<RTCStatsReport | null> {
    return (await this.#publication?.getStats()) ?? (await this.#playback?.getStats()) ?? null;
  }

  /** Publisher: sends `track` (a new camera or microphone) instead of the current one of its kind. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    if (!this.#publication || this.#status !== STREAM_STATUS.PUBLISHING) throw new SdkError('INVALID_STATE', 'replaceTrack() needs a PUBLISHING stream');
    await this.#publication.replaceTrack(track);
  }

  /** Publisher: sends `track` for its kind instead of the captured one (null: the captured one again); see Publication.sendInstead. */
  async sendInstead(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    if (!this.#publication || this.#status !== STREAM_STATUS.PUBLISHING) throw new SdkError('INVALID_STATE', 'sendInstead() needs a PUBLISHING stream');
    await this.#publication.sendInstead(kind, track);
    if (track) this.#sendingInstead.set(kind, track);
    else this.#sendingInstead.delete(kind);
  }

  /** Publisher: pauses or resumes one kind; players get TRACK_PAUSED. */
  async setTrackPaused(kind: 'audio' | 'video', paused: boolean): Promise<void> {
    if (!this.#publication || this.#status !== STREAM_STATUS.PUBLISHING) throw new SdkError('INVALID_STATE', 'setTrackPaused() needs a PUBLISHING stream');
    await this.#publication.setPaused(kind, paused);
    if (paused) this.#pausedKinds.add(kind);
    else this.#pausedKinds.delete(kind);
  }

  /**
   * Publisher: sends `payload` (any JSON value, at most the node's stream.event_max_bytes as JSON)
   * to every player of the stream, on every node, in the order sent (their STREAM_EVENT.DATA).
   * Rejects with EVENT_TOO_LARGE, RATE_LIMITED (stream.events_per_s) or INVALID_STATE.
   */
  async sendData(payload: unknown): Promise<void> {
    if (!this.#publication || this.#status !== STREAM_STATUS.PUBLISHING) throw new SdkError('INVALID_STATE', 'sendData() needs a PUBLISHING stream');
    await this.#publication.sendData(payload);
  }

  /** Replaces the token used by the next publish or play attempt (e.g. before the old one expires). */
  setToken(token: string | undefined): void {
    this.#options.token = token;
  }

  /** Player: caps what the node sends (bits/s); kept across failover. */
  async setMaxBitrate(bitrate: number): Promise<void> {
    this.#options.maxBitrate = bitrate;
    await this.#playback?.setMaxBitrate(bitrate);
  }

  /** Player: asks for a given simulcast layer (the node still drops lower when the link is short). */
  async setPreferredLayers(spatialLayer: number, temporalLayer?: number): Promise<void> {
    await this.#playback?.setPreferredLayers(spatialLayer, temporalLayer);
  }

  #begin(role: 'publisher' | 'player'): void {
    const busy: StreamStatus[] = [STREAM_STATUS.PENDING, STREAM_STATUS.PUBLISHING, STREAM_STATUS.PLAYING, STREAM_STATUS.NOT_ENOUGH_BANDWIDTH];
    if (busy.includes(this.#status) || this.#retryTimer || this.#waiting) {
      throw new SdkError('INVALID_STATE', `stream "${this.#options.name}" is ${this.#status}; stop() it first`);
    }
    this.#run++;
    this.#role = role;
    this.#error = null;
    this.#statusMessage = null;
    this.#retries = 0;
    this.#publication = null;
    this.#playback = null;
    this.#waiting = null;
    this.#nodeId = null;
    this.#pausedKinds.clear();
    this.#sendingInstead.clear();
    this.#setStatus(STREAM_STATUS.PENDING);
  }

  async #attempt(run: number, first: boolean): Promise<void> {
    let playback: Playback;
    try {
      playback = await Playback.start(this.#session.link(), this.#session.getServerUrl(), this.#session.linkOptions(), {
        name: this.#options.name,
        display: this.#options.display,
        muted: this.#options.muted ?? false,
        maxBitrate: this.#options.maxBitrate,
        token: this.#options.token,
        bandwidthGraceMs: this.#options.bandwidthGraceMs ?? 1000,
        receive: { audio: this.#options.receiveAudio ?? true, video: this.#options.receiveVideo ?? true },
      });
    } catch (err) {
      if (run !== this.#run) return;
      const error = SdkError.from(err);
      // The first attempt reports its failure (e.g. "stream not found") as WCS does; retrying is
      // for streams that were playing and went away.
      if (first || !this.#failover()) this.#fail(error);
      else this.#scheduleRetry(run, error);
      return;
    }
    if (run !== this.#run) {
      playback.stop();
      return;
    }
    this.#playback = playback;
    if (this.#nodeId !== playback.nodeId) {
      this.#nodeId = playback.nodeId;
      this.emit(STREAM_EVENT.NODE_CHANGED, this, playback.nodeId);
    }
    playback
      .on('playing', () => {
        if (run !== this.#run) return;
        this.#retries = 0;
        this.#error = null;
        this.#setStatus(STREAM_STATUS.PLAYING);
      })
      .on('layers', (layers) => {
        if (run !== this.#run) return;
        this.#layers = layers;
        this.emit(STREAM_EVENT.LAYERS_CHANGED, this, layers);
      })
      .on('trackFailed', (failure) => run === this.#run && this.emit(STREAM_EVENT.TRACK_FAILED, this, failure))
      .on('trackPaused', (kind, paused) => run === this.#run && this.emit(STREAM_EVENT.TRACK_PAUSED, this, { kind, paused }))
      .on('data', (payload) => run === this.#run && this.emit(STREAM_EVENT.DATA, this, payload))
      .on('bandwidth', (enough) => run === this.#run && this.#setStatus(enough ? STREAM_STATUS.PLAYING : STREAM_STATUS.NOT_ENOUGH_BANDWIDTH))
      .on('ended', (info) => {
        if (run !== this.#run) return;
        this.#playback = null;
        this.#layers = null;
        const error = { code: info.code, message: info.message };
        if (!this.#failover()) {
          if (info.unpublished) this.#setStatus(STREAM_STATUS.UNPUBLISHED);
          else this.#fail(error);
          return;
        }
        this.#error = error;
        this.#setStatus(info.unpublished ? STREAM_STATUS.UNPUBLISHED : STREAM_STATUS.PENDING);
        this.#scheduleRetry(run, error);
      });
    // Notifications that arrived while start() was still setting up were emitted before these
    // listeners existed: catch up from the playback's state.
    if (playback.layers) {
      this.#layers = playback.layers;
      this.emit(STREAM_EVENT.LAYERS_CHANGED, this, playback.layers);
    }
    if (playback.playing) {
      this.#retries = 0;
      this.#error = null;
      this.#setStatus(STREAM_STATUS.PLAYING);
    }
    // A player joining while the publisher has a track muted is told so, then hears the stream's
    // events from where the node's state left off.
    const { audioMuted, videoMuted } = playback.muted;
    if (audioMuted) this.emit(STREAM_EVENT.TRACK_PAUSED, this, { kind: 'audio', paused: true });
    if (videoMuted) this.emit(STREAM_EVENT.TRACK_PAUSED, this, { kind: 'video', paused: true });
    playback.releaseEvents();
  }

  #failover(): boolean {
    return this.#options.failover ?? true;
  }

  #republishes(): boolean {
    return this.#options.republish ?? true;
  }

  #scheduleRetry(run: number, reason: ErrorInfo): void {
    const maxRetries = this.#options.maxRetries ?? 60;
    if (this.#retries >= maxRetries) {
      this.#fail({ code: reason.code, message: `gave up after ${maxRetries} retries: ${reason.message}` });
      return;
    }
    this.#retries++;
    this.#error = reason;
    // Jittered: the players of one edge that died together must not all ask the origin in the same instant again.
    const delayMs = equalJitter(this.#options.retryIntervalMs ?? 1000);
    this.emit(STREAM_EVENT.RETRYING, this, { attempt: this.#retries, maxRetries, delayMs, reason });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (run === this.#run) void this.#attempt(run, false);
    }, delayMs);
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #fail(error: ErrorInfo): void {
    this.#clearRetry();
    this.#playback?.stop();
    this.#playback = null;
    this.#error = { code: error.code, message: error.message };
    this.#setStatus(STREAM_STATUS.FAILED);
  }

  #setStatus(status: StreamStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.emit(status, this);
  }
}
