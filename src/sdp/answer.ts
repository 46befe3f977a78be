// The SDP answer to a WHIP or WHEP offer: mediasoup's ICE-lite candidates, ICE credentials, DTLS
// fingerprint and setup, BUNDLE and rtcp-mux (mediasoup-client's RemoteSdp writes those), the
// agreed codecs per section, and port 0 for every section the server does not take.
import * as sdpTransform from 'sdp-transform';
import type * as ms from 'mediasoup/types';
import { RemoteSdp } from './mediasoupClientSdp';
import type { ParsedOffer } from './offer';

export interface ServerTransportParameters {
  iceParameters: ms.IceParameters;
  iceCandidates: ms.IceCandidate[];
  /** The server transport's fingerprints (its role is decided from the offer). */
  dtlsParameters: ms.DtlsParameters;
}

export interface AnsweredSection {
  /** The producer's parameters (WHIP) or the consumer's (WHEP). */
  rtpParameters: ms.RtpParameters;
  /** WHEP: the server sends this track; its SSRCs and msid go in the answer. */
  send?: { streamId: string; trackId: string };
}

export function buildAnswer(offer: ParsedOffer, transport: ServerTransportParameters, answered: Map<string, AnsweredSection>): string {
  // The client is DTLS client (it offered actpass or active): the server answers passive.
  const role: ms.DtlsRole = offer.dtlsParameters.role === 'server' ? 'client' : 'server';
  const remote = new RemoteSdp({
    iceParameters: transport.iceParameters as never,
    iceCandidates: transport.iceCandidates as never,
    dtlsParameters: { ...transport.dtlsParameters, role } as never,
  });
  if (offer.sdp.extmapAllowMixed) remote.setSessionExtmapAllowMixed();
  for (const section of offer.sections) {
    const a = answered.get(section.mid);
    if (!a) continue;
    remote.send({ offerMediaObject: section.media, offerRtpParameters: a.rtpParameters as never, answerRtpParameters: a.rtpParameters as never });
  }
  const written = sdpTransform.parse(remote.getSdp());
  const byMid = new Map(written.media.map((m) => [String(m.mid), m]));
  written.origin = { ...written.origin!, username: 'cdn-relay' };
  written.media = offer.sections.map((section) => {
    const media = byMid.get(section.mid);
    const a = answered.get(section.mid);
    if (!media || !a) return rejected(section.media);
    if (a.send) addSender(media, a.rtpParameters, a.send);
    return media;
  });
  return sdpTransform.write(written);
}

/** A refused section: same type, protocol and mid, port 0 (RFC 8829 section 5.3.1). */
function rejected(offered: sdpTransform.MediaDescription): sdpTransform.MediaDescription {
  const first = String(offered.payloads ?? '').split(/\s+/)[0] || '0';
  return {
    type: offered.type,
    port: 0,
    protocol: offered.protocol,
    payloads: first,
    rtp: [],
    fmtp: [],
    connection: { version: 4, ip: '0.0.0.0' },
    mid: offered.mid,
    direction: 'inactive',
  };
}

/** Turns a recvonly answer section into the sendonly one of a consumer, with its SSRCs. */
function addSender(media: sdpTransform.MediaDescription, rtp: ms.RtpParameters, ids: { streamId: string; trackId: string }): void {
  media.direction = 'sendonly';
  media.msid = [{ id: ids.streamId, appdata: ids.trackId }];
  const encoding = rtp.encodings?.[0];
  if (!encoding?.ssrc) return;
  const cname = rtp.rtcp?.cname ?? ids.streamId;
  const ssrcs: sdpTransform.MediaDescription['ssrcs'] = [];
  const lines = (ssrc: number) => {
    ssrcs.push({ id: ssrc, attribute: 'cname', value: cname });
    ssrcs.push({ id: ssrc, attribute: 'msid', value: `${ids.streamId} ${ids.trackId}` });
  };
  lines(encoding.ssrc);
  if (encoding.rtx?.ssrc) {
    lines(encoding.rtx.ssrc);
    media.ssrcGroups = [{ semantics: 'FID', ssrcs: `${encoding.ssrc} ${encoding.rtx.ssrc}` }];
  }
  media.ssrcs = ssrcs;
}
