#!/usr/bin/env node
// Bundles the browser SDK into web/sdk/, as IIFEs that define a global, so pages load it with one
// <script> tag and no module loader:
//   cdn-sdk.js      src/client/index.ts      global `CDN` (this product's SDK)
//   flashphoner.js  src/client/wcs/index.ts  global `Flashphoner` (the WCS Web SDK's API on it;
//                   self-contained, like WCS's own flashphoner.js)
// web/sdk/ is generated (gitignored): postinstall and `npm test` run this script.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundles = [
  { entry: ['src', 'client', 'index.ts'], file: 'cdn-sdk.js', globalName: 'CDN' },
  { entry: ['src', 'client', 'wcs', 'index.ts'], file: 'flashphoner.js', globalName: 'Flashphoner' },
];

for (const bundle of bundles) {
  const outfile = path.join(root, 'web', 'sdk', bundle.file);
  const result = await build({
    entryPoints: [path.join(root, ...bundle.entry)],
    outfile,
    bundle: true,
    format: 'iife',
    globalName: bundle.globalName,
    platform: 'browser',
    // Browsers with RTCRtpSender simulcast and private class fields.
    target: ['chrome100', 'firefox100', 'safari15'],
    sourcemap: true,
    minify: process.argv.includes('--minify'),
    logLevel: 'warning',
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  console.log(`${bundle.globalName}: ${path.relative(root, outfile)} (${Math.round(bytes / 1024)} KiB)`);
}
