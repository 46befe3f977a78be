// One player of one stream on this node: a transport and one consumer per track the player can
// receive, whatever the way in (command channel or WHEP). Consumers start paused and are resumed
// once the player's side is ready, so the first packets (and the keyframe asked for on resume) are
// not lost.
//
// Players of one stream spread over the workers: a player placed on another worker's router gets
// the stream's tracks piped there (once per router, shared by all its players), so a popular
// stream uses every core instead of one. A WHEP player needs the payload types of its own offer:
// it plays from a codec router of the chosen worker (shared by every player whose offer agrees).
import type * as ms from 'mediasoup/types';
import { AppError, toWireError } from '../errors';
import type { Logger } from '../log';
import type { CodecRouterLease } from '../media/CodecRouters';
import type { PipeCache } from '../media/PipeCache';
import { describeTransport, onTransportClose, type TransportKind } from '../media/transports';
import type { Stream } from './Stream';
import type { EventState, StreamEvent } from './streamEvents';
import { TypedEmitter } from '../util/TypedEmitter';
import type { LayerHoldOptions, PreferredLayers } from './layerHold';
import { LayerHolder } from './LayerHolder';

type AnyTransport = ms.WebRtcTransport | ms.PlainTransport;

/** A consumer as the client sees it (play answer and `newConsumer`). */
export interface ConsumerInfo {
  id: string;
  producerId: string;
  kind: ms.MediaKind;
  type: ms.ConsumerType;
  rtpParameters: ms.RtpParameters;
  producerPaused: boolean;
  /** The WHEP m= section the consumer answers, when the player asked by section. */
  mid?: string;
}

/** One receiving m= section of a WHEP offer: at most one consumer of its kind, with its mid. */
export interface PlaySlot {
  kind: ms.MediaKind;
  mid: string;
}

type Events = {
  /** A track the publisher added after play started. */
  consumer: [info: ConsumerInfo];
  /** A track the publisher added after play started could not be given to this player. */
  trackFailed: [failure: { kind: ms.MediaKind; producerId: string; code: string; message: string }];
  /** Per-consumer notifications for the client: consumerClosed, consumerPaused, ... */
  notify: [method: string, data: Record<string, unknown>];
  /** The stream ended (unpublished) or the transport failed; the playback is closed. */
  ended: [reason: 'unpublished' | 'failed'];
};

export interface PlaybackParts {
  stream: Stream;
  /** The router the transport is on: the stream's own, another worker's, or a codec router. */
  router: ms.Router;
  transport: AnyTransport;
  kind: TransportKind;
  rtpCapabilities: ms.RtpCapabilities;
  pipes: PipeCache;
  /** WHEP: the codec router this player holds; given back on close. */
  lease: CodecRouterLease | null;
  /** WHEP: consume by section; later tracks are not offered (the SDP is fixed). */
  slots: PlaySlot[] | null;
  /** The client's cap on what the node sends it, bits/s (WebRTC; applied by consumeAll), or null. */
  maxBitrate: number | null;
  logger: Logger;
  /** Told of every consumer made (the pool counts them per worker). */
  onConsumer: (consumer: ms.Consumer) => void;
  /** Hold-down of simulcast upswitches after a bandwidth drop (see layerHold.ts). */
  layerHold: LayerHoldOptions;
}

export class Playback extends TypedEmitter<Events> {
  readonly stream: Stream;
  readonly router: ms.Router;
  readonly transport: AnyTransport;
  readonly kind: TransportKind;
  readonly #parts: PlaybackParts;
  /** The client's cap (WebRTC only), or null. */
  #cap: number | null;
  /** The bitrate of the lowest simulcast layer of the video played (its encoder's cap), once known. */
  #lowestLayer: number | null = null;
  /** What the transport's estimate is held to now (0: not set). */
  #applied = { cap: 0, floor: 0 };
  /** Limit changes run one after another (a client's setMaxOutgoingBitrate can come during consume). */
  #limits: Promise<void> = Promise.resolve();
  readonly #consumers = new Map<string, ms.Consumer>();
  readonly #holds = new Map<string, LayerHolder>();
  readonly #detach: () => void;
  #resumedOnce = false;
  #closed = false;
  /** Producers this playback consumes or is consuming: a track is consumed once, whoever sees it first. */
  readonly #taken = new Set<string>();
  /**
   * Consumers of tracks added while the play was being set up, held until the owner listens:
   * those made before consumeAll ends go out in its answer, the rest with listen(). Null once
   * listening, when they go out as `consumer` events. Without it a track added during `play` made
   * a consumer the client never heard of (the event fired before anyone subscribed).
   */
  #early: ConsumerInfo[] | null = [];
  /**
   * The stream's event state when this player started (the play answer carries it), and the
   * events since, held like #early until the owner listens: the client hears them after the
   * answer, in order, and none falls between the state and the first one.
   */
  readonly eventState: EventState;
  #earlyEvents: StreamEvent[] | null = [];

  /** Made by PlayService only, which then calls consumeAll(). */
  constructor(parts: PlaybackParts) {
    super();
    this.#parts = parts;
    this.stream = parts.stream;
    this.router = parts.router;
    this.transport = parts.transport;
    this.kind = parts.kind;
    this.#cap = parts.kind === 'webrtc' ? parts.maxBitrate : null;
    const onProducer = (producer: ms.Producer) => void this.#consumeLater(producer);
    const onClose = () => this.#end('unpublished');
    const onEvent = (event: StreamEvent) => this.#onEvent(event);
    // Another origin took the relayed stream over (Stream.takeOver): a command-channel player gets
    // consumerClosed for the old tracks and newConsumer for the new ones, and plays on. A WHEP
    // player cannot: its answer's SSRCs are fixed and the new consumers would have others, so it
    // ends as if unpublished and its client POSTs again (docs/whip-whep.md).
    const onTakeover = () => {
      if (this.#parts.slots) return this.#end('unpublished');
      // The old tracks are closed; the new feeder's may carry the same producer ids (a relay tier's
      // stand-in relays the origin's producers, whose ids every hop keeps): consumed afresh.
      this.#taken.clear();
    };
    this.eventState = this.stream.eventState;
    this.stream.on('producer', onProducer);
    this.stream.once('close', onClose);
    this.stream.on('event', onEvent);
    this.stream.on('takeover', onTakeover);
    this.#detach = () => {
      this.stream.off('producer', onProducer);
      this.stream.off('close', onClose);
      this.stream.off('event', onEvent);
      this.stream.off('takeover', onTakeover);
    };
    onTransportClose(this.transport, () => this.#end('failed'));
  }

  get name(): string {
    return this.stream.name;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get consumers(): ms.Consumer[] {
    return [...this.#consumers.values()];
  }

  describe(): Record<string, unknown> {
    return describeTransport(this.transport, this.kind);
  }

  findConsumer(consumerId: string): ms.Consumer | undefined {
    return this.#consumers.get(consumerId);
  }

  /**
   * The client's own preferred layers for one of this playback's consumers. While a simulcast
   * consumer is held below a layer it had to leave, the lower of the two applies; the client's
   * layers apply in full once the hold is lifted.
   */
  async setPreferredLayers(consumer: ms.Consumer, layers: PreferredLayers): Promise<void> {
    const holder = this.#holds.get(consumer.id);
    if (!holder) {
      await consumer.setPreferredLayers(layers);
      return;
    }
    await holder.setClientLayers(layers);
  }

  /**
   * The client's new cap on what the node sends it (setMaxOutgoingBitrate; WebRTC). It lifts every
   * layer hold of this playback and forgets their history: the client's own cap now says what fits,
   * and holds from before it would only slow a raised cap's climb.
   */
  async setMaxBitrate(bitrate: number): Promise<void> {
    const previous = this.#cap;
    this.#cap = bitrate;
    try {
      await this.#applyLimits();
    } catch (err) {
      // mediasoup refused the cap (below 30 kbps: its TypeError says so) after the floor came
      // down for it: put both back as they were.
      this.#cap = previous;
      await this.#applyLimits().catch(() => undefined);
      throw err;
    }
    for (const holder of this.#holds.values()) holder.reset();
  }

  /** Applies the client's cap, then consumes every current track (by slot for WHEP); CANNOT_CONSUME when none fits. */
  async consumeAll(): Promise<ConsumerInfo[]> {
    // Before the first consumer: the cap holds from the first packet (mediasoup 3.27 keeps a cap
    // set before the transport's bandwidth estimator exists and gives it to the estimator,
    // Transport.cpp; 3.8.4 dropped it, mediasoup#831).
    await this.#applyLimits();
    const { slots } = this.#parts;
    const infos: ConsumerInfo[] = [];
    const wanted = slots
      ? slots.flatMap((slot) => {
          const producer = this.stream.producers.find((p) => p.kind === slot.kind);
          return producer ? [{ producer, mid: slot.mid }] : [];
        })
      : this.stream.producers.map((producer) => ({ producer, mid: undefined }));
    // Tracks a `producer` event already handed to #consumeLater: its consumer joins the answer
    // (or follows with listen()), so they do not count as tracks that cannot be played.
    let elsewhere = 0;
    for (const { producer, mid } of wanted) {
      if (this.#taken.has(producer.id)) {
        elsewhere++;
        continue;
      }
      const info = await this.#consume(producer, mid);
      if (info) infos.push(info);
    }
    if (this.#closed) throw new AppError('STREAM_NOT_FOUND', `stream "${this.name}" ended`);
    if (this.#early) infos.push(...this.#early.splice(0));
    if ((slots || this.stream.producers.length > 0) && infos.length === 0 && elsewhere === 0) {
      throw new AppError('CANNOT_CONSUME', `cannot play "${this.name}": no codec in common`);
    }
    return infos;
  }

  /**
   * The owner listens to `consumer` from now on: consumers of tracks added since consumeAll
   * answered are emitted now, later ones as they come. Call it after the answer to `play` went
   * out, so the client knows the transport before it hears of a new consumer.
   */
  listen(): void {
    const early = this.#early ?? [];
    this.#early = null;
    for (const info of early) this.emit('consumer', info);
    const events = this.#earlyEvents ?? [];
    this.#earlyEvents = null;
    for (const event of events) this.#onEvent(event);
  }

  /** A stream event for this player: `streamEvent` to its client (held until the owner listens). */
  #onEvent(event: StreamEvent): void {
    // A WHEP player has no channel to hear events on (docs/whip-whep.md).
    if (this.#parts.slots) return;
    if (this.#earlyEvents) return void this.#earlyEvents.push(event);
    this.emit('notify', 'streamEvent', { stream: this.name, seq: event.seq, type: event.type, payload: event.payload });
  }

  /** Resumes a consumer; true the first time any consumer of this playback is resumed (PLAYING). */
  async resume(consumer: ms.Consumer): Promise<boolean> {
    await consumer.resume();
    if (this.#resumedOnce) return false;
    this.#resumedOnce = true;
    return true;
  }

  /** Resumes every consumer (WHEP, once DTLS is up). Failures are logged, not thrown. */
  resumeAll(): void {
    for (const consumer of this.#consumers.values()) {
      if (consumer.closed) continue;
      this.resume(consumer).catch((err: Error) => {
        if (!consumer.closed) this.#parts.logger.warn({ stream: this.name, consumer: consumer.id, err: err.message }, 'could not resume a consumer');
      });
    }
  }

  /** Closes the transport (and so the consumers) without an `ended` event. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    for (const holder of this.#holds.values()) holder.stop();
    this.#holds.clear();
    this.transport.close();
    this.#parts.lease?.release();
    this.removeAllListeners();
  }

  #end(reason: 'unpublished' | 'failed'): void {
    if (this.#closed) return;
    this.emit('ended', reason);
    this.close();
  }

  /** A track added after play started: offered to command-channel players, not to WHEP ones. */
  async #consumeLater(producer: ms.Producer): Promise<void> {
    if (this.#parts.slots) {
      this.#parts.logger.info({ stream: this.name, kind: producer.kind }, 'track added after a WHEP play started: not offered to that player');
      return;
    }
    try {
      if (this.#taken.has(producer.id)) return;
      const info = await this.#consume(producer);
      if (!info) return;
      if (this.#early) this.#early.push(info);
      else this.emit('consumer', info);
    } catch (err) {
      if (this.#closed || producer.closed) return; // the player or the track went meanwhile
      const wire = toWireError(err);
      this.#parts.logger.warn(
        { stream: this.name, kind: producer.kind, producer: producer.id, err: (err as Error).message },
        'a track added later could not reach the player',
      );
      this.emit('trackFailed', { kind: producer.kind, producerId: producer.id, code: wire.code, message: wire.message });
    }
  }

  async #consume(producer: ms.Producer, mid?: string): Promise<ConsumerInfo | null> {
    const { pipes, rtpCapabilities } = this.#parts;
    this.#taken.add(producer.id); // before the first await: see #taken
    // The producer to consume on this playback's router: the stream's own, or its pipe producer.
    const local = await pipes.pipe(this.stream.router, producer, this.router);
    if (this.#closed) return null;
    if (!this.router.canConsume({ producerId: local.id, rtpCapabilities })) return null;
    const consumer = await this.transport.consume({ producerId: local.id, rtpCapabilities, paused: true, ...(mid ? { mid } : {}) });
    if (this.#closed) {
      consumer.close();
      return null;
    }
    this.#consumers.set(consumer.id, consumer);
    this.#parts.onConsumer(consumer);
    if (consumer.type === 'simulcast' && this.#lowestLayer === null) {
      // Before the client resumes the consumer, so the floor is there before the first estimate.
      this.#lowestLayer = lowestLayerBitrate(producer);
      await this.#applyLimits();
    }
    const ids = { stream: this.name, consumerId: consumer.id };
    const hold = this.#parts.layerHold;
    const holder = consumer.type === 'simulcast' && hold.holdMs > 0 ? new LayerHolder(consumer, hold, this.#parts.logger) : null;
    if (holder) this.#holds.set(consumer.id, holder);
    consumer.observer.once('close', () => {
      this.#consumers.delete(consumer.id);
      holder?.stop();
      this.#holds.delete(consumer.id);
    });
    consumer.on('producerclose', () => this.emit('notify', 'consumerClosed', ids));
    consumer.on('producerpause', () => this.emit('notify', 'consumerPaused', ids));
    consumer.on('producerresume', () => this.emit('notify', 'consumerResumed', ids));
    consumer.on('layerschange', (layers) => {
      holder?.onLayers(layers);
      this.emit('notify', 'consumerLayersChanged', { ...ids, layers: layers ?? null });
    });
    consumer.on('score', (score) => this.emit('notify', 'consumerScore', { ...ids, score }));
    return {
      id: consumer.id,
      // The stream's producer, as the client knows it (a pipe producer has an id of its own).
      producerId: producer.id,
      kind: consumer.kind,
      type: consumer.type,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
      ...(mid ? { mid } : {}),
    };
  }

  /**
   * Holds the transport's bandwidth estimate between a floor and the client's cap (WebRTC). The
   * floor is the lowest simulcast layer of the video it plays (never above the cap): on a narrow
   * link the estimate overshoots, falls back, and could fall below even that layer, and mediasoup
   * would then pause the video (NOT_ENOUGH_BANDWIDTH) until it climbed back, for seconds, although
   * the link carries that layer (docs/networks.md, narrow links). A client whose cap is below the
   * lowest layer asked for less than it, and gets no layer. mediasoup refuses a cap below the
   * floor and a floor above the cap, so the floor comes down first and goes up last.
   */
  #applyLimits(): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.kind !== 'webrtc' || this.#closed) return;
      const cap = this.#cap ?? 0;
      const lowest = this.#lowestLayer ?? 0;
      const wanted = cap > 0 ? Math.min(lowest, cap) : lowest;
      // mediasoup's estimate never goes below 30 kbps anyway, and refuses a floor under it.
      const floor = wanted >= MIN_OUTGOING_BITRATE ? wanted : 0;
      if (floor < this.#applied.floor) await this.#setFloor(floor);
      if (cap !== this.#applied.cap) {
        await this.transport.setMaxOutgoingBitrate(cap);
        this.#applied.cap = cap;
      }
      if (floor > this.#applied.floor) await this.#setFloor(floor);
    };
    const next = this.#limits.then(run);
    // One failed change does not stop the next; the caller gets this one's failure.
    this.#limits = next.catch(() => undefined);
    return next;
  }

  async #setFloor(floor: number): Promise<void> {
    await (this.transport as ms.WebRtcTransport).setMinOutgoingBitrate(floor);
    this.#applied.floor = floor;
    this.#parts.logger.debug({ stream: this.name, transport: this.transport.id, floor }, "player's bandwidth estimate floor set");
  }
}

/** The lowest bitrate mediasoup lets a transport's estimate fall to (Transport.cpp, AbsoluteMinOutgoingBitrate). */
const MIN_OUTGOING_BITRATE = 30_000;

/**
 * The bitrate of a simulcast producer's lowest layer: the smallest `maxBitrate` its encodings
 * state (the SDK's `r0` is 150 kbps), or null when they state none (WHIP offers have no per-layer
 * bitrate); relayed streams keep their publisher's encodings.
 */
export function lowestLayerBitrate(producer: Pick<ms.Producer, 'rtpParameters'>): number | null {
  const stated = (producer.rtpParameters.encodings ?? []).flatMap((e) => (typeof e.maxBitrate === 'number' && e.maxBitrate > 0 ? [e.maxBitrate] : []));
  return stated.length > 0 ? Math.min(...stated) : null;
}
