// One local stream of the origin piped to one edge: a PipeTransport pair with SRTP and RTX, one
// pipe consumer per producer here and a matching producer there. Pause, resume and close cross
// the link as commands (mediasoup does not carry them across hosts). Operations run one at a
// time, in order, so a producer added while the pipe is being set up is relayed after it.
import type * as ms from 'mediasoup/lib/types';
import type { NodeConfig } from '../config/types';
import { toWireError } from '../errors';
import type { Logger } from '../log';
import type { Peer } from '../rpc/Peer';
import type { Stream } from '../streams/Stream';

export type RelayState = 'pending' | 'relayed' | 'failed' | 'closed';

export class StreamRelay {
  readonly stream: Stream;
  #state: RelayState = 'pending';
  #error: string | null = null;
  #pipe: ms.PipeTransport | null = null;
  /** Producers whose pipe producer exists on the edge. */
  readonly #relayedProducers = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  readonly #peer: Peer;
  readonly #config: NodeConfig;
  readonly #logger: Logger;
  readonly #detach: (() => void)[] = [];
  readonly #onRelayed: () => void;
  readonly #onFailed: () => void;

  constructor(stream: Stream, peer: Peer, config: NodeConfig, logger: Logger, hooks: { relayed: () => void; failed: () => void }) {
    this.stream = stream;
    this.#peer = peer;
    this.#config = config;
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

  /** The edge lost the stream on its side: mark the relay failed (it is retried by its link). */
  fail(reason: string): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    this.#state = 'failed';
    this.#error = reason;
    this.#pipe?.close();
    this.#onFailed();
  }

  /** Stops relaying; tells the edge to drop the stream when `notifyEdge`. Idempotent. */
  close(notifyEdge: boolean): void {
    if (this.#state === 'closed') return;
    const wasOpen = this.#pipe !== null;
    this.#state = 'closed';
    for (const detach of this.#detach) detach();
    this.#pipe?.close();
    if (notifyEdge && wasOpen && !this.#peer.closed) {
      this.#peer.request('relayUnpublish', { stream: this.stream.name }).catch(() => undefined);
    }
  }

  #run(step: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#state === 'closed' || this.#state === 'failed') return;
      try {
        await step();
      } catch (err) {
        if ((this.#state as RelayState) === 'closed') return;
        this.#state = 'failed';
        this.#error = `${toWireError(err).code}: ${(err as Error).message}`;
        this.#logger.warn({ err: (err as Error).message }, 'relay to edge failed');
        this.#pipe?.close();
        this.#onFailed();
      }
    });
  }

  async #open(): Promise<void> {
    const pipe = await this.stream.router.createPipeTransport({
      listenIp: { ip: this.#config.ipLocal, announcedIp: this.#config.ip === this.#config.ipLocal ? undefined : this.#config.ip },
      enableSrtp: true,
      enableRtx: true,
    });
    this.#pipe = pipe;
    if ((this.#state as RelayState) === 'closed') return void pipe.close();
    const remote = await this.#peer.request<{ ip: string; port: number; srtpParameters: ms.SrtpParameters }>('relayStream', {
      stream: this.stream.name,
      ip: pipe.tuple.localIp,
      port: pipe.tuple.localPort,
      srtpParameters: pipe.srtpParameters as unknown as Record<string, unknown>,
    });
    await pipe.connect({ ip: remote.ip, port: remote.port, srtpParameters: remote.srtpParameters });
    this.#state = 'relayed';
    this.#onRelayed();
  }

  /** Relays a producer now (queued) and follows its pause, resume and close. */
  #watch(producer: ms.Producer): void {
    const name = this.stream.name;
    let consumer: ms.Consumer | null = null;
    this.#run(async () => {
      if (producer.closed || !this.#pipe) return;
      consumer = await this.#pipe.consume({ producerId: producer.id });
      await this.#peer.request('relayProducer', {
        stream: name,
        producerId: producer.id,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
        paused: consumer.producerPaused,
      });
      this.#relayedProducers.add(producer.id);
      this.#onRelayed();
    });
    const onPause = () => this.#run(() => this.#peer.request('relayProducerPause', { stream: name, producerId: producer.id }).then(() => undefined));
    const onResume = () => this.#run(() => this.#peer.request('relayProducerResume', { stream: name, producerId: producer.id }).then(() => undefined));
    const onClose = () =>
      this.#run(async () => {
        consumer?.close();
        this.#relayedProducers.delete(producer.id);
        await this.#peer.request('relayProducerClose', { stream: name, producerId: producer.id }).catch(() => undefined);
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
