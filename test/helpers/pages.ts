// What the end-to-end tests read from the product's pages in Chromium: the player's state
// (window.player of player.html) and the status fields of the publisher page.
import type { Page } from 'playwright-core';
import type { NodeProcess } from './nodes';
import { until } from './until';

export interface PlayerState {
  status: string;
  nodeId: string | null;
  layers: { spatialLayer: number; temporalLayer?: number } | null;
  error: { code: string; message: string } | null;
}

export const playerState = (page: Page): Promise<PlayerState> =>
  page.evaluate(() => {
    const p = (window as unknown as { player: PlayerState }).player;
    return { status: p.status, nodeId: p.nodeId, layers: p.layers, error: p.error };
  });

/** Waits until the player's state passes `check`; the error carries the last state seen. */
export async function waitPlayer(page: Page, check: (s: PlayerState) => boolean, timeoutMs: number, what: string): Promise<PlayerState> {
  let last: PlayerState | null = null;
  try {
    await until(async () => check((last = await playerState(page))), timeoutMs, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}; player state ${JSON.stringify(last)}`, { cause: err });
  }
  return last!;
}

export async function statusText(page: Page, id: string): Promise<string> {
  return (await page.textContent(`#${id}`)) ?? '';
}

export async function edgeHolds(edge: NodeProcess, stream: string): Promise<boolean> {
  const list: { name: string; status: string }[] = await (await fetch(`${edge.http}/rest-api/stream/find_all`, { method: 'POST' })).json();
  return list.some((s) => s.name === stream && s.status === 'PUBLISHING');
}

/** Connects the Two Way Streaming page to its node and publishes the fake camera as `stream`. */
export async function publishFromPage(publisher: Page, stream: string): Promise<void> {
  await publisher.click('#connectBtn');
  await until(async () => (await statusText(publisher, 'connectStatus')) === 'ESTABLISHED', 10000, 'ESTABLISHED');
  await publisher.fill('#publishName', stream);
  await publisher.click('#publishBtn');
  await until(async () => (await statusText(publisher, 'publishStatus')) === 'PUBLISHING', 15000, 'PUBLISHING');
}
