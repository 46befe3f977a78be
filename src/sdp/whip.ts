// WHIP, pure: which producers an offer asks for. Each sending audio/video m= section becomes one
// producer with the first offered codec the router accepts (mediasoup's own ortc check decides),
// its RTX, the client's payload types, SSRCs (or RIDs) and header extension ids.
import type * as ms from 'mediasoup/types';
// mediasoup's own producer-parameter check, the same one transport.produce() runs.
import { getProducerRtpParametersMapping } from 'mediasoup/ortc';
import { agreedFeedback, agreedHeaderExtensions, offeredMediaCodecs, rtxFor, toCodecParameters } from './codecs';
import { commonUtils, unifiedPlanUtils } from './mediasoupClientSdp';
import { badSdp, sectionCapabilities, type OfferSection, type ParsedOffer } from './offer';

export interface ProducerPlan {
  mid: string;
  kind: ms.MediaKind;
  rtpParameters: ms.RtpParameters;
}

export interface WhipPlan {
  producers: ProducerPlan[];
  /** mids answered with port 0, with the reason (for logs). */
  rejected: Map<string, string>;
}

export function planWhip(offer: ParsedOffer, routerCaps: ms.RtpCapabilities): WhipPlan {
  const producers: ProducerPlan[] = [];
  const rejected = new Map<string, string>();
  const kinds = new Set<string>();
  for (const section of offer.sections) {
    const why = unusable(section, kinds);
    if (why) {
      rejected.set(section.mid, why);
      continue;
    }
    const plan = planSection(section, routerCaps);
    if (typeof plan === 'string') rejected.set(section.mid, plan);
    else {
      producers.push(plan);
      kinds.add(plan.kind);
    }
  }
  if (producers.length === 0) {
    throw badSdp(`nothing to publish: ${[...rejected].map(([mid, why]) => `mid ${mid}: ${why}`).join('; ')}`);
  }
  return { producers, rejected };
}

function unusable(section: OfferSection, kinds: Set<string>): string | null {
  if (section.kind !== 'audio' && section.kind !== 'video') return `${section.kind} sections are not supported`;
  if (section.media.port === 0) return 'rejected by the client';
  if (section.direction !== 'sendonly' && section.direction !== 'sendrecv') return `direction ${section.direction} (WHIP only receives)`;
  // A stream has at most one track of each kind (as with the command channel).
  if (kinds.has(section.kind)) return `a second ${section.kind} track`;
  return null;
}

function planSection(section: OfferSection, routerCaps: ms.RtpCapabilities): ProducerPlan | string {
  const kind = section.kind as ms.MediaKind;
  const caps = sectionCapabilities(section);
  const order = String(section.media.payloads ?? '')
    .split(/\s+/)
    .map(Number);
  const headerExtensions = agreedHeaderExtensions(caps.headerExtensions, routerCaps, kind);
  const offered = offeredMediaCodecs(caps, order);
  for (const codec of offered) {
    const codecs = [toCodecParameters(codec, agreedFeedback(codec.rtcpFeedback, routerCaps, codec.mimeType))];
    const rtx = rtxFor(caps, codec.preferredPayloadType!);
    if (rtx && kind === 'video') codecs.push(toCodecParameters(rtx, []));
    const rtpParameters: ms.RtpParameters = {
      mid: section.mid,
      codecs,
      headerExtensions,
      encodings: encodingsOf(section, codecs),
      rtcp: { cname: cnameOf(section), reducedSize: true },
    };
    try {
      getProducerRtpParametersMapping(rtpParameters, routerCaps);
    } catch {
      continue; // the router has no such codec (or profile): try the client's next choice
    }
    return { mid: section.mid, kind, rtpParameters };
  }
  const names = [...new Set(offered.map((c) => c.mimeType))].join(', ') || 'none';
  return `no codec in common (offered: ${names})`;
}

function encodingsOf(section: OfferSection, codecs: ms.RtpCodecParameters[]): ms.RtpEncodingParameters[] {
  const media = section.media;
  if ((media.ssrcs ?? []).length > 0) {
    return unifiedPlanUtils.getRtpEncodings({ offerMediaObject: media, codecs: codecs as never }) as ms.RtpEncodingParameters[];
  }
  // RID-based simulcast without SSRCs: one encoding per sent RID, lowest first as offered.
  const rids = (media.rids ?? []).filter((r) => r.direction === 'send');
  if (rids.length > 0) return rids.map((r) => ({ rid: String(r.id) }));
  throw badSdp(`m=${section.kind} (mid ${section.mid}) has neither a=ssrc nor a=rid lines`);
}

function cnameOf(section: OfferSection): string | undefined {
  try {
    return commonUtils.getCname({ offerMediaObject: section.media }) || undefined;
  } catch {
    return undefined;
  }
}
