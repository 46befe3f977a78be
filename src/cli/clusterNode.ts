// One node of the local demo cluster (`npm start`): a child process `node dist/index.js --conf
// <dir>` whose JSON log lines are printed as short lines prefixed by its name, started and
// stopped (SIGTERM, then wait for the exit) one at a time, so the others keep running.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { loadConfig } from '../config/load';
import { formatLogLine } from './logLine';

/**
 * The node's entry point beside this file's folder: dist/index.js when this runs compiled (npm
 * start), src/index.ts under tsx (development), which then needs the tsx loader too.
 */
function nodeCommand(confDir: string): string[] {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, '..', `index${ext}`);
  return [...(ext === '.ts' ? ['--import', 'tsx'] : ['--enable-source-maps']), entry, '--conf', confDir];
}

export class ClusterNode {
  #proc: ChildProcess | null = null;
  #exited: Promise<number | null> = Promise.resolve(null);
  /** Set while stop() runs, so the exit is not reported as unexpected. */
  #stopping = false;

  constructor(
    readonly name: string,
    readonly confDir: string,
    /** Called when the process exits without stop() having been asked for. */
    private readonly onUnexpectedExit: (node: ClusterNode, code: number | null) => void,
    private readonly print: (line: string) => void,
  ) {}

  get running(): boolean {
    return this.#proc !== null && this.#proc.exitCode === null && this.#proc.signalCode === null;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** The node's /healthz URL, from its configuration as it is now (it may have been edited). */
  healthUrl(): string {
    const cfg = loadConfig(this.confDir);
    return `http://${cfg.ip}:${cfg.wsPort}${cfg.pathPrefix}/healthz`;
  }

  start(): void {
    if (this.running) return;
    this.#stopping = false;
    const proc = spawn(process.execPath, nodeCommand(this.confDir), {
      env: { ...process.env, LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#proc = proc;
    for (const stream of [proc.stdout!, proc.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => this.print(formatLogLine(this.name, line)));
    }
    this.#exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        resolve(code);
        if (!this.#stopping) this.onUnexpectedExit(this, code);
      }),
    );
  }

  /** SIGTERM (the node closes gracefully) and wait for the exit; returns the exit code. */
  async stop(): Promise<number | null> {
    if (!this.#proc) return null;
    this.#stopping = true;
    if (this.running) this.#proc.kill('SIGTERM');
    return this.#exited;
  }

  /** Waits until /healthz answers 200, or throws when the process exits or the time is up. */
  async waitHealthy(timeoutMs = 30000): Promise<void> {
    const url = this.healthUrl();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited with code ${await this.#exited} before it was healthy (its log is above)`);
      try {
        if ((await fetch(url)).ok) return;
      } catch {
        // not listening yet: try again until the deadline
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.name} did not become healthy at ${url} within ${timeoutMs / 1000} s`);
  }
}
