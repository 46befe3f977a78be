// Publishing one stream: capture (or take) local media, open a send transport on the node and
// produce audio and VP8 video, simulcast by default so every player gets a layer its link carries.
import type { types } from 'mediasoup-client';
import { Emitter } from './Emitter';
import type { Notification } from './Channel';
import { NodeLink } from './NodeLink';
import { type ErrorInfo, SdkError } from './constants';
import { attach, detach } from './display';

export interface PublicationEvents extends Record<string, unknown[]> {
  publishing: [];
  /** The node's words when it ended the stream itself (e.g. "Stopped by rest /terminate"); null after stop(). */
  unpublished: [string | null];
  failed: [ErrorInfo];
  /** The node publishing moved to: the origin an edge sent the publisher to. */
  node: [string];
}

type PublishAnswer = { transport?: Parameters<types.Device['createSendTransport']>[0]; redirect?: { url: string; nodeId: string } };

export interface PublicationOptions {
  name: string;
  display?: HTMLElement | null;
  constraints: MediaStreamConstraints;
  mediaStream?: MediaStream;
  simulcast: boolean;
  /** Overrides SIMULCAST_ENCODINGS (e.g. other bitrates); ignored when simulcast is off. */
  encodings?: types.RtpEncodingParameters[];
  cacheLocalResources: boolean;
  /** Publish token, when the node requires one. */
  token?: string;
  /** Media the SDK captured for an earlier attempt of this stream (failover): published instead of capturing, released as captured media is. */
  captured?: MediaStream;
  /**
   * A failure leaves the local media as it is (captured tracks running, the preview shown): the
   * stream may publish it again elsewhere, and calls releaseMedia() when it gives up.
   */
  keepMediaOnFailure?: boolean;
}

/**
 * Three layers at 1/4, 1/2 and full resolution. Chrome drops the top layers by itself when the
 * capture is too small to carry them (e.g. 2 layers at 640x360), which is the "where the camera
 * allows" of the issue. Bitrates follow Chrome's own simulcast table.
 */
export const SIMULCAST_ENCODINGS: types.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

export class Publication extends Emitter<PublicationEvents> {
  /** The node published on: the session's, or the origin an edge sent us to. */
  #link: NodeLink;
  /** The connection this publication opened itself (to the origin after a redirect), closed with it. */
  #ownLink: NodeLink | null = null;
  readonly #options: PublicationOptions;
  #media: MediaStream | null = null;
  #transport: types.Transport | null = null;
  readonly #producers = new Map<'audio' | 'video', types.Producer>();
  #done = false;
  #unsubscribe: () => void = () => undefined;

  constructor(link: NodeLink, options: PublicationOptions) {
    super();
    this.#link = link;
    this.#options = options;
  }

  /** The local media being published (null before capture). */
  get mediaStream(): MediaStream | null {
    return this.#media;
  }

  /** WebRTC stats of the send transport (empty before it exists). */
  async getStats(): Promise<RTCStatsReport | null> {
    return this.#transport ? this.#transport.getStats() : null;
  }

  async start(): Promise<void> {
    this.#media = this.#options.mediaStream ?? this.#options.captured ?? (await capture(this.#options.constraints));
    if (this.#done) return this.#release();
    // The preview is always muted: a publisher does not want to hear itself.
    if (this.#options.display) await attach(this.#options.display, this.#media, true);
    let res = await this.#ask(this.#link);
    if (res.redirect) {
      // An edge (reached by lbUrl, or by mistake) sends publishers to its origin: publish there.
      this.#unsubscribe();
      const origin = await NodeLink.open(res.redirect.url, this.#link.options);
      if (this.#done) return void origin.close();
      this.#ownLink = origin;
      this.#link = origin;
      this.emit('node', origin.nodeId);
      res = await this.#ask(origin);
      if (res.redirect) throw new SdkError('INTERNAL', `origin ${origin.nodeId} redirected the publisher again, to ${res.redirect.nodeId}`);
    }
    if (!res.transport) throw new SdkError('INTERNAL', 'publish answered without a transport');
    const device = await this.#link.device();
    const channel = this.#link.channel;
    const transport = device.createSendTransport({
      ...res.transport,
      iceServers: this.#link.options.iceServers,
      iceTransportPolicy: this.#link.options.iceTransportPolicy,
    });
    this.#transport = transport;
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      channel.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
      channel
        .request<{ producerId: string }>('produce', { transportId: transport.id, kind, rtpParameters })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'failed') this.#finish({ code: 'CONNECTION_LOST', message: `media connection to node ${this.#link.nodeId} failed` });
    });

    const audio = this.#media.getAudioTracks()[0];
    const video = this.#media.getVideoTracks()[0];
    if (!audio && !video) throw new SdkError('MEDIA_ACCESS_FAILED', 'nothing to publish: no audio or video track');
    try {
      if (audio && !this.#done) this.#producers.set('audio', await transport.produce({ track: audio, stopTracks: false }));
      if (video && !this.#done) {
        const vp8 = device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
        const producer = await transport.produce({
          track: video,
          stopTracks: false,
          // Simulcast is VP8's: the node relays every VP8 simulcast layer through its pipe transports.
          codec: vp8,
          encodings: this.#options.simulcast ? (this.#options.encodings ?? SIMULCAST_ENCODINGS).map((e) => ({ ...e })) : undefined,
          codecOptions: { videoGoogleStartBitrate: 1000 },
        });
        this.#producers.set('video', producer);
      }
    } catch (err) {
      throw SdkError.from(err, 'MEDIA_FAILED');
    }
  }

  /** Listens to `link` for this stream's statuses and sends `publish` there. */
  #ask(link: NodeLink): Promise<PublishAnswer> {
    const { name } = this.#options;
    const channel = link.channel;
    const onNotification = ({ method, data }: Notification) => {
      if (method !== 'streamStatus' || data.stream !== name || data.role !== 'publisher') return;
      if (data.status === 'PUBLISHING') this.emit('publishing');
      else if (data.status === 'UNPUBLISHED') this.#finish(null, typeof data.message === 'string' ? data.message : null);
      else if (data.status === 'FAILED') {
        this.#finish({ code: (data.code as ErrorInfo['code']) ?? 'INTERNAL', message: String(data.message ?? 'publish failed on the node') });
      }
    };
    const onClose = () => this.#finish({ code: 'CONNECTION_LOST', message: `lost the connection to node ${link.nodeId}` });
    channel.on('notification', onNotification).on('close', onClose);
    this.#unsubscribe = () => channel.off('notification', onNotification).off('close', onClose);
    return channel.request<PublishAnswer>('publish', { stream: name, ...(this.#options.token ? { token: this.#options.token } : {}) });
  }

  /** Sends `payload` to every player of the stream (the node's `sendData`). */
  async sendData(payload: unknown): Promise<void> {
    if (this.#done) throw new SdkError('INVALID_STATE', 'the stream is not published');
    await this.#link.channel.request('sendData', { stream: this.#options.name, payload });
  }

  /**
   * Sends `track` instead of the current one of its kind (switching camera or microphone) without
   * renegotiating; the old track is stopped unless the page gave the MediaStream.
   */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    const kind = track.kind === 'audio' ? 'audio' : 'video';
    const producer = this.#producers.get(kind);
    if (!producer || !this.#media) throw new SdkError('INVALID_STATE', `no ${kind} track is being published`);
    // The captured track, which the producer may not be sending itself (sendInstead()).
    const old = this.#media.getTracks().find((t) => t.kind === kind) ?? producer.track;
    await producer.replaceTrack({ track });
    if (old) {
      this.#media.removeTrack(old);
      if (!this.#options.mediaStream) old.stop();
    }
    this.#media.addTrack(track);
  }

  /**
   * Sends `track` for its kind while the captured track stays the one shown and replaced (e.g. a
   * copy of the microphone through a gain); null sends the captured track again.
   */
  async sendInstead(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    const producer = this.#producers.get(kind);
    const captured = this.#media?.getTracks().find((t) => t.kind === kind);
    if (!producer || !captured) throw new SdkError('INVALID_STATE', `no ${kind} track is being published`);
    await producer.replaceTrack({ track: track ?? captured });
  }

  /** Pauses or resumes sending one kind; the node tells every player (consumerPaused/consumerResumed). */
  async setPaused(kind: 'audio' | 'video', paused: boolean): Promise<void> {
    const producer = this.#producers.get(kind);
    if (!producer) throw new SdkError('INVALID_STATE', `no ${kind} track is being published`);
    if (paused) producer.pause();
    else producer.resume();
    await this.#link.channel.request(paused ? 'pauseProducer' : 'resumeProducer', { producerId: producer.id });
  }

  /** Unpublishes (the node answers with UNPUBLISHED) and releases local media. */
  async stop(): Promise<void> {
    if (this.#done) return;
    const channel = this.#link.channel;
    if (!channel.closed && this.#transport) {
      await channel.request('unpublish', { stream: this.#options.name }).catch((err: unknown) => {
        // Best effort: the node ends the stream anyway when this session's socket goes.
        console.debug(`[cdn-sdk] unpublish of "${this.#options.name}" not confirmed`, err);
      });
    }
    this.#finish(null);
  }

  /** Ends the publication with `error` (start() failed): closes everything, emits 'failed'. */
  fail(error: ErrorInfo): void {
    this.#finish(error);
  }

  /** Stops captured tracks and clears the preview (unless the page gave the media, or wants it cached). */
  releaseMedia(): void {
    this.#release();
  }

  #finish(error: ErrorInfo | null, message: string | null = null): void {
    if (this.#done) return;
    this.#done = true;
    this.#unsubscribe();
    // A failure on a channel still open (the media connection failed): the node would keep the
    // name reserved for a publisher that is gone, and refuse our next publish of it.
    const channel = this.#link.channel;
    if (error && this.#transport && !channel.closed) channel.request('unpublish', { stream: this.#options.name }).catch(() => undefined);
    this.#transport?.close();
    this.#transport = null;
    this.#producers.clear();
    if (!error || !this.#options.keepMediaOnFailure) this.#release();
    this.#ownLink?.close();
    if (error) this.emit('failed', error);
    else this.emit('unpublished', message);
  }

  #release(): void {
    if (!this.#options.cacheLocalResources && !this.#options.mediaStream) {
      this.#media?.getTracks().forEach((t) => t.stop());
      detach(this.#options.display);
    }
  }
}

async function capture(constraints: MediaStreamConstraints): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new SdkError('MEDIA_ACCESS_FAILED', 'this page cannot use the camera (getUserMedia needs https or localhost)');
  }
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (err) {
    throw new SdkError('MEDIA_ACCESS_FAILED', `camera/microphone: ${(err as Error).message}`);
  }
}
