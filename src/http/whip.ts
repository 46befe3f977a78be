// WHIP (RFC 9725): POST /whip/{stream} with an SDP offer publishes a stream, answered 201 with the
// SDP answer and a Location to DELETE. The stream is made by the publish service like one published
// over the command channel, so on the origin it is relayed to every edge the same way.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/types';
import { AppError } from '../errors';
import { buildAnswer, type AnsweredSection } from '../sdp/answer';
import { planWhip } from '../sdp/whip';
import type { HttpContext } from './HttpContext';
import { isSecureRequest, publicBase } from './publicUrl';
import type { Router } from './router';
import { asOfferError, credentialsOf, readOffer, sendSdp, streamName } from './sdpRequest';
import { whipAlternates } from './whipAlternates';
import { WebRtcHttpSession } from './WebRtcHttpSessions';

export function registerWhip(router: Router, ctx: HttpContext): void {
  const logger = ctx.logger.child({ component: 'whip' });

  router.add('POST', '/whip/{stream}', async (req, res, route) => {
    const name = streamName(route.params.stream);
    const offer = await readOffer(req);
    const plan = planWhip(offer, ctx.publish.rtpCapabilities);
    const address = ctx.clientAddress(req);
    const credentials = credentialsOf(req, route.url, address);
    // On an edge: 307 to the origin (fetch posts the offer again there), as the origin sends WHEP
    // players to an edge. The token goes in the URL: a browser drops Authorization on a cross-origin 307.
    const redirect = ctx.publish.redirect(name, isSecureRequest(req, route.secure));
    if (redirect) {
      logger.info({ stream: name, origin: redirect.nodeId }, 'WHIP publisher redirected to origin');
      const query = credentials.token ? `?token=${encodeURIComponent(credentials.token)}` : '';
      res.writeHead(307, { Location: `${redirect.httpBase}/whip/${encodeURIComponent(name)}${query}`, 'Content-Length': 0, 'Cache-Control': 'no-store' });
      return void res.end();
    }
    const id = randomUUID();
    const release = ctx.webrtcHttp.reserve(address);
    const publication = await ctx.publish.publish(name, 'webrtc', { sessionId: id, ...credentials }).catch((err: unknown) => {
      release();
      throw err;
    });
    const transport = publication.transport as ms.WebRtcTransport;
    const session = new WebRtcHttpSession('whip', name, transport, logger.child({ stream: name, session: id }), id);
    session.onClose(release);
    session.onClose(() => publication.close());
    publication.stream.once('close', () => session.close('stream closed'));
    try {
      await transport.connect({ dtlsParameters: offer.dtlsParameters });
      const answered = new Map<string, AnsweredSection>();
      for (const p of plan.producers) {
        await publication.produce(p.kind, p.rtpParameters);
        if (session.closed) throw new AppError('STREAM_NOT_FOUND', 'the stream ended while publishing');
        answered.set(p.mid, { rtpParameters: p.rtpParameters });
      }
      const answer = buildAnswer(offer, transport, answered);
      ctx.webrtcHttp.add(session);
      if (plan.rejected.size > 0) session.logger.info({ rejected: Object.fromEntries(plan.rejected) }, 'WHIP sections refused');
      session.logger.info({ tracks: plan.producers.map((p) => p.kind) }, 'WHIP publish');
      const alternates = ctx.origin?.peers.enabled ? whipAlternates(ctx.origin.peers.origins, ctx.config.nodeId, name, isSecureRequest(req, route.secure)) : [];
      sendSdp(res, 201, answer, `${publicBase(req, route.secure, ctx.config)}/whip/${encodeURIComponent(name)}/${session.id}`, alternates);
    } catch (err) {
      session.close('publish failed');
      throw asOfferError(err);
    }
  });

  router.add('DELETE', '/whip/{stream}/{session}', (_req, res, route) => {
    endSession(ctx, 'whip', route.params.stream, route.params.session);
    res.writeHead(200, { 'Content-Length': 0 }).end();
  });
}

/** DELETE on a session's Location: SESSION_NOT_FOUND unless kind, stream and id all match. */
export function endSession(ctx: HttpContext, kind: 'whip' | 'whep', stream: string | undefined, id: string | undefined): void {
  const session = id ? ctx.webrtcHttp.get(id) : undefined;
  if (!session || session.kind !== kind || session.stream !== stream) {
    throw new AppError('SESSION_NOT_FOUND', `no ${kind.toUpperCase()} session at this URL`);
  }
  session.close('DELETE');
}
