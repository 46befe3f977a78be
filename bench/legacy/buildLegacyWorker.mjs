#!/usr/bin/env node
// Builds mediasoup 3.8.4's C++ worker, the engine the product ran until December 2026, for the
// "old engine against new" benchmark (bench/engines.ts). The product itself runs mediasoup 3.27
// (scripts/build-worker.mjs); this binary is used by the benchmark only.
//
// This is the project's former build script (git show a7c6a8e:scripts/build-worker.mjs), adapted:
//   - the sources come from node_modules/mediasoup-legacy (the devDependency alias
//     "mediasoup-legacy": "npm:mediasoup@3.8.4", installed with scripts off, so it has no binary;
//     3.8.4 is the last npm tarball that vendors every C++ dependency, so gyp and make build it
//     offline);
//   - they are copied to a build tree in the cache and patched there, so node_modules stays as npm
//     unpacked it and `npm ci` does not throw away a 5-15 minute build;
//   - the binary is cached under its own key, next to the 3.27 worker's, and never copied into
//     node_modules: the benchmark hands it to mediasoup-legacy through MEDIASOUP_WORKER_BIN.
// The four patches are the ones the product's 3.8.4 worker was built with, so the benchmark
// measures the engine that actually ran, not a pristine 3.8.4.
//
// Usage:
//   node bench/legacy/buildLegacyWorker.mjs          build if not cached; prints the binary's path last
//   node bench/legacy/buildLegacyWorker.mjs --path   print the cached binary's path; exit 3 if not built
//
// Environment (all optional):
//   MEDIASOUP_LEGACY_DIR    the mediasoup 3.8.4 package (default: node_modules/mediasoup-legacy)
//   MEDIASOUP_WORKER_CACHE  cache root (default: $XDG_CACHE_HOME/cdn-relay or ~/.cache/cdn-relay)
//   MEDIASOUP_BUILD_CORES   parallel compile jobs (default: number of CPU cores)
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '..', '..');
const legacyDir = process.env.MEDIASOUP_LEGACY_DIR ?? path.join(projectRoot, 'node_modules', 'mediasoup-legacy');
const workerDir = path.join(legacyDir, 'worker');
/** Exit code of `--path` when no binary is cached yet (the bench then builds or skips). */
const NOT_BUILT = 3;

/** Source patches (paths under worker/); their text is part of the cache key. */
export const PATCHES = [
  {
    file: 'deps/gyp/pylib/gyp/common.py',
    why: 'vendored gyp uses collections.MutableSet, removed in Python 3.10',
    from: 'class OrderedSet(collections.MutableSet):',
    to: 'class OrderedSet(collections.abc.MutableSet):',
  },
  {
    file: 'deps/libwebrtc/deps/abseil-cpp/abseil-cpp/absl/debugging/failure_signal_handler.cc',
    why: 'glibc >= 2.34 made SIGSTKSZ a runtime long (versatica/mediasoup#685)',
    from: 'std::max(SIGSTKSZ, 65536)',
    to: 'std::max<size_t>(SIGSTKSZ, 65536)',
  },
  {
    file: 'deps/openssl/openssl/crypto/bn/bn_sqrt.c',
    why: 'CVE-2022-0778: BN_mod_sqrt loops forever on a crafted certificate; the OpenSSL 1.1.1n fix',
    from: [
      '        /* find smallest  i  such that  b^(2^i) = 1 */',
      '        i = 1;',
      '        if (!BN_mod_sqr(t, b, p, ctx))',
      '            goto end;',
      '        while (!BN_is_one(t)) {',
      '            i++;',
      '            if (i == e) {',
      '                BNerr(BN_F_BN_MOD_SQRT, BN_R_NOT_A_SQUARE);',
      '                goto end;',
      '            }',
      '            if (!BN_mod_mul(t, t, t, p, ctx))',
      '                goto end;',
      '        }',
    ].join('\n'),
    to: [
      '        /* Find the smallest i, 0 < i < e, such that b^(2^i) = 1. */',
      '        for (i = 1; i < e; i++) {',
      '            if (i == 1) {',
      '                if (!BN_mod_sqr(t, b, p, ctx))',
      '                    goto end;',
      '            } else {',
      '                if (!BN_mod_mul(t, t, t, p, ctx))',
      '                    goto end;',
      '            }',
      '            if (BN_is_one(t))',
      '                break;',
      '        }',
      '        /* If not found, a is not a square or p is not prime. */',
      '        if (i >= e) {',
      '            BNerr(BN_F_BN_MOD_SQRT, BN_R_NOT_A_SQUARE);',
      '            goto end;',
      '        }',
    ].join('\n'),
  },
  {
    file: 'src/RTC/KeyFrameRequestManager.cpp',
    why: 'a keyframe request the browser ignored (libwebrtc sends at most one keyframe per 300 ms) is repeated after 400 ms, not 1 s',
    from: 'static constexpr uint32_t KeyFrameRetransmissionWaitTime{ 1000 };',
    to: 'static constexpr uint32_t KeyFrameRetransmissionWaitTime{ 400 };',
  },
];

/** Build output: never copied from the package (npm's tarball has none, but a local build might). */
const NOT_COPIED = new Set(['out']);

const log = (msg) => process.stdout.write(`[mediasoup-legacy-worker] ${msg}\n`);
function fail(msg) {
  process.stderr.write(`\n[mediasoup-legacy-worker] ERROR: ${msg}\n\n`);
  process.exit(1);
}

function legacyVersion() {
  const pkgFile = path.join(legacyDir, 'package.json');
  if (!fs.existsSync(pkgFile)) {
    fail(`mediasoup 3.8.4 is not installed at ${legacyDir} (the devDependency "mediasoup-legacy": "npm:mediasoup@3.8.4")`);
  }
  return JSON.parse(fs.readFileSync(pkgFile, 'utf8')).version;
}

/** The compiler's version is in the key too: a toolchain upgrade gives a new binary, not a stale one. */
function compilerVersion() {
  const r = spawnSync('g++', ['-dumpfullversion'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

export function cacheKey(version) {
  const h = createHash('sha256');
  h.update(JSON.stringify({ version, patches: PATCHES, compiler: compilerVersion(), platform: process.platform, arch: process.arch }));
  return `mediasoup-legacy-${version}-${process.platform}-${process.arch}-${h.digest('hex').slice(0, 16)}`;
}

function cacheRoot() {
  if (process.env.MEDIASOUP_WORKER_CACHE) return process.env.MEDIASOUP_WORKER_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'cdn-relay');
}

/** Where the binary is (or will be) cached. */
export function cachedBinary() {
  return path.join(cacheRoot(), cacheKey(legacyVersion()), 'mediasoup-worker');
}

function checkTools() {
  const tools = [
    { cmd: 'python3', args: ['--version'], pkg: 'python3' },
    { cmd: 'make', args: ['--version'], pkg: 'make' },
    { cmd: 'g++', args: ['--version'], pkg: 'g++' },
    { cmd: 'cc', args: ['--version'], pkg: 'gcc' },
  ];
  const missing = tools.filter((t) => spawnSync(t.cmd, t.args, { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) {
    fail(
      `building the mediasoup 3.8.4 worker needs ${missing.map((t) => t.cmd).join(', ')}, not found on PATH.\n` +
        `  Install with: apt-get install -y ${missing.map((t) => t.pkg).join(' ')}`,
    );
  }
}

function writeIfChanged(file, content) {
  if (fs.existsSync(file) && fs.readFileSync(file).equals(content)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return true;
}

function* files(dir, rel = '') {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (NOT_COPIED.has(r.split(path.sep).join('/'))) continue;
    if (e.isDirectory()) yield* files(dir, r);
    else if (e.isFile()) yield r;
  }
}

/**
 * Makes `tree` a patched copy of the vendored worker sources. Files are written only when their
 * content differs, so make (which compares timestamps) recompiles only what a changed patch touches.
 */
function syncTree(tree) {
  const byFile = new Map(PATCHES.map((p) => [p.file, p]));
  let written = 0;
  for (const rel of files(workerDir)) {
    let content = fs.readFileSync(path.join(workerDir, rel));
    const p = byFile.get(rel.split(path.sep).join('/'));
    if (p) {
      const text = content.toString('utf8');
      // A patch whose text is gone means this is not the 3.8.4 the patches were written for.
      if (!text.includes(p.from)) fail(`cannot patch worker/${p.file}: expected text not found (${p.why})`);
      content = Buffer.from(text.replace(p.from, p.to));
      byFile.delete(p.file);
    }
    if (writeIfChanged(path.join(tree, rel), content)) written++;
    // Executable scripts (scripts/cpu_cores.sh, gyp) keep their mode.
    fs.chmodSync(path.join(tree, rel), fs.statSync(path.join(workerDir, rel)).mode & 0o777);
  }
  if (byFile.size > 0) fail(`cannot patch ${[...byFile.keys()].map((f) => `worker/${f}`).join(', ')}: no such file`);
  return written;
}

/** 3.8.4's worker refuses to run without MEDIASOUP_VERSION in its environment; that answer proves it loads. */
function checkRuns(bin) {
  const env = { ...process.env };
  delete env.MEDIASOUP_VERSION;
  const r = spawnSync(bin, [], { encoding: 'utf8', timeout: 10000, env });
  if (r.status !== 1 || !/real father/.test(`${r.stdout}${r.stderr}`)) {
    return `${bin} did not start as a mediasoup worker (exit ${r.status ?? r.signal ?? r.error}): ${`${r.stderr}`.trim().slice(0, 500)}`;
  }
  return undefined;
}

/** Counts the object files gyp's generated makefiles will compile, to report progress as a ratio. */
function countObjects(outDir) {
  let total = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.target.mk')) {
        total += (fs.readFileSync(p, 'utf8').match(/^\t\$\(obj\)\.target\/.*\.o/gm) ?? []).length;
      }
    }
  };
  if (fs.existsSync(outDir)) walk(outDir);
  return total;
}

/** Runs make, logging its output to `logStream` and a progress line every 15 s. */
function runMake(args, opts, outDir) {
  return new Promise((resolve) => {
    const child = spawn('make', args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = [];
    let compiled = 0;
    let total = 0;
    const started = Date.now();
    const onData = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (/^\s+(CXX|CC)\(target\)/.test(line)) compiled++;
        if (line.trim() && tail.push(line) > 40) tail.shift();
        opts.logStream.write(line + '\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setInterval(() => {
      if (!total) total = countObjects(outDir);
      const secs = Math.round((Date.now() - started) / 1000);
      const pct = total ? ` (${Math.min(99, Math.floor((100 * compiled) / total))}%)` : '';
      log(`compiled ${compiled}${total ? `/${total}` : ''} files${pct}, ${Math.floor(secs / 60)}m${secs % 60}s elapsed`);
    }, 15000);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, tail });
    });
  });
}

async function build(version) {
  checkTools();
  const started = Date.now();
  const tree = path.join(cacheRoot(), `build-mediasoup-legacy-${version}`, 'worker');
  const written = syncTree(tree);
  log(`worker sources in ${tree} (${written} files updated, ${PATCHES.length} patches applied)`);
  const cores = process.env.MEDIASOUP_BUILD_CORES || String(os.cpus().length);
  const logFile = path.join(os.tmpdir(), `mediasoup-legacy-worker-build-${process.pid}.log`);
  const logStream = fs.createWriteStream(logFile);
  log(`building mediasoup ${version}'s worker with gyp and make, ${cores} jobs (5-15 minutes on 2 cores); full log: ${logFile}`);
  const env = { ...process.env, PYTHON: 'python3', CORES: cores };
  delete env.MEDIASOUP_WORKER_BIN; // the Makefile builds nothing when it is set
  const result = await runMake(['-C', tree], { env, logStream }, path.join(tree, 'out'));
  await new Promise((resolve) => logStream.end(resolve));
  const built = path.join(tree, 'out', 'Release', 'mediasoup-worker');
  if (result.code !== 0 || !fs.existsSync(built)) {
    fail(`worker build failed (make exited ${result.code}). Last lines:\n${result.tail.join('\n')}\nFull log: ${logFile}`);
  }
  const broken = checkRuns(built);
  if (broken) fail(broken);
  log(`built in ${Math.round((Date.now() - started) / 1000)}s`);
  return built;
}

async function main() {
  const version = legacyVersion();
  const cached = cachedBinary();
  if (process.argv.includes('--path')) {
    if (!fs.existsSync(cached)) process.exit(NOT_BUILT);
    process.stdout.write(`${cached}\n`);
    return;
  }
  if (fs.existsSync(cached)) {
    log(`using cached worker ${cached}`);
  } else {
    log(`no cached mediasoup ${version} worker (${cached})`);
    // Always run make on a cache miss: it is incremental, so a changed patch recompiles only the
    // files it touched, and a binary built with other patches is never cached under this key.
    const built = await build(version);
    // Write to a temp name, then rename: a bench starting meanwhile never sees half a binary.
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.copyFileSync(built, tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, cached);
    log(`cached worker at ${cached}`);
  }
  // The last line is the binary's path, for callers that run this script and read its output.
  process.stdout.write(`${cached}\n`);
}

// Run when executed, not when imported (a test may read PATCHES and cacheKey).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => fail(err.stack ?? String(err)));
}
