// The offline worker build (scripts/build-worker.mjs), without compiling anything: a missing tool
// or library stops it with the apt-get line that fixes it, a cached worker is used as it is, and
// our patches still apply to the mediasoup that is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeTempDirs, tempDir } from '../helpers/tempDirs';

afterAll(removeTempDirs);

const SCRIPTS = path.resolve(__dirname, '..', '..', 'scripts');
const SCRIPT = path.join(SCRIPTS, 'build-worker.mjs');
const MEDIASOUP = path.resolve(__dirname, '..', '..', 'node_modules', 'mediasoup');

function fakeMediasoup(version = '3.27.1'): string {
  const dir = tempDir('fake-mediasoup-');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'mediasoup', version }));
  return dir;
}

function evalModule(file: string, expr: string): string {
  const code = `import(${JSON.stringify(file)}).then((m) => process.stdout.write(String(${expr})))`;
  return execFileSync(process.execPath, ['-e', code]).toString();
}

const cacheKey = (version: string): string => evalModule(SCRIPT, `m.cacheKey(${JSON.stringify(version)})`);

test('missing build tools and libraries stop the build with the apt-get lines that install them', () => {
  const cache = tempDir('worker-cache-');
  const r = spawnSync(process.execPath, [SCRIPT], {
    env: { PATH: '/nonexistent', MEDIASOUP_DIR: fakeMediasoup(), MEDIASOUP_WORKER_CACHE: cache, HOME: os.tmpdir() },
  });
  expect(r.status).toBe(1);
  const err = r.stderr.toString();
  expect(err).toContain('building the mediasoup 3.27.1 worker needs what this machine lacks');
  expect(err).toMatch(/apt-get install -y .*\bg\+\+ .*\bninja-build\b.*\blibssl-dev\b.*\blibuv1-dev\b/);
  expect(err).toContain('apt-get install -y -t bookworm-backports meson');
  expect(err).toContain('MEDIASOUP_WORKER_BIN');
  expect(fs.readdirSync(cache)).toEqual([]); // nothing half-built left behind
});

test('a cached worker for this version, patch set and Debian library set is copied into place without building', () => {
  const cache = tempDir('worker-cache-');
  const mediasoup = fakeMediasoup();
  const key = cacheKey('3.27.1');
  expect(key).toMatch(/^mediasoup-3\.27\.1-linux-/);
  fs.mkdirSync(path.join(cache, key));
  fs.writeFileSync(path.join(cache, key, 'mediasoup-worker'), '#!/bin/sh\necho fake worker\n');
  const r = spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, MEDIASOUP_DIR: mediasoup, MEDIASOUP_WORKER_CACHE: cache } });
  expect(r.status).toBe(0);
  expect(r.stdout.toString()).toContain('using cached worker');
  const placed = path.join(mediasoup, 'worker', 'out', 'Release', 'mediasoup-worker');
  expect(fs.readFileSync(placed, 'utf8')).toContain('fake worker');
  expect(fs.statSync(placed).mode & 0o111).not.toBe(0);
});

test('the cache key changes with the mediasoup version and is stable otherwise', () => {
  expect(cacheKey('3.27.1')).toBe(cacheKey('3.27.1'));
  expect(cacheKey('3.27.1')).not.toBe(cacheKey('3.27.2'));
});

test('MEDIASOUP_WORKER_BIN skips the build entirely', () => {
  const r = spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, MEDIASOUP_WORKER_BIN: '/opt/worker', MEDIASOUP_DIR: fakeMediasoup() } });
  expect(r.status).toBe(0);
  expect(r.stdout.toString()).toContain('MEDIASOUP_WORKER_BIN is set');
});

test('every patch applies to the installed mediasoup worker sources, and a changed source is refused by name', () => {
  const patches = path.join(SCRIPTS, 'worker', 'patches.mjs');
  const files = JSON.parse(evalModule(patches, 'JSON.stringify([...new Set(m.PATCHES.map((p) => p.file))])')) as string[];
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const source = path.join(MEDIASOUP, 'worker', file);
    const changed = evalModule(
      patches,
      `m.patchedText(${JSON.stringify(file)}, require('node:fs').readFileSync(${JSON.stringify(source)}, 'utf8')) !== require('node:fs').readFileSync(${JSON.stringify(source)}, 'utf8')`,
    );
    expect(changed).toBe('true');
  }
  const r = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(patches)}).then((m) => m.patchedText(${JSON.stringify(files[0])}, 'other code'))`]);
  expect(r.status).not.toBe(0);
  expect(r.stderr.toString()).toContain(`cannot patch worker/${files[0]}: the expected text is not there`);
});
