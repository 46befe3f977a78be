// One client of the command channel: the streams it publishes (Publication) and plays (Playback).
// Closing the session closes all of them. Handlers switch over the validated request union and
// end in an exhaustive check.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/types';
import { UnsupportedError } from 'mediasoup/errors';
import { validateAndNormalizeRtpCapabilities } from 'mediasoup/ortc';
import { AppError, peerMistake } from '../errors';
import { SessionCaps, type SessionCapsOptions } from '../limits/SessionCaps';
import type { Logger } from '../log';
import type { TransportKind } from '../media/transports';
import type { StreamStatus } from '../streams/Stream';
import type { NodeContext } from './NodeContext';
import type { Peer } from '../rpc/Peer';
import type { Playback } from '../streams/Playback';
import { TERMINATED_MESSAGE, type Publication } from '../streams/Publication';
import { connectPlain, plainAllowList } from '../streams/plainRtp';
import { type ClientRequest, parseClientRequest } from './protocol';

export interface SessionInfo {
  secure: boolean;
  remoteAddress: string;
  /** A session that has not sent `connect` this long after its handshake is closed (ws.connect_timeout_ms). */
  connectTimeoutMs: number;
  caps: SessionCapsOptions;
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
  readonly #publishing = new Map<string, Publication>();
  readonly #playing = new Map<string, Playback>();
  readonly #caps: SessionCaps;
  /** Releases of the cap slots each publication and playback holds. */
  readonly #slots = new Map<Publication | Playback, () => void>();
  /** Transports connectTransport was called on (mediasoup refuses a second connect with a bare Error). */
  readonly #connectedTransports = new Set<string>();
  readonly #connectTimer: NodeJS.Timeout;
  #connected = false;
  #closed = false;

  constructor(ctx: NodeContext, peer: Peer, info: SessionInfo) {
    this.#ctx = ctx;
    this.#peer = peer;
    this.secure = info.secure;
    this.remoteAddress = info.remoteAddress;
    this.#caps = new SessionCaps(info.caps);
    this.#logger = ctx.logger.child({ session: this.id });
    peer.setRequestHandler((req) => this.#handle(req.method, req.data));
    peer.on('close', () => this.close());
    // A socket that never says `connect` holds a connection slot for nothing: close it.
    this.#connectTimer = setTimeout(() => {
      this.#logger.info({ remote: info.remoteAddress, timeoutMs: info.connectTimeoutMs }, 'closing a session that did not send connect in time');
      this.#peer.close(1008, 'connect timeout');
    }, info.connectTimeoutMs);
    this.#connectTimer.unref();
    this.#logger.debug({ remote: info.remoteAddress, secure: info.secure }, 'client connected');
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
    clearTimeout(this.#connectTimer);
    for (const publication of this.#publishing.values()) publication.close();
    for (const playback of this.#playing.values()) playback.close();
    this.#publishing.clear();
    this.#playing.clear();
    for (const release of this.#slots.values()) release();
    this.#slots.clear();
    this.#peer.close(1000, 'session closed');
    this.#logger.debug('client disconnected');
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
      throw peerMistake(err, request.method);
    }
  }

  async #dispatch(request: ClientRequest): Promise<unknown> {
    switch (request.method) {
      case 'connect':
        return this.#connect(request.data);
      case 'getRouterRtpCapabilities':
        return { rtpCapabilities: this.#ctx.publish.rtpCapabilities };
      case 'ping':
        return {};
      case 'publish':
        return this.#publish(request.data.stream, request.data.transport, request.data.token);
      case 'connectTransport':
        return this.#connectTransport(request.data);
      case 'produce':
        return this.#produce(request.data);
      case 'pauseProducer':
      case 'resumeProducer': {
        // Through the publication: the publisher's mute and unmute are stream events too.
        const { publication, producer } = this.#findProducer(request.data.producerId);
        await publication.setPaused(producer, request.method === 'pauseProducer');
        return {};
      }
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
        const { consumer, playback } = this.#findConsumer(request.data.consumerId);
        // Through the playback: a simulcast consumer held below a layer it had to leave keeps the
        // hold (the lower of the two applies) and gets the client's layers once it is lifted.
        await playback.setPreferredLayers(consumer, {
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
        // A player's transport goes through its playback, which keeps the estimate's floor under
        // the cap and lifts its layer holds. mediasoup refuses a cap below 30 kbps (a TypeError
        // saying so): the client's mistake.
        const playback = [...this.#playing.values()].find((p) => p.transport.id === transport.id);
        await (playback ? playback.setMaxBitrate(request.data.bitrate) : transport.setMaxOutgoingBitrate(request.data.bitrate)).catch((err: unknown) => {
          throw peerMistake(err, 'setMaxOutgoingBitrate');
        });
        return {};
      }
      case 'requestKeyFrame':
        await this.#findConsumer(request.data.consumerId).consumer.requestKeyFrame();
        return {};
      case 'stop':
        return this.#stop(request.data.stream);
      case 'sendData': {
        // The publisher's own stream only: a player cannot speak to the other players.
        if (!this.#publishing.has(request.data.stream)) throw new AppError('NOT_ALLOWED', `this session does not publish "${request.data.stream}"`);
        return this.#ctx.events.send(request.data.stream, request.data.payload);
      }
      default: {
        const never: never = request;
        throw new AppError('UNKNOWN_COMMAND', `unknown command ${(never as { method: string }).method}`);
      }
    }
  }

  #connect(data: { clientName?: string }): unknown {
    if (this.#connected) throw new AppError('ALREADY_CONNECTED');
    this.#connected = true;
    clearTimeout(this.#connectTimer);
    this.#logger.info({ remote: this.remoteAddress, secure: this.secure }, 'client connected');
    this.clientName = data.clientName ?? '';
    // Every origin a publisher may move to when its own dies (several origins; on an edge, its linked ones).
    const origins = this.#ctx.originUrls();
    return { sessionId: this.id, nodeId: this.#ctx.config.nodeId, role: this.#ctx.role(), ...(origins.length > 0 ? { origins } : {}) };
  }

  #status(stream: string, role: 'publisher' | 'player', status: StreamStatus, extra: Record<string, unknown> = {}): void {
    this.#peer.notify('streamStatus', { stream, role, status, ...extra });
  }

  async #publish(name: string, kind: TransportKind, token: string | undefined): Promise<unknown> {
    // On an edge a publisher is sent to the origin, as a player asking the origin is sent to an edge.
    const redirect = this.#ctx.publish.redirect(name, this.secure);
    if (redirect) {
      this.#logger.info({ stream: name, origin: redirect.nodeId }, 'publisher redirected to origin');
      return { redirect: { url: redirect.url, nodeId: redirect.nodeId } };
    }
    // Reserved before the transport is opened, so publishes sent together cannot pass the cap.
    const release = this.#caps.reserve('publish');
    let publication: Publication;
    try {
      publication = await this.#ctx.publish.publish(name, kind, { sessionId: this.id, token, ip: this.remoteAddress });
    } catch (err) {
      release();
      throw err;
    }
    if (this.#closed) {
      release();
      publication.close();
      throw new AppError('NODE_CLOSING', 'session closed');
    }
    this.#publishing.set(name, publication);
    this.#hold(publication, release);
    publication.on('failed', () => {
      this.#publishing.delete(name);
      this.#free(publication);
      this.#logger.error({ stream: name }, 'publisher transport closed under the stream (worker died?)');
      this.#status(name, 'publisher', 'FAILED', { code: 'INTERNAL', message: 'media transport closed' });
    });
    publication.on('terminated', (reason) => {
      this.#publishing.delete(name);
      this.#free(publication);
      if (reason) {
        // Another origin's better claim took the name (OriginPeers): the publisher hears the code.
        this.#logger.info({ stream: name, code: reason.code }, 'publication ended: ' + reason.message);
        return this.#status(name, 'publisher', 'FAILED', { code: reason.code, message: reason.message });
      }
      this.#logger.info({ stream: name }, 'stream terminated through the REST API');
      this.#status(name, 'publisher', 'UNPUBLISHED', { message: TERMINATED_MESSAGE });
    });
    this.#logger.info({ stream: name, transport: kind }, 'publish');
    this.#status(name, 'publisher', 'PENDING');
    return { transport: publication.describe() };
  }

  async #connectTransport(data: { transportId: string; dtlsParameters?: Record<string, unknown>; ip?: string; port?: number }) {
    const { transport, kind } = this.#findTransport(data.transportId);
    if (kind === 'webrtc' && !data.dtlsParameters) throw new AppError('BAD_REQUEST', 'connectTransport: dtlsParameters required');
    if (kind === 'plain' && (!data.ip || !data.port)) throw new AppError('BAD_REQUEST', 'connectTransport: ip and port required');
    // mediasoup refuses a second connect with a plain Error ("connect() already called"), which
    // would go out as INTERNAL: it is the client's mistake, said here with its own code. Marked
    // before the await, so two at once are caught too.
    if (this.#connectedTransports.has(transport.id)) throw new AppError('NOT_ALLOWED', `transport ${transport.id} is already connected`);
    this.#connectedTransports.add(transport.id);
    try {
      if (kind === 'webrtc') {
        await (transport as ms.WebRtcTransport).connect({ dtlsParameters: data.dtlsParameters as unknown as ms.DtlsParameters });
      } else {
        const role = [...this.#publishing.values()].some((p) => p.transport === transport) ? 'publisher' : 'player';
        const allowed = plainAllowList(this.#ctx.config.rtpPlainAllowedDestinations);
        await connectPlain(transport as ms.PlainTransport, { ip: data.ip!, port: data.port! }, this.remoteAddress, allowed, role);
      }
    } catch (err) {
      this.#connectedTransports.delete(transport.id);
      throw err;
    }
    return {};
  }

  async #produce(data: { transportId: string; kind: 'audio' | 'video'; rtpParameters: Record<string, unknown>; paused: boolean }) {
    const { transport } = this.#findTransport(data.transportId);
    const publication = [...this.#publishing.values()].find((p) => p.transport === transport);
    if (!publication) throw new AppError('NOT_ALLOWED', 'produce needs a transport created by publish');
    // One track per kind and RTP ids that clash with the other track's are refused by Publication.
    // mediasoup (3.27 as 3.8) takes a video codec in an audio producer, and the other way round: refuse.
    const codecs: unknown = data.rtpParameters.codecs;
    const wrongKind = Array.isArray(codecs)
      ? codecs.find((c: { mimeType?: unknown }) => typeof c?.mimeType === 'string' && !c.mimeType.toLowerCase().startsWith(`${data.kind}/`))
      : undefined;
    if (wrongKind)
      throw new AppError(
        'BAD_REQUEST',
        `produce: ${String((wrongKind as { mimeType: string }).mimeType)} is not ${data.kind === 'audio' ? 'an audio' : 'a video'} codec`,
      );
    const { producer, first } = await publication.produce(data.kind, data.rtpParameters as unknown as ms.RtpParameters, data.paused).catch((err: unknown) => {
      // ortc's "unsupported codec" (a clock rate, channel count or MIME type the router does not
      // have, or a codec of the other kind): the parameters came from the client.
      if (err instanceof UnsupportedError) throw new AppError('BAD_REQUEST', `produce: ${err.message}`);
      throw err;
    });
    this.#logger.info({ stream: publication.name, kind: data.kind, producer: producer.id }, 'producer added');
    if (first) this.#status(publication.name, 'publisher', 'PUBLISHING');
    return { producerId: producer.id };
  }

  #unpublish(name: string): unknown {
    const publication = this.#publishing.get(name);
    if (!publication) throw new AppError('STREAM_NOT_FOUND', `this session does not publish "${name}"`);
    this.#publishing.delete(name);
    this.#free(publication);
    publication.close();
    this.#logger.info({ stream: name }, 'unpublish');
    this.#status(name, 'publisher', 'UNPUBLISHED');
    return {};
  }

  async #play(data: {
    stream: string;
    rtpCapabilities: Record<string, unknown>;
    transport: TransportKind;
    noRedirect: boolean;
    maxBitrate?: number;
    token?: string;
  }) {
    const { stream: name } = data;
    const credentials = { token: data.token, ip: this.remoteAddress };
    if (this.#playing.has(name)) throw new AppError('NOT_ALLOWED', `this session already plays "${name}"`);
    // Pinning a player to the origin defeats the CDN: only where the operator allows it. Refused on
    // an origin only, so a client that always sends noRedirect still plays on an edge or a
    // standalone node (where there is nowhere to redirect to anyway).
    if (data.noRedirect && this.#ctx.role() === 'origin' && !this.#ctx.config.playAllowNoRedirect) {
      throw new AppError('NOT_ALLOWED', 'noRedirect: this origin sends its players to edges (play.allow_no_redirect is off)');
    }
    if (!data.noRedirect) {
      const redirect = await this.#ctx.play.redirect(name, this.secure, credentials);
      if (redirect) {
        this.#logger.info({ stream: name, edge: redirect.nodeId }, 'player redirected to edge');
        return { redirect: { url: redirect.url, nodeId: redirect.nodeId } };
      }
    }
    // mediasoup's own check (its TypeErrors become BAD_REQUEST): otherwise malformed capabilities
    // reach Router.canConsume, which logs them at error level as "unexpected". Only for a player
    // served here: a redirected one gives its capabilities to the edge, which checks them, and
    // the copy and the check were the origin's largest own cost per player in a flash crowd
    // (BENCHMARKS.md, "Where the time goes").
    validateAndNormalizeRtpCapabilities(structuredClone(data.rtpCapabilities) as unknown as ms.RtpCapabilities);
    const release = this.#caps.reserve('play');
    let played;
    try {
      played = await this.#ctx.play.play(
        name,
        {
          via: 'client',
          transport: data.transport,
          // Checked by mediasoup as it consumes; its TypeErrors become BAD_REQUEST (peerMistake).
          rtpCapabilities: data.rtpCapabilities as unknown as ms.RtpCapabilities,
          maxBitrate: data.maxBitrate,
        },
        credentials,
      );
    } catch (err) {
      release();
      throw err;
    }
    const { playback, consumers } = played;
    if (this.#closed || this.#playing.has(name)) {
      release();
      playback.close();
      throw new AppError(this.#closed ? 'NODE_CLOSING' : 'NOT_ALLOWED', this.#closed ? 'session closed' : `this session already plays "${name}"`);
    }
    this.#playing.set(name, playback);
    this.#hold(playback, release);
    playback.on('consumer', (consumer) => this.#peer.notify('newConsumer', { stream: name, consumer }));
    playback.on('trackFailed', (failure) => this.#peer.notify('trackFailed', { stream: name, ...failure }));
    playback.on('notify', (method, info) => this.#peer.notify(method, info));
    playback.on('ended', (reason) => {
      this.#playing.delete(name);
      this.#free(playback);
      if (reason === 'unpublished') return this.#status(name, 'player', 'UNPUBLISHED');
      this.#logger.error({ stream: name }, 'player transport closed under the playback (worker died?)');
      this.#status(name, 'player', 'FAILED', { code: 'INTERNAL', message: 'media transport closed' });
    });
    // Tracks added from now on: announced after this answer (setImmediate runs after the answer
    // is written), so the client knows the transport before it hears of a new consumer.
    setImmediate(() => playback.listen());
    this.#logger.info({ stream: name, transport: data.transport }, 'play');
    this.#status(name, 'player', 'PENDING');
    // The mute state the player starts from; events after it follow as `streamEvent` (listen()).
    const { audioMuted, videoMuted } = playback.eventState;
    return { transport: playback.describe(), consumers, streamState: { audioMuted, videoMuted } };
  }

  async #resumeConsumer(consumerId: string): Promise<unknown> {
    const { consumer, playback } = this.#findConsumer(consumerId);
    if (await playback.resume(consumer)) this.#status(playback.name, 'player', 'PLAYING');
    return {};
  }

  #stop(name: string): unknown {
    const playback = this.#playing.get(name);
    if (!playback) throw new AppError('STREAM_NOT_FOUND', `this session does not play "${name}"`);
    this.#playing.delete(name);
    this.#free(playback);
    playback.close();
    this.#status(name, 'player', 'STOPPED');
    return {};
  }

  #hold(owner: Publication | Playback, release: () => void): void {
    this.#slots.set(owner, release);
  }

  /** Gives back the cap slot of a publication or playback that ended. */
  #free(owner: Publication | Playback): void {
    this.#slots.get(owner)?.();
    this.#slots.delete(owner);
    this.#connectedTransports.delete(owner.transport.id);
  }

  #findTransport(transportId: string): { transport: ms.WebRtcTransport | ms.PlainTransport; kind: TransportKind } {
    for (const entry of [...this.#publishing.values(), ...this.#playing.values()]) {
      if (entry.transport.id === transportId) return entry;
    }
    throw new AppError('TRANSPORT_NOT_FOUND', `no transport ${transportId} in this session`);
  }

  #findProducer(producerId: string): { publication: Publication; producer: ms.Producer } {
    for (const publication of this.#publishing.values()) {
      const producer = publication.findProducer(producerId);
      if (producer) return { publication, producer };
    }
    throw new AppError('PRODUCER_NOT_FOUND', `no producer ${producerId} in this session`);
  }

  #findConsumer(consumerId: string): { consumer: ms.Consumer; playback: Playback } {
    for (const playback of this.#playing.values()) {
      const consumer = playback.findConsumer(consumerId);
      if (consumer) return { consumer, playback };
    }
    throw new AppError('CONSUMER_NOT_FOUND', `no consumer ${consumerId} in this session`);
  }
}
