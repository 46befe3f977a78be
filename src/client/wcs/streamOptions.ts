// The options of WCS's session.createStream() and what becomes of them here: most go to this SDK's
// core stream unchanged, WCS's rendering and transport tweaks mean nothing here and are only named
// in the console (a page written for WCS must still load), and the two server features this product
// does not have (recording, RTMP republishing) make publish() fail with a reason the page can show.
import type { types } from 'mediasoup-client';
import type { StreamOptions } from '../Stream';

export interface WcsStreamOptions {
  name: string;
  /** A <div> the SDK puts its <video id="{stream.id()}"> in (or a <video>, used as is). */
  display?: HTMLElement | null;
  /** getUserMedia constraints for publishing (`video: false` publishes audio only). */
  constraints?: MediaStreamConstraints;
  receiveAudio?: boolean;
  receiveVideo?: boolean;
  /** Picks the nearest simulcast layer (this product does not transcode). */
  playWidth?: number | string;
  playHeight?: number | string;
  cacheLocalResources?: boolean;
  /** Default true: play with sound; false starts muted (what autoplay pages ask for). */
  unmutePlayOnStart?: boolean;
  /** Shows the <video>'s own controls. */
  useControls?: boolean;
  /** Not supported (no recording here): publish() ends FAILED, getInfo() saying so. */
  record?: boolean;
  /** Not supported (no RTMP here): publish() ends FAILED, getInfo() saying so. */
  rtmpUrl?: string;
  // This product's extensions (docs/sdk.md).
  failover?: boolean;
  republish?: boolean;
  retryIntervalMs?: number;
  maxRetries?: number;
  maxBitrate?: number;
  bandwidthGraceMs?: number;
  simulcast?: boolean;
  encodings?: types.RtpEncodingParameters[];
  mediaStream?: MediaStream;
  [option: string]: unknown;
}

/** Options of WCS's createStream that mean nothing here; named once in the console, then ignored. */
const IGNORED = [
  'mediaProvider',
  'custom',
  'stripCodecs',
  'sdpHook',
  'mediaConnectionConstraints',
  'transport',
  'cvoExtension',
  'playoutDelay',
  'videoContentHint',
  'logger',
  'flashShowFullScreenButton',
  'useCanvasMediaStream',
];

/** The console warning for the WCS options given that this server ignores; null when there are none. */
export function ignoredOptionsWarning(options: WcsStreamOptions): string | null {
  const ignored = IGNORED.filter((k) => options[k] !== undefined);
  return ignored.length ? `[flashphoner] createStream: ${ignored.join(', ')} not supported by this server; ignored` : null;
}

/** What publish() cannot do here, in the words getInfo() gives the page; null when it can. */
export function unsupportedPublish(options: WcsStreamOptions): string | null {
  if (options.record) return 'Stream recording is not supported by this server (record: true)';
  if (options.rtmpUrl) return 'Republishing to RTMP is not supported by this server (rtmpUrl)';
  return null;
}

/**
 * The core stream's options, under this SDK's names. Failover is off unless asked, unlike this
 * SDK's own streams: WCS pages expect a player to end STOPPED when its publisher stops.
 */
export function coreStreamOptions(options: WcsStreamOptions): StreamOptions {
  return {
    name: String(options.name),
    display: options.display,
    constraints: options.constraints,
    mediaStream: options.mediaStream,
    simulcast: options.simulcast,
    encodings: options.encodings,
    cacheLocalResources: options.cacheLocalResources,
    failover: options.failover ?? false,
    // A publisher moves with its session (which moves only when it knows another origin): the
    // session stays ESTABLISHED for the page, so its publisher must not end FAILED under it.
    republish: options.republish ?? true,
    retryIntervalMs: options.retryIntervalMs,
    maxRetries: options.maxRetries,
    maxBitrate: options.maxBitrate,
    bandwidthGraceMs: options.bandwidthGraceMs,
    muted: options.unmutePlayOnStart === false,
    receiveAudio: options.receiveAudio,
    receiveVideo: options.receiveVideo,
  };
}
