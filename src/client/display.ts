// Puts a MediaStream on the page. `display` may be a <video> (used as is) or a container, in which
// case the SDK owns one <video> inside it, as the WCS SDK does with its display div.

const OWNED = 'data-cdn-sdk-video';

export function videoFor(display: HTMLElement): HTMLVideoElement {
  if (display instanceof HTMLVideoElement) return display;
  let video = display.querySelector<HTMLVideoElement>(`video[${OWNED}]`);
  if (!video) {
    video = document.createElement('video');
    video.setAttribute(OWNED, '');
    video.style.width = '100%';
    video.style.height = '100%';
    video.style.objectFit = 'contain';
    display.appendChild(video);
  }
  return video;
}

/**
 * Shows `stream` in `display` and starts playback. Browsers refuse to autoplay sound without a user
 * gesture; rather than show nothing, fall back to muted playback (the page may offer to unmute).
 */
export async function attach(display: HTMLElement, stream: MediaStream, muted: boolean): Promise<HTMLVideoElement> {
  const video = videoFor(display);
  video.playsInline = true;
  video.autoplay = true;
  video.muted = muted;
  video.srcObject = stream;
  try {
    await video.play();
  } catch (err) {
    if ((err as DOMException)?.name === 'NotAllowedError' && !video.muted) {
      video.muted = true;
      await video.play().catch((again: unknown) => console.warn('[cdn-sdk] the video element refuses to play even muted', again));
    }
  }
  return video;
}

export function detach(display: HTMLElement | null | undefined): void {
  if (!display) return;
  const video = display instanceof HTMLVideoElement ? display : display.querySelector<HTMLVideoElement>(`video[${OWNED}]`);
  if (video) video.srcObject = null;
}
