// The <video> a stream is shown in (the page's `display`, or the one the SDK puts in it): WCS's
// player controls act on it, not on the media connection, so they work the same for a publisher's
// preview and a player, and do nothing when the page gave no display.
import { videoFor } from '../display';

export type Picture = { width?: number; height?: number };

/** The display's <video> (made on first use when the display is a container); null without a display. */
export function videoOf(display: HTMLElement | null | undefined): HTMLVideoElement | null {
  return display ? videoFor(display) : null;
}

/**
 * The <video> gets the stream's id before the first status, so `document.getElementById(stream.id())`
 * works in PENDING; a <video> the page gave keeps its own id.
 */
export function prepareDisplay(display: HTMLElement | null | undefined, id: string, useControls: boolean | undefined): void {
  if (!display) return;
  const video = videoFor(display);
  if (display !== video) video.id = id;
  if (useControls) video.controls = true;
}

/** `volume` 0-100, as WCS (the element's is 0-1). */
export function setVideoVolume(video: HTMLVideoElement | null, volume: number): void {
  if (video) video.volume = Math.min(1, Math.max(0, Number(volume) / 100));
}

export function volumeOf(video: HTMLVideoElement | null): number {
  return video ? Math.round(video.volume * 100) : 0;
}

export function setSoundMuted(video: HTMLVideoElement | null, muted: boolean): void {
  if (video) video.muted = muted;
}

/** No display plays no sound: muted. */
export function isSoundMuted(video: HTMLVideoElement | null): boolean {
  return video?.muted ?? true;
}

export function setAudioOutput(video: HTMLVideoElement | null, id: string): Promise<void> {
  // setSinkId is missing from some browsers (and from older DOM typings), so it is looked up, not assumed.
  const sink = video as (HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }) | null;
  if (!sink?.setSinkId) return Promise.reject(new Error('this browser cannot choose the audio output'));
  return sink.setSinkId(id);
}

export function requestFullScreen(video: HTMLVideoElement | null): void {
  video?.requestFullscreen().catch((err: unknown) => console.warn('[flashphoner] full screen refused by the browser', err));
}

/** The size of the picture the <video> shows; `{}` before the first frame. */
export function pictureSize(video: HTMLVideoElement | null): Picture {
  return video && video.videoWidth ? { width: video.videoWidth, height: video.videoHeight } : {};
}

/** The size the camera captures (a publisher's picture, whether or not it is previewed); `{}` without video. */
export function capturedSize(media: MediaStream | null): Picture {
  const settings = media?.getVideoTracks()[0]?.getSettings();
  return settings?.width && settings.height ? { width: settings.width, height: settings.height } : {};
}

/**
 * Calls `listener` with the picture's new size whenever it changes. Pages reuse one display for
 * play after play, so the element is listened to once, flagged in its dataset.
 */
export function onPictureResize(video: HTMLVideoElement, listener: (size: { width: number; height: number }) => void): void {
  if (video.dataset.fpListeners) return;
  video.dataset.fpListeners = '1';
  video.addEventListener('resize', () => {
    if (!video.videoWidth) return;
    listener({ width: video.videoWidth, height: video.videoHeight });
  });
}

/**
 * Calls `onMuted` if the <video> is muted now, and at its next volume change if it is muted then:
 * the SDK falls back to muted playback when the browser refuses sound, which the page must hear of.
 */
export function whenMuted(video: HTMLVideoElement, onMuted: () => void): void {
  const check = () => {
    if (video.muted) onMuted();
  };
  check();
  video.addEventListener('volumechange', check, { once: true });
}
