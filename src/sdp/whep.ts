// WHEP, pure: what a player's offer can receive. Every receiving audio/video m= section (one per
// kind) is a slot for one consumer, created with the offer's payload types and extension ids as
// the player's RTP capabilities, and with the section's mid so the browser demuxes by it.
import type * as ms from 'mediasoup/types';
import { isMediaCodec } from './codecs';
import { commonUtils } from './mediasoupClientSdp';
import { badSdp, type OfferSection, type ParsedOffer } from './offer';

export interface WhepSlot {
  mid: string;
  kind: ms.MediaKind;
}

export interface WhepPlan {
  slots: WhepSlot[];
  /** The player's RTP capabilities, for router.canConsume() and transport.consume(). */
  rtpCapabilities: ms.RtpCapabilities;
}

export function planWhep(offer: ParsedOffer): WhepPlan {
  const slots: WhepSlot[] = [];
  for (const section of offer.sections) {
    if (!receives(section) || slots.some((s) => s.kind === section.kind)) continue;
    slots.push({ mid: section.mid, kind: section.kind as ms.MediaKind });
  }
  if (slots.length === 0) throw badSdp('no audio or video m= section that receives (recvonly or sendrecv)');
  const receiving = offer.sections.filter((s) => slots.some((slot) => slot.mid === s.mid)).map((s) => s.media);
  const raw = commonUtils.extractRtpCapabilities({ sdpObject: { ...offer.sdp, media: receiving } }) as unknown as ms.RtpCapabilities;
  const codecs = (raw.codecs ?? []).filter((c) => c.preferredPayloadType !== undefined);
  if (!codecs.some((c) => isMediaCodec(c.mimeType))) throw badSdp('no codec offered');
  const rtpCapabilities: ms.RtpCapabilities = {
    codecs,
    headerExtensions: (raw.headerExtensions ?? []).map((e) => ({ ...e, preferredEncrypt: false, direction: 'sendrecv' as const })),
  };
  return { slots, rtpCapabilities };
}

function receives(section: OfferSection): boolean {
  return (
    (section.kind === 'audio' || section.kind === 'video') && section.media.port !== 0 && (section.direction === 'recvonly' || section.direction === 'sendrecv')
  );
}

export interface TrackCodec {
  kind: ms.MediaKind;
  mimeType: string;
  clockRate: number;
  channels?: number;
  parameters?: Record<string, unknown>;
}

export interface PlayerRouterPlan {
  /** Codecs of the player's router: the tracks' codecs with the offer's payload types, video last. */
  mediaCodecs: ms.RouterRtpCodecCapability[];
  /** Capabilities to consume with: the matched offered media codecs, without RTX. */
  rtpCapabilities: ms.RtpCapabilities;
  /** Kinds that have a codec in common with the offer. */
  kinds: ms.MediaKind[];
}

/**
 * mediasoup's consumers send with their router's payload types, but a WHEP answer must use the
 * ones of the offer (RFC 3264 6.1; Chromium decodes nothing otherwise). So a player is served from
 * a router whose codecs carry the offer's payload types, fed by pipeToRouter and shared by players
 * whose offers agree (media/CodecRouters.ts).
 *
 * RTX is not negotiated: mediasoup gives each video codec of a router an RTX codec whose payload
 * type it takes itself (the first free one of 100-127, 96-99: 100 for Chromium's VP8 96, whose RTX
 * the offer has at 97), and since 3.20.1 router.rtpCapabilities is a copy, so it can no longer be
 * renumbered to the offer's. An RTX stream on a payload type the player did not offer would be
 * dropped, or decoded as another codec. Without RTX the consumer still answers the player's NACKs,
 * resending the lost packets on the media SSRC, which browsers take as late packets
 * (docs/networks.md, loss).
 *
 * Video codecs go last in `mediaCodecs`: mediasoup takes each video codec's RTX payload type as it
 * meets the codec, and refuses a router whose list names, after that, the same number for
 * another codec ("duplicated codec.preferredPayloadType"). Header extensions survive only where the
 * offer's id equals mediasoup's (mediasoup writes its own ids into every packet).
 */
export function planPlayerRouter(tracks: TrackCodec[], offerCaps: ms.RtpCapabilities): PlayerRouterPlan {
  const mediaCodecs: ms.RouterRtpCodecCapability[] = [];
  const codecs: ms.RtpCodecCapability[] = [];
  const kinds: ms.MediaKind[] = [];
  for (const track of tracks) {
    const offered = (offerCaps.codecs ?? []).find((c) => c.kind === track.kind && isMediaCodec(c.mimeType) && sameCodec(c, track));
    if (!offered || offered.preferredPayloadType === undefined) continue;
    mediaCodecs.push({
      kind: track.kind,
      mimeType: track.mimeType,
      clockRate: track.clockRate,
      ...(track.kind === 'audio' && track.channels ? { channels: track.channels } : {}),
      parameters: h264Parameters(track),
      preferredPayloadType: offered.preferredPayloadType,
    });
    codecs.push(offered);
    kinds.push(track.kind);
  }
  mediaCodecs.sort((a, b) => Number(a.kind === 'video') - Number(b.kind === 'video'));
  return { mediaCodecs, rtpCapabilities: { codecs, headerExtensions: offerCaps.headerExtensions ?? [] }, kinds };
}

function sameCodec(offered: ms.RtpCodecCapability, track: TrackCodec): boolean {
  if (offered.mimeType.toLowerCase() !== track.mimeType.toLowerCase() || offered.clockRate !== track.clockRate) return false;
  if (track.mimeType.toLowerCase() !== 'video/h264') return true;
  const a = offered.parameters ?? {};
  const b = track.parameters ?? {};
  // Same packetization mode and profile (profile_idc + constraint flags); the level may differ.
  return (
    Number(a['packetization-mode'] ?? 0) === Number(b['packetization-mode'] ?? 0) &&
    String(a['profile-level-id'] ?? '42001f')
      .slice(0, 4)
      .toLowerCase() ===
      String(b['profile-level-id'] ?? '42001f')
        .slice(0, 4)
        .toLowerCase()
  );
}

/** Only H264's parameters matter for matching; the others (Opus ptime, ...) stay the producer's business. */
function h264Parameters(track: TrackCodec): Record<string, unknown> {
  if (track.mimeType.toLowerCase() !== 'video/h264') return {};
  const p = track.parameters ?? {};
  return {
    'packetization-mode': p['packetization-mode'] ?? 0,
    'profile-level-id': p['profile-level-id'] ?? '42001f',
    'level-asymmetry-allowed': p['level-asymmetry-allowed'] ?? 1,
  };
}
