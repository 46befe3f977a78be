// A synthetic RTP publisher and a counting RTP receiver for plain transports: the cheapest real
// media there is. VP8 packets carry the X bit and a two-byte PictureID, as browsers send them:
// mediasoup rewrites the PictureID per consumer (and mediasoup before 3.19.3 saw no keyframe in a
// packet without the X bit, so its consumers forwarded nothing).
import dgram from 'node:dgram';

export const VIDEO_PT = 101;
export const AUDIO_PT = 100;

export function rtpHeader(pt: number, seq: number, timestamp: number, ssrc: number, marker: boolean): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(timestamp >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return h;
}

export function vp8Packet(seq: number, timestamp: number, ssrc: number, pictureId: number, keyframe: boolean): Buffer {
  const descriptor = Buffer.from([0x90, 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff]);
  // First byte of the VP8 payload header: bit 0 (P) is 0 on keyframes.
  const payload = Buffer.alloc(200, 0xab);
  payload[0] = keyframe ? 0x50 : 0x51;
  // The last 4 bytes tag the packet, so two receivers can match the same packet (consumers
  // rewrite sequence numbers and timestamps, not the payload).
  payload.writeUInt32BE(seq >>> 0, payload.length - 4);
  return Buffer.concat([rtpHeader(VIDEO_PT, seq, timestamp, ssrc, true), descriptor, payload]);
}

export function opusPacket(seq: number, timestamp: number, ssrc: number): Buffer {
  return Buffer.concat([rtpHeader(AUDIO_PT, seq, timestamp, ssrc, false), Buffer.alloc(60, 0xfc)]);
}

export const VIDEO_RTP_PARAMETERS = (ssrc: number) => ({
  codecs: [
    {
      mimeType: 'video/VP8',
      payloadType: VIDEO_PT,
      clockRate: 90000,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    },
  ],
  encodings: [{ ssrc }],
});

export const AUDIO_RTP_PARAMETERS = (ssrc: number) => ({
  codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PT, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc }],
});

/** True when an RTCP compound packet holds a PLI or FIR (a keyframe request). */
export function isKeyframeRequest(msg: Buffer): boolean {
  let off = 0;
  while (off + 4 <= msg.length) {
    const fmt = msg[off] & 0x1f;
    const pt = msg[off + 1];
    if ((pt === 206 && fmt === 1) || (pt === 206 && fmt === 4)) return true;
    off += (msg.readUInt16BE(off + 2) + 1) * 4;
  }
  return false;
}

/**
 * Sends VP8 (and optionally Opus) to a plain transport every `intervalMs`: a keyframe every
 * `keyframeEvery` frames, and at once when the node asks for one (PLI/FIR), like a real encoder.
 */
export class RtpSender {
  readonly #socket = dgram.createSocket('udp4');
  #timer: NodeJS.Timeout | null = null;
  #seq = 0;
  #frame = 0;
  #keyRequested = false;
  #closing: Promise<void> | null = null;
  keyframeEvery = 10;
  keyframeRequests = 0;
  sent = 0;
  /** Set by the test client once the server has created the producer. */
  videoProducerId = '';

  constructor(
    readonly target: { ip: string; port: number },
    readonly ssrc: { video: number; audio?: number },
  ) {
    this.#socket.on('message', (msg) => {
      if (isKeyframeRequest(msg)) {
        this.#keyRequested = true;
        this.keyframeRequests++;
      }
    });
  }

  /**
   * Binds the sending socket on loopback and returns its port: a plain-RTP publisher tells the node
   * this source (connectTransport) before sending, since the node accepts packets from it alone.
   */
  async bind(): Promise<number> {
    await new Promise<void>((resolve) => this.#socket.bind(0, '127.0.0.1', () => resolve()));
    return this.#socket.address().port;
  }

  start(intervalMs = 10): void {
    this.#timer = setInterval(() => this.sendFrame(), intervalMs);
  }

  sendFrame(): void {
    const key = this.#frame % this.keyframeEvery === 0 || this.#keyRequested;
    this.#keyRequested = false;
    const ts = this.#frame * 3000;
    this.#socket.send(vp8Packet(this.#seq, ts, this.ssrc.video, this.#frame & 0x7fff, key), this.target.port, this.target.ip);
    if (this.ssrc.audio) this.#socket.send(opusPacket(this.#seq, this.#frame * 960, this.ssrc.audio), this.target.port, this.target.ip);
    this.#seq++;
    this.#frame++;
    this.sent++;
  }

  /** Idempotent: a test may stop a sender early and its cleanup close it again. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#closing) return this.#closing;
    this.#closing = new Promise<void>((r) => this.#socket.close(() => r()));
    return this.#closing;
  }
}

export interface ReceivedPacket {
  pt: number;
  seq: number;
  ssrc: number;
  at: bigint;
  size: number;
  /** Last 4 payload bytes: the sender's packet counter for VP8 from RtpSender. */
  tag: number;
}

/** Binds a UDP port on loopback and records every RTP packet that arrives (RTCP is ignored). */
export class RtpReceiver {
  readonly #socket = dgram.createSocket('udp4');
  readonly packets: ReceivedPacket[] = [];
  #waiters: { n: number; pt?: number; resolve: () => void }[] = [];

  static async create(): Promise<RtpReceiver> {
    const r = new RtpReceiver();
    await new Promise<void>((resolve) => r.#socket.bind(0, '127.0.0.1', () => resolve()));
    return r;
  }

  private constructor() {
    this.#socket.on('message', (msg) => {
      if (msg.length < 12 || (msg[0] & 0xc0) !== 0x80) return;
      const pt = msg[1] & 0x7f;
      if (pt >= 72 && pt <= 76) return; // RTCP (rtcp-mux)
      this.packets.push({
        pt,
        seq: msg.readUInt16BE(2),
        ssrc: msg.readUInt32BE(8),
        at: process.hrtime.bigint(),
        size: msg.length,
        tag: msg.readUInt32BE(msg.length - 4),
      });
      this.#waiters = this.#waiters.filter((w) => {
        if (this.count(w.pt) < w.n) return true;
        w.resolve();
        return false;
      });
    });
  }

  get port(): number {
    return this.#socket.address().port;
  }

  count(pt?: number): number {
    return pt === undefined ? this.packets.length : this.packets.filter((p) => p.pt === pt).length;
  }

  /** Resolves when `n` packets (of payload type `pt`) have arrived; rejects after `timeoutMs`. */
  waitFor(n: number, pt?: number, timeoutMs = 5000): Promise<void> {
    if (this.count(pt) >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${this.count(pt)} of ${n} RTP packets (pt ${pt ?? 'any'}) in ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({ n, pt, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Largest gap in sequence numbers of one payload type (1 = continuous). */
  maxSeqGap(pt: number): number {
    const seqs = this.packets.filter((p) => p.pt === pt).map((p) => p.seq);
    let max = 1;
    for (let i = 1; i < seqs.length; i++) max = Math.max(max, (seqs[i] - seqs[i - 1] + 0x10000) & 0xffff);
    return max;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.#socket.close(() => r()));
  }
}
