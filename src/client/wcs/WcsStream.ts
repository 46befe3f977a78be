// A WCS stream (session.createStream() of the WCS Web SDK) on top of this SDK's Stream: WCS names,
// WCS event semantics (one callback per status, replaced by the next `on`; STREAM_EVENT handlers
// get `{type, payload}`), the info strings WCS sends (getInfo()), and the player/publisher
// controls WCS pages call (volume, mute, full screen, stats, camera switch).
//
// This object is the public surface and the status machine's state; the rules and the controls
// are in their own files: streamOptions.ts (what the options become), streamStatus.ts (WCS
// statuses and info strings), streamEvents.ts (STREAM_EVENT), displayControls.ts (the <video>),
// mediaControls.ts (mute, switchCam/switchMic, microphone gain), bitrateSampler.ts,
// streamAvailability.ts and playSize.ts.
//
// As in WCS, every stream of a session that disconnects or is lost ends FAILED (endWithSession),
// and a publish asking for what this server does not do (record: true) ends FAILED with the reason.
import { type ErrorInfo, type Layers, STREAM_STATUS as CORE_STATUS, type StreamStatus } from '../constants';
import type { Session } from '../Session';
import type { Stream } from '../Stream';
import { BitrateSampler } from './bitrateSampler';
import { ERROR_INFO, STREAM_EVENT, STREAM_EVENT_TYPE, STREAM_STATUS, STREAM_STATUS_INFO } from './constants';
import {
  capturedSize,
  isSoundMuted,
  onPictureResize,
  pictureSize,
  prepareDisplay,
  requestFullScreen,
  setAudioOutput,
  setSoundMuted,
  setVideoVolume,
  videoOf,
  volumeOf,
  whenMuted,
} from './displayControls';
import { type Callback, Handlers } from './Handlers';
import { cachedMedia, releaseLocalMedia } from './localMedia';
import { logger, type WcsLogger } from './logger';
import { MediaControls } from './mediaControls';
import { layerToAsk } from './playSize';
import { summarizeStats, type WcsStats } from './stats';
import { isPublished } from './streamAvailability';
import { forwardCoreEvents, type StreamEventType } from './streamEvents';
import { coreStreamOptions, ignoredOptionsWarning, unsupportedPublish, type WcsStreamOptions } from './streamOptions';
import { isEnded, measuresBitrate, wcsStatusOf } from './streamStatus';

export type { WcsStreamOptions } from './streamOptions';

let streamCounter = 0;

export class WcsStream {
  readonly #core: Stream;
  readonly #session: { getServerUrl(): string };
  readonly #options: WcsStreamOptions;
  readonly #id = `fp-stream-${Date.now().toString(36)}-${++streamCounter}`;
  readonly #handlers = new Handlers();
  readonly #media: MediaControls;
  readonly #sampler: BitrateSampler;
  #status: string = STREAM_STATUS.NEW;
  #info = '';
  #role: 'publisher' | 'player' | null = null;
  #preferredLayer: number | null = null;
  #usesCachedMedia = false;
  /** A failure of this layer's own (an unsupported option), reported instead of the core stream's. */
  #localError: ErrorInfo | null = null;
  /** The session is gone: the core stream's last words are no news to the page. */
  #detached = false;

  constructor(coreSession: Session, session: { getServerUrl(): string }, options: WcsStreamOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(ERROR_INFO.OPTIONS_MUST_BE_PROVIDED);
    if (!options.name) throw new TypeError(ERROR_INFO.OPTIONS_NAME_MUST_BE_PROVIDED);
    const warning = ignoredOptionsWarning(options);
    if (warning) console.warn(warning);
    this.#session = session;
    this.#options = { ...options };
    this.#core = coreSession.createStream(coreStreamOptions(options));
    this.#media = new MediaControls(this.#core);
    this.#sampler = new BitrateSampler(() => this.#core.getStats());
    for (const status of Object.values(CORE_STATUS)) this.#core.on(status, () => this.#onCoreStatus(status));
    forwardCoreEvents(
      this.#core,
      (type, payload) => this.#event(type, payload),
      () => this.#fitPlaySize(),
    );
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
    setVideoVolume(this.#video(), volume);
  }

  /** 0-100, as WCS. */
  getVolume(): number {
    return volumeOf(this.#video());
  }

  muteRemoteAudio(): void {
    setSoundMuted(this.#video(), true);
  }

  unmuteRemoteAudio(): void {
    setSoundMuted(this.#video(), false);
  }

  isRemoteAudioMuted(): boolean {
    return isSoundMuted(this.#video());
  }

  muteAudio(): void {
    this.#mute('audio', true);
  }

  unmuteAudio(): void {
    this.#mute('audio', false);
  }

  isAudioMuted(): boolean {
    return this.#media.isMuted('audio');
  }

  muteVideo(): void {
    this.#mute('video', true);
  }

  unmuteVideo(): void {
    this.#mute('video', false);
  }

  isVideoMuted(): boolean {
    return this.#media.isMuted('video');
  }

  setAudioOutputId(id: string): Promise<void> {
    return setAudioOutput(this.#video(), id);
  }

  fullScreen(): void {
    requestFullScreen(this.#video());
  }

  /** `{width, height}` of the picture (received, or captured for a publisher); `{}` before there is one. */
  videoResolution(): { width?: number; height?: number } {
    if (this.#role === 'publisher') return capturedSize(this.#core.getMediaStream());
    return pictureSize(this.#video());
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
    return this.#sampler.bitrate;
  }

  /** Bits/s the browser estimates the link carries (WebRTC's availableIncomingBitrate); -1 when unknown. */
  getNetworkBandwidth(): number {
    return this.#sampler.bandwidth;
  }

  /**
   * Whether the stream is published somewhere the session's node can play it from (asks the node's
   * REST API). Resolves with the stream, rejects with it (getInfo() "Stream not found") otherwise.
   */
  async available(): Promise<this> {
    if (await isPublished(this.#session.getServerUrl(), this.name())) return this;
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
    this.#media.setGain(volume);
  }

  /** `{muted}` of the audio: the publisher's own mute, or for a player the publisher's; undefined when there is no audio. */
  getAudioState(): { muted: boolean } | undefined {
    return this.#media.trackState('audio', this.#role === 'publisher');
  }

  /** `{muted}` of the video, as getAudioState(). */
  getVideoState(): { muted: boolean } | undefined {
    return this.#media.trackState('video', this.#role === 'publisher');
  }

  getLogger(): WcsLogger {
    return logger;
  }

  /** @internal The session is being disconnected by the page: what the core streams report while it closes is ignored. */
  detach(): void {
    if (!isEnded(this.#status)) this.#detached = true;
  }

  /**
   * @internal The session disconnected or was lost: a stream that has not ended ends FAILED with
   * WCS's "Stopped by session disconnect", as WCS fires on every stream of the session.
   */
  endWithSession(): void {
    if (isEnded(this.#status)) return;
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
    const { status, info } = wcsStatusOf(core, {
      role: this.#role,
      failover: Boolean(this.#options.failover),
      statusMessage: this.#core.statusMessage(),
      error: this.#core.getErrorInfo(),
    });
    // A player stopped by its publisher is already STOPPED; the page's later stop() is no news.
    if (!this.#setStatus(status, info)) return;
    if (core === CORE_STATUS.NOT_ENOUGH_BANDWIDTH)
      this.#event(STREAM_EVENT_TYPE.NOT_ENOUGH_BANDWIDTH, { info: `${this.#sampler.bitrate}/${this.#sampler.bandwidth}` });
  }

  /** Takes the WCS status and fires its callback; false when the stream already had it. */
  #setStatus(status: string, info: string): boolean {
    if (status === this.#status) return false;
    this.#status = status;
    this.#info = info;
    if (status === STREAM_STATUS.PLAYING) this.#onPlaying();
    if (!measuresBitrate(status)) this.#sampler.stop();
    if (isEnded(status)) {
      if (this.#usesCachedMedia && !this.#options.cacheLocalResources && this.#options.display) releaseLocalMedia(this.#options.display);
      this.#media.release();
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

  #event(type: StreamEventType, payload: unknown): void {
    this.#handlers.fire(STREAM_EVENT, { type, payload });
  }

  #prepareDisplay(): void {
    prepareDisplay(this.#options.display, this.#id, this.#options.useControls);
  }

  #video(): HTMLVideoElement | null {
    return videoOf(this.#options.display);
  }

  #onPlaying(): void {
    if (this.#role !== 'player') return;
    this.#sampler.start();
    const video = this.#video();
    if (!video) return;
    onPictureResize(video, ({ width, height }) => {
      this.#event(STREAM_EVENT_TYPE.RESIZE, { streamerVideoWidth: width, streamerVideoHeight: height });
      this.#fitPlaySize();
    });
    // The SDK falls back to muted when the browser refuses sound; WCS tells the page so.
    whenMuted(video, () => {
      if (this.#options.unmutePlayOnStart !== false && this.#status === STREAM_STATUS.PLAYING) this.#event(STREAM_EVENT_TYPE.UNMUTE_REQUIRED, {});
    });
  }

  #fitPlaySize(): void {
    const want = { width: this.#options.playWidth, height: this.#options.playHeight };
    const layer = layerToAsk(want, pictureSize(this.#video()), this.#core.getLayers());
    if (layer === null || layer === this.#preferredLayer) return;
    this.#preferredLayer = layer;
    this.#core.setPreferredLayers(layer).catch((err: unknown) => console.warn(`[flashphoner] could not ask for layer ${layer} (playWidth/playHeight)`, err));
  }

  #mute(kind: 'audio' | 'video', muted: boolean): void {
    this.#media.mute(kind, muted, this.#role === 'publisher' && this.#status === STREAM_STATUS.PUBLISHING);
  }

  #switch(kind: 'audio' | 'video', deviceId: string | undefined, refusal: string): Promise<string> {
    const allowed = this.#role === 'publisher' && !this.#options.mediaStream;
    return this.#media.switchDevice(kind, deviceId, this.#options.constraints, allowed, refusal);
  }
}
