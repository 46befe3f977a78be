// One client of the command channel: the streams it publishes and plays, with their transports,
// producers and consumers. Closing the session closes all of them.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/lib/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import { createClientTransport, describeTransport, TransportKind } from '../media/transports';
import type { Stream, StreamStatus } from '../streams/Stream';
import type { NodeContext } from './NodeContext';
import type { Peer } from './Peer';
import { ClientRequest, parseClientRequest } from './protocol';

type AnyTransport = ms.WebRtcTransport | ms.PlainTransport;

interface Publishing {
  stream: Stream;
  transport: AnyTransport;
  kind: TransportKind;
}

interface Playing {
  stream: Stream;
  transport: AnyTransport;
  kind: TransportKind;
  rtpCapabilities: ms.RtpCapabilities;
  consumers: Map<string, ms.Consumer>;
  playingSent: boolean;
}

export class Session {
  readonly id = randomUUID();
  readonly connectedAt = Date.now();
  readonly secure: boolean;
  readonly remoteAddress: string;
  clientName = '';
  readonly #ctx: NodeContext;
  readonly #peer: Peer;
  readonly #logger: Logger;
  readonly #publishing = new Map<string, Publishing>();
  readonly #playing = new Map<string, Playing>();
  #connected = false;
  #closed = false;

  constructor(ctx: NodeContext, peer: Peer, info: { secure: boolean; remoteAddress: string }) {
    this.#ctx = ctx;
    this.#peer = peer;
    this.secure = info.secure;
    this.remoteAddress = info.remoteAddress;
    this.#logger = ctx.logger.child({ session: this.id });
    peer.setRequestHandler((req) => this.#handle(req.method, req.data));
    peer.on('close', () => this.close());
    this.#logger.info({ remote: info.remoteAddress, secure: info.secure }, 'client connected');
  }

  get closed(): boolean {
    return this.#closed;
  }

  get publishedStreams(): string[] {
    return [...this.#publishing.keys()];
  }

  get playedStreams(): string[] {
    return [...this.#playing.keys()];
  }

  /** Closes the session's transports (and so its producers and consumers) and its streams. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#publishing.values()) {
      entry.stream.close();
      entry.transport.close();
    }
    for (const entry of this.#playing.values()) entry.transport.close();
    this.#publishing.clear();
    this.#playing.clear();
    this.#peer.close(1000, 'session closed');
    this.#logger.info('client disconnected');
  }

  async #handle(method: string, data: Record<string, unknown>): Promise<unknown> {
    if (this.#closed) throw new AppError('NODE_CLOSING', 'session is closed');
    const request = parseClientRequest(method, data);
    if (!this.#connected && request.method !== 'connect') {
      throw new AppError('NOT_CONNECTED', 'send connect first');
    }
    try {
      return await this.#dispatch(request);
    } catch (err) {
      // mediasoup reports bad parameters as TypeError; they are the client's mistake.
      if (err instanceof TypeError) throw new AppError('BAD_REQUEST', `${request.method}: ${err.message}`);
      throw err;
    }
  }

  async #dispatch(request: ClientRequest): Promise<unknown> {
    switch (request.method) {
      case 'connect':
        return this.#connect(request.data);
      case 'getRouterRtpCapabilities':
        return { rtpCapabilities: this.#ctx.media.rtpCapabilities };
      case 'publish':
        return this.#publish(request.data.stream, request.data.transport);
      case 'connectTransport':
        return this.#connectTransport(request.data);
      case 'produce':
        return this.#produce(request.data);
      case 'pauseProducer':
        await this.#findProducer(request.data.producerId).pause();
        return {};
      case 'resumeProducer':
        await this.#findProducer(request.data.producerId).resume();
        return {};
      case 'unpublish':
        return this.#unpublish(request.data.stream);
      case 'play':
        return this.#play(request.data);
      case 'resumeConsumer':
        return this.#resumeConsumer(request.data.consumerId);
      case 'pauseConsumer':
        await this.#findConsumer(request.data.consumerId).consumer.pause();
        return {};
      case 'setPreferredLayers': {
        const { consumer } = this.#findConsumer(request.data.consumerId);
        await consumer.setPreferredLayers({
          spatialLayer: request.data.spatialLayer,
          temporalLayer: request.data.temporalLayer,
        });
        return {};
      }
      case 'setMaxIncomingBitrate': {
        const { transport, kind } = this.#findTransport(request.data.transportId);
        if (kind !== 'webrtc') throw new AppError('BAD_REQUEST', 'not a WebRTC transport');
        await transport.setMaxIncomingBitrate(request.data.bitrate);
        return {};
      }
      case 'setMaxOutgoingBitrate': {
        const { transport, kind } = this.#findTransport(request.data.transportId);
        if (kind !== 'webrtc') throw new AppError('BAD_REQUEST', 'not a WebRTC transport');
        // mediasoup 3.8.4 refuses caps below 30 kbps or below the transport's initial available
        // outgoing bitrate with a plain Error; that is the client's mistake, not INTERNAL.
        await transport.setMaxOutgoingBitrate(request.data.bitrate).catch((err: Error) => {
          if (/maxOutgoingBitrate must be/.test(err.message)) throw new AppError('BAD_REQUEST', `setMaxOutgoingBitrate: ${err.message}`);
          throw err;
        });
        return {};
      }
      case 'requestKeyFrame':
        await this.#findConsumer(request.data.consumerId).consumer.requestKeyFrame();
        return {};
      case 'stop':
        return this.#stop(request.data.stream);
      default: {
        const never: never = request;
        throw new AppError('UNKNOWN_COMMAND', `unknown command ${(never as { method: string }).method}`);
      }
    }
  }

  #connect(data: { clientName?: string }): unknown {
    if (this.#connected) throw new AppError('ALREADY_CONNECTED');
    this.#connected = true;
    this.clientName = data.clientName ?? '';
    return { sessionId: this.id, nodeId: this.#ctx.config.nodeId, role: this.#ctx.role() };
  }

  #status(stream: string, role: 'publisher' | 'player', status: StreamStatus, extra: Record<string, unknown> = {}): void {
    this.#peer.notify('streamStatus', { stream, role, status, ...extra });
  }

  async #publish(name: string, kind: TransportKind): Promise<unknown> {
    const { media, streams, config } = this.#ctx;
    const router = media.pickRouter();
    const stream = streams.create(name, router, { kind: 'local', sessionId: this.id });
    let transport: AnyTransport;
    try {
      transport = await createClientTransport(router, kind, config, 'send');
    } catch (err) {
      stream.close();
      throw err;
    }
    media.track(router, transport);
    if (this.#closed) {
      transport.close();
      stream.close();
      throw new AppError('NODE_CLOSING', 'session closed');
    }
    const entry: Publishing = { stream, transport, kind };
    this.#publishing.set(name, entry);
    transport.observer.once('close', () => {
      // The router (worker) died, or the session is going: the stream cannot go on.
      if (this.#publishing.get(name) !== entry) return;
      this.#publishing.delete(name);
      stream.close();
      if (!this.#closed) this.#status(name, 'publisher', 'FAILED', { code: 'INTERNAL', message: 'media transport closed' });
    });
    this.#logger.info({ stream: name, transport: kind }, 'publish');
    this.#status(name, 'publisher', 'PENDING');
    return { transport: describeTransport(transport, kind) };
  }

  async #connectTransport(data: { transportId: string; dtlsParameters?: Record<string, unknown>; ip?: string; port?: number }) {
    const { transport, kind } = this.#findTransport(data.transportId);
    if (kind === 'webrtc') {
      if (!data.dtlsParameters) throw new AppError('BAD_REQUEST', 'connectTransport: dtlsParameters required');
      await (transport as ms.WebRtcTransport).connect({ dtlsParameters: data.dtlsParameters as unknown as ms.DtlsParameters });
    } else {
      if (!data.ip || !data.port) throw new AppError('BAD_REQUEST', 'connectTransport: ip and port required');
      await (transport as ms.PlainTransport).connect({ ip: data.ip, port: data.port });
    }
    return {};
  }

  async #produce(data: { transportId: string; kind: 'audio' | 'video'; rtpParameters: Record<string, unknown>; paused: boolean }) {
    const found = this.#findTransport(data.transportId);
    const entry = [...this.#publishing.values()].find((p) => p.transport === found.transport);
    if (!entry) throw new AppError('NOT_ALLOWED', 'produce needs a transport created by publish');
    if (entry.stream.producers.some((p) => p.kind === data.kind)) {
      throw new AppError('NOT_ALLOWED', `stream "${entry.stream.name}" already has a ${data.kind} track`);
    }
    const producer = await entry.transport.produce({
      kind: data.kind,
      rtpParameters: data.rtpParameters as unknown as ms.RtpParameters,
      paused: data.paused,
    });
    if (entry.stream.closed) {
      producer.close();
      throw new AppError('STREAM_NOT_FOUND', 'stream was unpublished');
    }
    const wasPending = entry.stream.status === 'PENDING';
    entry.stream.addProducer(producer);
    this.#logger.info({ stream: entry.stream.name, kind: data.kind, producer: producer.id }, 'producer added');
    if (wasPending) this.#status(entry.stream.name, 'publisher', 'PUBLISHING');
    return { producerId: producer.id };
  }

  #unpublish(name: string): unknown {
    const entry = this.#publishing.get(name);
    if (!entry) throw new AppError('STREAM_NOT_FOUND', `this session does not publish "${name}"`);
    this.#publishing.delete(name);
    entry.stream.close();
    entry.transport.close();
    this.#logger.info({ stream: name }, 'unpublish');
    this.#status(name, 'publisher', 'UNPUBLISHED');
    return {};
  }

  async #play(data: { stream: string; rtpCapabilities: Record<string, unknown>; transport: TransportKind; noRedirect: boolean }) {
    const { stream: name } = data;
    if (this.#playing.has(name)) throw new AppError('NOT_ALLOWED', `this session already plays "${name}"`);
    if (this.#ctx.redirectPlay && !data.noRedirect) {
      const redirect = await this.#ctx.redirectPlay(name, this.secure);
      if (redirect) {
        this.#logger.info({ stream: name, edge: redirect.nodeId }, 'player redirected to edge');
        return { redirect };
      }
    }
    const stream = this.#ctx.streams.get(name);
    if (!stream) throw new AppError('STREAM_NOT_FOUND', `CDN stream not found: "${name}"`);
    const rtpCapabilities = data.rtpCapabilities as unknown as ms.RtpCapabilities;
    const transport = await createClientTransport(stream.router, data.transport, this.#ctx.config, 'recv');
    this.#ctx.media.track(stream.router, transport);
    const entry: Playing = { stream, transport, kind: data.transport, rtpCapabilities, consumers: new Map(), playingSent: false };
    if (this.#closed || stream.closed) {
      transport.close();
      throw new AppError(this.#closed ? 'NODE_CLOSING' : 'STREAM_NOT_FOUND', 'stream ended');
    }
    this.#playing.set(name, entry);
    try {
      const consumers = [];
      for (const producer of stream.producers) {
        const info = await this.#consume(entry, producer);
        if (info) consumers.push(info);
      }
      if (stream.producers.length > 0 && consumers.length === 0) {
        throw new AppError('CANNOT_CONSUME', `cannot play "${name}": no codec in common`);
      }
      const onProducer = (producer: ms.Producer) =>
        void this.#consume(entry, producer)
          .then((info) => info && this.#peer.notify('newConsumer', { stream: name, consumer: info }))
          .catch((err) => this.#logger.warn({ err }, 'could not add consumer'));
      const onClose = () => {
        if (this.#playing.get(name) !== entry) return;
        this.#playing.delete(name);
        transport.close();
        this.#status(name, 'player', 'UNPUBLISHED');
      };
      stream.on('producer', onProducer);
      stream.once('close', onClose);
      transport.observer.once('close', () => {
        stream.off('producer', onProducer);
        stream.off('close', onClose);
        if (this.#playing.get(name) !== entry) return;
        this.#playing.delete(name);
        if (!this.#closed) this.#status(name, 'player', 'FAILED', { code: 'INTERNAL', message: 'media transport closed' });
      });
      this.#logger.info({ stream: name, transport: data.transport }, 'play');
      this.#status(name, 'player', 'PENDING');
      return { transport: describeTransport(transport, data.transport), consumers };
    } catch (err) {
      this.#playing.delete(name);
      transport.close();
      throw err;
    }
  }

  async #consume(entry: Playing, producer: ms.Producer): Promise<Record<string, unknown> | null> {
    if (!entry.stream.router.canConsume({ producerId: producer.id, rtpCapabilities: entry.rtpCapabilities })) {
      this.#logger.info({ stream: entry.stream.name, kind: producer.kind }, 'player cannot receive this track');
      return null;
    }
    const consumer = await entry.transport.consume({
      producerId: producer.id,
      rtpCapabilities: entry.rtpCapabilities,
      // Paused until the client has set up its side and says resumeConsumer, so the first packets
      // (and the keyframe asked for on resume) are not lost.
      paused: true,
    });
    entry.consumers.set(consumer.id, consumer);
    const stream = entry.stream.name;
    consumer.observer.once('close', () => entry.consumers.delete(consumer.id));
    consumer.on('producerclose', () => this.#peer.notify('consumerClosed', { stream, consumerId: consumer.id }));
    consumer.on('producerpause', () => this.#peer.notify('consumerPaused', { stream, consumerId: consumer.id }));
    consumer.on('producerresume', () => this.#peer.notify('consumerResumed', { stream, consumerId: consumer.id }));
    consumer.on('layerschange', (layers) =>
      this.#peer.notify('consumerLayersChanged', { stream, consumerId: consumer.id, layers: layers ?? null }),
    );
    consumer.on('score', (score) => this.#peer.notify('consumerScore', { stream, consumerId: consumer.id, score }));
    return {
      id: consumer.id,
      producerId: producer.id,
      kind: consumer.kind,
      type: consumer.type,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
    };
  }

  async #resumeConsumer(consumerId: string): Promise<unknown> {
    const { consumer, entry } = this.#findConsumer(consumerId);
    await consumer.resume();
    if (!entry.playingSent) {
      entry.playingSent = true;
      this.#status(entry.stream.name, 'player', 'PLAYING');
    }
    return {};
  }

  #stop(name: string): unknown {
    const entry = this.#playing.get(name);
    if (!entry) throw new AppError('STREAM_NOT_FOUND', `this session does not play "${name}"`);
    this.#playing.delete(name);
    entry.transport.close();
    this.#status(name, 'player', 'STOPPED');
    return {};
  }

  #findTransport(transportId: string): { transport: AnyTransport; kind: TransportKind } {
    for (const entry of [...this.#publishing.values(), ...this.#playing.values()]) {
      if (entry.transport.id === transportId) return entry;
    }
    throw new AppError('TRANSPORT_NOT_FOUND', `no transport ${transportId} in this session`);
  }

  #findProducer(producerId: string): ms.Producer {
    for (const entry of this.#publishing.values()) {
      const producer = entry.stream.producers.find((p) => p.id === producerId);
      if (producer) return producer;
    }
    throw new AppError('PRODUCER_NOT_FOUND', `no producer ${producerId} in this session`);
  }

  #findConsumer(consumerId: string): { consumer: ms.Consumer; entry: Playing } {
    for (const entry of this.#playing.values()) {
      const consumer = entry.consumers.get(consumerId);
      if (consumer) return { consumer, entry };
    }
    throw new AppError('CONSUMER_NOT_FOUND', `no consumer ${consumerId} in this session`);
  }
}
