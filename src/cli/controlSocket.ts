// The local demo cluster's working directory and control channel: a Unix socket in its working directory on which
// `npm start` takes one command per connection (`restart <node>`) from `npm run restart`, and
// answers with JSON lines: `{"line": "..."}` as the command progresses, then `{"ok": true|false}`.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

export const CONTROL_SOCKET = 'control.sock';

/** `npm start`'s working directory unless --dir names another: local-cluster/ in the checkout. */
export const DEFAULT_WORK_DIR = path.resolve(__dirname, '..', '..', 'local-cluster');

export function controlSocketPath(workDir: string): string {
  return path.join(workDir, CONTROL_SOCKET);
}

/** Runs one command; `say` sends a progress line; resolves true when it succeeded. */
export type ControlHandler = (command: string, say: (line: string) => void) => Promise<boolean>;

/** Is something listening on the socket file (another `npm start` on the same directory)? */
function inUse(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => (probe.destroy(), resolve(true)));
    probe.once('error', () => resolve(false));
  });
}

/**
 * Listens on the socket file. A file left by an `npm start` that was killed is removed first;
 * one that answers belongs to a running cluster, and this throws rather than steal it.
 */
export async function serveControl(file: string, handler: ControlHandler): Promise<net.Server> {
  if (fs.existsSync(file)) {
    if (await inUse(file)) throw new Error(`another local cluster is running on ${path.dirname(file)} (${file} answers)`);
    fs.rmSync(file, { force: true });
  }
  const server = net.createServer((socket) => {
    const send = (msg: object) => socket.writable && socket.write(`${JSON.stringify(msg)}\n`);
    socket.on('error', () => socket.destroy()); // the client went away: nothing left to tell it
    readline.createInterface({ input: socket }).once('line', (command) => {
      handler(command.trim(), (line) => send({ line }))
        .then((ok) => send({ ok }))
        .catch((err: Error) => send({ line: `error: ${err.message}`, ok: false }))
        .finally(() => socket.end());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => resolve());
  });
  return server;
}

/** Sends one command and prints its progress lines; resolves with the command's success. */
export function sendControl(file: string, command: string, print: (line: string) => void): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(file);
    let ok = false;
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\n`));
    readline.createInterface({ input: socket }).on('line', (text) => {
      const msg = JSON.parse(text) as { line?: string; ok?: boolean };
      if (msg.line !== undefined) print(msg.line);
      if (msg.ok !== undefined) ok = msg.ok;
    });
    socket.once('close', () => resolve(ok));
  });
}
