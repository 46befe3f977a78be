// The offline worker build (scripts/build-worker.mjs), without compiling anything: a missing tool
// stops it with the apt-get line that fixes it, and a cached worker is used as it is.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeTempDirs, tempDir } from '../helpers/tempDirs';

afterAll(removeTempDirs);

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'build-worker.mjs');

function fakeMediasoup(): string {
  const dir = tempDir('fake-mediasoup-');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'mediasoup', version: '3.8.4' }));
  return dir;
}

function cacheKey(version: string): string {
  const code = `import(${JSON.stringify(SCRIPT)}).then((m) => process.stdout.write(m.cacheKey(${JSON.stringify(version)})))`;
  return execFileSync(process.execPath, ['-e', code]).toString();
}

test('a missing compiler or make stops the build with the apt-get line that installs it', () => {
  const cache = tempDir('worker-cache-');
  const r = spawnSync(process.execPath, [SCRIPT], {
    env: { PATH: '/nonexistent', MEDIASOUP_DIR: fakeMediasoup(), MEDIASOUP_WORKER_CACHE: cache, HOME: os.tmpdir() },
  });
  expect(r.status).toBe(1);
  const err = r.stderr.toString();
  expect(err).toContain('needs python3, make, g++, cc');
  expect(err).toContain('apt-get install -y python3 make g++ gcc');
});

test('a cached worker for this version and patch set is copied into place without building', () => {
  const cache = tempDir('worker-cache-');
  const mediasoup = fakeMediasoup();
  const key = cacheKey('3.8.4');
  expect(key).toMatch(/^mediasoup-3\.8\.4-/);
  fs.mkdirSync(path.join(cache, key));
  fs.writeFileSync(path.join(cache, key, 'mediasoup-worker'), '#!/bin/sh\necho fake worker\n');
  const r = spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, MEDIASOUP_DIR: mediasoup, MEDIASOUP_WORKER_CACHE: cache } });
  expect(r.status).toBe(0);
  expect(r.stdout.toString()).toContain('using cached worker');
  const placed = path.join(mediasoup, 'worker', 'out', 'Release', 'mediasoup-worker');
  expect(fs.readFileSync(placed, 'utf8')).toContain('fake worker');
  expect(fs.statSync(placed).mode & 0o111).not.toBe(0);
});

test('the cache key changes with the mediasoup version', () => {
  expect(cacheKey('3.8.4')).not.toBe(cacheKey('3.8.5'));
});

test('MEDIASOUP_WORKER_BIN skips the build entirely', () => {
  const r = spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, MEDIASOUP_WORKER_BIN: '/opt/worker', MEDIASOUP_DIR: fakeMediasoup() } });
  expect(r.status).toBe(0);
  expect(r.stdout.toString()).toContain('MEDIASOUP_WORKER_BIN is set');
});
