// The edge's side of one origin's relays: the pipes that origin opened here (one per origin
// worker, `relayPipe`) and the streams whose tracks arrive on them (`relayStream`,
// `relayProducer`...). Commands are answered here; EdgeRelayService owns the link (handshake,
// heartbeat) and hands every relay command of an authenticated link to its session.
//
// A stream closes with its pipe (the pipe's worker died): the origin is told with one
// `relayPipeClosed` (sent before anything else about that pipe, so the origin drops the pipe and
// not only the streams), and relays every stream again on a new pipe. A stream lost alone is
// reported with `relayStreamClosed`. Nothing a race leaves behind outlives the origin's next
// `relayDigest`: pipes and streams of this origin that it does not list are dropped, and the
// answer (`relayHeld`, built by held()) tells the origin what is here, so it restores the rest.
//
// The session belongs to the origin (its id and instance), not to one WebSocket: EdgeRelayService
// keeps it through a blip of the link (relayGrace.ts) and hands it to the next link of the same
// origin instance. sample() follows how many bytes each pipe received, so a pipe that went silent
// during a blip is dropped with its streams.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import type { PublishService, RelayPipe } from '../streams/PublishService';
import type { Stream } from '../streams/Stream';
import { notePipeBytes, type PipeActivity, silentPipes } from './relayGrace';
import type { RelayRequest } from './relayProtocol';
import { relayDigestNotification, relayStreamEventNotification, relayStreamStateNotification } from './relayProtocol';
import type { RelayDigest } from './RelaySession';

export interface Relayed {
  stream: Stream;
  relayId: string;
  pipeId: string;
}

export interface EdgeRelaySessionOptions {
  originId: string;
  publish: PublishService;
  logger: Logger;
  /** Tells the origin something (relayStreamClosed, relayPipeClosed) over its link, while one is up. */
  notify: (method: string, data: Record<string, unknown>) => void;
  /**
   * Whether this origin's relay may take over `held`, a stream of that name another origin relays
   * here (EdgeSessions decides, relayTakeover.ts; when it says yes, the holder has let go of it).
   */
  takeOver?: (held: Stream) => boolean;
  /** Resolves once another origin that holds the name is no longer up, or after the edge's silence timeout (relayTakeover.ts, the wait). */
  awaitHolder?: (name: string) => Promise<void>;
}

type RelayCommand = Exclude<RelayRequest, { method: 'challenge' | 'hello' | 'ping' }>;

export class EdgeRelaySession {
  /** Names this session in the relayed streams' source. */
  readonly id = randomUUID();
  readonly #options: EdgeRelaySessionOptions;
  readonly #logger: Logger;
  readonly #pipes = new Map<string, RelayPipe>();
  /** relayPipe requests still being set up, by pipe id: true once the origin cancelled them. */
  readonly #settingUp = new Map<string, boolean>();
  readonly #relayed = new Map<string, Relayed>();
  /** Received bytes per pipe, as last sampled. */
  readonly #activity = new Map<string, PipeActivity>();
  /** When the last sample was taken (0: never). */
  #sampledAt = 0;
  #closed = false;

  constructor(options: EdgeRelaySessionOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ origin: options.originId });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this session holds a relayed stream of that name. */
  holds(name: string): boolean {
    return this.#relayed.has(name);
  }

  /** Names of the streams relayed here, for links(). */
  streams(): string[] {
    return [...this.#relayed.keys()];
  }

  /** Ids of the pipes held here, for tests and operators. */
  pipeIds(): string[] {
    return [...this.#pipes.keys()];
  }

  /** The pipe transports held here (ports, traffic), for tests and operators. */
  pipeTransports(): ms.PipeTransport[] {
    return [...this.#pipes.values()].map((p) => p.pipe);
  }

  async handle(request: RelayCommand): Promise<unknown> {
    switch (request.method) {
      case 'relayPipe':
        return this.#relayPipe(request.data);
      case 'relayPipeClose':
        this.#closePipe(request.data.pipeId, 'closed by the origin');
        return {};
      case 'relayStream':
        return this.#relayStream(request.data);
      case 'relayProducer': {
        const { data } = request;
        const entry = this.#entry(data.stream, data.relayId);
        const held = this.#pipes.get(entry.pipeId);
        if (!held) throw new AppError('PIPE_NOT_FOUND', `the pipe of "${data.stream}" closed`);
        const producer = await held.pipe.produce({
          id: data.producerId,
          kind: data.kind,
          rtpParameters: data.rtpParameters as unknown as ms.RtpParameters,
          paused: data.paused,
        });
        // Unpublished meanwhile: the pipe is shared, so nothing else would close this producer.
        if (entry.stream.closed) {
          producer.close();
          throw new AppError('STREAM_NOT_FOUND', 'stream was unpublished meanwhile');
        }
        entry.stream.addProducer(producer);
        return {};
      }
      case 'relayProducerPause':
        await this.#producer(request.data).pause();
        return {};
      case 'relayProducerResume':
        await this.#producer(request.data).resume();
        return {};
      case 'relayProducerClose':
        this.#producer(request.data).close();
        return {};
      case 'relayUnpublish':
        return this.#relayUnpublish(request.data);
      default: {
        const never: never = request;
        throw new AppError('UNKNOWN_COMMAND', String((never as { method: string }).method));
      }
    }
  }

  /**
   * Drops the pipes and relayed streams (and cancels the set-ups) that the origin's digest does not
   * list, and returns what is held here then, for the `relayHeld` answer (null for a bad digest).
   */
  reconcile(data: Record<string, unknown>): RelayDigest | null {
    const digest = relayDigestNotification.safeParse(data);
    if (!digest.success) {
      this.#logger.warn('origin sent a bad relayDigest; ignored');
      return null;
    }
    const pipes = new Set(digest.data.pipes);
    const relays = new Set(digest.data.streams.map((s) => s.relayId));
    for (const pipeId of this.#settingUp.keys()) if (!pipes.has(pipeId)) this.#settingUp.set(pipeId, true);
    for (const [name, entry] of [...this.#relayed]) {
      if (relays.has(entry.relayId)) continue;
      this.#logger.warn({ stream: name }, 'relayed stream no longer on the origin (relayDigest); dropped');
      this.#drop(name, entry);
    }
    for (const pipeId of [...this.#pipes.keys()]) if (!pipes.has(pipeId)) this.#closePipe(pipeId, 'not in the origin’s relayDigest');
    return { seq: digest.data.seq, ...this.held() };
  }

  /** The pipes (made, or being made and not cancelled) and streams held here. */
  held(): Omit<RelayDigest, 'seq'> {
    const making = [...this.#settingUp].filter(([, cancelled]) => !cancelled).map(([id]) => id);
    return {
      pipes: [...this.#pipes.keys(), ...making],
      streams: [...this.#relayed].map(([stream, { relayId, pipeId }]) => ({ stream, relayId, pipeId })),
    };
  }

  /**
   * A relayed stream's event (`relayStreamEvent`) or event state (`relayStreamState`), for its
   * players here; false for other notifications. One about another relay of the name than the one
   * held is dropped, as commands are.
   */
  streamEvent(method: string, data: Record<string, unknown>): boolean {
    if (method === 'relayStreamEvent') {
      const event = relayStreamEventNotification.safeParse(data);
      if (!event.success) return this.#bad(method);
      const { stream, relayId, seq, type, payload } = event.data;
      const entry = this.#relayed.get(stream);
      if (entry?.relayId === relayId) entry.stream.acceptEvent({ seq, type, payload });
      return true;
    }
    if (method === 'relayStreamState') {
      const state = relayStreamStateNotification.safeParse(data);
      if (!state.success) return this.#bad(method);
      const { stream, relayId, ...rest } = state.data;
      const entry = this.#relayed.get(stream);
      if (entry?.relayId === relayId) entry.stream.resetEvents(rest);
      return true;
    }
    return false;
  }

  /** Per relayed stream, the last of its events here: the `relayEventsHeld` answer to digest `seq`. */
  eventsHeld(seq: number): { seq: number; relays: { relayId: string; eventSeq: number }[] } {
    return { seq, relays: [...this.#relayed.values()].map((e) => ({ relayId: e.relayId, eventSeq: e.stream.eventState.seq })) };
  }

  #bad(method: string): true {
    this.#logger.warn(`origin sent a bad ${method}; ignored`);
    return true;
  }

  /** Samples every pipe's received bytes (one worker request per pipe). */
  async sample(now: number): Promise<void> {
    for (const [pipeId, { pipe }] of [...this.#pipes]) {
      const [stats] = await pipe.getStats().catch(() => []);
      // Closed meanwhile (its entry went with it) or replaced: nothing to note.
      if (this.#pipes.get(pipeId)?.pipe !== pipe || !stats) continue;
      this.#activity.set(pipeId, notePipeBytes(this.#activity.get(pipeId), stats.bytesReceived, now));
    }
    this.#sampledAt = now;
  }

  /**
   * Closes the pipes on which nothing arrived for `silenceMs` (their streams' players get
   * UNPUBLISHED): the media stopped too, so it is not a blip of the control link. Returns them.
   * Judged at the last sample, not now: a gap between samples (this process stalled, the media
   * flowing meanwhile) is no evidence of silence; the next sample shows what came.
   */
  dropSilent(silenceMs: number): string[] {
    const at = this.#sampledAt;
    const silent = silentPipes(this.#activity, at, silenceMs);
    for (const pipeId of silent) this.#closePipe(pipeId, `no media for ${at - this.#activity.get(pipeId)!.changedAt} ms`);
    return silent;
  }

  /**
   * Lets go of `stream` without closing it: another origin's relay takes it over. From now on
   * this origin's commands and events about the name find nothing here (its late relayUnpublish
   * is a no-op, its relayProducer a STREAM_NOT_FOUND), and its digest's answer no longer lists it.
   * False when this session does not hold that stream.
   */
  release(stream: Stream): boolean {
    const entry = this.#relayed.get(stream.name);
    if (!entry || entry.stream !== stream) return false;
    this.#relayed.delete(stream.name);
    this.#logger.info({ stream: stream.name }, 'relayed stream taken over by another origin');
    return true;
  }

  /** Drops every stream and pipe of this origin (its link is gone for good). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [name, entry] of [...this.#relayed]) this.#drop(name, entry);
    for (const pipeId of [...this.#pipes.keys()]) this.#closePipe(pipeId, 'session closed');
    for (const pipeId of this.#settingUp.keys()) this.#settingUp.set(pipeId, true);
  }

  async #relayPipe(data: { pipeId: string; ip: string; port: number; srtpParameters: Record<string, unknown> }): Promise<unknown> {
    const { pipeId } = data;
    if (this.#pipes.has(pipeId) || this.#settingUp.has(pipeId)) throw new AppError('BAD_REQUEST', `relayPipe: pipe ${pipeId} already exists`);
    this.#settingUp.set(pipeId, false);
    let made: RelayPipe;
    let cancelled: boolean;
    try {
      // mediasoup checks the SRTP parameters as it connects; its TypeErrors become BAD_REQUEST.
      made = await this.#options.publish.acceptRelayPipe({ ip: data.ip, port: data.port, srtpParameters: data.srtpParameters as unknown as ms.SrtpParameters });
    } finally {
      cancelled = this.#settingUp.get(pipeId) === true;
      this.#settingUp.delete(pipeId);
    }
    // relayPipeClose (or a digest without this pipe) arrived while the pipe was being made.
    if (cancelled || this.#closed) {
      made.pipe.close();
      throw new AppError('PIPE_NOT_FOUND', `the origin closed pipe ${pipeId} while it was set up`);
    }
    this.#pipes.set(pipeId, made);
    made.pipe.observer.once('close', () => this.#onPipeClosed(pipeId, made));
    this.#logger.info({ pipeId, port: made.pipe.tuple.localPort }, 'relay pipe opened');
    return { ip: made.pipe.tuple.localAddress, port: made.pipe.tuple.localPort, srtpParameters: made.pipe.srtpParameters };
  }

  /** The pipe closed under us (its worker died): its streams go, and the origin is told first. */
  #onPipeClosed(pipeId: string, made: RelayPipe): void {
    if (this.#pipes.get(pipeId) !== made) return; // closed on purpose (#closePipe)
    this.#pipes.delete(pipeId);
    this.#activity.delete(pipeId);
    this.#logger.warn({ pipeId }, 'relay pipe lost; asking the origin to relay its streams again');
    this.#options.notify('relayPipeClosed', { pipeId });
    this.#dropStreamsOf(pipeId);
  }

  #closePipe(pipeId: string, why: string): void {
    if (this.#settingUp.has(pipeId)) this.#settingUp.set(pipeId, true);
    const held = this.#pipes.get(pipeId);
    if (!held) return;
    this.#pipes.delete(pipeId);
    this.#activity.delete(pipeId);
    this.#dropStreamsOf(pipeId);
    held.pipe.close();
    this.#logger.info({ pipeId, why }, 'relay pipe closed');
  }

  #dropStreamsOf(pipeId: string): void {
    for (const [name, entry] of [...this.#relayed]) if (entry.pipeId === pipeId) this.#drop(name, entry);
  }

  async #relayStream(data: { stream: string; relayId: string; pipeId: string }): Promise<unknown> {
    let stream: Stream;
    try {
      stream = this.#acceptStream(data);
    } catch (err) {
      // Another origin holds the name and is up, as far as this edge knows: it may be one that
      // hangs, whose publisher moved here (relayTakeover.ts): ask again once the edge knows more.
      if (!(err instanceof AppError && err.code === 'STREAM_NAME_TAKEN') || !this.#options.awaitHolder) throw err;
      await this.#options.awaitHolder(data.stream);
      if (this.#closed) throw new AppError('PIPE_NOT_FOUND', 'the relay session closed');
      stream = this.#acceptStream(data);
    }
    const { relayId, pipeId } = data;
    const entry: Relayed = { stream, relayId, pipeId };
    this.#relayed.set(data.stream, entry);
    // A pipe that sat idle (no stream on it, so no bytes) and is given a stream now counts as heard
    // from now: its silence before says nothing of this stream, whose media is only starting.
    const activity = this.#activity.get(pipeId);
    if (activity) this.#activity.set(pipeId, { bytes: activity.bytes, changedAt: Date.now() });
    stream.once('close', () => {
      if (this.#relayed.get(data.stream) !== entry) return; // dropped on purpose, or taken over
      this.#relayed.delete(data.stream);
      // Lost here alone while its pipe lives: tell the origin, which relays it again.
      this.#logger.warn({ stream: data.stream }, 'relayed stream lost; asking the origin to relay it again');
      this.#options.notify('relayStreamClosed', { stream: data.stream, relayId });
    });
    this.#logger.info({ stream: data.stream, pipeId }, 'relayed stream added');
    return {};
  }

  /** Makes (or takes over) the relayed stream; synchronous from its checks to the registration. */
  #acceptStream(data: { stream: string; relayId: string; pipeId: string }): Stream {
    const { relayId, pipeId } = data;
    const held = this.#pipes.get(pipeId);
    if (!held) throw new AppError('PIPE_NOT_FOUND', `no relay pipe ${pipeId} on this link`);
    // The origin runs one relay per name and link: an older one of this link that it ended is
    // stale (its relayUnpublish got lost or is yet to come), and must not block the new one.
    const stale = this.#relayed.get(data.stream);
    if (stale && stale.relayId !== relayId) {
      this.#logger.info({ stream: data.stream }, 'a new relay of the stream replaces a stale one');
      this.#drop(data.stream, stale);
    }
    return this.#options.publish.acceptRelay(data.stream, { originId: this.#options.originId, linkId: this.id }, held, this.#options.takeOver);
  }

  #relayUnpublish(data: { stream: string; relayId?: string }): unknown {
    const entry = this.#relayed.get(data.stream);
    // Already gone (or replaced by a newer relay of the name): nothing to do, and no error.
    if (data.relayId !== undefined && entry?.relayId !== data.relayId) return {};
    if (!entry) throw new AppError('STREAM_NOT_FOUND', `no relayed stream "${data.stream}" on this link`);
    this.#drop(data.stream, entry);
    this.#logger.info({ stream: data.stream }, 'relayed stream unpublished');
    return {};
  }

  #drop(name: string, entry: Relayed): void {
    if (this.#relayed.get(name) === entry) this.#relayed.delete(name);
    entry.stream.close();
  }

  /** The relayed stream of that name; with a relay id, only that relay's. */
  #entry(name: string, relayId?: string): Relayed {
    const entry = this.#relayed.get(name);
    if (!entry || (relayId !== undefined && entry.relayId !== relayId)) {
      throw new AppError('STREAM_NOT_FOUND', `no relayed stream "${name}" on this link`);
    }
    return entry;
  }

  #producer(data: { stream: string; relayId?: string; producerId: string }): ms.Producer {
    const { producerId } = data;
    const producer = this.#entry(data.stream, data.relayId).stream.producers.find((p) => p.id === producerId);
    if (!producer) throw new AppError('PRODUCER_NOT_FOUND', `no relayed producer ${producerId}`);
    return producer;
  }
}
