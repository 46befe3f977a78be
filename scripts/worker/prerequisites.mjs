// What building the worker needs from the system, and the versions that go into the cache key.
// Every check names the Debian package that fixes it, so a missing piece stops the build at once
// with one `apt-get install` line instead of failing half-way through a 10-minute compile.
import { spawnSync } from 'node:child_process';

/** Programs the build runs, with the Debian package of each. */
const TOOLS = [
  { cmd: 'cc', args: ['--version'], pkg: 'gcc' },
  { cmd: 'c++', args: ['--version'], pkg: 'g++' },
  { cmd: 'pkg-config', args: ['--version'], pkg: 'pkg-config' },
  { cmd: 'ninja', args: ['--version'], pkg: 'ninja-build' },
  { cmd: 'flatc', args: ['--version'], pkg: 'flatbuffers-compiler' },
  { cmd: 'apt-get', args: ['--version'], pkg: 'apt' },
  { cmd: 'dpkg-source', args: ['--version'], pkg: 'dpkg-dev' },
  { cmd: 'strip', args: ['--version'], pkg: 'binutils' },
];

/** Libraries the worker links, found through pkg-config, with the Debian package of each. */
const LIBRARIES = [
  { module: 'openssl', min: '3.0.0', pkg: 'libssl-dev' },
  { module: 'libuv', min: '1.44.0', pkg: 'libuv1-dev' },
  { module: 'absl_strings', min: '20220623', pkg: 'libabsl-dev' },
  { module: 'flatbuffers', min: '2.0.0', pkg: 'libflatbuffers-dev' },
];

/** mediasoup 3.27's meson.build asks for meson >= 1.1.0; Debian 12 has 1.0.1, its backports 1.7. */
const MESON_MIN = [1, 1, 0];

export const DEB_SRC_HINT =
  "add a deb-src line for Debian's own mirror, e.g. /etc/apt/sources.list.d/debian-src.sources:\n" +
  '      Types: deb-src\n' +
  '      URIs: http://deb.debian.org/debian\n' +
  '      Suites: bookworm\n' +
  '      Components: main\n' +
  '      Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' +
  '  then: apt-get update';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error || r.status !== 0 ? undefined : r.stdout.trim();
}

function versionAtLeast(actual, min) {
  const a = actual.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < min.length; i++) {
    if ((a[i] ?? 0) !== min[i]) return (a[i] ?? 0) > min[i];
  }
  return true;
}

/** The newest libsrtp2 source version apt knows of, or undefined (no deb-src line). */
export function libsrtp2SourceVersion() {
  const out = run('apt-cache', ['showsrc', '--only-source', 'libsrtp2']);
  const versions = [...(out ?? '').matchAll(/^Version: (\S+)$/gm)].map((m) => m[1]);
  if (versions.length === 0) return undefined;
  return versions.sort((a, b) => (spawnSync('dpkg', ['--compare-versions', a, 'gt', b]).status === 0 ? -1 : 1))[0];
}

/** Versions of everything the binary is made from (the cache key), 'none' where missing. */
export function inputVersions() {
  const v = {
    cc: run('cc', ['-dumpfullversion']) ?? 'none',
    meson: run('meson', ['--version']) ?? 'none',
    flatc: run('flatc', ['--version']) ?? 'none',
    libsrtp2: libsrtp2SourceVersion() ?? 'none',
  };
  for (const lib of LIBRARIES) v[lib.module] = run('pkg-config', ['--modversion', lib.module]) ?? 'none';
  return v;
}

/**
 * Everything missing, as a message with the commands that fix it, or undefined when all is there.
 * @param {string} mediasoupVersion for the message only
 */
export function missingPrerequisites(mediasoupVersion) {
  const packages = new Set();
  const notes = [];
  for (const t of TOOLS) if (run(t.cmd, t.args) === undefined) packages.add(t.pkg);
  const havePkgConfig = run('pkg-config', ['--version']) !== undefined;
  for (const lib of LIBRARIES) {
    if (havePkgConfig && run('pkg-config', [`--atleast-version=${lib.min}`, lib.module]) === undefined) {
      packages.add(lib.pkg);
    }
  }
  if (!havePkgConfig) for (const lib of LIBRARIES) packages.add(lib.pkg);
  const meson = run('meson', ['--version']);
  let backports = false;
  if (meson === undefined || !versionAtLeast(meson, MESON_MIN)) {
    backports = true;
    notes.push(
      `meson >= ${MESON_MIN.join('.')} is needed (found: ${meson ?? 'none'}); Debian 12 has it in bookworm-backports.\n` +
        '  Add /etc/apt/sources.list.d/backports.sources:\n' +
        '      Types: deb\n' +
        '      URIs: http://deb.debian.org/debian\n' +
        '      Suites: bookworm-backports\n' +
        '      Components: main\n' +
        '      Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' +
        '  then: apt-get update && apt-get install -y -t bookworm-backports meson',
    );
  }
  if (packages.size === 0 && !backports) return undefined;
  const lines = [`building the mediasoup ${mediasoupVersion} worker needs what this machine lacks.`];
  if (packages.size > 0) lines.push(`  Install with: apt-get install -y ${[...packages].join(' ')}`);
  lines.push(...notes.map((n) => `  ${n}`));
  lines.push('  (or point MEDIASOUP_WORKER_BIN at a mediasoup-worker ' + mediasoupVersion + ' built elsewhere)');
  return lines.join('\n');
}
