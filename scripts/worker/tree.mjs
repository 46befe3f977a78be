// The worker's source tree as we build it: mediasoup's npm sources, our patches applied, and in
// subprojects/ our stand-ins (backed by Debian's libraries) in the directories mediasoup's wrap
// files name, where meson (--wrap-mode=nodownload) finds them instead of downloading.
//
// The tree lives in the cache, one per mediasoup version, and is synchronised file by file: a file
// is written only when its content changes, so ninja recompiles only what a changed patch or
// stand-in touches, even after `npm ci` has replaced node_modules.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { patchedText, PATCHES } from './patches.mjs';

const STANDINS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'subprojects');

/** mediasoup's wrap file -> our stand-in directory (subprojects/<name>). */
const STANDIN_FOR_WRAP = {
  'openssl.wrap': 'openssl',
  'libuv.wrap': 'libuv',
  'abseil-cpp.wrap': 'abseil-cpp',
  'flatbuffers.wrap': 'flatbuffers',
  'libsrtp3.wrap': 'libsrtp3',
  'unordered-dense.wrap': 'unordered_dense',
};
/** Wraps the mediasoup-worker binary does not use (tests, Windows). */
const UNUSED_WRAPS = new Set(['catch2.wrap', 'wingetopt.wrap']);

function writeIfChanged(file, content) {
  if (fs.existsSync(file) && fs.readFileSync(file).equals(content)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return true;
}

function* files(dir, rel = '') {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) yield* files(dir, r);
    else if (e.isFile()) yield r;
  }
}

/** All files that make up the stand-ins and patches, for the cache key. */
export function buildInputFiles() {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  return [...files(dir)].sort().map((rel) => ({ rel, content: fs.readFileSync(path.join(dir, rel)) }));
}

/**
 * Makes `tree` the worker sources of `workerDir` with patches and stand-ins.
 * @returns {number} how many files were written
 */
export function syncTree(workerDir, tree) {
  let written = 0;
  const patched = new Set(PATCHES.map((p) => p.file));
  for (const rel of files(workerDir)) {
    if (rel.startsWith(`out${path.sep}`)) continue;
    let content = fs.readFileSync(path.join(workerDir, rel));
    if (patched.has(rel)) content = Buffer.from(patchedText(rel, content.toString('utf8')));
    if (writeIfChanged(path.join(tree, rel), content)) written++;
  }
  for (const p of patched) {
    if (!fs.existsSync(path.join(workerDir, p))) throw new Error(`cannot patch worker/${p}: no such file in this mediasoup`);
  }

  const subprojects = path.join(workerDir, 'subprojects');
  for (const wrap of fs.readdirSync(subprojects).filter((f) => f.endsWith('.wrap'))) {
    if (UNUSED_WRAPS.has(wrap)) continue;
    const standin = STANDIN_FOR_WRAP[wrap];
    if (!standin) {
      throw new Error(
        `mediasoup's worker now needs the subproject ${wrap}, for which scripts/worker/subprojects/ has no stand-in; ` +
          'add one (docs/mediasoup.md) or set MEDIASOUP_WORKER_BIN',
      );
    }
    const directory = /^directory\s*=\s*(\S+)/m.exec(fs.readFileSync(path.join(subprojects, wrap), 'utf8'))?.[1];
    if (!directory) throw new Error(`subprojects/${wrap} names no directory`);
    const from = path.join(STANDINS, standin);
    for (const rel of files(from)) {
      if (writeIfChanged(path.join(tree, 'subprojects', directory, rel), fs.readFileSync(path.join(from, rel)))) written++;
    }
  }
  return written;
}
