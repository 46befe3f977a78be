// `npm run restart -- <node> [--dir DIR]`: asks the running `npm start` (over DIR/control.sock)
// to restart one node of the local cluster, or to start a node directory added since, while the
// other nodes keep running; prints its progress. Exit 0 once the node is healthy, 1 when it is
// not (or no cluster runs on DIR), 2 on a usage mistake.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { controlSocketPath, DEFAULT_WORK_DIR, sendControl } from './controlSocket';

const USAGE = "usage: npm run restart -- <node> [--dir <dir>]   (a folder of the local cluster's dir, default local-cluster/)";

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
  if (parsed.values.help) return void process.stdout.write(`${USAGE}\n`);
  if (parsed.positionals.length !== 1) fail(USAGE, 2);
  const socket = controlSocketPath(path.resolve(parsed.values.dir ?? DEFAULT_WORK_DIR));
  if (!fs.existsSync(socket)) fail(`no local cluster is running (no ${socket}): start it with npm start`, 1);
  let ok: boolean;
  try {
    ok = await sendControl(socket, `restart ${parsed.positionals[0]}`, (line) => process.stdout.write(`${line}\n`));
  } catch (err) {
    fail(`could not reach the local cluster on ${socket}: ${(err as Error).message}`, 1);
  }
  process.exit(ok ? 0 : 1);
}

void main();
