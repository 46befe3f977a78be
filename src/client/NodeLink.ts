// One connected node: its command channel after `connect`, and a mediasoup-client Device loaded
// with that node's router capabilities. The origin session has one; a player redirected to an edge
// opens another, to the edge.
import { Device, detectDevice, type types } from 'mediasoup-client';
import { Channel, type ChannelOptions } from './Channel';
import { SdkError } from './constants';
import { type OriginInfo, parseOrigins } from './origins';

export interface NodeLinkOptions extends ChannelOptions {
  clientName?: string;
  /** mediasoup-client handler; detected from the browser by default (Chrome111 in Chromium). */
  handlerName?: types.BuiltinHandlerName;
  /** STUN/TURN servers for every media transport (the WCS SDK's `mediaOptions.iceServers`). Default none. */
  iceServers?: RTCIceServer[];
  /** 'relay' forces TURN. Default 'all'. */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

export class NodeLink {
  #device: Promise<Device> | null = null;

  private constructor(
    readonly channel: Channel,
    /** The node's id (`node_id` in its flashphoner.properties). */
    readonly nodeId: string,
    /** 'origin' or 'edge' (or 'standalone'), as the node says. */
    readonly role: string,
    readonly sessionId: string,
    readonly options: NodeLinkOptions,
    /** The cluster's origins as the node listed them in its `connect` answer (checked; [] when it listed none). */
    readonly origins: OriginInfo[] = [],
  ) {}

  /** Opens the channel and sends `connect`; closes the channel again if `connect` fails. */
  static async open(url: string, options: NodeLinkOptions = {}): Promise<NodeLink> {
    const channel = await Channel.open(url, options);
    try {
      const res = await channel.request<{ sessionId: string; nodeId: string; role: string; origins?: unknown }>('connect', {
        clientName: options.clientName ?? 'cdn-sdk',
      });
      return new NodeLink(channel, res.nodeId, res.role, res.sessionId, options, parseOrigins(res.origins));
    } catch (err) {
      channel.close();
      throw err;
    }
  }

  get url(): string {
    return this.channel.url;
  }

  /** The Device for this node, loaded once (routers of one cluster share codecs, but ask anyway). */
  device(): Promise<Device> {
    this.#device ??= (async () => {
      const { rtpCapabilities } = await this.channel.request<{ rtpCapabilities: types.RtpCapabilities }>('getRouterRtpCapabilities');
      try {
        const handlerName = this.options.handlerName ?? detectHandler();
        if (!handlerName) throw new SdkError('MEDIA_FAILED', `this browser cannot play or publish WebRTC (${navigator.userAgent})`);
        const device = new Device({ handlerName });
        await device.load({ routerRtpCapabilities: rtpCapabilities });
        return device;
      } catch (err) {
        throw SdkError.from(err, 'MEDIA_FAILED');
      }
    })();
    // A failed load may be retried by the next caller.
    this.#device.catch(() => (this.#device = null));
    return this.#device;
  }

  close(): void {
    this.channel.close();
  }
}

/**
 * mediasoup-client's detection, plus headless Chromium in a non-secure context (e.g. an embedded
 * player in an iframe of an http page): there `navigator.userAgentData` is missing and the
 * "HeadlessChrome/N" user agent does not match mediasoup-client's /\bChrome\//.
 */
export function detectHandler(): types.BuiltinHandlerName | undefined {
  const detected = detectDevice();
  if (detected) return detected;
  const match = /HeadlessChrome\/(\d+)/.exec(navigator.userAgent);
  return match && Number(match[1]) >= 111 ? 'Chrome111' : undefined;
}
