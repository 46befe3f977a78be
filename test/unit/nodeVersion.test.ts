// The entry points refuse a Node.js older than mediasoup 3.27 needs, with one line saying so.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MIN_NODE_MAJOR, nodeVersionProblem } from '../../src/cli/nodeVersion';

test('Node.js 22 and later pass; older ones get a message naming the version and the minimum', () => {
  expect(MIN_NODE_MAJOR).toBe(22);
  for (const v of ['22.13.0', '22.23.5', '24.1.0', '26.0.0']) expect(nodeVersionProblem(v)).toBeUndefined();
  for (const v of ['20.19.2', '18.19.0', 'garbage']) {
    expect(nodeVersionProblem(v)).toBe(`cdn-relay needs Node.js 22 or later (mediasoup 3.27 requires it); this is v${v}. See README.md, "Set-up".`);
  }
  expect(nodeVersionProblem()).toBeUndefined(); // the Node running this test
});

test('the entry points import the check before anything else', () => {
  for (const [file, spec] of [
    ['src/index.ts', './cli/nodeVersion'],
    ['src/cli/local-cluster.ts', './nodeVersion'],
  ]) {
    const text = fs.readFileSync(path.resolve(__dirname, '..', '..', file), 'utf8');
    const firstImport = /^import .*$/m.exec(text)?.[0];
    expect(firstImport).toContain(`import '${spec}';`);
  }
  // And this Node.js starts the node's CLI far enough to print its usage.
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', '..', 'src', 'index.ts'), '--help']);
  expect(r.status).toBe(0);
  expect(r.stdout.toString()).toContain('usage: npm run node');
});
