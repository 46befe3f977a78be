// One published stream on this node: the registry stream and the transport its tracks arrive on
// (WebRTC for the command channel and WHIP, plain RTP for ffmpeg/GStreamer-style senders). Made by
// PublishService whatever the way in; the caller (a command-channel session, a WHIP session) owns it
// and closes it.
import type * as ms from 'mediasoup/types';
import { AppError } from '../errors';
import { describeTransport, onTransportClose, type TransportKind } from '../media/transports';
import { TypedEmitter } from '../util/TypedEmitter';
import type { Stream } from './Stream';

type AnyTransport = ms.WebRtcTransport | ms.PlainTransport;

/** What a publisher is told when an admin ends its stream: WCS's info text for that case. */
export const TERMINATED_MESSAGE = 'Stopped by rest /terminate';

type Events = {
  /** The transport closed under the stream (its worker died): the publication cannot go on. */
  failed: [];
  /** Ended from outside (REST /rest-api/stream/terminate): the owner tells its publisher. */
  terminated: [];
};

export class Publication extends TypedEmitter<Events> {
  readonly stream: Stream;
  readonly transport: AnyTransport;
  readonly kind: TransportKind;
  #closed = false;

  /** Made by PublishService only. */
  constructor(stream: Stream, transport: AnyTransport, kind: TransportKind) {
    super();
    this.stream = stream;
    this.transport = transport;
    this.kind = kind;
    onTransportClose(transport, () => {
      if (this.#closed) return;
      this.emit('failed');
      this.close();
    });
  }

  get name(): string {
    return this.stream.name;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** What the client needs to set up its side. */
  describe(): Record<string, unknown> {
    return describeTransport(this.transport, this.kind);
  }

  /** Adds a track; one of each kind per stream. Returns the producer and whether it is the first. */
  async produce(kind: 'audio' | 'video', rtpParameters: ms.RtpParameters, paused = false): Promise<{ producer: ms.Producer; first: boolean }> {
    if (this.#closed) throw new AppError('STREAM_NOT_FOUND', `stream "${this.name}" was unpublished`);
    if (this.stream.producers.some((p) => p.kind === kind)) {
      throw new AppError('NOT_ALLOWED', `stream "${this.name}" already has a ${kind} track`);
    }
    const producer = await this.transport.produce({ kind, rtpParameters, paused });
    if (this.stream.closed) {
      producer.close();
      throw new AppError('STREAM_NOT_FOUND', `stream "${this.name}" was unpublished`);
    }
    const first = this.stream.status === 'PENDING';
    this.stream.addProducer(producer);
    return { producer, first };
  }

  findProducer(producerId: string): ms.Producer | undefined {
    return this.stream.producers.find((p) => p.id === producerId);
  }

  /** Ends the publication on an admin's request: the owner hears `terminated`, then it closes. */
  terminate(): void {
    if (this.#closed) return;
    this.emit('terminated');
    this.close();
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
