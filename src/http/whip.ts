// WHIP (RFC 9725): POST /whip/{stream} with an SDP offer publishes a stream, answered 201 with the
// SDP answer and a Location to DELETE. The stream is an ordinary registry stream: on the origin it
// is relayed to every edge like one published over the command channel.
import type * as ms from 'mediasoup/lib/types';
import { AppError } from '../errors';
import { createClientTransport } from '../media/transports';
import type { MediaNode } from '../node/MediaNode';
import { buildAnswer, type AnsweredSection } from '../sdp/answer';
import { planWhip } from '../sdp/whip';
import { publicBase } from './publicUrl';
import type { Router } from './router';
import { asOfferError, readOffer, sendSdp, streamName } from './sdpRequest';
import { WebRtcHttpSession } from './WebRtcHttpSessions';

export function registerWhip(router: Router, node: MediaNode): void {
  const logger = node.logger.child({ component: 'whip' });

  router.add('POST', '/whip/{stream}', async (req, res, ctx) => {
    const name = streamName(ctx.params.stream);
    const offer = await readOffer(req);
    const plan = planWhip(offer, node.media.rtpCapabilities);
    if (node.streams.get(name)) throw new AppError('STREAM_NAME_TAKEN', `stream "${name}" is already published`);

    const msRouter = node.media.pickRouter();
    const transport = (await createClientTransport(msRouter, 'webrtc', node.config, 'send')) as ms.WebRtcTransport;
    node.media.track(msRouter, transport);
    const session = new WebRtcHttpSession('whip', name, transport, logger.child({ stream: name }));
    try {
      const stream = node.streams.create(name, msRouter, { kind: 'local', sessionId: session.id });
      session.onClose(() => stream.close());
      stream.once('close', () => session.close('stream closed'));
      await transport.connect({ dtlsParameters: offer.dtlsParameters });
      const answered = new Map<string, AnsweredSection>();
      for (const p of plan.producers) {
        const producer = await transport.produce({ kind: p.kind, rtpParameters: p.rtpParameters });
        if (session.closed) throw new AppError('NODE_CLOSING', 'session ended while publishing');
        stream.addProducer(producer);
        answered.set(p.mid, { rtpParameters: p.rtpParameters });
      }
      const answer = buildAnswer(offer, transport, answered);
      node.webrtcHttp.add(session);
      if (plan.rejected.size > 0) session.logger.info({ rejected: Object.fromEntries(plan.rejected) }, 'WHIP sections refused');
      session.logger.info({ session: session.id, tracks: plan.producers.map((p) => p.kind) }, 'WHIP publish');
      sendSdp(res, 201, answer, `${publicBase(req, ctx.secure, node.config)}/whip/${encodeURIComponent(name)}/${session.id}`);
    } catch (err) {
      session.close('publish failed');
      throw asOfferError(err);
    }
  });

  router.add('DELETE', '/whip/{stream}/{session}', (_req, res, ctx) => {
    endSession(node, 'whip', ctx.params.stream, ctx.params.session);
    res.writeHead(200, { 'Content-Length': 0 }).end();
  });
}

/** DELETE on a session's Location: SESSION_NOT_FOUND unless kind, stream and id all match. */
export function endSession(node: MediaNode, kind: 'whip' | 'whep', stream: string | undefined, id: string | undefined): void {
  const session = id ? node.webrtcHttp.get(id) : undefined;
  if (!session || session.kind !== kind || session.stream !== stream) {
    throw new AppError('SESSION_NOT_FOUND', `no ${kind.toUpperCase()} session at this URL`);
  }
  session.close('DELETE');
}
