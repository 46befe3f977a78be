// A WCS stream (session.createStream() of the WCS Web SDK) on top of this SDK's Stream: WCS names,
// WCS event semantics (one callback per status, replaced by the next `on`; STREAM_EVENT handlers
// get `{type, payload}`), the info strings WCS sends (getInfo()), and the player/publisher
// controls WCS pages call (volume, mute, full screen, stats, camera switch).
//
// The one behaviour that differs from this SDK's own streams: a player whose publisher stops gets
// STOPPED with "Stopped by publisher stop", as from WCS, instead of UNPUBLISHED and retries.
// `failover: true` (this product's extension) brings back the retries and the UNPUBLISHED status.
// As in WCS, every stream of a session that disconnects or is lost ends FAILED (endWithSession),
// and a publish asking for what this server does not do (record: true) ends FAILED with the reason.
import type { types } from 'mediasoup-client';
import { type ErrorInfo, type Layers, STREAM_EVENT as CORE_EVENT, STREAM_STATUS as CORE_STATUS, type StreamStatus } from '../constants';
import { videoFor } from '../display';
import type { Session } from '../Session';
import type { Stream } from '../Stream';
import { ERROR_INFO, STREAM_EVENT, STREAM_EVENT_TYPE, STREAM_STATUS, STREAM_STATUS_INFO } from './constants';
import { type Callback, Handlers } from './Handlers';
import { cachedMedia, releaseLocalMedia } from './localMedia';
import { logger, type WcsLogger } from './logger';
import { MicGain } from './micGain';
import { layerForSize, sizeOption } from './playSize';
import { availableIncomingBitrate, bytesReceived, summarizeStats, type WcsStats } from './stats';
import { failureInfo } from './statusInfo';

export interface WcsStreamOptions {
  name: string;
  /** A <div> the SDK puts its <video id="{stream.id()}"> in (or a <video>, used as is). */
  display?: HTMLElement | null;
  /** getUserMedia constraints for publishing (`video: false` publishes audio only). */
  constraints?: MediaStreamConstraints;
  receiveAudio?: boolean;
  receiveVideo?: boolean;
  /** Picks the nearest simulcast layer (this product does not transcode). */
  playWidth?: number | string;
  playHeight?: number | string;
  cacheLocalResources?: boolean;
  /** Default true: play with sound; false starts muted (what autoplay pages ask for). */
  unmutePlayOnStart?: boolean;
  /** Shows the <video>'s own controls. */
  useControls?: boolean;
  /** Not supported (no recording here): publish() ends FAILED, getInfo() saying so. */
  record?: boolean;
  /** Not supported (no RTMP here): publish() ends FAILED, getInfo() saying so. */
  rtmpUrl?: string;
  // This product's extensions (docs/sdk.md).
  failover?: boolean;
  retryIntervalMs?: number;
  maxRetries?: number;
  maxBitrate?: number;
  bandwidthGraceMs?: number;
  simulcast?: boolean;
  encodings?: types.RtpEncodingParameters[];
  mediaStream?: MediaStream;
  [option: string]: unknown;
}

/** Options of WCS's createStream that mean nothing here; named once in the console, then ignored. */
const IGNORED = [
  'mediaProvider',
  'custom',
  'stripCodecs',
  'sdpHook',
  'mediaConnectionConstraints',
  'transport',
  'cvoExtension',
  'playoutDelay',
  'videoContentHint',
  'logger',
  'flashShowFullScreenButton',
  'useCanvasMediaStream',
];

/** What publish() cannot do here, in the words getInfo() gives the page; null when it can. */
function unsupportedPublish(options: WcsStreamOptions): string | null {
  if (options.record) return 'Stream recording is not supported by this server (record: true)';
  if (options.rtmpUrl) return 'Republishing to RTMP is not supported by this server (rtmpUrl)';
  return null;
}

const ENDED: readonly string[] = [STREAM_STATUS.FAILED, STREAM_STATUS.STOPPED, STREAM_STATUS.UNPUBLISHED];

let streamCounter = 0;

export class WcsStream {
  readonly #core: Stream;
  readonly #session: { getServerUrl(): string };
  readonly #options: WcsStreamOptions;
  readonly #id = `fp-stream-${Date.now().toString(36)}-${++streamCounter}`;
  readonly #handlers = new Handlers();
  #status: string = STREAM_STATUS.NEW;
  #info = '';
  #role: 'publisher' | 'player' | null = null;
  #audioMuted = false;
  #videoMuted = false;
  #bitrate = -1;
  #bandwidth = -1;
  #sampler: ReturnType<typeof setInterval> | null = null;
  #preferredLayer: number | null = null;
  #usesCachedMedia = false;
  /** A failure of this layer's own (an unsupported option), reported instead of the core stream's. */
  #localError: ErrorInfo | null = null;
  /** The session is gone: the core stream's last words are no news to the page. */
  #detached = false;
  #gain: MicGain | null = null;

  constructor(coreSession: Session, session: { getServerUrl(): string }, options: WcsStreamOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(ERROR_INFO.OPTIONS_MUST_BE_PROVIDED);
    if (!options.name) throw new TypeError(ERROR_INFO.OPTIONS_NAME_MUST_BE_PROVIDED);
    const ignored = IGNORED.filter((k) => options[k] !== undefined);
    if (ignored.length) console.warn(`[flashphoner] createStream: ${ignored.join(', ')} not supported by this server; ignored`);
    this.#session = session;
    this.#options = { ...options };
    this.#core = coreSession.createStream({
      name: String(options.name),
      display: options.display,
      constraints: options.constraints,
      mediaStream: options.mediaStream,
      simulcast: options.simulcast,
      encodings: options.encodings,
      cacheLocalResources: options.cacheLocalResources,
      failover: options.failover ?? false,
      retryIntervalMs: options.retryIntervalMs,
      maxRetries: options.maxRetries,
      maxBitrate: options.maxBitrate,
      bandwidthGraceMs: options.bandwidthGraceMs,
      muted: options.unmutePlayOnStart === false,
      receiveAudio: options.receiveAudio,
      receiveVideo: options.receiveVideo,
    });
    for (const status of Object.values(CORE_STATUS)) this.#core.on(status, () => this.#onCoreStatus(status));
    this.#core
      .on(CORE_EVENT.RETRYING, (_s, retry) => this.#event(STREAM_EVENT_TYPE.RETRYING, retry))
      .on(CORE_EVENT.NODE_CHANGED, (_s, nodeId) => this.#event(STREAM_EVENT_TYPE.NODE_CHANGED, { nodeId }))
      .on(CORE_EVENT.LAYERS_CHANGED, (_s, layers) => {
        this.#event(STREAM_EVENT_TYPE.LAYERS_CHANGED, layers);
        this.#fitPlaySize();
      })
      .on(CORE_EVENT.TRACK_FAILED, (_s, failure) => this.#event(STREAM_EVENT_TYPE.TRACK_FAILED, failure))
      .on(CORE_EVENT.TRACK_PAUSED, (_s, { kind, paused }) => {
        const type =
          kind === 'audio'
            ? paused
              ? STREAM_EVENT_TYPE.AUDIO_MUTED
              : STREAM_EVENT_TYPE.AUDIO_UNMUTED
            : paused
              ? STREAM_EVENT_TYPE.VIDEO_MUTED
              : STREAM_EVENT_TYPE.VIDEO_UNMUTED;
        this.#event(type, { streamName: this.name() });
      })
      .on(CORE_EVENT.DATA, (_s, payload) => this.#event(STREAM_EVENT_TYPE.DATA, payload));
  }

  // --- WCS API -------------------------------------------------------------------------------

  on(event: string, callback: Callback): this {
    this.#handlers.set(event, callback);
    return this;
  }

  id(): string {
    return this.#id;
  }

  name(): string {
    return this.#core.name();
  }

  status(): string {
    return this.#status;
  }

  published(): boolean {
    return this.#role === 'publisher';
  }

  /** The WCS info string of the last status (e.g. "Stopped by publisher stop"); '' when none. */
  getInfo(): string {
    return this.#info;
  }

  /** The error message of the last failure ('' when none); `errorCode()` gives its code. */
  getErrorInfo(): string {
    return this.#localError?.message ?? this.#core.getErrorInfo()?.message ?? '';
  }

  publish(): void {
    this.#role = 'publisher';
    this.#localError = null;
    this.#prepareDisplay();
    const refusal = unsupportedPublish(this.#options);
    if (refusal !== null) return this.#refuse(refusal);
    const cached = this.#options.mediaStream ? undefined : cachedMedia(this.#options.display);
    // Media opened with getMediaAccess() for this display is what the page previews: send it.
    this.#usesCachedMedia = Boolean(cached);
    this.#core.publish(cached);
  }

  play(): void {
    this.#role = 'player';
    this.#localError = null;
    this.#preferredLayer = null;
    this.#prepareDisplay();
    this.#core.play();
  }

  stop(): void {
    this.#core.stop();
  }

  setVolume(volume: number): void {
    const video = this.#video();
    if (video) video.volume = Math.min(1, Math.max(0, Number(volume) / 100));
  }

  /** 0-100, as WCS. */
  getVolume(): number {
    const video = this.#video();
    return video ? Math.round(video.volume * 100) : 0;
  }

  muteRemoteAudio(): void {
    const video = this.#video();
    if (video) video.muted = true;
  }

  unmuteRemoteAudio(): void {
    const video = this.#video();
    if (video) video.muted = false;
  }

  isRemoteAudioMuted(): boolean {
    return this.#video()?.muted ?? true;
  }

  muteAudio(): void {
    this.#mute('audio', true);
  }

  unmuteAudio(): void {
    this.#mute('audio', false);
  }

  isAudioMuted(): boolean {
    return this.#audioMuted;
  }

  muteVideo(): void {
    this.#mute('video', true);
  }

  unmuteVideo(): void {
    this.#mute('video', false);
  }

  isVideoMuted(): boolean {
    return this.#videoMuted;
  }

  setAudioOutputId(id: string): Promise<void> {
    const video = this.#video() as (HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (!video?.setSinkId) return Promise.reject(new Error('this browser cannot choose the audio output'));
    return video.setSinkId(id);
  }

  fullScreen(): void {
    this.#video()
      ?.requestFullscreen()
      .catch((err: unknown) => console.warn('[flashphoner] full screen refused by the browser', err));
  }

  /** `{width, height}` of the picture (received, or captured for a publisher); `{}` before there is one. */
  videoResolution(): { width?: number; height?: number } {
    if (this.#role === 'publisher') {
      const settings = this.#core.getMediaStream()?.getVideoTracks()[0]?.getSettings();
      return settings?.width && settings.height ? { width: settings.width, height: settings.height } : {};
    }
    const video = this.#video();
    return video && video.videoWidth ? { width: video.videoWidth, height: video.videoHeight } : {};
  }

  /**
   * WCS's signature: `callback(stats)` with WCS's summary, or the browser's RTCStatsReport when
   * `nativeStats` is true. Also returns a promise of the RTCStatsReport (null when no transport).
   */
  async getStats(callback?: (stats: WcsStats | RTCStatsReport) => void, nativeStats?: boolean): Promise<RTCStatsReport | null> {
    const report = await this.#core.getStats();
    if (report && typeof callback === 'function') callback(nativeStats ? report : summarizeStats(report, this.published()));
    return report;
  }

  /** Bits/s this player received over the last second; -1 when not playing. */
  getRemoteBitrate(): number {
    return this.#bitrate;
  }

  /** Bits/s the browser estimates the link carries (WebRTC's availableIncomingBitrate); -1 when unknown. */
  getNetworkBandwidth(): number {
    return this.#bandwidth;
  }

  /**
   * Whether the stream is published somewhere the session's node can play it from (asks the node's
   * REST API). Resolves with the stream, rejects with it (getInfo() "Stream not found") otherwise.
   */
  async available(): Promise<this> {
    const base = this.#session.getServerUrl().replace(/^ws/, 'http').replace(/\/?$/, '/');
    const res = await fetch(`${base}rest-api/stream/find_all`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: this.name() }),
    });
    const list: unknown = res.ok ? await res.json() : [];
    const found =
      Array.isArray(list) &&
      list.some(
        (s: { name?: unknown; status?: unknown; published?: unknown }) => s.name === this.name() && (s.status === 'PUBLISHING' || s.published === true),
      );
    if (found) return this;
    this.#info = STREAM_STATUS_INFO.STREAM_NOT_FOUND;
    throw this;
  }

  /** Publisher: sends the next camera (or `deviceId`); rejects with CAN_NOT_SWITCH_CAM when there is none. */
  switchCam(deviceId?: string): Promise<string> {
    return this.#switch('video', deviceId, ERROR_INFO.CAN_NOT_SWITCH_CAM);
  }

  /** Publisher: sends the next microphone (or `deviceId`); rejects with CAN_NOT_SWITCH_MIC when there is none. */
  switchMic(deviceId?: string): Promise<string> {
    return this.#switch('audio', deviceId, ERROR_INFO.CAN_NOT_SWITCH_MIC);
  }

  switchToScreen(): Promise<never> {
    return Promise.reject(new Error('switchToScreen is not supported by this SDK; publish a getDisplayMedia() stream with the mediaStream option'));
  }

  switchToCam(): void {
    throw new Error('switchToCam is not supported by this SDK (see switchToScreen)');
  }

  /**
   * Publisher: sends `payload` (JSON) to every player of the stream, on every edge, as WCS's
   * STREAM_EVENT of type DATA. WCS returns nothing; here a promise, which also logs a refusal
   * (EVENT_TOO_LARGE, RATE_LIMITED) so a page that ignores it still shows why in the console.
   */
  sendData(payload: unknown): Promise<void> {
    const sent = this.#core.sendData(payload);
    sent.catch((err: unknown) => console.warn(`[flashphoner] sendData on "${this.name()}" refused`, err));
    return sent;
  }

  snapshot(): never {
    throw new Error('snapshot is not supported by this server');
  }

  /** The recording's file name in WCS; nothing is recorded here, so always null (pages then show no link). */
  getRecordInfo(): null {
    return null;
  }

  /**
   * Publisher: the microphone's gain, 0 (silent) to 100 (as captured), for every player. Throws
   * "Invalid stream state" unless PUBLISHING, as WCS.
   */
  setMicrophoneGain(volume: number): void {
    if (this.#status !== STREAM_STATUS.PUBLISHING || this.#role !== 'publisher') throw new Error('Invalid stream state');
    const microphone = this.#core.getMediaStream()?.getAudioTracks()[0];
    if (!microphone) return;
    if (this.#gain?.source !== microphone) {
      this.#gain?.close();
      this.#gain = new MicGain(microphone);
      this.#core.sendInstead('audio', this.#gain.track).catch((err: unknown) => console.warn('[flashphoner] setMicrophoneGain could not take effect', err));
    }
    this.#gain.set(volume);
  }

  /** `{muted}` of the audio: the publisher's own mute, or for a player the publisher's; undefined when there is no audio. */
  getAudioState(): { muted: boolean } | undefined {
    return this.#trackState('audio');
  }

  /** `{muted}` of the video, as getAudioState(). */
  getVideoState(): { muted: boolean } | undefined {
    return this.#trackState('video');
  }

  getLogger(): WcsLogger {
    return logger;
  }

  /** @internal The session is being disconnected by the page: what the core streams report while it closes is ignored. */
  detach(): void {
    if (!ENDED.includes(this.#status)) this.#detached = true;
  }

  /**
   * @internal The session disconnected or was lost: a stream that has not ended ends FAILED with
   * WCS's "Stopped by session disconnect", as WCS fires on every stream of the session.
   */
  endWithSession(): void {
    if (ENDED.includes(this.#status)) return;
    this.#detached = true;
    this.#core.stop();
    this.#setStatus(STREAM_STATUS.FAILED, STREAM_STATUS_INFO.STOPPED_BY_SESSION_DISCONNECT);
  }

  // --- This product's extensions ---------------------------------------------------------------

  /** Id of the node the stream is played from (an edge after the origin's redirect). */
  nodeId(): string | null {
    return this.#core.nodeId();
  }

  getLayers(): Layers | null {
    return this.#core.getLayers();
  }

  /** The code of the last failure (docs/sdk.md "Errors"), e.g. STREAM_NOT_FOUND; null when none. */
  errorCode(): ErrorInfo['code'] | null {
    return this.#localError?.code ?? this.#core.getErrorInfo()?.code ?? null;
  }

  setMaxBitrate(bitrate: number): Promise<void> {
    return this.#core.setMaxBitrate(bitrate);
  }

  getMediaStream(): MediaStream | null {
    return this.#core.getMediaStream();
  }

  // --- internals ----------------------------------------------------------------------------

  #onCoreStatus(core: StreamStatus): void {
    if (this.#detached) return;
    let status: string = core;
    let info = '';
    if (core === CORE_STATUS.UNPUBLISHED && this.#role === 'player' && !this.#options.failover) {
      status = STREAM_STATUS.STOPPED;
      info = STREAM_STATUS_INFO.STOPPED_BY_PUBLISHER_STOP;
    } else if (core === CORE_STATUS.UNPUBLISHED && this.#role === 'publisher') {
      // The node says why when it ended the stream itself ("Stopped by rest /terminate").
      info = this.#core.statusMessage() ?? STREAM_STATUS_INFO.STOPPED_BY_USER;
    } else if (core === CORE_STATUS.STOPPED) {
      info = STREAM_STATUS_INFO.STOPPED_BY_USER;
    } else if (core === CORE_STATUS.FAILED) {
      info = failureInfo(this.#core.getErrorInfo());
    }
    // A player stopped by its publisher is already STOPPED; the page's later stop() is no news.
    if (!this.#setStatus(status, info)) return;
    if (core === CORE_STATUS.NOT_ENOUGH_BANDWIDTH) this.#event(STREAM_EVENT_TYPE.NOT_ENOUGH_BANDWIDTH, { info: `${this.#bitrate}/${this.#bandwidth}` });
  }

  /** Takes the WCS status and fires its callback; false when the stream already had it. */
  #setStatus(status: string, info: string): boolean {
    if (status === this.#status) return false;
    this.#status = status;
    this.#info = info;
    if (status === STREAM_STATUS.PLAYING) this.#onPlaying();
    if (status !== STREAM_STATUS.PLAYING && status !== STREAM_STATUS.NOT_ENOUGH_BANDWIDTH) this.#stopSampler();
    if (ENDED.includes(status)) {
      if (this.#usesCachedMedia && !this.#options.cacheLocalResources && this.#options.display) releaseLocalMedia(this.#options.display);
      this.#gain?.close();
      this.#gain = null;
    }
    this.#handlers.fire(status, this);
    return true;
  }

  /** publish() of something this server does not do: PENDING, then FAILED with the reason, as a refusal from a server would come. */
  #refuse(message: string): void {
    this.#setStatus(STREAM_STATUS.PENDING, '');
    setTimeout(() => {
      if (this.#status !== STREAM_STATUS.PENDING || this.#detached) return;
      this.#localError = { code: 'NOT_SUPPORTED', message };
      this.#setStatus(STREAM_STATUS.FAILED, message);
    }, 0);
  }

  #trackState(kind: 'audio' | 'video'): { muted: boolean } | undefined {
    if (this.#role === 'publisher') {
      const has = this.#core
        .getMediaStream()
        ?.getTracks()
        .some((t) => t.kind === kind);
      return has ? { muted: kind === 'audio' ? this.#audioMuted : this.#videoMuted } : undefined;
    }
    const paused = this.#core.isTrackPaused(kind);
    return paused === null ? undefined : { muted: paused };
  }

  #event(type: string, payload: unknown): void {
    this.#handlers.fire(STREAM_EVENT, { type, payload });
  }

  /** The <video> gets the stream's id before the first status, so `document.getElementById(stream.id())` works in PENDING. */
  #prepareDisplay(): void {
    const display = this.#options.display;
    if (!display) return;
    const video = videoFor(display);
    if (display !== video) video.id = this.#id;
    if (this.#options.useControls) video.controls = true;
  }

  #video(): HTMLVideoElement | null {
    const display = this.#options.display;
    return display ? videoFor(display) : null;
  }

  #onPlaying(): void {
    if (this.#role !== 'player') return;
    this.#startSampler();
    const video = this.#video();
    if (!video) return;
    if (!video.dataset.fpListeners) {
      video.dataset.fpListeners = '1';
      video.addEventListener('resize', () => {
        if (!video.videoWidth) return;
        this.#event(STREAM_EVENT_TYPE.RESIZE, { streamerVideoWidth: video.videoWidth, streamerVideoHeight: video.videoHeight });
        this.#fitPlaySize();
      });
    }
    // The SDK falls back to muted when the browser refuses sound; WCS tells the page so.
    const check = () => {
      if (video.muted && this.#options.unmutePlayOnStart !== false && this.#status === STREAM_STATUS.PLAYING)
        this.#event(STREAM_EVENT_TYPE.UNMUTE_REQUIRED, {});
    };
    check();
    video.addEventListener('volumechange', check, { once: true });
  }

  #fitPlaySize(): void {
    const want = { width: sizeOption(this.#options.playWidth), height: sizeOption(this.#options.playHeight) };
    const video = this.#video();
    const layers = this.#core.getLayers();
    if ((!want.width && !want.height) || !video?.videoWidth || !layers) return;
    const layer = layerForSize(want, { width: video.videoWidth, height: video.videoHeight }, layers.spatialLayer);
    if (layer === this.#preferredLayer) return;
    this.#preferredLayer = layer;
    this.#core.setPreferredLayers(layer).catch((err: unknown) => console.warn(`[flashphoner] could not ask for layer ${layer} (playWidth/playHeight)`, err));
  }

  #mute(kind: 'audio' | 'video', muted: boolean): void {
    if (kind === 'audio') this.#audioMuted = muted;
    else this.#videoMuted = muted;
    const media = this.#core.getMediaStream();
    for (const track of (kind === 'audio' ? media?.getAudioTracks() : media?.getVideoTracks()) ?? []) track.enabled = !muted;
    // A publisher also tells the node, which tells every player (their STREAM_EVENT audioMuted, ...).
    if (this.#role === 'publisher' && this.#status === STREAM_STATUS.PUBLISHING) {
      this.#core
        .setTrackPaused(kind, muted)
        .catch((err: unknown) => console.warn(`[flashphoner] the node was not told that ${kind} is ${muted ? 'muted' : 'unmuted'}`, err));
    }
  }

  async #switch(kind: 'audio' | 'video', deviceId: string | undefined, refusal: string): Promise<string> {
    const current = this.#core
      .getMediaStream()
      ?.getTracks()
      .find((t) => t.kind === kind);
    if (this.#role !== 'publisher' || !current || this.#options.mediaStream) throw new Error(refusal);
    const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === `${kind}input`);
    const now = current.getSettings().deviceId;
    const index = devices.findIndex((d) => d.deviceId === now);
    const next = deviceId ?? (devices.length > 1 ? devices[(index + 1) % devices.length].deviceId : undefined);
    if (!next || next === now) throw new Error(refusal);
    const asked = this.#options.constraints?.[kind];
    const constraints = { ...(typeof asked === 'object' ? asked : {}), deviceId: { exact: next } };
    const media = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
    const track = kind === 'audio' ? media.getAudioTracks()[0] : media.getVideoTracks()[0];
    track.enabled = !(kind === 'audio' ? this.#audioMuted : this.#videoMuted);
    await this.#core.replaceTrack(track);
    if (kind === 'audio' && this.#gain) {
      // The gain was fed by the microphone just replaced: feed it from the new one.
      const previous = this.#gain;
      this.#gain = new MicGain(track);
      this.#gain.set(previous.volume);
      previous.close();
      await this.#core.sendInstead('audio', this.#gain.track);
    }
    return next;
  }

  #startSampler(): void {
    if (this.#sampler) return;
    let last: { at: number; bytes: number } | null = null;
    this.#sampler = setInterval(() => {
      this.#core
        .getStats()
        .then((report) => {
          if (!report) return;
          const now = { at: performance.now(), bytes: bytesReceived(report) };
          if (last && now.at > last.at) this.#bitrate = Math.round(((now.bytes - last.bytes) * 8 * 1000) / (now.at - last.at));
          last = now;
          this.#bandwidth = availableIncomingBitrate(report);
        })
        .catch((err: unknown) => console.debug('[flashphoner] stats for getRemoteBitrate() unavailable this second', err));
    }, 1000);
  }

  #stopSampler(): void {
    if (this.#sampler) clearInterval(this.#sampler);
    this.#sampler = null;
    this.#bitrate = -1;
  }
}
