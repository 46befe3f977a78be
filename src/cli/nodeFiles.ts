// The two files a running node keeps for its admin, by default in its config directory:
//   node.pid          its process id, so `kill -HUP $(cat <conf>/node.pid)` (or `npm run reload`)
//                     reaches the node itself and not a wrapper (npm, sh) that would die of the
//                     signal and orphan the node; written once the node listens and handles
//                     SIGHUP, removed when it exits;
//   node.reload.json  the outcome of the last SIGHUP (added / removed / kept edges and origins, or the
//                     refusal with its file, line and key), which `npm run reload` prints.
import fs from 'node:fs';
import path from 'node:path';

export const PID_FILE = 'node.pid';

/** The outcome of one reload, as written to node.reload.json. */
export interface ReloadReport {
  /** Pid of the node that reloaded (tells a stale report of a previous run apart). */
  pid: number;
  /** Epoch milliseconds of the reload. */
  at: number;
  ok: boolean;
  edges?: { added: string[]; removed: string[]; kept: string[]; updated?: string[] } | null;
  /** Other origins linked, unlinked and kept (<origin>), in a cluster of several origins only. */
  origins?: { added: string[]; removed: string[]; kept: string[] };
  needsRestart?: string[];
  error?: { message: string; file?: string | null; line?: number | null; key?: string | null };
}

export function defaultPidFile(confDir: string): string {
  return path.join(confDir, PID_FILE);
}

/** node.reload.json beside the pid file (`x.pid` -> `x.reload.json`). */
export function reloadReportFile(pidFile: string): string {
  return path.join(path.dirname(pidFile), `${path.basename(pidFile, '.pid')}.reload.json`);
}

/** Writes atomically (rename), so a reader never sees half a file. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export function writePidFile(file: string, pid = process.pid): void {
  writeAtomic(file, `${pid}\n`);
}

/** The pid in the file, or null when there is no file; throws when the file holds no pid. */
export function readPidFile(file: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${file} holds no process id: "${text.trim()}"`);
  return pid;
}

/**
 * Removes this node's files, but only if the pid file still names this process: a second node
 * started from the same directory (by mistake) owns them now, and must stay reachable.
 */
export function removeNodeFiles(pidFile: string, pid = process.pid): void {
  let owner: number | null;
  try {
    owner = readPidFile(pidFile);
  } catch {
    return; // not a pid we wrote: leave it to whoever did
  }
  if (owner !== pid) return;
  fs.rmSync(pidFile, { force: true });
  fs.rmSync(reloadReportFile(pidFile), { force: true });
}

export function writeReloadReport(pidFile: string, report: ReloadReport): void {
  writeAtomic(reloadReportFile(pidFile), `${JSON.stringify(report, null, 2)}\n`);
}

/** The last report, or null when there is none (yet) or it is not complete JSON. */
export function readReloadReport(pidFile: string): ReloadReport | null {
  try {
    return JSON.parse(fs.readFileSync(reloadReportFile(pidFile), 'utf8')) as ReloadReport;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return null;
    throw err;
  }
}
