// `npm run bench:smoke` end to end: every section of the benchmark with tiny sizes, as its own
// process the way a person runs it (origin failover with one kill), except three that other tests run: the engines'
// (engines.smoke.test.ts), and loss and narrow link (test/net/loss.test.ts and narrow.test.ts run
// the same measurements and print their rows with the report's functions). A
// change that breaks a benchmark (a harness, a report, an API the bench uses) fails here rather
// than in the next `npm run bench`. The figures are not judged; that each section ran and reported
// measured numbers is. Needs root: the restore section blocks the relay link with nftables.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RELAY_HOP_HEADING, RELAY_RESTORE_HEADING } from '../../bench/relayReport';
import { CAPACITY_HEADINGS } from '../../bench/capacityReport';
import { ORIGIN_FAILOVER_HEADING } from '../../bench/originFailover';
import { FIFTY_EDGES_HEADING } from '../../bench/fiftyEdges';
import { ENGINES_HEADING } from '../../bench/engines';
import { LOSS_HEADING } from '../../bench/netLoss';
import { NARROW_HEADING } from '../../bench/netNarrow';
import { bedUnavailable } from '../net/shell';

const ROOT = path.join(__dirname, '..', '..');
const TIMEOUT_MS = 300_000;
jest.setTimeout(TIMEOUT_MS + 30_000);

function runSmoke(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // A process group of its own, so a hung run can be ended with every node it started.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), '--smoke'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_OUT: out },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[test] no exit within ${TIMEOUT_MS} ms: killing the run\n`;
      process.kill(-child.pid!, 'SIGKILL');
    }, TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('every benchmark section runs with tiny sizes and reports measured figures, leaving BENCHMARKS.md alone', async () => {
  const why = bedUnavailable();
  if (why) throw new Error(why);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const out = path.join(dir, 'BENCHMARKS.md');
  const before = fs.readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8');
  try {
    const started = Date.now();
    const { code, output } = await runSmoke(out);
    console.log(`bench smoke: exit ${code} after ${Math.round((Date.now() - started) / 1000)} s\n${output.split('\n').slice(-40).join('\n')}`);
    expect(code).toBe(0);
    const md = fs.readFileSync(out, 'utf8');
    const headings = [
      'Propagation:',
      RELAY_HOP_HEADING,
      ORIGIN_FAILOVER_HEADING,
      FIFTY_EDGES_HEADING,
      RELAY_RESTORE_HEADING,
      'Join time:',
      'Fan-out:',
      ...CAPACITY_HEADINGS,
      ENGINES_HEADING,
      'Soak:',
      LOSS_HEADING,
      NARROW_HEADING,
    ];
    for (const h of headings) expect(md).toContain(`\n## ${h}`);
    // The relay rows carry numbers: both link modes measured packets, both restores came back.
    const rows = md.split('\n').filter((l) => /^\| (secure|plain) /.test(l));
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).not.toContain('n/a');
    const restoreSection = md.slice(md.indexOf(RELAY_RESTORE_HEADING));
    const restoreRows = restoreSection
      .slice(0, restoreSection.indexOf('\n## '))
      .split('\n')
      .filter((l) => /^\| \d/.test(l));
    expect(restoreRows).toHaveLength(2);
    // The failover rows carry measured times (one kill in the smoke run).
    const failoverRows = md.split('\n').filter((l) => /^\| (publisher PUBLISHING|players decoding)/.test(l));
    expect(failoverRows).toHaveLength(2);
    for (const r of failoverRows) expect(r).not.toContain('n/a');
    // The fifty-edges table (a few edges in the smoke run) has push, on demand and tiers measured: joins, egress, the crowd.
    const fiftyRows = md.split('\n').filter((l) => /^\| (first packet cold|origin egress|crowd first packet)/.test(l));
    expect(fiftyRows).toHaveLength(3);
    for (const r of fiftyRows) {
      expect(r).not.toContain('n/a');
      expect(r.split('|').length - 3).toBe(3);
    }
    expect(fs.readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8')).toBe(before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
