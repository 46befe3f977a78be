// No Docker engine runs on these machines, so docker-compose.yml and the Dockerfile are checked by
// construction: every service's mounted configuration loads, each origin's edge list matches the
// edges' ports and its origin list the origins', the healthchecks probe the right ports, nodes sharing the host do not share ports;
// the image is built in a toolchain stage and run from a slim one that holds the worker binary and
// the compiled JavaScript, as a non-root user, with `node` itself as the command.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load';
import type { NodeConfig } from '../../src/config/types';
import { argsOf, parseDockerfile } from '../helpers/dockerfile';

const ROOT = path.resolve(__dirname, '..', '..');
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'));
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const build = stages.find((s) => s.name === 'build')!;
const runtime = stages.find((s) => s.name === 'runtime')!;
/** The CMD of the image (the last stage's), in exec form. */
const cmd = JSON.parse(argsOf(stages[stages.length - 1], 'CMD')[0] ?? 'null') as string[] | null;

interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  network_mode?: string;
  volumes: string[];
  healthcheck: { test: string[] };
}
const services: Record<string, ComposeService> = compose.services;

function configOf(name: string): NodeConfig {
  const mount = services[name].volumes.find((v) => v.split(':')[1] === '/conf');
  if (!mount) throw new Error(`service ${name} mounts no config directory at /conf`);
  return loadConfig(path.resolve(ROOT, mount.split(':')[0]), {});
}

test('the compose file runs two origins and two edges from one image', () => {
  expect(Object.keys(services).sort()).toEqual(['edge1', 'edge2', 'origin', 'origin2']);
  const images = new Set(Object.values(services).map((s) => s.image));
  expect(images).toEqual(new Set(['cdn-relay:local']));
  expect(Object.values(services).filter((s) => s.build).length).toBe(1);
});

test('every service mounts a config directory that loads without error at /conf, where the image reads it', () => {
  expect(cmd!.join(' ')).toContain('--conf /conf');
  for (const name of Object.keys(services)) expect(() => configOf(name)).not.toThrow();
  expect(configOf('origin').loadBalancingEnabled).toBe(true);
  expect(configOf('origin2').loadBalancingEnabled).toBe(true);
  expect(configOf('edge1').loadBalancingEnabled).toBe(false);
});

test("each origin's loadbalancing.xml lists exactly the edges and the origins (by node_id), at their ws and relay ports", () => {
  const place = (names: string[]) =>
    names
      .map((n) => configOf(n))
      .map((c) => `${c.nodeId}@${c.ip}:${c.wsPort}:${c.cdnRelayPort}`)
      .sort();
  for (const name of ['origin', 'origin2']) {
    const lb = configOf(name).loadBalancing!;
    expect(lb.nodes.map((n) => `${n.id}@${n.ip}:${n.ws}:${n.relay}`).sort()).toEqual(place(['edge1', 'edge2']));
    expect(lb.origins.map((o) => `${o.id}@${o.ip}:${o.ws}:${o.relay}`).sort()).toEqual(place(['origin', 'origin2']));
  }
});

test('all nodes share one cluster secret, and nodes on the host network share no port', () => {
  const configs = Object.keys(services).map(configOf);
  expect(new Set(configs.map((c) => c.cdnSecret)).size).toBe(1);
  expect(configs[0].cdnSecret).not.toBe('');
  expect(new Set(configs.flatMap((c) => [c.wsPort, c.cdnRelayPort])).size).toBe(2 * configs.length);
  const ranges = configs.map((c) => [c.mediaPortFrom, c.mediaPortTo]).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThan(ranges[i - 1][1]);
  for (const s of Object.values(services)) expect(s.network_mode).toBe('host');
});

test("each healthcheck probes its own node's /healthz port", () => {
  for (const name of Object.keys(services)) {
    const probe = services[name].healthcheck.test.join(' ');
    expect(probe).toContain(`:${configOf(name).wsPort}/healthz`);
  }
});

test('the image is built in a stage named build and runs from the last stage, named runtime, which the compose file builds', () => {
  expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
  // The slim variant of the build image: the same Debian, so the worker finds the libraries it was linked with.
  expect(runtime.image).toBe(`${build.image}-slim`);
  const built = Object.values(services).find((s) => s.build)!;
  expect(built.build).toEqual({ context: '.', target: 'runtime' });
});

test('the build stage installs the worker build tools (scripts/setup-debian.sh) and npm 11 (allowScripts) before npm ci, then builds the worker, the SDK and dist/', () => {
  const runs = argsOf(build, 'RUN');
  const at = (text: string) => runs.findIndex((r) => r.includes(text));
  // The same script a Debian host runs: it is copied in before it runs.
  expect(argsOf(build, 'COPY').some((c) => c.startsWith('scripts/setup-debian.sh '))).toBe(true);
  expect(at('setup-debian.sh')).toBeGreaterThanOrEqual(0);
  expect(at('npm install -g npm@11')).toBeGreaterThan(at('setup-debian.sh'));
  expect(at('npm ci')).toBeGreaterThan(at('npm install -g npm@11'));
  expect(at('scripts/build-worker.mjs')).toBeGreaterThanOrEqual(at('npm ci'));
  // The worker's build inputs (stand-ins, patches) are in the image before the worker is built.
  expect(argsOf(build, 'COPY')).toContain('scripts/worker scripts/worker');
  expect(at('scripts/build-client.mjs')).toBeGreaterThan(at('npm ci'));
  expect(at('npm run build')).toBeGreaterThan(at('npm ci'));
  expect(at('npm prune --omit=dev')).toBeGreaterThan(at('npm run build'));
  // `npm run build` is the tsc build whose output the runtime copies.
  expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.build).toBe('tsc -p tsconfig.build.json');
});

test('the runtime stage installs no toolchain, only the Debian libraries the worker binary is linked with', () => {
  const runs = argsOf(runtime, 'RUN').join(' ');
  expect(runs).not.toMatch(/g\+\+|gcc|-dev\b|meson|ninja|npm ci|setup-debian/);
  const installed = new Set((/apt-get install ([^&]*)/.exec(runs)?.[1] ?? '').split(/\s+/).filter((w) => w && !w.startsWith('-')));
  // What the worker built here needs at run time: its shared libraries, by Debian package. glibc,
  // libstdc++ and libgcc are in every Debian image.
  const worker = path.join(ROOT, 'node_modules', 'mediasoup', 'worker', 'out', 'Release', 'mediasoup-worker');
  const libs = [
    ...execFileSync('ldd', [worker])
      .toString()
      .matchAll(/=> (\/\S+)/g),
  ].map((m) => m[1]);
  expect(libs.length).toBeGreaterThan(0);
  // Debian 12 merges /lib into /usr/lib; dpkg knows each file under one of the two spellings.
  const owner = (lib: string): string => {
    const spellings = [lib, lib.startsWith('/usr/') ? lib.slice(4) : `/usr${lib}`];
    const r = spellings.map((p) => spawnSync('dpkg', ['-S', p], { encoding: 'utf8' })).find((x) => x.status === 0);
    if (!r) throw new Error(`no Debian package owns ${lib}`);
    return r.stdout.split(':')[0];
  };
  const packages = new Set(libs.map(owner));
  for (const base of ['libc6', 'libstdc++6', 'libgcc-s1']) packages.delete(base);
  expect([...packages].filter((p) => !installed.has(p))).toEqual([]);
});

test('the runtime stage copies from the build stage the worker binary that MEDIASOUP_WORKER_BIN names, dist/, web/, conf/ and node_modules', () => {
  const env = argsOf(runtime, 'ENV').join(' ');
  const workerBin = /MEDIASOUP_WORKER_BIN=(\S+)/.exec(env)?.[1];
  expect(workerBin).toBeDefined();
  const copies = argsOf(runtime, 'COPY').map((c) => c.split(' '));
  const fromBuild = copies.filter((c) => c[0] === '--from=build').map((c) => ({ src: c[1], dest: c[2] }));
  const worker = fromBuild.find((c) => c.src.endsWith('/mediasoup-worker'));
  expect(worker?.dest).toBe(workerBin);
  // The binary copied is the one the build stage set apart from the worker's build output.
  expect(argsOf(build, 'RUN').join(' ')).toContain(`cp node_modules/mediasoup/worker/out/Release/mediasoup-worker ${worker!.src}`);
  const workdir = argsOf(build, 'WORKDIR')[0];
  for (const dir of ['dist', 'web', 'conf', 'node_modules']) expect(fromBuild.map((c) => c.src)).toContain(`${workdir}/${dir}`);
  expect(copies.filter((c) => c[0] !== '--from=build')).toEqual([]);
});

test('the runtime runs as a user other than root', () => {
  const users = argsOf(runtime, 'USER');
  expect(users.length).toBeGreaterThan(0);
  expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
});

test('the command is node running the compiled entry point (no npm, no TypeScript loader), with its pid file outside the read-only /conf', () => {
  expect(cmd![0]).toBe('node');
  const outDir = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')).compilerOptions.outDir;
  expect(cmd).toContain(`${outDir}/index.js`);
  expect(cmd!.join(' ')).not.toMatch(/tsx|\.ts\b|npm/);
  const pidFile = cmd![cmd!.indexOf('--pid-file') + 1];
  expect(cmd).toContain('--pid-file');
  expect(pidFile.startsWith('/conf/')).toBe(false);
  for (const s of Object.values(services)) expect(s.volumes.find((v) => v.endsWith(':/conf:ro'))).toBeDefined();
});

test('the build context leaves out what the build stage makes itself', () => {
  const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['node_modules', 'dist', 'web/sdk', 'local-cluster']) expect(ignored).toContain(entry);
});
