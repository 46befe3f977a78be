// One attempt to play a stream: ask the origin, follow its redirect to an edge, set up the receive
// transport and consumers there, and report how it ends. Failover (in Stream) makes a new Playback
// per attempt, so nothing here has to be reset or reused.
import type { types } from 'mediasoup-client';
import { Emitter } from './Emitter';
import type { Notification } from './Channel';
import { NodeLink, type NodeLinkOptions } from './NodeLink';
import { type ErrorInfo, type Layers, SdkError } from './constants';
import { attach, detach } from './display';

export interface PlaybackEvents extends Record<string, unknown[]> {
  /** The node resumed our consumers: media flows. */
  playing: [];
  /** Play ended without stop(): the stream was unpublished (`unpublished`) or the node was lost. */
  ended: [ErrorInfo & { unpublished: boolean }];
  layers: [Layers | null];
  /** false when no simulcast layer fits the link (see #onLayers), true when one fits again. */
  bandwidth: [boolean];
  /** A track could not be played (refused by the node, or the browser could not consume it). */
  trackFailed: [TrackFailure];
  /** The publisher paused (true) or resumed (false) its track of this kind (its mute and unmute). */
  trackPaused: ['audio' | 'video', boolean];
  /** Data sent to the stream's players (the publisher's sendData, or REST). */
  data: [unknown];
}

/** What the node says of the stream's tracks when play starts (`streamState` of the play answer). */
export interface TrackState {
  audioMuted: boolean;
  videoMuted: boolean;
}

/** Why one track of a played stream is missing; the other tracks play on. */
export interface TrackFailure {
  kind: 'audio' | 'video';
  code: ErrorInfo['code'];
  message: string;
}

export interface PlaybackOptions {
  name: string;
  display?: HTMLElement | null;
  muted: boolean;
  maxBitrate?: number;
  /** Play token, sent to the origin and to the edge it redirects to (both check it). */
  token?: string;
  /** How long video layers must stay null before NOT_ENOUGH_BANDWIDTH. */
  bandwidthGraceMs: number;
  /** Kinds to receive (WCS's receiveAudio/receiveVideo); a track of another kind stays paused on the node. Default both. */
  receive?: { audio: boolean; video: boolean };
}

interface ConsumerInfo {
  id: string;
  producerId: string;
  kind: 'audio' | 'video';
  /** mediasoup consumer type: 'simple', 'simulcast', 'svc' or 'pipe'. */
  type: string;
  rtpParameters: types.RtpParameters;
  producerPaused: boolean;
}

interface PlayResponse {
  redirect?: { url: string; nodeId: string };
  transport?: {
    id: string;
    iceParameters: types.IceParameters;
    iceCandidates: types.IceCandidate[];
    dtlsParameters: types.DtlsParameters;
  };
  consumers?: ConsumerInfo[];
  streamState?: TrackState;
}

export class Playback extends Emitter<PlaybackEvents> {
  readonly link: NodeLink;
  readonly mediaStream = new MediaStream();
  readonly #ownsLink: boolean;
  readonly #options: PlaybackOptions;
  readonly #consumers = new Map<string, { consumer: types.Consumer; producerPaused: boolean }>();
  #transport: types.Transport | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #ended = false;
  #playing = false;
  /** The display was given the MediaStream (after the play answer's consumers). */
  #shown = false;
  #bandwidthTimer: ReturnType<typeof setTimeout> | null = null;
  #enoughBandwidth = true;
  #layers: Layers | null = null;
  #unsubscribe: () => void = () => undefined;
  /** The publisher's mute state: as play started, then as its stream events say. */
  #muted: TrackState = { audioMuted: false, videoMuted: false };
  /** Stream events that came before the owner listened (releaseEvents), in order; null after. */
  #heldEvents: { type: string; payload: unknown }[] | null = [];

  /**
   * Plays `options.name` starting from the origin: `origin` when the session is connected,
   * otherwise a connection of our own to `originUrl` (failover must work while the session is down).
   */
  static async start(origin: NodeLink | null, originUrl: string, linkOptions: NodeLinkOptions, options: PlaybackOptions): Promise<Playback> {
    const owned = !origin;
    const first = origin ?? (await NodeLink.open(originUrl, linkOptions));
    const outcome = await Playback.#tryOn(first, owned, options);
    if (outcome instanceof Playback) return outcome;
    // The origin sent us to an edge: play there with a connection of our own.
    const edge = await NodeLink.open(outcome.url, linkOptions);
    const second = await Playback.#tryOn(edge, true, options);
    if (second instanceof Playback) return second;
    throw new SdkError('INTERNAL', `edge ${edge.nodeId} redirected again to ${second.nodeId}`);
  }

  static async #tryOn(link: NodeLink, owned: boolean, options: PlaybackOptions): Promise<Playback | { url: string; nodeId: string }> {
    const playback = new Playback(link, owned, options);
    try {
      const device = await link.device();
      const res = await link.channel.request<PlayResponse>('play', {
        stream: options.name,
        rtpCapabilities: device.rtpCapabilities,
        // Applied by the node from the start, so caps below its default 1 Mbps estimate work.
        ...(options.maxBitrate ? { maxBitrate: options.maxBitrate } : {}),
        ...(options.token ? { token: options.token } : {}),
      });
      if (res.redirect) {
        playback.#close(false);
        return res.redirect;
      }
      await playback.#setUp(device, res);
      return playback;
    } catch (err) {
      playback.#close(false);
      throw SdkError.from(err);
    }
  }

  private constructor(link: NodeLink, ownsLink: boolean, options: PlaybackOptions) {
    super();
    this.link = link;
    this.#ownsLink = ownsLink;
    this.#options = options;
    // Listen before `play` is sent: the node may notify before it answers.
    const onNotification = (n: Notification) => this.#onNotification(n);
    const onClose = () => this.#end({ code: 'CONNECTION_LOST', message: `lost the connection to node ${link.nodeId}`, unpublished: false });
    link.channel.on('notification', onNotification).on('close', onClose);
    this.#unsubscribe = () => link.channel.off('notification', onNotification).off('close', onClose);
  }

  get nodeId(): string {
    return this.link.nodeId;
  }

  /** True once the node said PLAYING (which may be before start() resolved). */
  get playing(): boolean {
    return this.#playing;
  }

  /** The publisher's mute state (as the node said when play started, and its events since). */
  get muted(): TrackState {
    return { ...this.#muted };
  }

  /**
   * The owner listens to `data` and `trackPaused` from now on: the stream events that came while
   * play was being set up are emitted now, in order, so none is lost between the two.
   */
  releaseEvents(): void {
    const held = this.#heldEvents ?? [];
    this.#heldEvents = null;
    for (const event of held) this.#emitEvent(event.type, event.payload);
  }

  /** The last layers the node reported for video (null: none yet or none fit). */
  get layers(): Layers | null {
    return this.#layers;
  }

  get transportId(): string | null {
    return this.#transport?.id ?? null;
  }

  /** Whether the publisher has paused its track of this kind (muted it); null when this player receives none. */
  trackPaused(kind: 'audio' | 'video'): boolean | null {
    for (const { consumer, producerPaused } of this.#consumers.values()) if (consumer.kind === kind) return producerPaused;
    return null;
  }

  /** WebRTC stats of the receive transport. */
  async getStats(): Promise<RTCStatsReport | null> {
    return this.#transport ? this.#transport.getStats() : null;
  }

  /** Caps what the node sends us (bits/s); the node picks simulcast layers that fit. */
  async setMaxBitrate(bitrate: number): Promise<void> {
    this.#options.maxBitrate = bitrate;
    if (this.#transport) await this.link.channel.request('setMaxOutgoingBitrate', { transportId: this.#transport.id, bitrate });
  }

  async setPreferredLayers(spatialLayer: number, temporalLayer?: number): Promise<void> {
    for (const { consumer } of this.#consumers.values()) {
      if (consumer.kind !== 'video') continue;
      await this.link.channel.request('setPreferredLayers', { consumerId: consumer.id, spatialLayer, temporalLayer });
    }
  }

  /** Stops playing: tells the node (best effort) and closes what this attempt opened. */
  stop(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.link.channel.closed && this.#transport) {
      this.link.channel.request('stop', { stream: this.#options.name }).catch((err: unknown) => {
        // Best effort: the node closes the playback anyway when this session's socket goes.
        console.debug(`[cdn-sdk] stop of "${this.#options.name}" not confirmed`, err);
      });
    }
    this.#close(true);
  }

  async #setUp(device: types.Device, res: PlayResponse): Promise<void> {
    if (!res.transport) throw new SdkError('INTERNAL', 'play answered without a transport');
    if (res.streamState) this.#muted = { audioMuted: res.streamState.audioMuted === true, videoMuted: res.streamState.videoMuted === true };
    const transport = device.createRecvTransport({
      id: res.transport.id,
      iceParameters: res.transport.iceParameters,
      iceCandidates: res.transport.iceCandidates,
      dtlsParameters: res.transport.dtlsParameters,
      iceServers: this.link.options.iceServers,
      iceTransportPolicy: this.link.options.iceTransportPolicy,
    });
    this.#transport = transport;
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.link.channel.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    transport.on('connectionstatechange', (state) => {
      // 'disconnected' can recover by itself; 'failed' cannot.
      if (state === 'failed') this.#end({ code: 'CONNECTION_LOST', message: `media connection to node ${this.nodeId} failed`, unpublished: false });
    });
    for (const info of res.consumers ?? []) await this.#enqueue(info);
    // Not awaited: video.play() resolves only once frames arrive, and a player that gets none (no
    // layer fits its link, or the publisher paused its video) must still reach PLAYING and then
    // NOT_ENOUGH_BANDWIDTH rather than hang in PENDING. attach() handles its own failures.
    if (this.#options.display) void attach(this.#options.display, this.mediaStream, this.#options.muted);
    this.#shown = true;
  }

  /** Consumers are added one at a time, in arrival order, whether from `play` or `newConsumer`. */
  #enqueue(info: ConsumerInfo): Promise<unknown> {
    this.#queue = this.#queue
      .then(() => this.#consume(info))
      .catch((err: unknown) => {
        if (this.#ended) return;
        const error = SdkError.from(err);
        console.warn(`[cdn-sdk] could not consume the ${info.kind} track of "${this.#options.name}"`, err);
        this.emit('trackFailed', { kind: info.kind, code: error.code, message: error.message });
      });
    return this.#queue;
  }

  async #consume(info: ConsumerInfo): Promise<void> {
    if (this.#ended || !this.#transport) return;
    // Never resumed, so the node sends nothing for a kind the page does not want.
    if (this.#options.receive && !this.#options.receive[info.kind]) return;
    const consumer = await this.#transport.consume({
      id: info.id,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters,
    });
    // A consumer of a kind this player already shows replaces it: the edge's stream changed hands
    // (another origin relays it now, its publisher having moved) and its old track's consumerClosed
    // may not have come first. The <video> is given the stream again, as Chromium may have ended
    // playback while the MediaStream had no track.
    let replaced = false;
    for (const [id, entry] of [...this.#consumers]) {
      if (entry.consumer.kind !== info.kind) continue;
      this.#consumers.delete(id);
      this.mediaStream.removeTrack(entry.consumer.track);
      entry.consumer.close();
      replaced = true;
    }
    const emptied = this.#shown && this.mediaStream.getTracks().length === 0;
    this.#consumers.set(consumer.id, { consumer, producerPaused: info.producerPaused });
    this.mediaStream.addTrack(consumer.track);
    if ((replaced || emptied) && this.#options.display) void attach(this.#options.display, this.mediaStream, this.#options.muted);
    // The cap (maxBitrate) was given with `play`: the node applied it before making the consumers.
    await this.link.channel.request('resumeConsumer', { consumerId: consumer.id });
    // A layered video that gets no layer at all never reports a layer change: if none arrives in a
    // while, that is the same as layers going null (NOT_ENOUGH_BANDWIDTH). A generous delay, as the
    // first layer waits for the node's bandwidth estimate.
    if (info.kind === 'video' && info.type !== 'simple' && !this.#layers) {
      this.#onLayers(this.#consumers.get(consumer.id)!, null, this.#options.bandwidthGraceMs * 3);
    }
  }

  #onNotification({ method, data }: Notification): void {
    if (this.#ended || data.stream !== this.#options.name) return;
    const consumerId = typeof data.consumerId === 'string' ? data.consumerId : '';
    switch (method) {
      case 'streamStatus':
        if (data.role !== 'player') return;
        if (data.status === 'PLAYING' && !this.#playing) {
          this.#playing = true;
          this.emit('playing');
        } else if (data.status === 'UNPUBLISHED') {
          this.#end({ code: 'STREAM_NOT_FOUND', message: `stream "${this.#options.name}" was unpublished`, unpublished: true });
        } else if (data.status === 'FAILED') {
          const code = (typeof data.code === 'string' ? data.code : 'INTERNAL') as ErrorInfo['code'];
          this.#end({ code, message: typeof data.message === 'string' ? data.message : 'play failed on the node', unpublished: false });
        }
        return;
      case 'newConsumer':
        void this.#enqueue(data.consumer as ConsumerInfo);
        return;
      case 'trackFailed': {
        const kind = data.kind === 'audio' ? 'audio' : 'video';
        const code = (typeof data.code === 'string' ? data.code : 'INTERNAL') as ErrorInfo['code'];
        const message = typeof data.message === 'string' ? data.message : `the node could not give this player the ${kind} track`;
        console.warn(`[cdn-sdk] the node could not give "${this.#options.name}"'s ${kind} track to this player: ${code}: ${message}`);
        this.emit('trackFailed', { kind, code, message });
        return;
      }
      case 'consumerClosed': {
        const entry = this.#consumers.get(consumerId);
        if (!entry) return;
        this.#consumers.delete(consumerId);
        this.mediaStream.removeTrack(entry.consumer.track);
        entry.consumer.close();
        return;
      }
      case 'consumerPaused':
      case 'consumerResumed': {
        // The mute itself is told by the stream's events (streamEvent), which reach players of
        // every kind, in order with its data; this only keeps the bandwidth check right.
        const entry = this.#consumers.get(consumerId);
        if (entry) entry.producerPaused = method === 'consumerPaused';
        return;
      }
      case 'streamEvent': {
        const type = typeof data.type === 'string' ? data.type : '';
        if (this.#heldEvents) this.#heldEvents.push({ type, payload: data.payload });
        else this.#emitEvent(type, data.payload);
        return;
      }
      case 'consumerLayersChanged': {
        const entry = this.#consumers.get(consumerId);
        if (entry?.consumer.kind === 'video') this.#onLayers(entry, (data.layers as Layers | null) ?? null);
        return;
      }
      default:
        return;
    }
  }

  #emitEvent(type: string, payload: unknown): void {
    if (type === 'data') return void this.emit('data', payload);
    const mute = /^(audio|video)(Muted|Unmuted)$/.exec(type);
    if (!mute) return; // a type this SDK does not know yet: nothing to tell
    const kind = mute[1] as 'audio' | 'video';
    const paused = mute[2] === 'Muted';
    this.#muted = kind === 'audio' ? { ...this.#muted, audioMuted: paused } : { ...this.#muted, videoMuted: paused };
    this.emit('trackPaused', kind, paused);
  }

  /**
   * Null layers mean the node forwards no layer of this video. When the producer is active that is
   * the link's fault (NOT_ENOUGH_BANDWIDTH); but layers also go null for a moment when a publisher
   * stops or its layers restart, so wait `bandwidthGraceMs` before saying so.
   */
  #onLayers(entry: { producerPaused: boolean }, layers: Layers | null, graceMs = this.#options.bandwidthGraceMs): void {
    this.#layers = layers;
    this.emit('layers', layers);
    if (this.#bandwidthTimer) clearTimeout(this.#bandwidthTimer);
    this.#bandwidthTimer = null;
    if (layers) {
      if (!this.#enoughBandwidth) {
        this.#enoughBandwidth = true;
        this.emit('bandwidth', true);
      }
      return;
    }
    this.#bandwidthTimer = setTimeout(() => {
      this.#bandwidthTimer = null;
      if (this.#ended || entry.producerPaused || !this.#enoughBandwidth) return;
      this.#enoughBandwidth = false;
      this.emit('bandwidth', false);
    }, graceMs);
  }

  #end(info: ErrorInfo & { unpublished: boolean }): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#close(true);
    this.emit('ended', info);
  }

  #close(detachDisplay: boolean): void {
    this.#ended = true;
    this.#unsubscribe();
    if (this.#bandwidthTimer) clearTimeout(this.#bandwidthTimer);
    for (const { consumer } of this.#consumers.values()) consumer.close();
    this.#consumers.clear();
    this.#transport?.close();
    this.#transport = null;
    if (detachDisplay) detach(this.#options.display);
    if (this.#ownsLink) this.link.close();
  }
}
