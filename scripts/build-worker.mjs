#!/usr/bin/env node
// Builds mediasoup's C++ worker offline, from mediasoup's npm package plus Debian's packages (and
// Debian's libsrtp2 source package), and caches the binary outside the checkout. The project's
// postinstall runs it; mediasoup's own install script is denied in package.json `allowScripts`
// because it downloads a prebuilt worker from GitHub and meson/ninja from PyPI, and its meson wraps
// download every C++ dependency: none of that works on a machine that reaches only the npm
// registry and Debian. What we put in place of each download, and why it is safe, is in
// docs/mediasoup.md; the pieces are in scripts/worker/.
//
// Environment (all optional):
//   MEDIASOUP_WORKER_BIN      use this binary and build nothing (mediasoup honours it at run time too)
//   CDN_RELAY_WORKER_SOURCE   `mediasoup`: run mediasoup's own install instead (needs GitHub and PyPI)
//   MEDIASOUP_WORKER_CACHE    cache directory (default: $XDG_CACHE_HOME/cdn-relay or ~/.cache/cdn-relay)
//   MEDIASOUP_BUILD_CORES     parallel compile jobs (default: number of CPU cores)
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLibsrtp2 } from './worker/libsrtp2.mjs';
import { inputVersions, missingPrerequisites } from './worker/prerequisites.mjs';
import { buildInputFiles, syncTree } from './worker/tree.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '..');
const mediasoupDir = process.env.MEDIASOUP_DIR ?? path.join(projectRoot, 'node_modules', 'mediasoup');
const workerDir = path.join(mediasoupDir, 'worker');
/** Where mediasoup's Worker looks for its binary when MEDIASOUP_WORKER_BIN is not set. */
const outBin = path.join(workerDir, 'out', 'Release', 'mediasoup-worker');
/** mediasoup-worker started without its channel exits with this code (src/main.cpp). */
const WORKER_NO_CHANNEL_EXIT = 41;

const log = (msg) => process.stdout.write(`[mediasoup-worker] ${msg}\n`);
function fail(msg) {
  process.stderr.write(`\n[mediasoup-worker] ERROR: ${msg}\n\n`);
  process.exit(1);
}

function mediasoupVersion() {
  const pkgFile = path.join(mediasoupDir, 'package.json');
  if (!fs.existsSync(pkgFile)) fail(`mediasoup is not installed at ${mediasoupDir}; run npm install first`);
  return JSON.parse(fs.readFileSync(pkgFile, 'utf8')).version;
}

/** Names a binary by everything it is made of: mediasoup, our patches and stand-ins, Debian's versions. */
export function cacheKey(version) {
  const h = createHash('sha256');
  h.update(JSON.stringify({ version, inputs: inputVersions(), platform: process.platform, arch: process.arch }));
  for (const f of buildInputFiles()) h.update(f.rel).update('\0').update(f.content).update('\0');
  return `mediasoup-${version}-${process.platform}-${process.arch}-${h.digest('hex').slice(0, 16)}`;
}

function cacheRoot() {
  if (process.env.MEDIASOUP_WORKER_CACHE) return process.env.MEDIASOUP_WORKER_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'cdn-relay');
}

/** A worker binary that starts: it loads its shared libraries and stops at its own channel check. */
function checkRuns(bin) {
  const r = spawnSync(bin, [], { encoding: 'utf8', timeout: 10000 });
  if (r.status !== WORKER_NO_CHANNEL_EXIT) {
    return `${bin} did not start as a mediasoup worker (exit ${r.status ?? r.signal ?? r.error}): ${`${r.stderr}`.trim().slice(0, 500)}`;
  }
  return undefined;
}

function place(bin) {
  fs.mkdirSync(path.dirname(outBin), { recursive: true });
  const tmp = `${outBin}.${process.pid}.tmp`;
  fs.copyFileSync(bin, tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, outBin);
}

/** Runs a command, logging its output to `logStream` and a progress line every 15 s. */
function runWithProgress(cmd, args, opts, progress) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = [];
    let step = 0;
    let total = 0;
    const started = Date.now();
    const onData = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        const m = /^\[(\d+)\/(\d+)\]/.exec(line);
        if (m) [step, total] = [Number(m[1]), Number(m[2])];
        if (line.trim()) {
          tail.push(line);
          if (tail.length > 40) tail.shift();
        }
        opts.logStream.write(line + '\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setInterval(() => {
      const secs = Math.round((Date.now() - started) / 1000);
      const pct = total ? ` (${Math.floor((100 * step) / total)}%)` : '';
      progress(`${step}/${total || '?'} build steps${pct}, ${Math.floor(secs / 60)}m${secs % 60}s elapsed`);
    }, 15000);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, tail });
    });
  });
}

async function build(version, root) {
  const missing = missingPrerequisites(version);
  if (missing) fail(missing);
  const started = Date.now();
  let srtp;
  try {
    srtp = ensureLibsrtp2(root, log);
  } catch (err) {
    fail(err.message);
  }
  const tree = path.join(root, `build-mediasoup-${version}`, 'worker');
  let written;
  try {
    written = syncTree(workerDir, tree);
  } catch (err) {
    fail(err.message);
  }
  log(`worker sources in ${tree} (${written} files updated); libsrtp ${srtp.version} from ${srtp.prefix}`);

  const env = { ...process.env, PKG_CONFIG_PATH: [path.join(srtp.prefix, 'lib', 'pkgconfig'), process.env.PKG_CONFIG_PATH].filter(Boolean).join(':') };
  delete env.MEDIASOUP_WORKER_BIN;
  const buildDir = path.join(tree, 'out', 'build');
  const logFile = path.join(os.tmpdir(), `mediasoup-worker-build-${process.pid}.log`);
  const logStream = fs.createWriteStream(logFile);
  // meson remembers what pkg-config found at setup; a different libsrtp (a new Debian source
  // version) or meson needs a fresh setup, not an incremental build against the old one.
  const setupStamp = path.join(buildDir, 'cdn-relay-setup.json');
  const setupInputs = JSON.stringify({ srtp: srtp.prefix, meson: inputVersions().meson });
  if (fs.existsSync(buildDir) && (!fs.existsSync(setupStamp) || fs.readFileSync(setupStamp, 'utf8') !== setupInputs)) {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
  if (!fs.existsSync(path.join(buildDir, 'build.ninja'))) {
    const setup = spawnSync('meson', ['setup', buildDir, '--wrap-mode=nodownload', '--buildtype=release', '-Db_ndebug=true'], {
      cwd: tree,
      env,
      encoding: 'utf8',
    });
    logStream.write(`${setup.stdout}${setup.stderr}`);
    if (setup.status !== 0) {
      fs.rmSync(buildDir, { recursive: true, force: true });
      fail(`meson setup failed:\n${`${setup.stdout}${setup.stderr}`.trim().split('\n').slice(-25).join('\n')}\nFull log: ${logFile}`);
    }
    fs.writeFileSync(setupStamp, setupInputs);
  }
  const cores = process.env.MEDIASOUP_BUILD_CORES || String(os.cpus().length);
  log(`compiling with ${cores} jobs (a first build is about 260 steps, 5-15 minutes on 2 cores); full log: ${logFile}`);
  const result = await runWithProgress('ninja', ['-C', buildDir, '-j', cores, 'mediasoup-worker'], { env, logStream }, log);
  logStream.end();
  const built = path.join(buildDir, 'mediasoup-worker');
  if (result.code !== 0 || !fs.existsSync(built)) {
    fail(`worker build failed (ninja exited ${result.code}). Last lines:\n${result.tail.join('\n')}\nFull log: ${logFile}`);
  }
  log(`built in ${Math.round((Date.now() - started) / 1000)}s`);
  return built;
}

async function main() {
  if (process.env.MEDIASOUP_WORKER_BIN) {
    log(`MEDIASOUP_WORKER_BIN is set (${process.env.MEDIASOUP_WORKER_BIN}); not building`);
    return;
  }
  if (process.env.CDN_RELAY_WORKER_SOURCE === 'mediasoup') {
    log("CDN_RELAY_WORKER_SOURCE=mediasoup: running mediasoup's own install (prebuilt worker from GitHub, or a build with meson from PyPI)");
    const r = spawnSync(process.execPath, ['npm-scripts.mjs', 'postinstall'], { cwd: mediasoupDir, stdio: 'inherit' });
    if (r.status !== 0) fail(`mediasoup's own install failed (exit ${r.status}); unset CDN_RELAY_WORKER_SOURCE to build offline`);
    return;
  }
  const version = mediasoupVersion();
  const root = cacheRoot();
  const key = cacheKey(version);
  const cached = path.join(root, key, 'mediasoup-worker');
  if (fs.existsSync(cached)) {
    place(cached);
    log(`using cached worker ${cached}`);
    return;
  }
  log(`no cached worker for ${key}: building mediasoup ${version}'s worker from source`);
  const built = await build(version, root);
  const broken = checkRuns(built);
  if (broken) fail(broken);
  // Strip into a temporary name, then rename: a concurrent install never sees half a binary.
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  const strip = spawnSync('strip', ['-o', tmp, built], { encoding: 'utf8' });
  if (strip.status !== 0) fail(`strip failed: ${strip.stderr}`);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, cached);
  place(cached);
  log(`cached worker at ${cached} (${(fs.statSync(cached).size / 1e6).toFixed(1)} MB)`);
}

// Run when executed (npm's postinstall), not when imported (tests read cacheKey).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => fail(err.stack ?? String(err)));
}
