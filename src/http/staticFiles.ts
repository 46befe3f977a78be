// Serves the pages in web/ (publisher, player, embed player) with no directory escapes.
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

/** Sends web/<relPath> and returns true, or returns false when there is no such file. */
export function serveStatic(res: ServerResponse, relPath: string, head: boolean): boolean {
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
