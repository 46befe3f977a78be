// `npm run reload -- --conf DIR`: sends SIGHUP to the node whose pid is in DIR/node.pid and prints
// what it did with the edited configuration (added / removed / kept / updated edges and origins, or why the
// file was refused), read from the node.reload.json it writes. Exit 0 when the node applied the
// file, 1 when it refused it or could not be reached, 2 on a usage mistake.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultPidFile, readPidFile, readReloadReport, type ReloadReport } from './nodeFiles';

const USAGE = 'usage: npm run reload -- --conf <dir>   (or --pid-file <file>, for a node started with one)';
const ANSWER_TIMEOUT_MS = 5000;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * A pid file left by a node that died without cleaning up (SIGKILL, power loss) may name a pid
 * the system has since given to another process: SIGHUP would kill it. On Linux, check that the
 * process is a node (its command line names index.js/index.ts); elsewhere, only that it exists.
 */
function checkIsNode(pid: number, pidFile: string): void {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') fail(`${pidFile} names process ${pid}, which is not running: the node is stopped (a stale pid file)`);
    throw err;
  }
  const cmdlineFile = `/proc/${pid}/cmdline`;
  if (!fs.existsSync(cmdlineFile)) return;
  const args = fs.readFileSync(cmdlineFile, 'utf8').split('\0');
  if (!args.some((a) => /index\.(js|ts)$/.test(a))) fail(`${pidFile} names process ${pid}, which is not a node (${args.join(' ').trim()}): a stale pid file`);
}

function list(ids: string[] | undefined): string {
  return ids && ids.length > 0 ? ids.join(', ') : '-';
}

function describeReport(report: ReloadReport): string {
  if (!report.ok) return `reload refused, nothing changed: ${report.error?.message ?? 'unknown error'}`;
  const lines = ['reloaded'];
  if (report.edges) {
    lines.push(`  added:   ${list(report.edges.added)}`, `  removed: ${list(report.edges.removed)}`, `  kept:    ${list(report.edges.kept)}`);
    if (report.edges.updated?.length) lines.push(`  updated in place (link kept): ${list(report.edges.updated)}`);
  } else lines.push('  (not an origin: no edge list)');
  if (report.origins) {
    lines.push(
      `  origins added:   ${list(report.origins.added)}`,
      `  origins removed: ${list(report.origins.removed)}`,
      `  origins kept:    ${list(report.origins.kept)}`,
    );
  }
  if (report.needsRestart?.length) lines.push(`  changed, applied only by a restart: ${report.needsRestart.join(', ')}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { conf: { type: 'string', short: 'c' }, 'pid-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const pidFile = path.resolve(values['pid-file'] ?? defaultPidFile(path.resolve(values.conf ?? 'conf')));
  const pid = readPidFile(pidFile);
  if (pid === null) fail(`no pid file at ${pidFile}: is the node running (npm run node -- --conf <dir>)?`);
  checkIsNode(pid, pidFile);

  const sentAt = Date.now();
  process.kill(pid, 'SIGHUP');
  process.stdout.write(`sent SIGHUP to node ${pid} (${pidFile})\n`);
  const deadline = sentAt + ANSWER_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const report = readReloadReport(pidFile);
    if (report && report.pid === pid && report.at >= sentAt) {
      process.stdout.write(`${describeReport(report)}\n`);
      process.exit(report.ok ? 0 : 1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`node ${pid} wrote no reload report within ${ANSWER_TIMEOUT_MS / 1000} s; see its log`);
}

void main();
