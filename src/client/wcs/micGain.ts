// WCS's stream.setMicrophoneGain(0-100): the microphone goes through a Web Audio gain, and the
// publication sends the gain's output instead of the microphone itself (the microphone stays the
// captured track: the preview, mute and switchMic act on it). Built on the first call, so a page
// that never sets a gain sends its microphone untouched.

export class MicGain {
  readonly #context = new AudioContext();
  readonly #gain: GainNode;
  /** The microphone track the gain is fed from. */
  readonly source: MediaStreamTrack;
  /** What the publication sends instead of the microphone. */
  readonly track: MediaStreamTrack;

  constructor(microphone: MediaStreamTrack) {
    this.source = microphone;
    this.#gain = this.#context.createGain();
    const out = this.#context.createMediaStreamDestination();
    this.#context
      .createMediaStreamSource(new MediaStream([microphone]))
      .connect(this.#gain)
      .connect(out);
    this.track = out.stream.getAudioTracks()[0];
    // A context made outside a user gesture may start suspended; the page's publish was one.
    this.#context.resume().catch((err: unknown) => console.warn('[flashphoner] setMicrophoneGain: the browser keeps audio suspended', err));
  }

  /** 0 (silence) to 100 (the microphone as captured), as WCS. */
  set(volume: number): void {
    const value = Number(volume);
    this.#gain.gain.value = Number.isFinite(value) ? Math.min(100, Math.max(0, value)) / 100 : 1;
  }

  /** The volume set, 0-100. */
  get volume(): number {
    return Math.round(this.#gain.gain.value * 100);
  }

  close(): void {
    this.track.stop();
    void this.#context.close().catch(() => undefined);
  }
}
