// One stream a client session plays: a transport and one consumer per track the player can
// receive. Consumers start paused and are resumed by the client once its side is ready, so the
// first packets (and the keyframe asked for on resume) are not lost.
//
// Players of one stream spread over the workers: a player placed on another worker's router gets
// the stream's tracks piped there (once per router, shared by all its players), so a popular
// stream uses every core instead of one.
import type * as ms from 'mediasoup/lib/types';
import { AppError } from '../errors';
import { createClientTransport, DEFAULT_INITIAL_BITRATE, describeTransport, TransportKind } from '../media/transports';
import type { Stream } from '../streams/Stream';
import { TypedEmitter } from '../util/TypedEmitter';
import type { PipeCache } from '../media/PipeCache';
import type { NodeContext } from './NodeContext';

type AnyTransport = ms.WebRtcTransport | ms.PlainTransport;

/** A consumer as the client sees it (play answer and `newConsumer`). */
export interface ConsumerInfo {
  id: string;
  producerId: string;
  kind: ms.MediaKind;
  type: ms.ConsumerType;
  rtpParameters: ms.RtpParameters;
  producerPaused: boolean;
}

type Events = {
  /** A track the publisher added after play started. */
  consumer: [info: ConsumerInfo];
  /** Per-consumer notifications for the client: consumerClosed, consumerPaused, ... */
  notify: [method: string, data: Record<string, unknown>];
  /** The stream ended (unpublished) or the transport failed; the playback is closed. */
  ended: [reason: 'unpublished' | 'failed'];
};

export class Playback extends TypedEmitter<Events> {
  readonly stream: Stream;
  /** The router the player's transport is on: the stream's own, or one its tracks are piped to. */
  readonly router: ms.Router;
  readonly transport: AnyTransport;
  readonly kind: TransportKind;
  readonly #rtpCapabilities: ms.RtpCapabilities;
  readonly #pipes: PipeCache;
  /** Cap applied once the first video consumer exists (see #consume). */
  #maxBitrate: number | null = null;
  readonly #consumers = new Map<string, ms.Consumer>();
  readonly #detach: () => void;
  #resumedOnce = false;
  #closed = false;

  /** Opens the transport and consumes every current track; CANNOT_CONSUME when none fits. */
  static async create(
    ctx: NodeContext,
    stream: Stream,
    kind: TransportKind,
    rtpCapabilities: ms.RtpCapabilities,
    maxBitrate?: number,
  ): Promise<{ playback: Playback; consumers: ConsumerInfo[] }> {
    const router = ctx.media.pickRouter(stream.router);
    const initial = maxBitrate ? Math.min(DEFAULT_INITIAL_BITRATE, maxBitrate) : DEFAULT_INITIAL_BITRATE;
    const transport = await createClientTransport(router, kind, ctx.config, 'recv', initial);
    ctx.media.track(router, transport);
    if (stream.closed) {
      transport.close();
      throw new AppError('STREAM_NOT_FOUND', `stream "${stream.name}" ended`);
    }
    const playback = new Playback(stream, router, transport, kind, rtpCapabilities, ctx.media.pipes);
    if (kind === 'webrtc') playback.#maxBitrate = maxBitrate ?? null;
    try {
      const consumers: ConsumerInfo[] = [];
      for (const producer of stream.producers) {
        const info = await playback.#consume(producer);
        if (info) consumers.push(info);
      }
      if (stream.producers.length > 0 && consumers.length === 0) {
        throw new AppError('CANNOT_CONSUME', `cannot play "${stream.name}": no codec in common`);
      }
      return { playback, consumers };
    } catch (err) {
      playback.close();
      throw err;
    }
  }

  private constructor(stream: Stream, router: ms.Router, transport: AnyTransport, kind: TransportKind, rtpCapabilities: ms.RtpCapabilities, pipes: PipeCache) {
    super();
    this.stream = stream;
    this.router = router;
    this.transport = transport;
    this.kind = kind;
    this.#rtpCapabilities = rtpCapabilities;
    this.#pipes = pipes;
    const onProducer = (producer: ms.Producer) =>
      void this.#consume(producer)
        .then((info) => info && this.emit('consumer', info))
        .catch(() => undefined); // the playback closed meanwhile
    const onClose = () => this.#end('unpublished');
    stream.on('producer', onProducer);
    stream.once('close', onClose);
    this.#detach = () => {
      stream.off('producer', onProducer);
      stream.off('close', onClose);
    };
    transport.observer.once('close', () => this.#end('failed'));
  }

  get name(): string {
    return this.stream.name;
  }

  describe(): Record<string, unknown> {
    return describeTransport(this.transport, this.kind);
  }

  findConsumer(consumerId: string): ms.Consumer | undefined {
    return this.#consumers.get(consumerId);
  }

  /** Resumes a consumer; true the first time any consumer of this playback is resumed (PLAYING). */
  async resume(consumer: ms.Consumer): Promise<boolean> {
    await consumer.resume();
    if (this.#resumedOnce) return false;
    this.#resumedOnce = true;
    return true;
  }

  /** Closes the transport (and so the consumers) without an `ended` event. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    this.transport.close();
    this.removeAllListeners();
  }

  #end(reason: 'unpublished' | 'failed'): void {
    if (this.#closed) return;
    this.emit('ended', reason);
    this.close();
  }

  async #consume(producer: ms.Producer): Promise<ConsumerInfo | null> {
    await this.#pipes.pipe(this.stream.router, producer, this.router);
    if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities: this.#rtpCapabilities })) return null;
    const consumer = await this.transport.consume({ producerId: producer.id, rtpCapabilities: this.#rtpCapabilities, paused: true });
    this.#consumers.set(consumer.id, consumer);
    // mediasoup 3.8.4 creates the transport's bandwidth estimator with its first video consumer
    // and ignores a cap set before it (mediasoup#831): cap now, before the client resumes.
    if (consumer.kind === 'video' && this.#maxBitrate) {
      const cap = this.#maxBitrate;
      this.#maxBitrate = null;
      await this.transport.setMaxOutgoingBitrate(cap);
    }
    const ids = { stream: this.name, consumerId: consumer.id };
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
    consumer.on('producerclose', () => this.emit('notify', 'consumerClosed', ids));
    consumer.on('producerpause', () => this.emit('notify', 'consumerPaused', ids));
    consumer.on('producerresume', () => this.emit('notify', 'consumerResumed', ids));
    consumer.on('layerschange', (layers) => this.emit('notify', 'consumerLayersChanged', { ...ids, layers: layers ?? null }));
    consumer.on('score', (score) => this.emit('notify', 'consumerScore', { ...ids, score }));
    return {
      id: consumer.id,
      producerId: producer.id,
      kind: consumer.kind,
      type: consumer.type,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
    };
  }
}
