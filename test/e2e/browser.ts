// Chromium for end-to-end tests: Debian's chromium driven by playwright-core (docs/mediasoup.md;
// `npx playwright install` cannot work here), with a fake camera and microphone.
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');

/** `executablePath`: Chromium itself by default; the net bed passes a wrapper that runs it in a namespace. */
export function launchChromium(executablePath = CHROMIUM): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // Players start with sound; without a user gesture Chromium would mute them (the SDK copes,
      // but the test wants the default path).
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Opens a page whose console errors and page errors are kept, to print when a test fails. */
export async function openPage(browser: Browser, url: string, logs: string[], name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') logs.push(`[${name} ${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (err) => logs.push(`[${name} pageerror] ${err.message}`));
  await page.goto(url);
  return page;
}

export interface VideoState {
  frames: number;
  width: number;
  height: number;
}

/** Decoded-frame count and size of the first <video> under `selector`. */
export async function videoState(page: Page, selector: string): Promise<VideoState | null> {
  return page.evaluate((sel) => {
    const video = document.querySelector<HTMLVideoElement>(`${sel} video`) ?? document.querySelector<HTMLVideoElement>(sel);
    if (!video || !video.srcObject) return null;
    return { frames: video.getVideoPlaybackQuality().totalVideoFrames, width: video.videoWidth, height: video.videoHeight };
  }, selector);
}

/**
 * Waits until the video under `selector` has decoded `count` more frames than when called, with a
 * non-zero size; returns the last state. Frames only count while the same srcObject plays, so a
 * player that re-attaches starts a new count and this keeps measuring from the new baseline.
 */
export async function framesAdvance(page: Page, selector: string, count = 15, timeoutMs = 15000): Promise<VideoState> {
  const deadline = Date.now() + timeoutMs;
  let base: number | null = null;
  let last: VideoState | null = null;
  while (Date.now() < deadline) {
    last = await videoState(page, selector);
    if (last) {
      if (base === null || last.frames < base) base = last.frames;
      else if (last.frames - base >= count && last.width > 0) return last;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`video ${selector} did not decode ${count} new frames in ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

export async function screenshot(page: Page, name: string, viewport: { width: number; height: number }): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.setViewportSize(viewport);
  await page.waitForTimeout(300);
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
