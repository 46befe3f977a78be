// `npm start [-- --dir DIR]`: the local demo cluster, one node process per config directory of
// DIR (default local-cluster/ in the checkout). On the first start DIR is a copy of conf/local/
// (two origins and two edges on loopback); after that it is the admin's to edit: the shipped
// conf/local/ stays as it is (docker-compose.yml and its test read it). Each node writes its pid
// to DIR/<node>/node.pid, so `npm run reload -- --conf DIR/origin` applies an edited
// loadbalancing.xml. `npm run restart -- <node>` restarts one node (or starts a new directory)
// while the others run; a node that exits is reported and the others keep running. Ctrl-C stops all.
import './nodeVersion'; // first: refuse an old Node.js before loading mediasoup
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { ClusterNode } from './clusterNode';
import { controlSocketPath, DEFAULT_WORK_DIR, serveControl } from './controlSocket';

const ROOT = path.resolve(__dirname, '..', '..');
const USAGE = 'usage: npm start [-- --dir <dir>]   (default dir: local-cluster/, copied from conf/local/ on first start)';

const print = (line: string): void => void process.stdout.write(`${line}\n`);

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** The node directories of the working directory: those holding a flashphoner.properties. */
function nodeDirs(workDir: string): string[] {
  return fs
    .readdirSync(workDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(workDir, e.name, 'flashphoner.properties')))
    .map((e) => e.name)
    .sort();
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) return void print(USAGE);
  const workDir = path.resolve(values.dir ?? DEFAULT_WORK_DIR);
  if (!fs.existsSync(workDir)) {
    fs.cpSync(path.join(ROOT, 'conf', 'local'), workDir, { recursive: true });
    print(`Copied conf/local/ to ${workDir}: edit the nodes' configuration there (delete it to start over).`);
  }
  const names = nodeDirs(workDir);
  if (names.length === 0) fail(`${workDir} holds no node directory (a folder with a flashphoner.properties)`, 2);
  let originNames: string[];
  try {
    originNames = names.filter((name) => loadConfig(path.join(workDir, name)).loadBalancingEnabled);
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`, 2);
    throw err;
  }

  const nodes = new Map<string, ClusterNode>();
  const onUnexpectedExit = (node: ClusterNode, code: number | null) =>
    print(`${node.name} exited with code ${code}; the other nodes keep running. Start it again: npm run restart -- ${node.name}`);
  const nodeOf = (name: string) => {
    let node = nodes.get(name);
    if (!node) nodes.set(name, (node = new ClusterNode(name, path.join(workDir, name), onUnexpectedExit, print)));
    return node;
  };

  let stopping = false;
  const control = await serveControl(controlSocketPath(workDir), async (command, say) => {
    const [verb, name] = command.split(/\s+/);
    if (verb !== 'restart' || !name) throw new Error(`unknown command "${command}" (expected: restart <node>)`);
    if (stopping) throw new Error('the cluster is stopping');
    if (!nodeDirs(workDir).includes(name)) throw new Error(`no node "${name}": ${workDir} has ${nodeDirs(workDir).join(', ')}`);
    const node = nodeOf(name);
    if (node.running) {
      say(`stopping ${name} (pid ${node.pid})...`);
      print(`restarting ${name} (asked by npm run restart)`);
      say(`${name} stopped with exit code ${await node.stop()}`);
    }
    node.start();
    say(`${name} started (pid ${node.pid}); waiting for ${node.healthUrl()}`);
    await node.waitHealthy();
    say(`${name} is up`);
    return true;
  }).catch((err: Error) => fail(err.message, 1));

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    print('\nstopping the local cluster...');
    control.close();
    const all = [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
    const codes = await Promise.all(all.map((n) => n.stop()));
    print(`stopped (exit codes: ${all.map((n, i) => `${n.name}=${codes[i]}`).join(', ')})`);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const started = names.map(nodeOf);
  for (const node of started) node.start();
  try {
    await Promise.all(started.map((n) => n.waitHealthy()));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return stopAll(1);
  }
  print(banner(workDir, names, originNames));
}

function banner(workDir: string, names: string[], originNames: string[]): string {
  const lines = ['', `Local CDN cluster is up: ${names.join(', ')} (configuration in ${workDir}/<node>/).`];
  const origins = originNames.map((name) => {
    const c = loadConfig(path.join(workDir, name));
    return { name, base: `http://${c.ip}:${c.wsPort}${c.pathPrefix}`, ws: `ws://${c.ip}:${c.wsPort}${c.pathPrefix}/` };
  });
  const [first, ...others] = origins;
  if (first) {
    const { base, ws } = first;
    lines.push(
      `  Publisher (Two Way Streaming): ${base}/two_way_streaming.html`,
      `  Player (Embed Player):         ${base}/player.html?urlServer=${encodeURIComponent(ws)}&streamName=test&autoplay=true`,
      `  Streams (REST):                curl -s -X POST ${base}/rest-api/stream/find_all`,
      `  Edges and their state:         curl -s ${base}/rest-api/cdn/show_routes`,
      `  Load balancer:                 curl -s '${base}/rtcloadbalance?stream=test'`,
      `  WHIP / WHEP:                   ${base}/whip/test  ${base}/whep/test`,
      '  Publish as "test" on the publisher page, then open the player.',
    );
    for (const o of others) {
      // Every origin answers every player; a publisher whose origin dies moves to another by itself.
      lines.push(`  Another origin (${o.name}):        ${o.base}/ (publish or play there too; stop ${first.name} and the publisher moves here)`);
    }
    for (const o of origins) lines.push(`  Apply an edited ${o.name}/loadbalancing.xml: npm run reload -- --conf ${path.join(workDir, o.name)}`);
  }
  lines.push(
    `  Restart one node (the others keep running), or start a new node directory: npm run restart -- <node>${workDir === DEFAULT_WORK_DIR ? '' : ` --dir ${workDir}`}`,
    '  Ctrl-C stops every node. Operations, step by step: docs/operations.md',
    '',
  );
  return lines.join('\n');
}

void main();
