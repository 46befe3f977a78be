// stream.getStats(callback, nativeStats) as WCS pages call it: the callback gets either the
// browser's RTCStatsReport (nativeStats true) or WCS's summary, `{outboundStream: {audio, video}}`
// for a publisher and `{inboundStream: {audio, video}}` for a player, each the fields of the
// browser's RTP stats for that kind plus `codec` (e.g. "VP8").

export type KindStats = Record<string, unknown>;
export interface WcsStats {
  timestamp: number;
  inboundStream?: { audio?: KindStats; video?: KindStats };
  outboundStream?: { audio?: KindStats; video?: KindStats };
}

/**
 * mediasoup-client's "probator" receiver (mid "probator", SSRC 1234): it takes the node's bandwidth
 * probes, padding only, and shows up in a player's stats as a second inbound video that never
 * decodes a frame. Not one of the stream's tracks.
 */
export const isProbator = (entry: Record<string, unknown>): boolean => entry.mid === 'probator' || entry.ssrc === 1234;

export function summarizeStats(report: RTCStatsReport, published: boolean): WcsStats {
  const wanted = published ? 'outbound-rtp' : 'inbound-rtp';
  const byKind: { audio?: KindStats; video?: KindStats } = {};
  report.forEach((entry: Record<string, unknown>) => {
    if (entry.type !== wanted || isProbator(entry)) return;
    const kind = entry.kind === 'audio' ? 'audio' : 'video';
    const codec = typeof entry.codecId === 'string' ? (report.get(entry.codecId) as { mimeType?: string } | undefined) : undefined;
    const summary: KindStats = { ...entry, codec: codec?.mimeType?.replace(/^\w+\//, '') ?? null };
    // Simulcast sends one outbound-rtp per layer: add bytes and packets up, keep the largest frame.
    const previous = byKind[kind];
    if (previous) {
      for (const key of ['bytesSent', 'packetsSent', 'framesEncoded', 'bytesReceived', 'packetsReceived']) {
        if (typeof previous[key] === 'number' && typeof summary[key] === 'number') summary[key] = (previous[key] as number) + (summary[key] as number);
      }
      if (Number(previous.frameWidth ?? 0) > Number(summary.frameWidth ?? 0)) {
        summary.frameWidth = previous.frameWidth;
        summary.frameHeight = previous.frameHeight;
      }
    }
    byKind[kind] = summary;
  });
  return published ? { timestamp: Date.now(), outboundStream: byKind } : { timestamp: Date.now(), inboundStream: byKind };
}

/** Bits/s the browser estimates it can receive on the transport (the selected candidate pair's), or -1. */
export function availableIncomingBitrate(report: RTCStatsReport): number {
  let bitrate = -1;
  report.forEach((entry: Record<string, unknown>) => {
    if (entry.type === 'candidate-pair' && entry.nominated && typeof entry.availableIncomingBitrate === 'number') bitrate = entry.availableIncomingBitrate;
  });
  return bitrate;
}

/** Total bytes received on the stream's inbound RTP streams (not the bandwidth probes). */
export function bytesReceived(report: RTCStatsReport): number {
  let bytes = 0;
  report.forEach((entry: Record<string, unknown>) => {
    if (entry.type === 'inbound-rtp' && !isProbator(entry) && typeof entry.bytesReceived === 'number') bytes += entry.bytesReceived;
  });
  return bytes;
}
