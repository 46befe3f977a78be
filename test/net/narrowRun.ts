// One narrow-link run on the bed (used by narrow.test.ts, which judges it, and by `npm run bench`,
// which reports it): an SDK player sent to an edge plays the publisher's top simulcast layer, the
// clients' downlink is limited to a rate the top layer does not fit in, the player moves down,
// settles and plays on the narrow link for a window, then the limit goes and it climbs back. The
// figures and the player's story (a line per sample) come back; nothing is asserted here.
import type { Page } from 'playwright-core';
import { playerState } from '../helpers/pages';
import { until } from './bed';
import type { BedCluster } from './bedCluster';
import { type InboundVideo, type Player, sdkPlayer } from './players';

export const TOP = 2;

export interface NarrowOptions {
  stream: string;
  /** The clients' downlink while limited, kbit/s. */
  limitKbit: number;
  /** How long the player has to move below the top layer. */
  switchDownMs: number;
  /** Allowance after the first lower-layer sample, before the window. */
  settleMs: number;
  /** The window on the narrow link. */
  limitedWindowMs: number;
  /** How long the player has to climb back once the limit goes. */
  climbBackMs: number;
}

/** What narrow.test.ts judges and the bench reports: 400 kbit/s, where the lowest layer fits with room and the top one does not. */
export const NARROW_OPTIONS: NarrowOptions = {
  stream: 'net-narrow',
  limitKbit: 400,
  /** Moving down "within a few seconds". */
  switchDownMs: 8000,
  /**
   * Once the first lower-layer frame is decoded the estimate may still be coming down (the 640 layer
   * at its base frame rate first, then the 320 one): a new player gets the same allowance in the loss
   * test. The stall while switching is printed.
   */
  settleMs: 3000,
  limitedWindowMs: 10000,
  /**
   * The server holds a consumer below a layer it had to leave (src/streams/layerHold.ts: 20 s from the
   * node's drop, which comes 2-5 s before the player's switch is seen): when the limit goes, the hold
   * may still have a few s to run (up to ~25 s after a drop again, 40 s hold), and then the estimate
   * ramps from the narrow link's rate to the top layer's (up to ~20 s seen).
   */
  climbBackMs: 50000,
};

export interface LayerRate {
  width: number;
  kbps: number;
  fps: number;
}

export interface Sample {
  at: number;
  layer: number | null;
  temporal: number | null;
  status: string;
  video: InboundVideo;
}

export interface NarrowFigures {
  node: string;
  /** What the publisher sent of each layer before the limit, and during the window. */
  sentBefore: Map<string, LayerRate>;
  sentDuring: Map<string, LayerRate>;
  topWidth: number;
  /** The last sample before the limit (on the top layer when the player got there). */
  free: Sample;
  /** The sample where the player was seen below the top layer (or the last one when it was not). */
  switched: Sample;
  switchMs: number;
  /** While switching and settling: frozen by getStats, and the longest time without a new frame. */
  frozenSwitchingS: number;
  stallSwitchingMs: number;
  /** Samples while settling and in the window. */
  limitedSamples: Sample[];
  /** In the window: decoded frames per second, and what the publisher sent of the layer played. */
  fps: number;
  layerSent: LayerRate | undefined;
  frozenLimitedS: number;
  windowS: number;
  longestStallMs: number;
  /** Once the limit went: the last sample (on the top layer when it climbed back in time). */
  climbed: Sample;
  climbMs: number;
}

/** The player's story, a line per sample, times from `t0` (the player's start): filled as the run goes. */
export interface NarrowStory {
  lines: string[];
  t0: number;
}

/** What the publisher sends of each layer, by rid: frame width, kbit/s and frames/s over `ms`. */
export async function publisherLayers(publisher: Page, ms = 1000): Promise<Map<string, LayerRate>> {
  const read = () =>
    publisher.evaluate(async () => {
      const out: Record<string, { width: number; bytes: number; frames: number }> = {};
      const app = (window as unknown as { app: { publishStream: { getStats(): Promise<RTCStatsReport | null> } } }).app;
      (await app.publishStream.getStats())?.forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video')
          out[r.rid ?? '?'] = { width: r.frameWidth ?? 0, bytes: r.bytesSent ?? 0, frames: r.framesSent ?? 0 };
      });
      return out;
    });
  const a = await read();
  const started = Date.now();
  await publisher.waitForTimeout(ms);
  const b = await read();
  const s = (Date.now() - started) / 1000;
  return new Map(
    Object.keys(b)
      .sort()
      .map((rid) => [
        rid,
        { width: b[rid].width, kbps: ((b[rid].bytes - (a[rid]?.bytes ?? 0)) * 8) / 1000 / s, fps: (b[rid].frames - (a[rid]?.frames ?? 0)) / s },
      ]),
  );
}

export const describeLayers = (layers: Map<string, LayerRate>): string =>
  [...layers].map(([rid, l]) => `${rid} ${l.width} px ${Math.round(l.kbps)} kbit/s ${l.fps.toFixed(0)} fps`).join(', ');

async function sample(player: Player): Promise<Sample> {
  const [state, video] = await Promise.all([playerState(player.page), player.inbound()]);
  if (!video) throw new Error('the player has no inbound video in getStats');
  return { at: Date.now(), layer: state.layers?.spatialLayer ?? null, temporal: state.layers?.temporalLayer ?? null, status: state.status, video };
}

/** Samples every 250 ms until `check` passes or `timeoutMs` goes by; returns the samples. */
async function watch(player: Player, timeoutMs: number, check: (s: Sample) => boolean): Promise<Sample[]> {
  const out: Sample[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await sample(player);
    out.push(s);
    if (check(s) || Date.now() >= deadline) return out;
    await player.page.waitForTimeout(250);
  }
}

/** The longest time, in ms, over which the samples saw no new decoded frame. */
export function longestStall(samples: Sample[]): number {
  let longest = 0;
  let since = samples[0].at;
  for (let i = 1; i < samples.length; i++) {
    if (samples[i].video.framesDecoded > samples[i - 1].video.framesDecoded) since = samples[i].at;
    else longest = Math.max(longest, samples[i].at - since);
  }
  return longest;
}

const line = (s: Sample, from: number): string =>
  `${((s.at - from) / 1000).toFixed(2)} s: layer ${s.layer ?? '-'}.${s.temporal ?? '-'} ${s.status}, ${s.video.frameWidth} px, ` +
  `${s.video.framesDecoded} frames, frozen ${s.video.totalFreezesDuration.toFixed(2)} s, ${s.video.packetsLost} lost`;

/** One run; `story` is filled as it goes, so a caller can print it when the run throws. */
export async function narrowRun(cluster: BedCluster, o: NarrowOptions, story: NarrowStory = { lines: [], t0: 0 }): Promise<NarrowFigures> {
  // The encoder starts low and brings up its layers over a few seconds: wait for the top one to
  // run well above the limit (1.5 times: it settles near 750 kbit/s), so that it cannot fit.
  let sentBefore = await publisherLayers(cluster.publisher);
  await until(
    async () => ((sentBefore = await publisherLayers(cluster.publisher)).get('r2')?.kbps ?? 0) > 1.5 * o.limitKbit,
    20000,
    'the top layer above 1.5 times the limit',
  );
  const topWidth = sentBefore.get('r2')!.width;
  const player = await sdkPlayer(cluster.browser, cluster.origin, o.stream);
  const t0 = (story.t0 = Date.now());
  let limited = false;
  try {
    const node = await player.node();
    await until(async () => ((await player.inbound())?.framesDecoded ?? 0) > 0, 15000, 'a first decoded frame');
    // Playing the top layer steadily (2 s of it) before the link narrows.
    let steadySince = 0;
    const free = await watch(player, 20000, (s) => {
      const top = s.layer === TOP && s.video.frameWidth === topWidth;
      steadySince = top ? steadySince || s.at : 0;
      return top && s.at - steadySince >= 2000;
    });
    story.lines.push(...free.map((s) => `free    ${line(s, t0)}`));

    cluster.bed.limit('client', o.limitKbit);
    limited = true;
    const limitedAt = Date.now();
    const down = await watch(player, o.switchDownMs, (s) => s.layer !== null && s.layer < TOP && s.video.frameWidth > 0 && s.video.frameWidth < topWidth);
    story.lines.push(...down.map((s) => `limited ${line(s, t0)}`));
    const switched = down.at(-1)!;
    const settling = await watch(player, o.settleMs, () => false);
    story.lines.push(...settling.map((s) => `limited ${line(s, t0)}`));
    const settled = settling.at(-1)!;

    // Playing on the narrow link.
    const sentDuringP = publisherLayers(cluster.publisher, o.limitedWindowMs);
    const held = await watch(player, o.limitedWindowMs, () => false);
    story.lines.push(...held.map((s) => `limited ${line(s, t0)}`));
    const sentDuring = await sentDuringP;
    const last = held.at(-1)!;
    const windowS = (last.at - settled.at) / 1000;

    cluster.bed.unlimit('client');
    limited = false;
    const unlimitedAt = Date.now();
    const up = await watch(player, o.climbBackMs, (s) => s.layer === TOP && s.video.frameWidth === topWidth);
    story.lines.push(...up.map((s) => `free    ${line(s, t0)}`));
    return {
      node,
      sentBefore,
      sentDuring,
      topWidth,
      free: free.at(-1)!,
      switched,
      switchMs: switched.at - limitedAt,
      frozenSwitchingS: settled.video.totalFreezesDuration - down[0].video.totalFreezesDuration,
      stallSwitchingMs: longestStall([...down, ...settling]),
      limitedSamples: [...settling, ...held],
      fps: (last.video.framesDecoded - settled.video.framesDecoded) / windowS,
      layerSent: [...sentDuring.values()].find((l) => l.width === last.video.frameWidth),
      frozenLimitedS: last.video.totalFreezesDuration - settled.video.totalFreezesDuration,
      windowS,
      longestStallMs: longestStall(held),
      climbed: up.at(-1)!,
      climbMs: up.at(-1)!.at - unlimitedAt,
    };
  } finally {
    if (limited) cluster.bed.unlimit('client');
    await player.close();
  }
}

/** The one-line summary the test prints and the bench logs. */
export function describeNarrow(f: NarrowFigures, o: NarrowOptions): string {
  return (
    `narrow (${o.limitKbit} kbit/s to the player): switched down to layer ${f.switched.layer} (${f.switched.video.frameWidth} px) ${f.switchMs} ms after the limit ` +
    `(while switching and settling ${o.settleMs / 1000} s: frozen ${f.frozenSwitchingS.toFixed(2)} s by getStats, no new frame for ${f.stallSwitchingMs} ms at most); ` +
    `then ${f.fps.toFixed(1)} fps of the ${f.layerSent?.fps.toFixed(1) ?? '?'} sent of that layer (sent: ${describeLayers(f.sentDuring)}), ` +
    `frozen ${f.frozenLimitedS.toFixed(2)} s in ${f.windowS.toFixed(1)} s (longest stall ${f.longestStallMs} ms), layers ${[...new Set(f.limitedSamples.map((s) => s.layer))].join('/')}; ` +
    `limit gone: back on layer ${f.climbed.layer} (${f.climbed.video.frameWidth} px) after ${f.climbMs} ms`
  );
}
