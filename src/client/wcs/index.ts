// The `Flashphoner` global: the WCS Web SDK's API on this product's SDK, bundled by
// scripts/build-client.mjs into web/sdk/flashphoner.js (self-contained: one <script>, as WCS's
// flashphoner.js). docs/wcs-migration.md says what works unchanged and what differs.
import { ERROR_INFO, CONSTANTS } from './constants';
import {
  getMediaAccess as openMedia,
  getMediaDevices as listDevices,
  type MediaDeviceList,
  playFirstSound,
  releaseLocalMedia as releaseMedia,
} from './localMedia';
import { logger, type WcsLogger } from './logger';
import { WcsSession, type WcsSessionOptions } from './WcsSession';
import type { WcsStreamOptions } from './WcsStream';

export { Browser } from './Browser';
export { playFirstSound };
export const constants = CONSTANTS;
export const version = '0.1.0-wcs';
/** Firefox shares the screen without an extension (getDisplayMedia); WCS pages ask this before offering one. */
export const firefoxScreenSharingExtensionInstalled = false;

export interface InitOptions {
  /** Called with the media providers (always ['WebRTC']). */
  mediaProvidersReadyCallback?: (providers: string[]) => void;
  /** A provider to prefer; anything but WebRTC is not available here and is ignored with a warning. */
  preferredMediaProvider?: string | null;
  /** Providers to use, in order; without 'WebRTC' init throws NONE_OF_PREFERRED_MEDIAPROVIDERS_AVAILABLE. */
  preferredMediaProviders?: string[];
  /** Default getUserMedia constraints for streams created without `constraints`. */
  constraints?: MediaStreamConstraints;
  /** WCS's `{severity}`: the level of getLogger()'s logger (ERROR, WARN, INFO, DEBUG, TRACE). */
  logger?: { severity?: string; push?: boolean };
  [option: string]: unknown;
}

let initialized = false;
const streamDefaults: Partial<WcsStreamOptions> = {};
const sessions = new Map<string, WcsSession>();

function needInit(): void {
  if (!initialized) throw new Error(ERROR_INFO.FLASHPHONER_API_NOT_INITIALIZED);
}

export function init(options: InitOptions = {}): void {
  if (typeof RTCPeerConnection === 'undefined') throw new Error(ERROR_INFO.NONE_OF_MEDIAPROVIDERS_AVAILABLE);
  if (options.preferredMediaProviders?.length && !options.preferredMediaProviders.includes('WebRTC')) {
    throw new Error(ERROR_INFO.NONE_OF_PREFERRED_MEDIAPROVIDERS_AVAILABLE);
  }
  if (options.preferredMediaProvider && options.preferredMediaProvider !== 'WebRTC') {
    console.warn(`[flashphoner] media provider ${options.preferredMediaProvider} is not available here; using WebRTC`);
  }
  if (options.constraints) streamDefaults.constraints = options.constraints;
  if (options.logger?.severity) logger.setLevel(options.logger.severity);
  initialized = true;
  options.mediaProvidersReadyCallback?.(getMediaProviders());
}

export function getMediaProviders(): string[] {
  return ['WebRTC'];
}

export function isUsingTemasys(): boolean {
  return false;
}

export function createSession(options: WcsSessionOptions): WcsSession {
  needInit();
  const session = new WcsSession(options, (gone) => sessions.delete(gone.id()), streamDefaults);
  sessions.set(session.id(), session);
  return session;
}

/** Sessions not yet DISCONNECTED or FAILED. */
export function getSessions(): WcsSession[] {
  return [...sessions.values()];
}

export function getSession(id: string): WcsSession | undefined {
  return sessions.get(id);
}

export function getMediaDevices(mediaProvider?: string, labels?: boolean, kind?: string, deviceConstraints?: MediaStreamConstraints): Promise<MediaDeviceList> {
  needInit();
  return listDevices(mediaProvider, labels, kind, deviceConstraints);
}

/** Opens camera/microphone into `display`; a stream published from that display sends this media. */
export function getMediaAccess(constraints: MediaStreamConstraints | undefined, display: HTMLElement): Promise<HTMLElement> {
  needInit();
  return openMedia(constraints ?? streamDefaults.constraints, display);
}

export function releaseLocalMedia(display: HTMLElement): boolean {
  needInit();
  return releaseMedia(display);
}

/** Safari's preloader trick of WCS pages: nothing to do here, so it resolves at once. */
export function playFirstVideo(): Promise<void> {
  return Promise.resolve();
}

/** WCS's logger (`logger.info(src, text)`, `setLevel`, ...); before init, as in WCS, a warning and undefined. */
export function getLogger(): WcsLogger | undefined {
  if (!initialized) {
    console.warn('Initialize API first.');
    return undefined;
  }
  return logger;
}
