// WHEP: POST /whep/{stream} with an SDP offer plays a stream. On the origin, when an edge holds
// the stream, the answer is 307 to that edge's WHEP URL (with its path prefix, or through the
// origin's secure proxy for a secure client of an edge without TLS); fetch() re-posts the offer
// there. Otherwise the stream plays here: 201, the SDP answer, and a Location to DELETE.
import type * as ms from 'mediasoup/lib/types';
import { AppError } from '../errors';
import { createClientTransport } from '../media/transports';
import type { MediaNode } from '../node/MediaNode';
import { buildAnswer, type AnsweredSection } from '../sdp/answer';
import { isMediaCodec } from '../sdp/codecs';
import { planPlayerRouter, planWhep } from '../sdp/whep';
import { isSecureRequest, publicBase } from './publicUrl';
import type { Router } from './router';
import { asOfferError, readOffer, sendSdp, streamName } from './sdpRequest';
import { endSession } from './whip';
import { WebRtcHttpSession } from './WebRtcHttpSessions';

export function registerWhep(router: Router, node: MediaNode): void {
  const logger = node.logger.child({ component: 'whep' });

  router.add('POST', '/whep/{stream}', async (req, res, ctx) => {
    const name = streamName(ctx.params.stream);
    const offer = await readOffer(req);
    const plan = planWhep(offer);

    const secure = isSecureRequest(req, ctx.secure);
    const redirect = (await node.origin?.redirectPlay(name, secure)) ?? null; // throws STREAM_NOT_FOUND
    if (redirect) {
      logger.info({ stream: name, edge: redirect.nodeId }, 'WHEP player redirected to edge');
      res.writeHead(307, { Location: `${redirect.httpBase}/whep/${encodeURIComponent(name)}`, 'Content-Length': 0, 'Cache-Control': 'no-store' });
      return void res.end();
    }

    const stream = node.streams.get(name);
    if (!stream) throw new AppError('STREAM_NOT_FOUND', `CDN stream not found: "${name}"`);
    if (stream.producers.length === 0) throw new AppError('STREAM_NOT_FOUND', `stream "${name}" has no tracks yet`);
    const tracks = stream.producers.filter((p) => plan.slots.some((s) => s.kind === p.kind));
    const routerPlan = planPlayerRouter(
      tracks.map((p) => ({ kind: p.kind, ...p.rtpParameters.codecs.find((c) => isMediaCodec(c.mimeType))! })),
      plan.rtpCapabilities,
    );
    if (routerPlan.kinds.length === 0) throw new AppError('CANNOT_CONSUME', `cannot play "${name}": no codec in common with the offer`);
    const worker = node.media.workerOf(stream.router);
    if (!worker) throw new AppError('STREAM_NOT_FOUND', 'stream ended');
    // A router with the offer's payload types (see planPlayerRouter), shared with every player
    // whose offer agrees; given back when the session ends.
    const lease = await node.media.codecRouters.acquire(worker, routerPlan.mediaCodecs);
    const playerRouter = lease.router;
    let transport: ms.WebRtcTransport;
    try {
      transport = (await createClientTransport(playerRouter, 'webrtc', node.config, 'recv')) as ms.WebRtcTransport;
    } catch (err) {
      lease.release();
      throw err;
    }
    node.media.track(stream.router, transport);
    const session = new WebRtcHttpSession('whep', name, transport, logger.child({ stream: name }));
    session.onClose(() => lease.release());
    try {
      const onStreamClose = () => session.close('stream ended');
      stream.once('close', onStreamClose);
      session.onClose(() => stream.off('close', onStreamClose));
      await transport.connect({ dtlsParameters: offer.dtlsParameters });
      const consumers: ms.Consumer[] = [];
      const answered = new Map<string, AnsweredSection>();
      for (const slot of plan.slots) {
        const producer = tracks.find((p) => p.kind === slot.kind);
        if (!producer || !routerPlan.kinds.includes(slot.kind)) continue;
        await lease.pipe(stream.router, producer);
        if (!playerRouter.canConsume({ producerId: producer.id, rtpCapabilities: routerPlan.rtpCapabilities })) continue;
        // Paused until DTLS is up, so the keyframe asked for on resume reaches the player.
        const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: routerPlan.rtpCapabilities, paused: true, mid: slot.mid });
        consumers.push(consumer);
        answered.set(slot.mid, { rtpParameters: consumer.rtpParameters, send: { streamId: session.id, trackId: consumer.id } });
      }
      if (consumers.length === 0) throw new AppError('CANNOT_CONSUME', `cannot play "${name}": no codec in common with the offer`);
      if (session.closed) throw new AppError('STREAM_NOT_FOUND', 'stream ended');
      transport.on('dtlsstatechange', (state: ms.DtlsState) => {
        if (state !== 'connected') return;
        for (const c of consumers) if (!c.closed) void c.resume().catch((err) => session.logger.warn({ err }, 'resume failed'));
      });
      const answer = buildAnswer(offer, transport, answered);
      node.webrtcHttp.add(session);
      session.logger.info({ session: session.id, tracks: consumers.map((c) => c.kind) }, 'WHEP play');
      sendSdp(res, 201, answer, `${publicBase(req, ctx.secure, node.config)}/whep/${encodeURIComponent(name)}/${session.id}`);
    } catch (err) {
      session.close('play failed');
      throw asOfferError(err);
    }
  });

  router.add('DELETE', '/whep/{stream}/{session}', (_req, res, ctx) => {
    endSession(node, 'whep', ctx.params.stream, ctx.params.session);
    res.writeHead(200, { 'Content-Length': 0 }).end();
  });
}
