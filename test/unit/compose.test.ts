// No Docker engine runs on these machines, so docker-compose.yml is checked by construction: every
// service's mounted configuration loads, the origin's edge list matches the edges' ports, the
// healthchecks probe the right ports, and nodes sharing the host do not share ports.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load';
import type { NodeConfig } from '../../src/config/types';

const ROOT = path.resolve(__dirname, '..', '..');
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'));
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
interface ComposeService {
  image?: string;
  build?: unknown;
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

test('the compose file runs one origin and two edges from one image', () => {
  expect(Object.keys(services).sort()).toEqual(['edge1', 'edge2', 'origin']);
  const images = new Set(Object.values(services).map((s) => s.image));
  expect(images).toEqual(new Set(['cdn-relay:local']));
  expect(Object.values(services).filter((s) => s.build).length).toBe(1);
});

test('every service mounts a config directory that loads without error at /conf, where the image reads it', () => {
  expect(dockerfile).toMatch(/CMD \[.*"--conf", "\/conf"\]/);
  for (const name of Object.keys(services)) expect(() => configOf(name)).not.toThrow();
  expect(configOf('origin').loadBalancingEnabled).toBe(true);
  expect(configOf('edge1').loadBalancingEnabled).toBe(false);
});

test("the origin's loadbalancing.xml lists exactly the edges, at their ws ports", () => {
  const origin = configOf('origin');
  const listed = origin.loadBalancing!.nodes.map((n) => `${n.ip}:${n.ws}`).sort();
  const edges = ['edge1', 'edge2']
    .map((n) => configOf(n))
    .map((c) => `${c.ip}:${c.wsPort}`)
    .sort();
  expect(listed).toEqual(edges);
});

test('all nodes share one cluster secret, and nodes on the host network share no port', () => {
  const configs = Object.keys(services).map(configOf);
  expect(new Set(configs.map((c) => c.cdnSecret)).size).toBe(1);
  expect(configs[0].cdnSecret).not.toBe('');
  expect(new Set(configs.map((c) => c.wsPort)).size).toBe(configs.length);
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

test('the image installs npm 11 (allowScripts) and the worker build tools before npm ci', () => {
  const npm11 = dockerfile.indexOf('npm install -g npm@11');
  const ci = dockerfile.indexOf('npm ci');
  expect(npm11).toBeGreaterThan(0);
  expect(ci).toBeGreaterThan(npm11);
  expect(dockerfile).toMatch(/apt-get install .*python3 make g\+\+/);
});
