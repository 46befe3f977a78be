// playWidth/playHeight: WCS transcodes a played stream to the asked size. This product does not
// transcode; it forwards one of the publisher's simulcast layers, so the nearest layer stands in:
// the largest one that fits the asked size (or the smallest when none fits).
import type { Layers } from '../constants';

/**
 * The spatial layer to prefer, knowing the size of the frames now received (`height`) and their
 * layer (`current`). Assumes the SDK's encodings, each layer twice the size of the one below
 * (SIMULCAST_ENCODINGS), up to `maxLayer`.
 */
export function layerForSize(want: { width?: number; height?: number }, got: { width: number; height: number }, current: number, maxLayer = 2): number {
  let best = 0;
  for (let layer = 0; layer <= maxLayer; layer++) {
    const scale = 2 ** (layer - current);
    const fitsWidth = !want.width || got.width * scale <= want.width;
    const fitsHeight = !want.height || got.height * scale <= want.height;
    if (fitsWidth && fitsHeight) best = layer;
  }
  return best;
}

/** A number from an option that WCS pages pass as number or string ("640"); undefined when absent or not positive. */
export function sizeOption(value: unknown): number | undefined {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * The layer to ask the node for, from the page's playWidth/playHeight, the picture received and the
 * layers forwarded now; null when there is nothing to ask (no size asked, no picture or no layers yet).
 */
export function layerToAsk(want: { width?: unknown; height?: unknown }, picture: { width?: number; height?: number }, layers: Layers | null): number | null {
  const asked = { width: sizeOption(want.width), height: sizeOption(want.height) };
  if ((!asked.width && !asked.height) || !picture.width || !layers) return null;
  return layerForSize(asked, { width: picture.width, height: picture.height ?? 0 }, layers.spatialLayer);
}
