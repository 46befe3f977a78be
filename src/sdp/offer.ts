// Parsing and validating a WHIP/WHEP SDP offer: everything the rest of the code reads from it is
// checked here, so a malformed offer is a BAD_SDP (400) with a reason, never a crash later on.
import * as sdpTransform from 'sdp-transform';
import type * as ms from 'mediasoup/types';
import { AppError } from '../errors';
import { commonUtils } from './mediasoupClientSdp';

export type MediaObject = sdpTransform.MediaDescription;

export interface OfferSection {
  /** Position of the m= line in the offer; the answer keeps the order. */
  index: number;
  mid: string;
  kind: string;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  media: MediaObject;
}

export interface ParsedOffer {
  sdp: sdpTransform.SessionDescription;
  sections: OfferSection[];
  /** The client's DTLS role and fingerprints, with the role mediasoup must see (never 'auto'). */
  dtlsParameters: ms.DtlsParameters;
}

/** Largest offer accepted; a browser's offer with audio, video and a data channel is ~6 KiB. */
export const MAX_OFFER_BYTES = 64 * 1024;

const FINGERPRINT_ALGORITHMS = new Set(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']);

export function badSdp(reason: string): AppError {
  return new AppError('BAD_SDP', `bad SDP offer: ${reason}`);
}

export function parseOffer(text: string): ParsedOffer {
  if (Buffer.byteLength(text) > MAX_OFFER_BYTES) throw badSdp(`larger than ${MAX_OFFER_BYTES} bytes`);
  if (!/^v=0\r?\n/.test(text)) throw badSdp('it does not start with "v=0"');
  let sdp: sdpTransform.SessionDescription;
  try {
    sdp = sdpTransform.parse(text);
  } catch (err) {
    throw badSdp((err as Error).message);
  }
  if (!Array.isArray(sdp.media) || sdp.media.length === 0) throw badSdp('no m= section');

  const sections: OfferSection[] = [];
  const mids = new Set<string>();
  sdp.media.forEach((media, index) => {
    if (media.mid === undefined || media.mid === null || String(media.mid) === '') throw badSdp(`m= section ${index} has no a=mid`);
    const mid = String(media.mid);
    if (mids.has(mid)) throw badSdp(`a=mid:${mid} is used twice`);
    mids.add(mid);
    const direction = media.direction ?? 'sendrecv';
    sections.push({ index, mid, kind: media.type, direction, media });
    if (media.type !== 'audio' && media.type !== 'video') return;
    if (media.port === 0) return; // rejected by the client itself
    if (!/SAVPF$/.test(media.protocol)) throw badSdp(`m=${media.type} protocol ${media.protocol} is not UDP/TLS/RTP/SAVPF`);
    if (!(media.iceUfrag ?? sdp.iceUfrag) || !(media.icePwd ?? sdp.icePwd)) throw badSdp(`m=${media.type} has no ICE credentials`);
    if (media.rtcpMux !== 'rtcp-mux') throw badSdp(`m=${media.type} (mid ${mid}) lacks a=rtcp-mux, which this server requires`);
    if (!Array.isArray(media.rtp) || media.rtp.length === 0) throw badSdp(`m=${media.type} (mid ${mid}) has no a=rtpmap`);
  });
  const active = sections.filter((s) => (s.kind === 'audio' || s.kind === 'video') && s.media.port !== 0);
  if (active.length === 0) throw badSdp('no audio or video m= section');

  // One transport carries everything, so several sections must be BUNDLEd together.
  if (active.length > 1) {
    const bundle = (sdp.groups ?? []).find((g) => g.type === 'BUNDLE');
    const bundled = new Set(String(bundle?.mids ?? '').split(/\s+/));
    const outside = active.filter((s) => !bundled.has(s.mid));
    if (outside.length > 0) throw badSdp(`media sections ${outside.map((s) => s.mid).join(', ')} are not in a BUNDLE group`);
  }

  let dtls: ms.DtlsParameters;
  try {
    dtls = commonUtils.extractDtlsParameters({ sdpObject: sdp }) as unknown as ms.DtlsParameters;
  } catch (err) {
    throw badSdp((err as Error).message);
  }
  const fingerprints = dtls.fingerprints.filter((f) => FINGERPRINT_ALGORITHMS.has(String(f.algorithm).toLowerCase()));
  if (fingerprints.length === 0) throw badSdp('no a=fingerprint with a supported hash (sha-1 .. sha-512)');
  for (const f of fingerprints) {
    if (!/^([0-9A-Fa-f]{2}:)+[0-9A-Fa-f]{2}$/.test(String(f.value))) throw badSdp(`malformed a=fingerprint ${String(f.value).slice(0, 40)}`);
  }
  // actpass ('auto') lets the answerer choose: the server answers passive, the client is DTLS client.
  const role: ms.DtlsRole = dtls.role === 'server' ? 'server' : 'client';
  return {
    sdp,
    sections,
    dtlsParameters: { role, fingerprints: fingerprints.map((f) => ({ algorithm: f.algorithm.toLowerCase(), value: f.value })) } as ms.DtlsParameters,
  };
}

/** The codecs and header extensions offered in one m= section, in mediasoup's terms. */
export function sectionCapabilities(section: OfferSection): ms.RtpCapabilities {
  const caps = commonUtils.extractRtpCapabilities({ sdpObject: { media: [section.media] } as sdpTransform.SessionDescription });
  return caps as unknown as ms.RtpCapabilities;
}
