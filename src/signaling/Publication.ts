// One stream a client session publishes: the registry stream and the transport its tracks arrive
// on (WebRTC, or plain RTP for ffmpeg/GStreamer-style senders).
import type * as ms from 'mediasoup/lib/types';
import { AppError } from '../errors';
import { createClientTransport, describeTransport, TransportKind } from '../media/transports';
import type { Stream } from '../streams/Stream';
import { TypedEmitter } from '../util/TypedEmitter';
import type { NodeContext } from './NodeContext';

type AnyTransport = ms.WebRtcTransport | ms.PlainTransport;

type Events = {
  /** The transport closed under the stream (its worker died): the publication cannot go on. */
  failed: [];
};

export class Publication extends TypedEmitter<Events> {
  readonly stream: Stream;
  readonly transport: AnyTransport;
  readonly kind: TransportKind;
  #closed = false;

  /** Reserves the name (STREAM_NAME_TAKEN if in use) and opens the transport on the least busy router. */
  static async create(ctx: NodeContext, name: string, kind: TransportKind, sessionId: string): Promise<Publication> {
    const router = ctx.media.pickRouter();
    const stream = ctx.streams.create(name, router, { kind: 'local', sessionId });
    try {
      const transport = await createClientTransport(router, kind, ctx.config, 'send');
      ctx.media.track(router, transport);
      return new Publication(stream, transport, kind);
    } catch (err) {
      stream.close();
      throw err;
    }
  }

  private constructor(stream: Stream, transport: AnyTransport, kind: TransportKind) {
    super();
    this.stream = stream;
    this.transport = transport;
    this.kind = kind;
    transport.observer.once('close', () => {
      if (this.#closed) return;
      this.emit('failed');
      this.close();
    });
  }

  get name(): string {
    return this.stream.name;
  }

  /** What the client needs to set up its side. */
  describe(): Record<string, unknown> {
    return describeTransport(this.transport, this.kind);
  }

  /** Adds a track; one of each kind per stream. Returns the producer and whether it is the first. */
  async produce(kind: 'audio' | 'video', rtpParameters: ms.RtpParameters, paused: boolean): Promise<{ producer: ms.Producer; first: boolean }> {
    if (this.stream.producers.some((p) => p.kind === kind)) {
      throw new AppError('NOT_ALLOWED', `stream "${this.name}" already has a ${kind} track`);
    }
    const producer = await this.transport.produce({ kind, rtpParameters, paused });
    if (this.stream.closed) {
      producer.close();
      throw new AppError('STREAM_NOT_FOUND', 'stream was unpublished');
    }
    const first = this.stream.status === 'PENDING';
    this.stream.addProducer(producer);
    return { producer, first };
  }

  findProducer(producerId: string): ms.Producer | undefined {
    return this.stream.producers.find((p) => p.id === producerId);
  }

  /** Ends the stream (players everywhere get UNPUBLISHED) and closes the transport. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stream.close();
    this.transport.close();
    this.removeAllListeners();
  }
}
