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
import type { OriginPipe, OriginPipes, PipeUser } from './OriginPipes';
import { ask, failureOf, type RelayChannel } from './relayChannel';
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
  /** Producers whose pipe producer exists on the edge. */
  readonly #relayedProducers = new Set<string>();
  /** Pipe consumers by producer id, read by stats(). */
  readonly #consumers = new Map<string, ms.Consumer>();
  #queue: Promise<void> = Promise.resolve();
  readonly #channel: RelayChannel;
  readonly #pipes: OriginPipes;
  readonly #logger: Logger;
  readonly #detach: (() => void)[] = [];
  readonly #onRelayed: () => void;
  readonly #onFailed: (failure: RelayFailure) => void;

  constructor(
    stream: Stream,
    link: { channel: RelayChannel; pipes: OriginPipes },
    logger: Logger,
    hooks: { relayed: () => void; failed: (failure: RelayFailure) => void },
  ) {
    this.stream = stream;
    this.#channel = link.channel;
    this.#pipes = link.pipes;
    this.#logger = logger.child({ stream: stream.name });
    this.#onRelayed = hooks.relayed;
    this.#onFailed = hooks.failed;
    this.#run(() => this.#open());
    for (const producer of stream.producers) this.#watch(producer);
    const onProducer = (producer: ms.Producer) => this.#watch(producer);
    stream.on('producer', onProducer);
    this.#detach.push(() => stream.off('producer', onProducer));
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
    const pipe = this.#pipes.acquire(this.stream.router, this);
    this.#pipe = pipe;
    const transport = await pipe.ready;
    if ((this.#state as RelayState) !== 'pending' || pipe.closed) return;
    this.#transport = transport;
    const answer = this.#ask('relayStream', { stream: this.stream.name, relayId: this.id, pipeId: pipe.id });
    // From here on, ending this relay sends relayUnpublish at once: it reaches the edge after
    // relayStream and cancels it there, whether or not the edge answered (or ever answers) it.
    this.#edgeHolds = true;
    await answer;
    if ((this.#state as RelayState) !== 'pending') return;
    this.#state = 'relayed';
    this.#onRelayed();
  }

  /** Relays a producer now (queued) and follows its pause, resume and close. */
  #watch(producer: ms.Producer): void {
    const name = this.stream.name;
    let consumer: ms.Consumer | null = null;
    this.#run(async () => {
      if (producer.closed || !this.#transport) return;
      consumer = await this.#transport.consume({ producerId: producer.id });
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
    const onPause = () => this.#run(() => this.#ask('relayProducerPause', { stream: name, relayId: this.id, producerId: producer.id }).then(() => undefined));
    const onResume = () => this.#run(() => this.#ask('relayProducerResume', { stream: name, relayId: this.id, producerId: producer.id }).then(() => undefined));
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
