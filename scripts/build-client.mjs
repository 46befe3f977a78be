#!/usr/bin/env node
// Bundles the browser SDK (src/client/index.ts, with mediasoup-client) into web/sdk/cdn-sdk.js,
// an IIFE that defines the global `CDN`, so pages load it with one <script> tag and no module
// loader. web/sdk/ is generated (gitignored): postinstall and `npm test` run this script.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'web', 'sdk', 'cdn-sdk.js');

const result = await build({
  entryPoints: [path.join(root, 'src', 'client', 'index.ts')],
  outfile,
  bundle: true,
  format: 'iife',
  globalName: 'CDN',
  platform: 'browser',
  // Browsers with RTCRtpSender simulcast and private class fields.
  target: ['chrome100', 'firefox100', 'safari15'],
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`cdn-sdk: ${path.relative(root, outfile)} (${Math.round(bytes / 1024)} KiB)`);
