// Local media outside a stream, as WCS pages use it: getMediaDevices (camera/microphone lists),
// getMediaAccess (open the camera into a display before publishing: the stream published later
// from the same display sends that media), releaseLocalMedia, and playFirstSound (unlocks audio
// playback on a user gesture, for browsers that need it).
import { attach, detach } from '../display';
import { MEDIA_DEVICE_KIND } from './constants';

export interface MediaDevice {
  id: string;
  label: string;
  type: 'mic' | 'camera' | 'speaker';
}
export interface MediaDeviceList {
  audio: MediaDevice[];
  video: MediaDevice[];
  speaker?: MediaDevice[];
}

/** Media opened by getMediaAccess(), per display, until a stream publishes it or it is released. */
const cached = new Map<HTMLElement, MediaStream>();

export function cachedMedia(display: HTMLElement | null | undefined): MediaStream | undefined {
  const media = display ? cached.get(display) : undefined;
  return media && media.getTracks().some((t) => t.readyState === 'live') ? media : undefined;
}

function mediaDevices(): MediaDevices {
  if (!navigator.mediaDevices) throw new Error('this page cannot use the camera (getUserMedia needs https or localhost)');
  return navigator.mediaDevices;
}

export async function getMediaDevices(
  _mediaProvider?: string,
  labels?: boolean,
  kind: string = MEDIA_DEVICE_KIND.INPUT,
  deviceConstraints?: MediaStreamConstraints,
): Promise<MediaDeviceList> {
  if (labels) {
    // Device labels are only shown once the page has had access: open and close at once.
    const media = await mediaDevices().getUserMedia(deviceConstraints ?? { audio: true, video: true });
    media.getTracks().forEach((t) => t.stop());
  }
  const list: MediaDeviceList = { audio: [], video: [] };
  for (const d of await mediaDevices().enumerateDevices()) {
    const device = (type: MediaDevice['type']): MediaDevice => ({ id: d.deviceId, label: d.label, type });
    if (kind !== MEDIA_DEVICE_KIND.OUTPUT && d.kind === 'audioinput') list.audio.push(device('mic'));
    else if (kind !== MEDIA_DEVICE_KIND.OUTPUT && d.kind === 'videoinput') list.video.push(device('camera'));
    else if (kind !== MEDIA_DEVICE_KIND.INPUT && d.kind === 'audiooutput') (list.speaker ??= []).push(device('speaker'));
  }
  return list;
}

export async function getMediaAccess(constraints: MediaStreamConstraints | undefined, display: HTMLElement): Promise<HTMLElement> {
  releaseLocalMedia(display);
  const media = await mediaDevices().getUserMedia(constraints ?? { audio: true, video: true });
  cached.set(display, media);
  await attach(display, media, true);
  return display;
}

export function releaseLocalMedia(display: HTMLElement): boolean {
  const media = cached.get(display);
  if (!media) return false;
  cached.delete(display);
  media.getTracks().forEach((t) => t.stop());
  detach(display);
  return true;
}

let audioContext: AudioContext | null = null;

/** Plays a few ms of silence (with `noise`, a faint noise) so later playback with sound is allowed. */
export function playFirstSound(noise?: boolean): void {
  audioContext ??= new AudioContext();
  const buffer = audioContext.createBuffer(1, 441, 44100);
  if (noise) {
    const data = buffer.getChannelData(0);
    for (let i = 0; i < data.length; i++) data[i] = (Math.random() * 2 - 1) * 0.001;
  }
  const source = audioContext.createBufferSource();
  source.buffer = buffer;
  source.connect(audioContext.destination);
  source.start(0);
  audioContext.resume().catch((err: unknown) => console.warn('[flashphoner] playFirstSound: the browser keeps audio locked', err));
}
