// Serves the pages in web/ (publisher, player, embed player) with no directory escapes, and
// redirects the paths WCS users know (its examples' URLs) to the same pages.
import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

export const WEB_ROOT = path.resolve(__dirname, '..', '..', 'web');

/**
 * WCS example URLs -> this product's pages. A redirect rather than a copy: the pages load their
 * scripts relative to themselves and take the default server from their own folder. The Location
 * is relative (up to the node's root, path prefix included) and keeps the query string, so
 * `?streamName=...&autoplay=true` and iframes work at the old URL.
 */
export const WCS_PAGE_ALIASES: Readonly<Record<string, string>> = {
  '/client2/examples/demo/streaming/two_way_streaming/two_way_streaming.html': 'two_way_streaming.html',
  '/client2/examples/demo/streaming/embed_player/player.html': 'player.html',
  '/client2/examples/demo/streaming/player/player.html': 'player.html',
};

function redirectAlias(res: ServerResponse, relPath: string): boolean {
  const target = WCS_PAGE_ALIASES[relPath];
  if (!target) return false;
  const up = '../'.repeat(relPath.split('/').length - 2);
  const search = new URL(res.req?.url ?? '/', 'http://node').search;
  res.writeHead(302, { Location: `${up}${target}${search}`, 'Content-Length': 0, 'Cache-Control': 'no-cache' });
  res.end();
  return true;
}

/** Sends web/<relPath> and returns true, or returns false when there is no such file. */
export function serveStatic(res: ServerResponse, relPath: string, head: boolean): boolean {
  if (redirectAlias(res, relPath)) return true;
  const clean = relPath === '' || relPath === '/' ? '/index.html' : relPath;
  const file = path.resolve(WEB_ROOT, '.' + path.posix.normalize(clean));
  if (!file.startsWith(WEB_ROOT + path.sep)) return false;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': stat.size,
    'Cache-Control': 'no-cache',
  });
  if (head) res.end();
  else fs.createReadStream(file).pipe(res);
  return true;
}
