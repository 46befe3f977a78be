// Transport factories with the node's listen addresses (`ip_local` is bound, `ip` announced) and
// its media port range.
import type { NodeConfig } from '../config/types';
import { AppError } from '../errors';
import type * as ms from 'mediasoup/types';

export type TransportKind = 'webrtc' | 'plain';

/** First bandwidth estimate of a WebRTC transport towards its player, bits/s. */
export const DEFAULT_INITIAL_BITRATE = 1_000_000;

/** What a transport needs of the node's configuration: the addresses and the media port range. */
export type ListenConfig = Pick<NodeConfig, 'ip' | 'ipLocal' | 'mediaPortFrom' | 'mediaPortTo'>;

/**
 * Opens a transport for a client. Any failure here (mediasoup says "no more available ports" when
 * the media port range is used up) is answered as MEDIA_UNAVAILABLE, with the cause kept for the
 * log, rather than as an unexplained INTERNAL.
 */
export async function createClientTransport(
  router: ms.Router,
  kind: TransportKind,
  config: ListenConfig,
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
  config: ListenConfig,
  initialBitrate: number,
): Promise<ms.WebRtcTransport | ms.PlainTransport> {
  if (kind === 'plain') {
    // No comedia, even for publishers: a comedia transport latches to whichever address sends
    // first (a stranger could capture it). Both sides connectTransport instead, with an address
    // the session may use (src/streams/plainRtp.ts), and packets from elsewhere are dropped.
    return router.createPlainTransport({ listenInfo: listenInfoOf(config, 'udp'), rtcpMux: true, comedia: false });
  }
  return router.createWebRtcTransport({
    // In order of preference: UDP first, TCP for clients that cannot reach UDP.
    listenInfos: [listenInfoOf(config, 'udp'), listenInfoOf(config, 'tcp')],
    initialAvailableOutgoingBitrate: initialBitrate,
  });
}

/**
 * Where a transport listens: it binds `ip_local`, announces `ip` when that differs (ICE candidates,
 * pipe tuples), and takes its port from `media_port_from`-`media_port_to`. Every worker of the node
 * takes its ports from the whole range: a worker that finds a port bound by another one tries the
 * next, so no worker runs out of ports while the range still has free ones.
 */
export function listenInfoOf(config: ListenConfig, protocol: ms.TransportProtocol): ms.TransportListenInfo {
  return {
    protocol,
    ip: config.ipLocal,
    ...(config.ip === config.ipLocal ? {} : { announcedAddress: config.ip }),
    portRange: { min: config.mediaPortFrom, max: config.mediaPortTo },
  };
}

/**
 * Runs `listener` once when the transport closes. mediasoup 3.27 types each transport's observer
 * with its own events, so a union of transports has no common `observer.once` to call.
 */
export function onTransportClose(transport: ms.WebRtcTransport | ms.PlainTransport | ms.PipeTransport, listener: () => void): void {
  const base: ms.Transport = transport;
  base.observer.once('close', listener);
}

/** What a client needs to set up its side of a transport. */
export function describeTransport(transport: ms.WebRtcTransport | ms.PlainTransport, kind: TransportKind): Record<string, unknown> {
  if (kind === 'plain') {
    const plain = transport as ms.PlainTransport;
    return { id: plain.id, kind: 'plain', ip: plain.tuple.localAddress, port: plain.tuple.localPort };
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
