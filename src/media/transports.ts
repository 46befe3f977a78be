// Transport factories with the node's listen addresses: `ip_local` is bound, `ip` announced.
import type { NodeConfig } from '../config/types';
import { AppError } from '../errors';
import type * as ms from 'mediasoup/lib/types';

export type TransportKind = 'webrtc' | 'plain';

/** First bandwidth estimate of a WebRTC transport towards its player, bits/s. */
export const DEFAULT_INITIAL_BITRATE = 1_000_000;

/**
 * Opens a transport for a client. mediasoup 3.8.4 reports an exhausted port range with an empty
 * reason, so any failure here is answered as MEDIA_UNAVAILABLE (with the cause kept for the log)
 * rather than as an unexplained INTERNAL.
 */
export async function createClientTransport(
  router: ms.Router,
  kind: TransportKind,
  config: Pick<NodeConfig, 'ip' | 'ipLocal'>,
  direction: 'send' | 'recv',
  initialBitrate = DEFAULT_INITIAL_BITRATE,
): Promise<ms.WebRtcTransport | ms.PlainTransport> {
  try {
    // `direction` no longer changes the transport (plain ones are never comedia); kept for callers.
    return await openTransport(router, kind, config, initialBitrate);
  } catch (err) {
    if (router.closed) throw err;
    throw new AppError(
      'MEDIA_UNAVAILABLE',
      `could not open a ${kind} media transport: ${(err as Error).message.trim() || 'no reason given'}; the media port range may be exhausted`,
    );
  }
}

async function openTransport(
  router: ms.Router,
  kind: TransportKind,
  config: Pick<NodeConfig, 'ip' | 'ipLocal'>,
  initialBitrate: number,
): Promise<ms.WebRtcTransport | ms.PlainTransport> {
  const listenIp = listenIpOf(config);
  if (kind === 'plain') {
    // No comedia, even for publishers: mediasoup 3.8.4 latches a comedia transport to whichever
    // address sends first (a stranger could capture it). Both sides connectTransport instead, with
    // an address the session may use (src/streams/plainRtp.ts), and packets from elsewhere are dropped.
    return router.createPlainTransport({ listenIp, rtcpMux: true, comedia: false });
  }
  return router.createWebRtcTransport({
    listenIps: [listenIp],
    enableUdp: true,
    enableTcp: true,
    preferUdp: true,
    initialAvailableOutgoingBitrate: initialBitrate,
  });
}

/** The address transports bind (`ip_local`) and the one they announce to peers (`ip`), when it differs. */
export function listenIpOf(config: Pick<NodeConfig, 'ip' | 'ipLocal'>): ms.TransportListenIp {
  return { ip: config.ipLocal, announcedIp: config.ip === config.ipLocal ? undefined : config.ip };
}

/** What a client needs to set up its side of a transport. */
export function describeTransport(transport: ms.WebRtcTransport | ms.PlainTransport, kind: TransportKind): Record<string, unknown> {
  if (kind === 'plain') {
    const plain = transport as ms.PlainTransport;
    return { id: plain.id, kind: 'plain', ip: plain.tuple.localIp, port: plain.tuple.localPort };
  }
  const rtc = transport as ms.WebRtcTransport;
  return {
    id: rtc.id,
    kind: 'webrtc',
    iceParameters: rtc.iceParameters,
    iceCandidates: rtc.iceCandidates,
    dtlsParameters: rtc.dtlsParameters,
  };
}
