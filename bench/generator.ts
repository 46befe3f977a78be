// The load generator: synthetic streams (VP8 of a given packet size and rate, optionally Opus at
// 50 packets/s) from one UDP socket, paced by elapsed time rather than by timer ticks so a busy
// event loop sends late but not less. A keyframe goes out every `keyframeEveryS` and at once when
// the node asks for one (PLI/FIR, routed to its stream by the media SSRC in the request), like an
// encoder. Sources can be switched off, so one generator can drive two set-ups in turn.
import dgram from 'node:dgram';
import { AUDIO_PT, isKeyframeRequest, rtpHeader, VIDEO_PT } from '../test/helpers/rtp';

export interface SourceOptions {
  target: { ip: string; port: number };
  videoSsrc: number;
  audioSsrc?: number;
  /** Video packets per second. Default 100 (with 1250-byte packets: 1 Mbit/s). */
  rate?: number;
  /** Bytes per video packet on the wire. Default 1250. */
  packetBytes?: number;
  /** Audio packets per second (100 bytes each), when `audioSsrc` is set. Default 50 (Opus, 20 ms). */
  audioRate?: number;
  /**
   * Answer a keyframe request (PLI/FIR) with a keyframe at once, an extra frame outside the pace,
   * rather than with the next paced frame. Default false. At a low frame rate the wait for the
   * next frame (up to 100 ms at 10/s) would otherwise be most of a join's time to its first packet.
   */
  keyframeAtOnce?: boolean;
}

export class Source {
  active = true;
  sent = 0;
  audioSent = 0;
  keyRequested = true;
  /** Packets paced since the last restart(); `sent` counts them all. */
  #paced = 0;
  #audioPaced = 0;
  #seq = 0;
  #lastKeyAt = 0;
  #pictureId = 0;
  #t0 = performance.now();
  readonly #payload: Buffer;

  constructor(readonly options: Required<Omit<SourceOptions, 'audioSsrc'>> & { audioSsrc?: number }) {
    this.#payload = Buffer.alloc(options.packetBytes - 16, 0xab);
  }

  /**
   * Starts the pace afresh (after being inactive), with a keyframe. Sequence numbers go on where
   * they stopped: a jump back would make the node drop packets until it re-synchronises.
   */
  restart(): void {
    this.#t0 = performance.now();
    this.#paced = 0;
    this.#audioPaced = 0;
    this.keyRequested = true;
  }

  /** A keyframe now, outside the pace (keyframeAtOnce). */
  keyframeNow(socket: dgram.Socket): void {
    this.keyRequested = false;
    this.#lastKeyAt = performance.now();
    this.#frame(socket, true);
  }

  /** One video frame (one packet). */
  #frame(socket: dgram.Socket, key: boolean): void {
    const { target, videoSsrc } = this.options;
    const seq = this.#seq++;
    // Each packet is a whole frame (marker set), so any packet can start a keyframe.
    const descriptor = Buffer.from([0x90, 0x80, 0x80 | ((this.#pictureId >> 8) & 0x7f), this.#pictureId & 0xff]);
    this.#payload[0] = key ? 0x50 : 0x51; // VP8 payload header: P bit 0 on keyframes
    socket.send([rtpHeader(VIDEO_PT, seq, seq * 900, videoSsrc, true), descriptor, this.#payload], target.port, target.ip);
    this.#pictureId = (this.#pictureId + 1) & 0x7fff;
    this.sent++;
  }

  /** The packets due since the start, at the configured rate. */
  tick(socket: dgram.Socket, keyframeEveryMs: number): void {
    const elapsed = (performance.now() - this.#t0) / 1000;
    const { audioSsrc, rate, audioRate, target } = this.options;
    while (this.#paced < Math.floor(elapsed * rate)) {
      const now = performance.now();
      const key = this.keyRequested || now - this.#lastKeyAt >= keyframeEveryMs;
      if (key) {
        this.keyRequested = false;
        this.#lastKeyAt = now;
      }
      this.#frame(socket, key);
      this.#paced++;
    }
    if (audioSsrc === undefined) return;
    while (this.#audioPaced < Math.floor(elapsed * audioRate)) {
      const seq = this.audioSent++;
      this.#audioPaced++;
      socket.send([rtpHeader(AUDIO_PT, seq, seq * 960, audioSsrc, false), Buffer.alloc(100, 0xfc)], target.port, target.ip);
    }
  }
}

export class Generator {
  readonly #socket = dgram.createSocket('udp4');
  readonly #sources = new Map<number, Source>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    tickMs = 5,
    readonly keyframeEveryMs = 2000,
  ) {
    this.#socket.on('message', (msg) => {
      if (!isKeyframeRequest(msg)) return;
      // PLI/FIR: the media source SSRC is at byte 8 of the first feedback packet.
      const source = msg.length >= 12 ? this.#sources.get(msg.readUInt32BE(8)) : undefined;
      if (!source) return;
      if (source.options.keyframeAtOnce && source.active) source.keyframeNow(this.#socket);
      else source.keyRequested = true;
    });
    this.#timer = setInterval(() => {
      for (const s of this.#sources.values()) if (s.active) s.tick(this.#socket, this.keyframeEveryMs);
    }, tickMs);
  }

  /**
   * The local port every source sends from. A plain-RTP publisher transport takes RTP only from the
   * address it was connected to (mediasoup 3.27 drops anything else; 3.8.4 took it from anyone), so
   * each publisher is connected to this port before its source starts.
   */
  async port(): Promise<number> {
    if (!this.#bound) this.#bound = new Promise((resolve) => this.#socket.bind(0, '127.0.0.1', () => resolve(this.#socket.address().port)));
    return this.#bound;
  }

  #bound: Promise<number> | null = null;

  add(options: SourceOptions): Source {
    const source = new Source({ rate: 100, packetBytes: 1250, audioRate: 50, keyframeAtOnce: false, ...options });
    this.#sources.set(options.videoSsrc, source);
    return source;
  }

  remove(source: Source): void {
    this.#sources.delete(source.options.videoSsrc);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await new Promise<void>((r) => this.#socket.close(() => r()));
  }
}
