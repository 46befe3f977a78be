#!/usr/bin/env node
// Builds mediasoup's C++ worker from the sources vendored in the mediasoup 3.8.4 npm tarball, with
// the two patches this machine's toolchain needs and the OpenSSL fix for CVE-2022-0778, and caches
// the binary outside the checkout.
//
// Why this script exists (docs/mediasoup.md): mediasoup >= 3.9 downloads its worker's
// dependencies (or a prebuilt binary) from GitHub at install time, which cannot work on a machine
// that reaches only the npm registry and Debian. 3.8.4 vendors everything; its own postinstall is
// denied in package.json `allowScripts` and this script runs instead, as the project's postinstall.
//
// Environment (all optional):
//   MEDIASOUP_WORKER_CACHE  cache directory (default: $XDG_CACHE_HOME/cdn-relay or ~/.cache/cdn-relay)
//   MEDIASOUP_WORKER_BIN    use this binary and build nothing (mediasoup honours it at run time too)
//   MEDIASOUP_BUILD_CORES   parallel compile jobs (default: number of CPU cores)
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '..');
const mediasoupDir = process.env.MEDIASOUP_DIR ?? path.join(projectRoot, 'node_modules', 'mediasoup');
const workerDir = path.join(mediasoupDir, 'worker');
const outBin = path.join(workerDir, 'out', 'Release', 'mediasoup-worker');

/** Source patches; their text is part of the cache key, so changing one forces a rebuild. */
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

export function cacheKey(version) {
  const h = createHash('sha256');
  h.update(JSON.stringify({ version, patches: PATCHES, platform: process.platform, arch: process.arch }));
  return `mediasoup-${version}-${process.platform}-${process.arch}-${h.digest('hex').slice(0, 16)}`;
}

function cacheDir() {
  if (process.env.MEDIASOUP_WORKER_CACHE) return process.env.MEDIASOUP_WORKER_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'cdn-relay');
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
      `building the mediasoup worker needs ${missing.map((t) => t.cmd).join(', ')}, not found on PATH.\n` +
        `  Install with: apt-get install -y ${missing.map((t) => t.pkg).join(' ')}\n` +
        `  (or point MEDIASOUP_WORKER_BIN at an already built mediasoup-worker ${mediasoupVersion()})`,
    );
  }
}

function applyPatches() {
  for (const p of PATCHES) {
    const file = path.join(workerDir, p.file);
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes(p.to)) continue; // already patched (re-run)
    if (!text.includes(p.from)) fail(`cannot patch ${p.file}: expected text not found (${p.why})`);
    fs.writeFileSync(file, text.replace(p.from, p.to));
    log(`patched ${p.file} (${p.why})`);
  }
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

function run(cmd, args, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let compiled = 0;
    let tail = [];
    const onData = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (/^\s+(CXX|CC)\(target\)/.test(line)) compiled++;
        if (line.trim()) tail = [...tail.slice(-40), line];
        opts.logStream.write(line + '\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => resolve({ code, tail, compiled: () => compiled }));
    opts.onChild?.(child, () => compiled);
  });
}

async function build() {
  checkTools();
  applyPatches();
  const cores = process.env.MEDIASOUP_BUILD_CORES || String(os.cpus().length);
  const logFile = path.join(os.tmpdir(), `mediasoup-worker-build-${process.pid}.log`);
  const logStream = fs.createWriteStream(logFile);
  log(`building the worker from source with ${cores} jobs (about 5-15 minutes on 2 cores); full log: ${logFile}`);
  const started = Date.now();
  const env = { ...process.env, PYTHON: 'python3', CORES: cores };
  delete env.MEDIASOUP_WORKER_BIN; // the Makefile skips the build when it is set
  let total = 0;
  let timer;
  const result = await run('make', ['-C', workerDir], {
    env,
    logStream,
    onChild: (_child, compiled) => {
      timer = setInterval(() => {
        if (!total) total = countObjects(path.join(workerDir, 'out'));
        const secs = Math.round((Date.now() - started) / 1000);
        const n = compiled();
        const pct = total ? ` (${Math.min(99, Math.round((100 * n) / total))}%)` : '';
        log(`compiled ${n}${total ? `/${total}` : ''} files${pct}, ${Math.floor(secs / 60)}m${secs % 60}s elapsed`);
      }, 15000);
    },
  });
  clearInterval(timer);
  logStream.end();
  if (result.code !== 0 || !fs.existsSync(outBin)) {
    fail(`worker build failed (make exited ${result.code}). Last lines:\n${result.tail.join('\n')}\nFull log: ${logFile}`);
  }
  log(`built in ${Math.round((Date.now() - started) / 1000)}s`);
}

async function main() {
  if (process.env.MEDIASOUP_WORKER_BIN) {
    log(`MEDIASOUP_WORKER_BIN is set (${process.env.MEDIASOUP_WORKER_BIN}); not building`);
    return;
  }
  const version = mediasoupVersion();
  const key = cacheKey(version);
  const cached = path.join(cacheDir(), key, 'mediasoup-worker');
  if (fs.existsSync(cached)) {
    fs.mkdirSync(path.dirname(outBin), { recursive: true });
    fs.copyFileSync(cached, outBin);
    fs.chmodSync(outBin, 0o755);
    log(`using cached worker ${cached}`);
    return;
  }
  // Always run make on a cache miss: it is incremental, so a changed patch recompiles only the
  // files it touched, and a binary left in out/ by another patch set is never cached under this key.
  await build();
  // Write to a temp name, then rename: a concurrent install never sees half a binary.
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  fs.copyFileSync(outBin, tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, cached);
  log(`cached worker at ${cached}`);
}

// Run when executed (npm's postinstall), not when imported (tests read PATCHES and cacheKey).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => fail(err.stack ?? String(err)));
}
