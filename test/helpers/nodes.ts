// Starts real nodes as separate processes on free loopback ports, each from its own config
// directory, and stops them (SIGTERM, then waits for the exit) at the end of a test. A config
// directory written here is removed when the last node using it is stopped; kill() keeps it, since
// a test that kills a node may start it again from the same directory.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export { until } from './until';

const ROOT = path.resolve(__dirname, '..', '..');
let mediaBase = 42000 + (process.pid % 50) * 200;

/** Config directories written by writeConf, with the nodes still running from each. */
const confUsers = new Map<string, Set<NodeProcess>>();

function useConf(dir: string, node: NodeProcess): void {
  confUsers.get(dir)?.add(node);
}

/** Forgets a node that exited; removes the directory once nobody uses it, when `remove`. */
function releaseConf(dir: string, node: NodeProcess, remove: boolean): void {
  const users = confUsers.get(dir);
  if (!users) return; // not ours (e.g. the shipped conf/)
  users.delete(node);
  if (remove && users.size === 0) {
    confUsers.delete(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface NodeSpec {
  /** Extra or overriding flashphoner.properties keys. */
  props?: Record<string, string | number | boolean>;
  /** loadbalancing.xml content. */
  xml?: string;
  /** Port to use; a free one by default. */
  port?: number;
  /** Run the node inside a network namespace (test/net/bed.ts); on loopback by default. */
  netns?: NetnsPlacement;
}

/**
 * Where a node runs when it is not on the test's loopback: its network namespace, its address
 * there, and the loopback port of the test process that is forwarded to it (the test process stays
 * in the host's namespace, so it reaches the node only through that forward).
 */
export interface NetnsPlacement {
  netns: string;
  host: string;
  reachPort: number;
}

export class NodeProcess {
  readonly logs: string[] = [];
  #exit: Promise<number | null>;
  exited = false;

  constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly confDir: string,
    readonly name: string,
    /** http.path_prefix of the node ("" for none): part of `url` and `http`. */
    readonly prefix = '',
    readonly placement?: NetnsPlacement,
  ) {
    child.stdout!.on('data', (d) => this.logs.push(d.toString()));
    child.stderr!.on('data', (d) => this.logs.push(d.toString()));
    this.#exit = new Promise((resolve) => child.once('exit', (code) => ((this.exited = true), resolve(code))));
    useConf(confDir, this);
    this.relayPort = relayPortOf(confDir);
  }

  /** The node's cdn.relay_port (TLS relay links), from its flashphoner.properties; 8445 when not set there. */
  readonly relayPort: number;

  /** The command channel as the test process reaches it. */
  get url(): string {
    return `ws://127.0.0.1:${this.placement?.reachPort ?? this.port}${this.prefix}/`;
  }

  /** The HTTP base as the test process reaches it. */
  get http(): string {
    return `http://127.0.0.1:${this.placement?.reachPort ?? this.port}${this.prefix}`;
  }

  /** The HTTP base at the node's own address: what clients in its network use. */
  get netHttp(): string {
    return `http://${this.placement?.host ?? '127.0.0.1'}:${this.port}${this.prefix}`;
  }

  /** The command channel at the node's own address. */
  get netUrl(): string {
    return `ws://${this.placement?.host ?? '127.0.0.1'}:${this.port}${this.prefix}/`;
  }

  waitExit(): Promise<number | null> {
    return this.#exit;
  }

  /** SIGTERM and wait; returns the exit code. */
  async stop(): Promise<number | null> {
    if (!this.exited) this.child.kill('SIGTERM');
    const code = await this.#exit;
    releaseConf(this.confDir, this, true);
    return code;
  }

  /** SIGKILL (a crash), and wait. The config directory stays for a restart; stop() removes it. */
  async kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.#exit;
    releaseConf(this.confDir, this, false);
  }

  output(): string {
    return this.logs.join('');
  }
}

/** The cluster secret of every node a test starts (long enough not to draw the weak-secret warning). */
export const TEST_CDN_SECRET = 'test-secret-of-the-test-cluster';

/** cdn.relay_port's default: what a node listens on for relay links when its properties do not say. */
export const DEFAULT_RELAY_PORT = 8445;

function relayPortOf(confDir: string): number {
  const file = path.join(confDir, 'flashphoner.properties');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const line = /^cdn\.relay_port=(\d+)\s*$/m.exec(text);
  return line ? Number(line[1]) : DEFAULT_RELAY_PORT;
}

export function writeConf(spec: NodeSpec & { port: number; nodeId: string; relayPort?: number }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-node-'));
  const from = mediaBase;
  mediaBase += 200;
  if (mediaBase > 52000) mediaBase = 42000;
  const props: Record<string, string | number | boolean> = {
    node_id: spec.nodeId,
    ip: '127.0.0.1',
    ip_local: '127.0.0.1',
    'ws.port': spec.port,
    ...(spec.relayPort !== undefined ? { 'cdn.relay_port': spec.relayPort } : {}),
    media_port_from: from,
    media_port_to: from + 199,
    workers: 1,
    cdn_secret: TEST_CDN_SECRET,
    'log.level': 'info',
    'cdn.reconnect_ms': 200,
    ...spec.props,
  };
  fs.writeFileSync(
    path.join(dir, 'flashphoner.properties'),
    Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  if (spec.xml) fs.writeFileSync(path.join(dir, 'loadbalancing.xml'), spec.xml);
  confUsers.set(dir, new Set());
  return dir;
}

/**
 * How a node process runs: the compiled `dist/index.js` when it is built from the sources as they
 * are now (what production runs, and half a second less CPU per start than loading the sources
 * through tsx: `npm test` builds first and starts several hundred nodes), else `src/index.ts`
 * through tsx, so a test run straight after an edit still runs the edit. CDN_TEST_ENTRY=src or
 * =dist chooses one.
 */
function nodeEntry(): string[] {
  const dist = ['--enable-source-maps', path.join(ROOT, 'dist', 'index.js')];
  const src = ['--import', 'tsx', path.join(ROOT, 'src', 'index.ts')];
  const forced = process.env.CDN_TEST_ENTRY;
  if (forced === 'dist') return dist;
  if (forced === 'src') return src;
  return (entryCache ??= distIsFresh() ? dist : src);
}
let entryCache: string[] | undefined;

/**
 * Every server source under src/ has its .js in dist/, written after it. The SDK's src/client is
 * bundled apart: only the few files the server imports from it are in dist/, and those are checked.
 */
function distIsFresh(): boolean {
  const client = path.join(ROOT, 'src', 'client');
  const walk = (dir: string): boolean =>
    fs.readdirSync(dir, { withFileTypes: true }).every((e) => {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) return walk(file);
      if (!e.name.endsWith('.ts') || e.name.endsWith('.d.ts')) return true;
      const out = path.join(ROOT, 'dist', path.relative(path.join(ROOT, 'src'), file)).replace(/\.ts$/, '.js');
      const built = fs.statSync(out, { throwIfNoEntry: false });
      if (!built) return file.startsWith(client + path.sep);
      return built.mtimeMs >= fs.statSync(file).mtimeMs;
    });
  return walk(path.join(ROOT, 'src'));
}

/**
 * Spawns the node (`nodeEntry`: `node dist/index.js` or `node --import tsx src/index.ts`, with
 * `--conf <dir>`) and waits for /healthz. In a namespace it is
 * `ip netns exec <ns> node ...`, which execs node in place: the child's pid is the node's.
 * `nodeArgs` go to node itself (the benchmarks' `--cpu-prof`, which NODE_OPTIONS refuses).
 */
export async function startNodeFromConf(
  confDir: string,
  port: number,
  name: string,
  env: NodeJS.ProcessEnv = {},
  prefix = '',
  placement?: NetnsPlacement,
  nodeArgs: string[] = [],
): Promise<NodeProcess> {
  const argv = [process.execPath, ...nodeArgs, ...nodeEntry(), '--conf', confDir];
  if (placement) argv.unshift('ip', 'netns', 'exec', placement.netns);
  const child = spawn(argv[0], argv.slice(1), {
    cwd: ROOT,
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const node = new NodeProcess(child, port, confDir, name, prefix, placement);
  await waitHealthy(node);
  return node;
}

export async function startNode(spec: NodeSpec & { name: string }): Promise<NodeProcess> {
  const port = spec.port ?? (await freePort());
  // Each loopback node its own relay port; in a namespace of the bed the default is free.
  const relayPort = spec.netns ? undefined : await freePort();
  const confDir = writeConf({ ...spec, port, relayPort, nodeId: spec.name });
  try {
    return await startNodeFromConf(confDir, port, spec.name, {}, String(spec.props?.['http.path_prefix'] ?? ''), spec.netns);
  } catch (err) {
    // The node did not come up (it exited, or was killed after the health timeout): nobody uses the directory.
    confUsers.delete(confDir);
    fs.rmSync(confDir, { recursive: true, force: true });
    throw err;
  }
}

async function waitHealthy(node: NodeProcess, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.exited) throw new Error(`node ${node.name} exited during start-up:\n${node.output()}`);
    try {
      // Bounded: a request through a forward (test/net) must not outlive the deadline.
      const res = await fetch(`${node.http}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await node.kill();
  throw new Error(`node ${node.name} not healthy after ${timeoutMs} ms:\n${node.output()}`);
}

/** loadbalancing.xml of loopback edges: their ws port, and their relay port (cdn.relay_port) where the TLS relay link goes. */
export function edgesXml(edges: { id: string; port: number; relayPort: number }[], mode = 'ROUNDROBIN'): string {
  return (
    `<loadbalancer stream_distribution="webrtc" mode="${mode}">\n` +
    edges.map((e) => `  <node id="${e.id}"><ip>127.0.0.1</ip><ws>${e.port}</ws><wss>0</wss><relay>${e.relayPort}</relay></node>\n`).join('') +
    '</loadbalancer>\n'
  );
}
