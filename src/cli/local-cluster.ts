// `npm start`: a local demo cluster on loopback, one origin and two edges (conf/local/*), each a
// separate node process. Prints the URLs a newcomer needs and stops all three on Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { loadConfig } from '../config/load';
import { ConfigError } from '../config/errors';
import { formatLogLine } from './logLine';

const ROOT = path.resolve(__dirname, '..', '..');
const NODES = ['origin', 'edge1', 'edge2'];

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

function startChild(name: string): Child {
  const confDir = path.join(ROOT, 'conf', 'local', name);
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'index.ts'), '--conf', confDir], {
    cwd: ROOT,
    env: { ...process.env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [proc.stdout!, proc.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(formatLogLine(name, line) + '\n'));
  }
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { name, proc, exited };
}

async function waitHealthy(url: string, child: Child, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${child.name} did not become healthy at ${url}`);
}

async function main(): Promise<void> {
  let origin;
  try {
    origin = loadConfig(path.join(ROOT, 'conf', 'local', 'origin'));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const children = NODES.map(startChild);
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping the local cluster...\n');
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGTERM');
    const codes = await Promise.all(children.map((c) => c.exited));
    process.stdout.write(`stopped (exit codes: ${children.map((c, i) => `${c.name}=${codes[i]}`).join(', ')})\n`);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  for (const c of children) {
    void c.exited.then((code) => {
      if (stopping) return;
      process.stderr.write(`${c.name} exited with code ${code}; stopping the others\n`);
      void stopAll(1);
    });
  }

  try {
    await Promise.all(
      children.map((c) => {
        const cfg = loadConfig(path.join(ROOT, 'conf', 'local', c.name));
        return waitHealthy(`http://${cfg.ip}:${cfg.wsPort}${cfg.pathPrefix}/healthz`, c);
      }),
    );
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return stopAll(1);
  }
  const base = `http://${origin.ip}:${origin.wsPort}${origin.pathPrefix}`;
  const ws = `ws://${origin.ip}:${origin.wsPort}${origin.pathPrefix}/`;
  process.stdout.write(
    [
      '',
      'Local CDN cluster is up: origin + 2 edges on loopback.',
      `  Publisher (Two Way Streaming): ${base}/two_way_streaming.html`,
      `  Player (Embed Player):         ${base}/player.html?urlServer=${encodeURIComponent(ws)}&streamName=test&autoplay=true`,
      `  Streams (REST):                curl -s -X POST ${base}/rest-api/stream/find_all`,
      `  Edges and their state:         curl -s ${base}/rest-api/cdn/show_routes`,
      `  Load balancer:                 curl -s '${base}/rtcloadbalance?stream=test'`,
      `  WHIP / WHEP:                   ${base}/whip/test  ${base}/whep/test`,
      '  Publish as "test" on the publisher page, then open the player. Ctrl-C stops all three nodes.',
      '',
    ].join('\n') + '\n',
  );
}

void main();
