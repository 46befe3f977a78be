// The stream's own tracks as WCS's controls change them: mute and unmute (the track is disabled; a
// publisher also tells the node, so every player gets STREAM_EVENT audioMuted, ...), the publisher's
// camera and microphone switch, and its microphone gain. The mute flags live here because a track
// switched in must start as muted as the one it replaces, and the gain because a switched
// microphone must feed it.
import type { Stream } from '../Stream';
import { deviceConstraints, nextDeviceId } from './deviceSwitch';
import { MicGain } from './micGain';

type Kind = 'audio' | 'video';
type Core = Pick<Stream, 'getMediaStream' | 'isTrackPaused' | 'setTrackPaused' | 'replaceTrack' | 'sendInstead'>;

export class MediaControls {
  readonly #core: Core;
  readonly #muted: Record<Kind, boolean> = { audio: false, video: false };
  #gain: MicGain | null = null;

  constructor(core: Core) {
    this.#core = core;
  }

  isMuted(kind: Kind): boolean {
    return this.#muted[kind];
  }

  /** `tellNode`: the stream is published, so its players are told through the node. */
  mute(kind: Kind, muted: boolean, tellNode: boolean): void {
    this.#muted[kind] = muted;
    const media = this.#core.getMediaStream();
    for (const track of (kind === 'audio' ? media?.getAudioTracks() : media?.getVideoTracks()) ?? []) track.enabled = !muted;
    if (tellNode) {
      this.#core
        .setTrackPaused(kind, muted)
        .catch((err: unknown) => console.warn(`[flashphoner] the node was not told that ${kind} is ${muted ? 'muted' : 'unmuted'}`, err));
    }
  }

  /** `{muted}`: a publisher's own mute, a player's publisher's; undefined when the stream has no track of the kind. */
  trackState(kind: Kind, publisher: boolean): { muted: boolean } | undefined {
    if (publisher) {
      const has = this.#core
        .getMediaStream()
        ?.getTracks()
        .some((t) => t.kind === kind);
      return has ? { muted: this.#muted[kind] } : undefined;
    }
    const paused = this.#core.isTrackPaused(kind);
    return paused === null ? undefined : { muted: paused };
  }

  /** Publisher: the microphone's gain, 0-100; the gain is built on first use, and again for a new microphone. */
  setGain(volume: number): void {
    const microphone = this.#core.getMediaStream()?.getAudioTracks()[0];
    if (!microphone) return;
    if (this.#gain?.source !== microphone) {
      this.#gain?.close();
      this.#gain = new MicGain(microphone);
      this.#core.sendInstead('audio', this.#gain.track).catch((err: unknown) => console.warn('[flashphoner] setMicrophoneGain could not take effect', err));
    }
    this.#gain.set(volume);
  }

  /**
   * Publisher: captures and sends the next device of the kind (or `deviceId`), resolving with its id.
   * Rejects with `refusal` when not `allowed` (not a publisher, or the page's own MediaStream is
   * sent), when nothing of the kind is sent, or when there is no other device.
   */
  async switchDevice(
    kind: Kind,
    deviceId: string | undefined,
    constraints: MediaStreamConstraints | undefined,
    allowed: boolean,
    refusal: string,
  ): Promise<string> {
    const current = this.#core
      .getMediaStream()
      ?.getTracks()
      .find((t) => t.kind === kind);
    if (!allowed || !current) throw new Error(refusal);
    const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === `${kind}input`).map((d) => d.deviceId);
    const next = nextDeviceId(devices, current.getSettings().deviceId, deviceId);
    if (next === null) throw new Error(refusal);
    const media = await navigator.mediaDevices.getUserMedia({ [kind]: deviceConstraints(constraints?.[kind], next) });
    const track = kind === 'audio' ? media.getAudioTracks()[0] : media.getVideoTracks()[0];
    track.enabled = !this.#muted[kind];
    await this.#core.replaceTrack(track);
    if (kind === 'audio' && this.#gain) {
      // The gain was fed by the microphone just replaced: feed it from the new one.
      const previous = this.#gain;
      this.#gain = new MicGain(track);
      this.#gain.set(previous.volume);
      previous.close();
      await this.#core.sendInstead('audio', this.#gain.track);
    }
    return next;
  }

  /** The stream ended: the gain's audio context is closed; a new publish sends the microphone untouched until asked again. */
  release(): void {
    this.#gain?.close();
    this.#gain = null;
  }
}
