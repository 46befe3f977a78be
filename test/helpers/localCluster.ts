// The admin's own tools as the docs tell them: `npm start -- --dir DIR` (the local cluster,
// compiled JavaScript), `npm run restart`, `npm run reload`, run as real processes from the
// checkout, and node directories written into DIR the way an admin writes them.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TEST_CDN_SECRET } from './nodes';
import { until } from './until';

export const ROOT = path.resolve(__dirname, '..', '..');
let mediaBase = 30000 + (process.pid % 40) * 100;

/** Writes DIR/<name>/flashphoner.properties for a loopback node on `port`. */
export function writeNodeDir(workDir: string, name: string, port: number, props: Record<string, string | number | boolean> = {}): string {
  const dir = path.join(workDir, name);
  fs.mkdirSync(dir, { recursive: true });
  const from = mediaBase;
  mediaBase += 100;
  const all = {
    node_id: name,
    ip: '127.0.0.1',
    ip_local: '127.0.0.1',
    'ws.port': port,
    media_port_from: from,
    media_port_to: from + 99,
    workers: 1,
    cdn_secret: TEST_CDN_SECRET,
    'cdn.reconnect_ms': 200,
    'cdn.load_report_ms': 100,
    ...props,
  };
  fs.writeFileSync(
    path.join(dir, 'flashphoner.properties'),
    Object.entries(all)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  return dir;
}

/** An `npm ...` command run to its end: exit code and everything it printed. */
export function npm(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('npm', args, { cwd: ROOT, timeout: 60000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** `npm start -- --dir DIR`, kept running; its output is collected. */
export class LocalCluster {
  readonly child: ChildProcess;
  #out = '';
  readonly #exit: Promise<number | null>;

  constructor(readonly workDir: string) {
    this.child = spawn('npm', ['start', '--', '--dir', workDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [this.child.stdout!, this.child.stderr!]) s.on('data', (d: Buffer) => (this.#out += d.toString()));
    this.#exit = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  output(): string {
    return this.#out;
  }

  async waitUp(): Promise<void> {
    await until(() => this.#out.includes('Local CDN cluster is up') || this.child.exitCode !== null, 60000, 'the local cluster to come up', 100);
    if (!this.#out.includes('Local CDN cluster is up')) throw new Error(`npm start exited:\n${this.#out}`);
  }

  /** The pid a node wrote to its pid file, or null when it has none. */
  pidOf(name: string): number | null {
    const file = path.join(this.workDir, name, 'node.pid');
    return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : null;
  }

  /** Ctrl-C's signal to npm start, and wait for it to stop its nodes and exit. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    return this.#exit;
  }
}

/** Is a process with this pid running? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
