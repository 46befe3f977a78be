// WHEP: POST /whep/{stream} with an SDP offer plays a stream. The play service decides: on the
// origin, when an edge holds the stream, the answer is 307 to that edge's WHEP URL (with its path
// prefix, or through the origin's secure proxy for a secure client of an edge without TLS); fetch()
// re-posts the offer there. Otherwise the stream plays here, on the same workers a command-channel
// player would get: 201, the SDP answer, and a Location to DELETE.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/types';
import { buildAnswer, type AnsweredSection } from '../sdp/answer';
import { planWhep } from '../sdp/whep';
import type { HttpContext } from './HttpContext';
import { isSecureRequest, publicBase } from './publicUrl';
import type { Router } from './router';
import { asOfferError, credentialsOf, readOffer, sendSdp, streamName } from './sdpRequest';
import { endSession } from './whip';
import { WebRtcHttpSession } from './WebRtcHttpSessions';

export function registerWhep(router: Router, ctx: HttpContext): void {
  const logger = ctx.logger.child({ component: 'whep' });

  router.add('POST', '/whep/{stream}', async (req, res, route) => {
    const name = streamName(route.params.stream);
    const offer = await readOffer(req);
    const plan = planWhep(offer);

    const address = ctx.clientAddress(req);
    const credentials = credentialsOf(req, route.url, address);
    const redirect = await ctx.play.redirect(name, isSecureRequest(req, route.secure), credentials); // throws STREAM_NOT_FOUND
    if (redirect) {
      logger.info({ stream: name, edge: redirect.nodeId }, 'WHEP player redirected to edge');
      // The token goes in the URL: a browser drops Authorization when it follows a cross-origin 307.
      const query = credentials.token ? `?token=${encodeURIComponent(credentials.token)}` : '';
      const location = `${redirect.httpBase}/whep/${encodeURIComponent(name)}${query}`;
      res.writeHead(307, { Location: location, 'Content-Length': 0, 'Cache-Control': 'no-store' });
      return void res.end();
    }

    const release = ctx.webrtcHttp.reserve(address);
    const { playback, consumers } = await ctx.play.play(name, { via: 'whep', plan }, credentials).catch((err: unknown) => {
      release();
      throw asOfferError(err);
    });
    const id = randomUUID();
    const transport = playback.transport as ms.WebRtcTransport;
    const session = new WebRtcHttpSession('whep', name, transport, logger.child({ stream: name, session: id }), id);
    session.onClose(release);
    session.onClose(() => playback.close());
    playback.on('ended', (reason) => session.close(reason === 'unpublished' ? 'stream ended' : 'media transport closed'));
    try {
      await transport.connect({ dtlsParameters: offer.dtlsParameters });
      // Paused until DTLS is up, so the keyframe asked for on resume reaches the player.
      transport.on('dtlsstatechange', (state: ms.DtlsState) => {
        if (state === 'connected') playback.resumeAll();
      });
      const answered = new Map<string, AnsweredSection>();
      for (const c of consumers) answered.set(c.mid!, { rtpParameters: c.rtpParameters, send: { streamId: session.id, trackId: c.id } });
      const answer = buildAnswer(offer, transport, answered);
      ctx.webrtcHttp.add(session);
      session.logger.info({ tracks: consumers.map((c) => c.kind), router: playback.router.id }, 'WHEP play');
      sendSdp(res, 201, answer, `${publicBase(req, route.secure, ctx.config)}/whep/${encodeURIComponent(name)}/${session.id}`);
    } catch (err) {
      session.close('play failed');
      throw asOfferError(err);
    }
  });

  router.add('DELETE', '/whep/{stream}/{session}', (_req, res, route) => {
    endSession(ctx, 'whep', route.params.stream, route.params.session);
    res.writeHead(200, { 'Content-Length': 0 }).end();
  });
}
