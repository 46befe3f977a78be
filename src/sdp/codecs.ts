// Choosing a codec of an offered m= section that the router accepts, and shaping its feedback and
// header extensions to what mediasoup supports. Pure; the router's capabilities are an argument.
import type * as ms from 'mediasoup/types';

const FEATURE_CODECS = /\/(rtx|red|ulpfec|flexfec-03|cn|telephone-event)$/i;

export function isMediaCodec(mimeType: string): boolean {
  return !FEATURE_CODECS.test(mimeType);
}

/** The offered media codecs in the client's order of preference. */
export function offeredMediaCodecs(caps: ms.RtpCapabilities, payloadOrder: number[]): ms.RtpCodecCapability[] {
  const codecs = (caps.codecs ?? []).filter((c) => isMediaCodec(c.mimeType));
  const rank = (c: ms.RtpCodecCapability) => {
    const i = payloadOrder.indexOf(c.preferredPayloadType ?? -1);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return codecs.sort((a, b) => rank(a) - rank(b));
}

/** The offered RTX codec bound (apt) to a media payload type, if any. */
export function rtxFor(caps: ms.RtpCapabilities, payloadType: number): ms.RtpCodecCapability | undefined {
  return (caps.codecs ?? []).find((c) => /\/rtx$/i.test(c.mimeType) && Number(c.parameters?.apt) === payloadType);
}

/** The router codec of the same mime type (for its RTCP feedback list). */
function routerCodec(routerCaps: ms.RtpCapabilities, mimeType: string): ms.RtpCodecCapability | undefined {
  return (routerCaps.codecs ?? []).find((c) => c.mimeType.toLowerCase() === mimeType.toLowerCase());
}

/** Offered RTCP feedback that mediasoup also does for this codec: what both ends agree on. */
export function agreedFeedback(offered: ms.RtcpFeedback[] = [], routerCaps: ms.RtpCapabilities, mimeType: string): ms.RtcpFeedback[] {
  const supported = routerCodec(routerCaps, mimeType)?.rtcpFeedback ?? [];
  return offered.filter((fb) => supported.some((s) => s.type === fb.type && (s.parameter ?? '') === (fb.parameter ?? '')));
}

/** Codec parameters as mediasoup wants them (capability -> parameters). */
export function toCodecParameters(codec: ms.RtpCodecCapability, feedback: ms.RtcpFeedback[]): ms.RtpCodecParameters {
  return {
    mimeType: codec.mimeType,
    payloadType: codec.preferredPayloadType!,
    clockRate: codec.clockRate,
    ...(codec.kind === 'audio' && codec.channels ? { channels: codec.channels } : {}),
    parameters: { ...(codec.parameters ?? {}) },
    rtcpFeedback: feedback,
  };
}

/** Offered header extensions of a kind that the router knows, with the client's ids. */
export function agreedHeaderExtensions(
  offered: ms.RtpHeaderExtension[] = [],
  routerCaps: ms.RtpCapabilities,
  kind: ms.MediaKind,
): ms.RtpHeaderExtensionParameters[] {
  return offered
    .filter((e) => (routerCaps.headerExtensions ?? []).some((r) => r.kind === kind && r.uri === e.uri))
    .map((e) => ({ uri: e.uri, id: e.preferredId, encrypt: false, parameters: {} }));
}
