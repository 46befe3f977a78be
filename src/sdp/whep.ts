// WHEP, pure: what a player's offer can receive. Every receiving audio/video m= section (one per
// kind) is a slot for one consumer, created with the offer's payload types and extension ids as
// the player's RTP capabilities, and with the section's mid so the browser demuxes by it.
import type * as ms from 'mediasoup/lib/types';
import { isMediaCodec, rtxFor } from './codecs';
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

/** A media payload type (`apt`) and the payload type of its RTX codec. */
export interface RtxPayloadType {
  apt: number;
  payloadType: number;
}

export interface PlayerRouterPlan {
  /** Codecs of the player's router: the tracks' codecs with the offer's payload types. */
  mediaCodecs: ms.RtpCodecCapability[];
  /** The offer's RTX payload types of those codecs, which the router's RTX must carry. */
  rtx: RtxPayloadType[];
  /** Capabilities to consume with: the matched offered codecs and their offered RTX. */
  rtpCapabilities: ms.RtpCapabilities;
  /** Kinds that have a codec in common with the offer. */
  kinds: ms.MediaKind[];
}

/**
 * mediasoup 3.8.4 consumers send with their router's payload types, but a WHEP answer must use
 * the ones of the offer (RFC 3264 6.1; Chromium decodes nothing otherwise). So a player is served
 * from a router whose codecs carry the offer's payload types, fed by pipeToRouter and shared by
 * players whose offers agree (media/CodecRouters.ts). mediasoup numbers a router's RTX codecs
 * itself, so `rtx` lists the offer's RTX payload types for CodecRouters to give the router's RTX
 * codecs: without RTX, a WHEP player behind a lossy link NACKs packets that come back on the media
 * SSRC, and Chromium plays a few frames a second where the same loss costs an SDK player (which has
 * RTX) nothing. Header extensions survive only where the offer's id equals mediasoup's (mediasoup
 * writes its own ids into every packet).
 */
export function planPlayerRouter(tracks: TrackCodec[], offerCaps: ms.RtpCapabilities): PlayerRouterPlan {
  const mediaCodecs: ms.RtpCodecCapability[] = [];
  const codecs: ms.RtpCodecCapability[] = [];
  const rtx: RtxPayloadType[] = [];
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
    // mediasoup makes RTX for video codecs only.
    const offeredRtx = track.kind === 'video' ? rtxFor(offerCaps, offered.preferredPayloadType) : undefined;
    if (offeredRtx?.preferredPayloadType !== undefined) {
      rtx.push({ apt: offered.preferredPayloadType, payloadType: offeredRtx.preferredPayloadType });
      codecs.push(offeredRtx);
    }
  }
  return { mediaCodecs, rtx, rtpCapabilities: { codecs, headerExtensions: offerCaps.headerExtensions ?? [] }, kinds };
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
