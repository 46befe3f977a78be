// Players in Chromium and what they report: the SDK's Embed Player (player.html, redirected by the
// origin to an edge) and a bare WHEP player (RTCPeerConnection + fetch, following the origin's
// 307). Both are measured from the browser's own getStats() of the inbound video: frames decoded,
// freezes (freezeCount / totalFreezesDuration), NACKs sent, packets lost after recovery.
import type { Browser, Page } from 'playwright-core';
import type { NodeProcess } from '../helpers/nodes';
import { playerState, waitPlayer } from '../helpers/pages';

export type PlayerKind = 'sdk' | 'whep';

export interface InboundVideo {
  framesDecoded: number;
  freezeCount: number;
  totalFreezesDuration: number;
  nackCount: number;
  pliCount: number;
  packetsLost: number;
  packetsReceived: number;
  frameWidth: number;
  /** Frames whose packets all arrived (assembled), decoded or not. */
  framesReceived: number;
  /** Frames the player gave up on before decoding: assembled too late for their turn, or undecodable. */
  framesDropped: number;
  /** Seconds frames spent in the jitter buffer, summed, and how many frames left it (the average is the player's buffering delay). */
  jitterBufferDelay: number;
  jitterBufferEmittedCount: number;
  /** Seconds: the delay the player aims at, summed over emitted frames. */
  jitterBufferTargetDelay: number;
}

/** What a player did over a measuring window. */
export interface PlayFigures {
  kind: PlayerKind;
  node: string;
  /** Milliseconds from the answer (SDK: the node's PLAYING; WHEP: the 201 applied) to the first decoded frame. */
  firstFrameMs: number;
  fps: number;
  freezes: number;
  /** Seconds frozen in the window. */
  freezeS: number;
  nacks: number;
  plis: number;
  /** Packets never received, retransmissions counted: what recovery could not repair. */
  lost: number;
  received: number;
  /** Frames assembled in the window (all their packets in) and frames the player dropped undecoded. */
  assembled: number;
  dropped: number;
  windowS: number;
  width: number;
  /**
   * Frames per second the publisher sent in the same window (of its busiest encoding: every layer
   * that is on runs at the capture's rate): the publisher's encoder adapts its frame rate to the
   * machine's load, so the player's frame rate is judged against it (`delivery` = fps / sentFps)
   * rather than against another moment's.
   */
  sentFps: number;
  delivery: number;
  /**
   * Milliseconds from the first frame until the player got the best the publisher sends (see
   * `measure`); null if it had not within the warm-up's bound (the window then starts anyway).
   */
  climbMs: number | null;
  /**
   * The window every 500 ms, for when a figure is off: time, frames decoded, frozen seconds, NACKs,
   * PLIs, packets lost, width, and for an SDK player the simulcast layers the node says it sends.
   */
  timeline: string[];
}

/** One encoding of the publisher's video as its getStats() says: frames sent so far, size, temporal layers. */
interface SentEncoding {
  ssrc: number;
  framesSent: number;
  frameWidth: number;
  /** Temporal layers of the encoding (from its scalabilityMode, e.g. "L1T3" -> 3; 1 when not said). */
  temporalLayers: number;
}

/** In the publisher page (two_way_streaming.html): its video encodings (simulcast: one per layer). */
async function publisherSent(publisher: Page): Promise<SentEncoding[]> {
  return publisher.evaluate(async () => {
    const out: SentEncoding[] = [];
    const app = (window as unknown as { app: { publishStream: { getStats(): Promise<RTCStatsReport | null> } } }).app;
    (await app.publishStream.getStats())?.forEach((r) => {
      if (r.type !== 'outbound-rtp' || r.kind !== 'video') return;
      const t = /T(\d)/.exec(r.scalabilityMode ?? '');
      out.push({ ssrc: r.ssrc, framesSent: r.framesSent ?? 0, frameWidth: r.frameWidth ?? 0, temporalLayers: t ? Number(t[1]) : 1 });
    });
    return out;
  });
}

/**
 * The best the publisher sends now: the widest encoding whose frame count grew since `before`, and
 * its temporal layers. Chromium turns simulcast layers on and off with its own bandwidth estimate.
 */
function topSent(before: SentEncoding[], now: SentEncoding[]): { width: number; temporalLayers: number } | null {
  const sending = now.filter((l) => l.framesSent > (before.find((b) => b.ssrc === l.ssrc)?.framesSent ?? 0) && l.frameWidth > 0);
  if (sending.length === 0) return null;
  const top = sending.reduce((a, b) => (b.frameWidth > a.frameWidth ? b : a));
  return { width: top.frameWidth, temporalLayers: top.temporalLayers };
}

export interface Player {
  readonly kind: PlayerKind;
  readonly page: Page;
  /** The node it plays from. */
  node(): Promise<string>;
  inbound(): Promise<InboundVideo | null>;
  /** Epoch ms of the answer and of the first decoded frame. */
  firstFrame(): Promise<{ answerAt: number; frameAt: number }>;
  close(): Promise<void>;
}

/**
 * In the page: the inbound video entry of a stats report. An SDK player has a second one once the
 * node probes the link's bandwidth: mediasoup-client's "probator" receiver (mid "probator", SSRC
 * 1234) that takes the node's padding probes and never decodes a frame; it is not the video.
 */
const READ_INBOUND = `(report) => {
  let out = null;
  report && report.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video' && r.mid !== 'probator' && r.ssrc !== 1234) out = {
      framesDecoded: r.framesDecoded || 0, freezeCount: r.freezeCount || 0, totalFreezesDuration: r.totalFreezesDuration || 0,
      nackCount: r.nackCount || 0, pliCount: r.pliCount || 0, packetsLost: r.packetsLost || 0,
      packetsReceived: r.packetsReceived || 0, frameWidth: r.frameWidth || 0,
      framesReceived: r.framesReceived || 0, framesDropped: r.framesDropped || 0,
      jitterBufferDelay: r.jitterBufferDelay || 0, jitterBufferEmittedCount: r.jitterBufferEmittedCount || 0,
      jitterBufferTargetDelay: r.jitterBufferTargetDelay || 0 };
  });
  return out;
}`;

/** The SDK's Embed Player, given only the origin; resolves once it says PLAYING. */
export async function sdkPlayer(browser: Browser, origin: NodeProcess, stream: string, query = ''): Promise<Player> {
  const page = await browser.newPage();
  await page.goto(
    `${origin.netHttp}/player.html?urlServer=${encodeURIComponent(origin.netUrl)}&streamName=${encodeURIComponent(stream)}&autoplay=true${query}`,
  );
  await waitPlayer(page, (s) => s.status === 'PLAYING', 15000, 'SDK player PLAYING');
  return {
    kind: 'sdk',
    page,
    node: async () => (await page.evaluate(() => (window as unknown as { player: { nodeId: string } }).player.nodeId)) ?? '?',
    inbound: () =>
      page.evaluate(
        async (read) => (0, eval)(read)(await (window as unknown as { player: { stream: { getStats(): Promise<RTCStatsReport> } } }).player.stream.getStats()),
        READ_INBOUND,
      ) as Promise<InboundVideo | null>,
    firstFrame: () =>
      page.evaluate(async (read) => {
        const w = window as unknown as { player: { stream: { getStats(): Promise<RTCStatsReport> }; events: { at: number; event: string }[] } };
        for (;;) {
          const frames = (0, eval)(read)(await w.player.stream.getStats())?.framesDecoded ?? 0;
          if (frames > 0) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        const frameAt = Date.now();
        const playing = w.player.events.filter((e) => e.event === 'PLAYING').pop()!;
        return { answerAt: playing.at, frameAt };
      }, READ_INBOUND),
    close: () => page.close(),
  };
}

/** A bare WHEP player: POST to the origin's /whep/<stream>, following its 307 to an edge. */
export async function whepPlayer(browser: Browser, origin: NodeProcess, stream: string): Promise<Player> {
  const page = await browser.newPage();
  await page.goto(`${origin.netHttp}/index.html`);
  const url = `${origin.netHttp}/whep/${encodeURIComponent(stream)}`;
  await page.evaluate(async (whepUrl) => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    document.body.append(video);
    pc.ontrack = (ev) => {
      if (ev.track.kind === 'video') video.srcObject = new MediaStream([ev.track]);
    };
    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch(whepUrl, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription!.sdp });
    if (res.status !== 201) throw new Error(`WHEP ${res.status} ${await res.text()}`);
    const answer = await res.text();
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    (window as unknown as { whep: object }).whep = { pc, answerAt: Date.now(), url: res.url, location: res.headers.get('Location'), answer };
  }, url);
  return {
    kind: 'whep',
    page,
    node: async () => new URL(await page.evaluate(() => (window as unknown as { whep: { url: string } }).whep.url)).host,
    inbound: () =>
      page.evaluate(
        async (read) => (0, eval)(read)(await (window as unknown as { whep: { pc: RTCPeerConnection } }).whep.pc.getStats()),
        READ_INBOUND,
      ) as Promise<InboundVideo | null>,
    firstFrame: () =>
      page.evaluate(async (read) => {
        const w = (window as unknown as { whep: { pc: RTCPeerConnection; answerAt: number } }).whep;
        for (;;) {
          if (((0, eval)(read)(await w.pc.getStats())?.framesDecoded ?? 0) > 0) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        return { answerAt: w.answerAt, frameAt: Date.now() };
      }, READ_INBOUND),
    close: async () => {
      await page.evaluate(async () => {
        const w = (window as unknown as { whep: { pc: RTCPeerConnection; location: string | null } }).whep;
        w.pc.close();
        if (w.location) await fetch(w.location, { method: 'DELETE' });
      });
      await page.close();
    },
  };
}

/** The player's buffering delay between two readings: milliseconds a frame waited, and aimed at. */
function buffered(a: InboundVideo | null, b: InboundVideo): string {
  const n = b.jitterBufferEmittedCount - (a?.jitterBufferEmittedCount ?? 0);
  if (n <= 0) return '';
  const ms = (x: number) => ((1000 * x) / n).toFixed(0);
  return `, buffered ${ms(b.jitterBufferDelay - (a?.jitterBufferDelay ?? 0))} ms (aim ${ms(b.jitterBufferTargetDelay - (a?.jitterBufferTargetDelay ?? 0))})`;
}

/** One line of a player's timeline: frames, freezes, repairs, size, and the SDK's layers. */
async function sample(
  player: Player,
  since: number,
  prev: InboundVideo | null = null,
): Promise<{ line: string; video: InboundVideo | null; temporalLayer: number | null }> {
  const [v, state] = await Promise.all([player.inbound(), player.kind === 'sdk' ? playerState(player.page) : null]);
  const layers = state ? ` layer ${state.layers ? `${state.layers.spatialLayer}.${state.layers.temporalLayer}` : '-'} ${state.status}` : '';
  const line = v
    ? `${((Date.now() - since) / 1000).toFixed(1)} s: ${v.framesDecoded} frames, frozen ${v.totalFreezesDuration.toFixed(2)} s, ` +
      `${v.nackCount} NACKs, ${v.pliCount} PLIs, ${v.packetsLost} lost, ${v.framesReceived} assembled, ${v.framesDropped} dropped, ${v.frameWidth} px${layers}${buffered(prev, v)}`
    : `${((Date.now() - since) / 1000).toFixed(1)} s: no inbound video${layers}`;
  return { line, video: v, temporalLayer: state?.layers?.temporalLayer ?? null };
}

/**
 * Waits for the player's first frame, lets it settle for at least `warmupMs` and until it gets the
 * best the publisher sends (at most `climbTimeoutMs` more), then measures `windowMs` of playing.
 * The first frame must come within `firstFrameTimeoutMs` of starting to wait, or this throws.
 *
 * Why the warm-up: a new player starts on a low simulcast layer and climbs as the node's bandwidth
 * estimate grows (from mediasoup's initial 600 kbit/s; the top layer may take 1.5 Mbit/s), and
 * each climb waits for a keyframe of the new layer; on its way the node may forward the top
 * layer's lower temporal layers only, i.e. half or a quarter of its frames. That start-up is judged
 * by the first-frame time and reported as `climbMs`; the window judges steady playback, clean and
 * lossy alike. A fixed 3 s was not always enough on a loaded machine: one clean run measured 58% of
 * the frames with nothing lost and no freeze, the mark of a player still on a lower temporal layer.
 * The climb's end: the player's frames as wide as the publisher's widest encoding now sending, and
 * for an SDK player (whose node reports the layers it forwards) every temporal layer of it too.
 */
export async function measure(
  player: Player,
  publisher: Page,
  windowMs: number,
  firstFrameTimeoutMs = 15000,
  warmupMs = 3000,
  climbTimeoutMs = 12000,
): Promise<PlayFigures> {
  const first = await Promise.race([
    player.firstFrame(),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${player.kind} player: no frame decoded within ${firstFrameTimeoutMs} ms`)), firstFrameTimeoutMs),
    ),
  ]);
  const timeline: string[] = [];
  await player.page.waitForTimeout(warmupMs);
  const climbDeadline = Date.now() + climbTimeoutMs;
  let climbMs: number | null = null;
  for (let before = await publisherSent(publisher); ;) {
    await player.page.waitForTimeout(500);
    const [now, s] = await Promise.all([publisherSent(publisher), sample(player, first.frameAt)]);
    const top = topSent(before, now);
    before = now;
    const onTop =
      top !== null && s.video !== null && s.video.frameWidth >= top.width && (player.kind !== 'sdk' || (s.temporalLayer ?? 0) >= top.temporalLayers - 1);
    timeline.push(`warm-up ${s.line}${top ? ` (publisher's best: ${top.width} px, ${top.temporalLayers} temporal)` : ''}`);
    if (onTop) {
      climbMs = Date.now() - first.frameAt;
      break;
    }
    if (Date.now() > climbDeadline) break;
  }
  const [a, sentA] = await Promise.all([player.inbound(), publisherSent(publisher)]);
  const started = Date.now();
  for (let prev = a; Date.now() - started < windowMs;) {
    await player.page.waitForTimeout(Math.min(500, windowMs - (Date.now() - started)));
    const s = await sample(player, started, prev);
    timeline.push(s.line);
    prev = s.video;
  }
  const [b, sentB] = await Promise.all([player.inbound(), publisherSent(publisher)]);
  const windowS = (Date.now() - started) / 1000;
  if (!a || !b) throw new Error(`${player.kind} player: no inbound video in getStats`);
  // The frame rate of the encoding that sent the most frames in the window (each followed by its
  // SSRC). Simulcast layers run at the capture's frame rate while they are on, and a player may
  // change layers mid-window, so judging against the layer it ended on undercounted: early in a
  // run the encoder turns its top layer on late, and a player that climbed to it near the end of a
  // clean window read 231-253% of the frames "sent".
  const sentFps = Math.max(0, ...sentB.map((l) => (l.framesSent - (sentA.find((x) => x.ssrc === l.ssrc)?.framesSent ?? 0)) / windowS));
  const fps = (b.framesDecoded - a.framesDecoded) / windowS;
  return {
    sentFps,
    delivery: sentFps > 0 ? fps / sentFps : 0,
    kind: player.kind,
    node: await player.node(),
    firstFrameMs: first.frameAt - first.answerAt,
    fps,
    freezes: b.freezeCount - a.freezeCount,
    freezeS: b.totalFreezesDuration - a.totalFreezesDuration,
    nacks: b.nackCount - a.nackCount,
    plis: b.pliCount - a.pliCount,
    lost: b.packetsLost - a.packetsLost,
    received: b.packetsReceived - a.packetsReceived,
    assembled: b.framesReceived - a.framesReceived,
    dropped: b.framesDropped - a.framesDropped,
    windowS,
    width: b.frameWidth,
    climbMs,
    timeline,
  };
}

export function describe(f: PlayFigures): string {
  return (
    `${f.kind} from ${f.node}: first frame ${f.firstFrameMs} ms after the answer, ${f.fps.toFixed(1)} fps of ${f.sentFps.toFixed(1)} sent ` +
    `(${(100 * f.delivery).toFixed(0)}%), ` +
    `${f.freezes} freezes ${f.freezeS.toFixed(2)} s in ${f.windowS.toFixed(1)} s, ${f.nacks} NACKs, ${f.plis} PLIs, ` +
    `${f.lost} lost of ${f.received + f.lost}, ${f.assembled} frames assembled, ${f.dropped} dropped, ${f.width} px wide, ` +
    (f.climbMs === null ? 'not on the top layer before the window' : `on the top layer ${f.climbMs} ms after its first frame`)
  );
}
