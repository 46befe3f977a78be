// libsrtp 2.5 for the worker, from Debian's own source package. mediasoup >= 3.15 is written
// against versatica's libsrtp 3.0 fork, which no distribution packages; Debian's libsrtp2 binary
// package links NSS, not OpenSSL (no AES-GCM through OpenSSL, which the pipes between nodes use).
// So we take Debian's source (`apt-get source`, checked by apt against the signed archive index),
// build it statically with OpenSSL, and give the worker the libsrtp 3 calls it makes through the
// small layer in subprojects/libsrtp3/ (docs/mediasoup.md).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEB_SRC_HINT, libsrtp2SourceVersion } from './prerequisites.mjs';

function sh(cmd, args, opts, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${what} failed (${cmd} ${args.join(' ')}):\n${out || r.error}`);
  }
  return r.stdout;
}

/**
 * Builds libsrtp 2 once per source version under `cacheRoot` and returns the install prefix
 * (its lib/pkgconfig goes on PKG_CONFIG_PATH for the worker's build).
 */
export function ensureLibsrtp2(cacheRoot, log) {
  const version = libsrtp2SourceVersion();
  if (!version) {
    throw new Error(`apt knows no source package libsrtp2 (no deb-src line?). To fix: ${DEB_SRC_HINT}`);
  }
  const home = path.join(cacheRoot, `libsrtp2-${version}`);
  const prefix = path.join(home, 'prefix');
  if (fs.existsSync(path.join(prefix, 'lib', 'libsrtp2.a'))) return { prefix, version };

  log(`building libsrtp ${version} (Debian source, with OpenSSL) into ${prefix}`);
  fs.rmSync(home, { recursive: true, force: true });
  const download = path.join(home, 'download');
  fs.mkdirSync(download, { recursive: true });
  sh('apt-get', ['source', '--download-only', '-qq', `libsrtp2=${version}`], { cwd: download }, 'downloading the libsrtp2 source');
  const dsc = fs.readdirSync(download).find((f) => f.endsWith('.dsc'));
  if (!dsc) throw new Error(`apt-get source left no .dsc file in ${download}`);
  const src = path.join(home, 'src');
  // Unpacks the upstream tarball and applies Debian's patches.
  sh('dpkg-source', ['--no-check', '-x', dsc, src], { cwd: download }, 'unpacking the libsrtp2 source');

  const build = path.join(home, 'build');
  const tmpPrefix = `${prefix}.tmp`;
  sh(
    'meson',
    [
      'setup',
      build,
      src,
      `--prefix=${tmpPrefix}`,
      '--libdir=lib',
      '--buildtype=release',
      '-Db_ndebug=true',
      '-Db_staticpic=true',
      '-Ddefault_library=static',
      '-Dcrypto-library=openssl',
      '-Dtests=disabled',
      '-Ddoc=disabled',
      '-Dpcap-tests=disabled',
    ],
    {},
    'configuring libsrtp2',
  );
  sh('ninja', ['-C', build, 'install'], {}, 'building libsrtp2');
  // The .pc file names the prefix it was installed to: point it at the final one.
  const pc = path.join(tmpPrefix, 'lib', 'pkgconfig', 'libsrtp2.pc');
  fs.writeFileSync(pc, fs.readFileSync(pc, 'utf8').replace(`prefix=${tmpPrefix}`, `prefix=${prefix}`));
  fs.renameSync(tmpPrefix, prefix);
  fs.rmSync(build, { recursive: true, force: true });
  return { prefix, version };
}
