// One local stream of the origin relayed to one edge over the pipe its worker shares with that
// edge (OriginPipes): one pipe consumer per producer here and a matching producer there. Pause,
// resume and close cross the link as commands (mediasoup does not carry them across hosts).
// Operations run one at a time, in order, so a producer added while the relay is being set up is
// relayed after it. A failure drops the half-relayed stream on the edge, then tells the owner (the
// EdgeLink), which decides whether to try again. The pipe is not this relay's: ending the relay
// closes its consumers and releases the pipe, which other streams may still use.
//
// Each relay has its own id, sent with every command: the edge drops the stream of this relay
// (`relayUnpublish`) as soon as the relay ends, even when the edge has not answered `relayStream`
// yet, and a late command about an earlier relay of the same name cannot touch a newer one.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/types';
import type { Logger } from '../log';
import type { Stream } from '../streams/Stream';
import type { StreamEvent } from '../streams/streamEvents';
import type { OriginPipe, OriginPipes, PipeUser } from './OriginPipes';
import { ask, failureOf, type RelayChannel } from './relayChannel';
import type { RelayGate } from './relayGate';
import type { RelayPacing } from './relayPacing';
import type { RelayFailure } from './relayRetry';

export type RelayState = 'pending' | 'relayed' | 'failed' | 'closed';

/** What one relay has sent to its edge so far (counters since the pipe opened), for the console and /metrics. */
export interface RelayTraffic {
  bytesSent: number;
  /** bits/s over the worker's last second. */
  bitrate: number;
  packetsSent: number;
  /** Reported lost by the edge (RTCP receiver reports on the pipe). */
  packetsLost: number;
  /** Sent again after the edge's NACKs. */
  packetsRetransmitted: number;
}

export class StreamRelay implements PipeUser {
  readonly stream: Stream;
  /** This relay among every relay of the stream's name over the link (see relayProtocol.ts). */
  readonly id = randomUUID();
  #state: RelayState = 'pending';
  #error: string | null = null;
  /** The shared pipe this relay uses (acquired when it starts, released when it ends). */
  #pipe: OriginPipe | null = null;
  /** The pipe's transport once it is connected. */
  #transport: ms.PipeTransport | null = null;
  /**
   * relayStream was sent: the edge holds (or is making) this relay's stream until relayUnpublish.
   * Set before the answer, so a relay that ends meanwhile still tells the edge.
   */
  #edgeHolds = false;
  /**
   * The stream's events go to the edge as they happen: from relayStream (which carries the state
   * before them) until the link drops; after a blip, again once the edge said which it has
   * (resyncEvents). Meanwhile they wait in the stream's log.
   */
  #eventsLive = false;
  /**
   * A track was paused or resumed while the link was down: the edge is sent the tracks' state when
   * the link is back (resyncEvents), rather than the relay failing (its players would lose the stream).
   */
  #pausesMissed = false;
  /** Producers whose pipe producer exists on the edge. */
  readonly #relayedProducers = new Set<string>();
  /** Pipe consumers by producer id, read by stats(). */
  readonly #consumers = new Map<string, ms.Consumer>();
  #queue: Promise<void> = Promise.resolve();
  readonly #channel: RelayChannel;
  readonly #pipes: OriginPipes;
  /** The stream's worker's gate: each pipe consumer is asked of the worker through it (relayGate.ts). */
  readonly #gate: RelayGate;
  /** Each step waits for the stream's publisher to settle first (relayPacing.ts). */
  readonly #pacing: RelayPacing;
  readonly #logger: Logger;
  readonly #detach: (() => void)[] = [];
  readonly #onRelayed: () => void;
  readonly #onFailed: (failure: RelayFailure) => void;

  constructor(
    stream: Stream,
    link: { channel: RelayChannel; pipes: OriginPipes; pacing: RelayPacing },
    logger: Logger,
    hooks: { relayed: () => void; failed: (failure: RelayFailure) => void },
  ) {
    this.stream = stream;
    this.#channel = link.channel;
    this.#pipes = link.pipes;
    this.#pacing = link.pacing;
    this.#gate = link.pacing.gate(stream.router);
    this.#logger = logger.child({ stream: stream.name });
    this.#onRelayed = hooks.relayed;
    this.#onFailed = hooks.failed;
    this.#run(() => this.#open());
    for (const producer of stream.producers) this.#watch(producer);
    const onProducer = (producer: ms.Producer) => this.#watch(producer);
    const onEvent = (event: StreamEvent) => this.#sendEvent(event);
    stream.on('producer', onProducer);
    stream.on('event', onEvent);
    this.#detach.push(() => {
      stream.off('producer', onProducer);
      stream.off('event', onEvent);
    });
  }

  /** Whether events wait for resyncEvents (the link dropped since relayStream). */
  get eventsPaused(): boolean {
    return this.#edgeHolds && !this.#eventsLive;
  }

  /** The link dropped: the stream's events wait in its log until the edge says which it has. */
  pauseEvents(): void {
    this.#eventsLive = false;
  }

  /**
   * The edge has the stream's events up to `edgeSeq` (its relayHeld; undefined from an edge that
   * does not say): it is sent the ones after, or, when the log no longer has them all, the state
   * now (its players get the mute changes; the data events in between are lost). Then events flow
   * as they happen again. Sent in one go, so nothing newer can come between.
   */
  resyncEvents(edgeSeq: number | undefined): void {
    if (!this.#edgeHolds || this.#state === 'closed' || this.#state === 'failed' || !this.#channel.up) return;
    const missed = edgeSeq === undefined ? null : this.stream.eventsSince(edgeSeq);
    if (missed === null) {
      this.#logger.warn({ edgeSeq, seq: this.stream.eventState.seq }, "the edge missed stream events no longer kept; it gets the stream's state");
      this.#channel.notify('relayStreamState', { stream: this.stream.name, relayId: this.id, ...this.stream.eventState });
    } else {
      if (missed.length > 0) this.#logger.info({ events: missed.length }, 'stream events the edge missed during a blip sent again');
      for (const event of missed) this.#notifyEvent(event);
    }
    this.#eventsLive = true;
    if (this.#pausesMissed) {
      this.#pausesMissed = false;
      for (const producer of this.stream.producers) this.#sendPaused(producer);
    }
  }

  /** Tells the edge whether a track is paused now (queued after the track's own relaying). */
  #sendPaused(producer: ms.Producer): void {
    this.#run(async () => {
      if (producer.closed || !this.#relayedProducers.has(producer.id)) return;
      // Not while the link is down: a blip is not the end of the relay; the state follows on return.
      if (!this.#channel.up) return void (this.#pausesMissed = true);
      const method = producer.paused ? 'relayProducerPause' : 'relayProducerResume';
      await this.#ask(method, { stream: this.stream.name, relayId: this.id, producerId: producer.id });
    });
  }

  get state(): RelayState {
    return this.#state;
  }

  get error(): string | null {
    return this.#error;
  }

  /** The pipe is up and every current track of the stream is on the edge: players can go there. */
  get complete(): boolean {
    return this.#state === 'relayed' && this.stream.producers.every((p) => this.#relayedProducers.has(p.id));
  }

  /** relayStream was sent and the relay did not end: the edge holds (or is making) its stream. */
  get onEdge(): boolean {
    return this.#edgeHolds;
  }

  /** The id of the pipe this relay uses, or null before it has one and after it ended. */
  get pipeId(): string | null {
    return this.#pipe?.id ?? null;
  }

  /**
   * This stream's traffic to the edge (its pipe consumers'; the pipe itself is shared with other
   * streams), or null while it has no pipe (pending, failed, closed).
   */
  async stats(): Promise<RelayTraffic | null> {
    if (!this.#transport || this.#transport.closed || this.#state !== 'relayed') return null;
    const traffic: RelayTraffic = {
      bytesSent: 0,
      bitrate: 0,
      packetsSent: 0,
      packetsLost: 0,
      packetsRetransmitted: 0,
    };
    for (const consumer of this.#consumers.values()) {
      if (consumer.closed) continue;
      for (const stat of await consumer.getStats()) {
        if (stat.type !== 'outbound-rtp') continue;
        traffic.bytesSent += stat.byteCount;
        traffic.bitrate += stat.bitrate;
        traffic.packetsSent += stat.packetCount;
        traffic.packetsLost += stat.packetsLost;
        traffic.packetsRetransmitted += stat.packetsRetransmitted;
      }
    }
    return traffic;
  }

  /** The edge lost the stream on its side (its worker died): the relay failed, for a reason that passes. */
  lostOnEdge(): void {
    this.#edgeHolds = false;
    this.#failWith({ code: 'MEDIA_UNAVAILABLE', message: 'edge lost the stream', where: 'edge' });
  }

  /** The shared pipe is gone under this relay (PipeUser): it fails, and is retried on a new pipe. */
  pipeLost(failure: RelayFailure): void {
    // The edge closed the stream with its side of the pipe; nothing to withdraw there.
    if (failure.where === 'edge') this.#edgeHolds = false;
    this.#failWith(failure);
  }

  /** Stops relaying; tells the edge to drop the stream when `notifyEdge`. Idempotent. */
  close(notifyEdge: boolean): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const detach of this.#detach) detach();
    this.#leavePipe();
    if (notifyEdge) this.#dropOnEdge();
  }

  /** Closes this relay's pipe consumers and releases the shared pipe (other streams keep it). */
  #leavePipe(): void {
    for (const consumer of this.#consumers.values()) consumer.close();
    this.#consumers.clear();
    this.#relayedProducers.clear();
    if (this.#pipe) this.#pipes.release(this.#pipe, this);
    this.#pipe = null;
    this.#transport = null;
  }

  /** Tells the edge to drop the stream it holds from this relay (once). */
  #dropOnEdge(): void {
    if (!this.#edgeHolds || !this.#channel.up) return;
    this.#edgeHolds = false;
    this.#channel.request('relayUnpublish', { stream: this.stream.name, relayId: this.id }).catch((err: Error) => {
      // The edge drops the stream anyway when the link goes; nothing more to do here.
      this.#logger.info({ err: err.message }, 'edge did not confirm relayUnpublish');
    });
  }

  #failWith(failure: RelayFailure): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    this.#state = 'failed';
    this.#error = `${failure.code}: ${failure.message}`;
    for (const detach of this.#detach) detach();
    // Nothing of a failed relay is kept: a retry starts afresh, and the edge must not keep a
    // stream with some of its tracks, which players there would take for the whole one.
    this.#leavePipe();
    this.#dropOnEdge();
    this.#onFailed(failure);
  }

  #ask<T = unknown>(method: string, data: Record<string, unknown>): Promise<T> {
    return ask<T>(this.#channel, method, data);
  }

  #run(step: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#state === 'closed' || this.#state === 'failed') return;
      try {
        await step();
      } catch (err) {
        this.#failWith(failureOf(err));
      }
    });
  }

  async #open(): Promise<void> {
    // After the publisher's requests, not between them (a stream published a while ago: at once).
    await this.#pacing.settled(this.stream);
    if ((this.#state as RelayState) !== 'pending') return;
    const pipe = this.#pipes.acquire(this.stream.router, this);
    this.#pipe = pipe;
    const transport = await pipe.ready;
    if ((this.#state as RelayState) !== 'pending' || pipe.closed) return;
    this.#transport = transport;
    const answer = this.#ask('relayStream', { stream: this.stream.name, relayId: this.id, pipeId: pipe.id });
    // Right behind it on the link, the stream's event state as it is now; the events after it go
    // out as they happen, so the edge misses none and has none twice.
    this.#channel.notify('relayStreamState', { stream: this.stream.name, relayId: this.id, ...this.stream.eventState });
    // From here on, ending this relay sends relayUnpublish at once: it reaches the edge after
    // relayStream and cancels it there, whether or not the edge answered (or ever answers) it.
    this.#edgeHolds = true;
    this.#eventsLive = true;
    await answer;
    if ((this.#state as RelayState) !== 'pending') return;
    this.#state = 'relayed';
    this.#onRelayed();
  }

  /** A stream event as it happens: to the edge at once while events flow (not queued behind track set-up). */
  #sendEvent(event: StreamEvent): void {
    if (!this.#eventsLive || this.#state === 'closed' || this.#state === 'failed') return;
    this.#notifyEvent(event);
  }

  #notifyEvent(event: StreamEvent): void {
    this.#channel.notify('relayStreamEvent', { stream: this.stream.name, relayId: this.id, seq: event.seq, type: event.type, payload: event.payload });
  }

  /** Relays a producer now (queued) and follows its pause, resume and close. */
  #watch(producer: ms.Producer): void {
    const name = this.stream.name;
    let consumer: ms.Consumer | null = null;
    this.#run(async () => {
      await this.#pacing.settled(this.stream);
      const transport = this.#transport;
      const state = this.#state as RelayState;
      if (producer.closed || !transport || state === 'closed' || state === 'failed') return;
      // Waits its turn with every other relay's request to this worker (and not in front of the publisher's).
      consumer = await this.#gate.run(async () => (producer.closed || transport.closed ? null : transport.consume({ producerId: producer.id })));
      if (!consumer) return;
      // Ended meanwhile: the pipe is shared, so nothing else would close this consumer.
      if (this.#state === 'closed' || this.#state === 'failed') return void consumer.close();
      this.#consumers.set(producer.id, consumer);
      await this.#ask('relayProducer', {
        stream: name,
        relayId: this.id,
        producerId: producer.id,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
        paused: consumer.producerPaused,
      });
      this.#relayedProducers.add(producer.id);
      this.#onRelayed();
    });
    // The state when the step runs, not when it was queued: a pause and a resume in quick
    // succession end with the edge as the origin is (and a step missed during a blip is made up).
    const onPause = () => this.#sendPaused(producer);
    const onResume = () => this.#sendPaused(producer);
    const onClose = () =>
      this.#run(async () => {
        consumer?.close();
        this.#consumers.delete(producer.id);
        this.#relayedProducers.delete(producer.id);
        await this.#ask('relayProducerClose', { stream: name, relayId: this.id, producerId: producer.id }).catch((err: Error) => {
          // The track is gone here either way; the edge closes its copy with the stream.
          this.#logger.info({ err: err.message, producerId: producer.id }, 'edge did not confirm relayProducerClose');
        });
      });
    producer.observer.on('pause', onPause);
    producer.observer.on('resume', onResume);
    producer.observer.once('close', onClose);
    this.#detach.push(() => {
      producer.observer.off('pause', onPause);
      producer.observer.off('resume', onResume);
      producer.observer.off('close', onClose);
    });
  }
}
