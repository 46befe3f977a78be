// One published stream on this node: the registry stream and the transport its tracks arrive on
// (WebRTC for the command channel and WHIP, plain RTP for ffmpeg/GStreamer-style senders). Made by
// PublishService whatever the way in; the caller (a command-channel session, a WHIP session) owns it
// and closes it.
import type * as ms from 'mediasoup/types';
import { AppError, type ErrorCode } from '../errors';
import { describeTransport, onTransportClose, type TransportKind } from '../media/transports';
import { TypedEmitter } from '../util/TypedEmitter';
import { usedRtpIds } from './rtpIds';
import type { Stream } from './Stream';
import { muteEventType } from './streamEvents';

type AnyTransport = ms.WebRtcTransport | ms.PlainTransport;

/** What a publisher is told when an admin ends its stream: WCS's info text for that case. */
export const TERMINATED_MESSAGE = 'Stopped by rest /terminate';

/** Why a publication was ended from outside when it was not an admin's terminate: told to the publisher as FAILED. */
export interface EndReason {
  code: ErrorCode;
  message: string;
}

type Events = {
  /** The transport closed under the stream (its worker died): the publication cannot go on. */
  failed: [];
  /**
   * Ended from outside: REST /rest-api/stream/terminate (no reason), or another origin's better
   * claim to the name (STREAM_NAME_TAKEN). The owner tells its publisher.
   */
  terminated: [reason?: EndReason];
};

export class Publication extends TypedEmitter<Events> {
  readonly stream: Stream;
  readonly transport: AnyTransport;
  readonly kind: TransportKind;
  #closed = false;
  /**
   * Tracks being added (the worker has not answered yet), by kind, with the RTP ids they use:
   * taken before the await, so two `produce` of one kind (or with one SSRC) sent at once cannot
   * both pass the checks (a client's requests run concurrently).
   */
  readonly #adding = new Map<'audio' | 'video', string[]>();

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

  /**
   * Adds a track; one of each kind per stream, and no SSRC, MID or RID of the other track (the
   * worker refuses those with a bare Error, which would pass for our fault). Returns the producer
   * and whether it is the first.
   */
  async produce(kind: 'audio' | 'video', rtpParameters: ms.RtpParameters, paused = false): Promise<{ producer: ms.Producer; first: boolean }> {
    if (this.#closed) throw new AppError('STREAM_NOT_FOUND', `stream "${this.name}" was unpublished`);
    if (this.#adding.has(kind) || this.stream.producers.some((p) => p.kind === kind)) {
      throw new AppError('NOT_ALLOWED', `stream "${this.name}" already has a ${kind} track`);
    }
    const ids = usedRtpIds([rtpParameters]);
    const taken = new Set([...usedRtpIds(this.stream.producers.map((p) => p.rtpParameters)), ...[...this.#adding.values()].flat()]);
    const clash = ids.find((id) => taken.has(id));
    if (clash) throw new AppError('BAD_REQUEST', `produce: ${clash} is already used by the stream's other track`);
    this.#adding.set(kind, ids);
    let producer: ms.Producer;
    try {
      producer = await this.transport.produce({ kind, rtpParameters, paused });
    } finally {
      this.#adding.delete(kind);
    }
    if (this.stream.closed) {
      producer.close();
      throw new AppError('STREAM_NOT_FOUND', `stream "${this.name}" was unpublished`);
    }
    const first = this.stream.status === 'PENDING';
    this.stream.addProducer(producer);
    // A track that starts paused is a muted one; a new track of a kind muted before starts afresh.
    this.#noteMute(kind, paused);
    return { producer, first };
  }

  /**
   * Pauses or resumes one of the stream's tracks: the publisher's mute and unmute. The stream event
   * (audioMuted, ...) is taken now, before the worker answers, so it keeps its place among the
   * publisher's other events (sendData sent before and after it).
   */
  async setPaused(producer: ms.Producer, paused: boolean): Promise<void> {
    this.#noteMute(producer.kind, paused);
    await (paused ? producer.pause() : producer.resume());
  }

  #noteMute(kind: 'audio' | 'video', muted: boolean): void {
    const state = this.stream.eventState;
    if ((kind === 'audio' ? state.audioMuted : state.videoMuted) === muted || this.stream.closed) return;
    this.stream.recordEvent(muteEventType(kind, muted), { streamName: this.name });
  }

  findProducer(producerId: string): ms.Producer | undefined {
    return this.stream.producers.find((p) => p.id === producerId);
  }

  /** Ends the publication from outside: the owner hears `terminated` (with the reason, if any), then it closes. */
  terminate(reason?: EndReason): void {
    if (this.#closed) return;
    this.emit('terminated', reason);
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
