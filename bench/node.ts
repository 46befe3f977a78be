// Starts a node for a benchmark like test/helpers/nodes.ts's startNode, optionally with a V8 CPU
// profile of its Node.js process written into a directory when it exits (`--cpu-prof`).
import fs from 'node:fs';
import path from 'node:path';
import { freePort, type NodeProcess, type NodeSpec, startNodeFromConf, writeConf } from '../test/helpers/nodes';

export async function startBenchNode(spec: NodeSpec & { name: string }, profileDir: string | null = null): Promise<NodeProcess> {
  const port = await freePort();
  // One directory per node: tsx's loader thread writes a profile of its own beside the main one.
  // A sample every 5 ms rather than every 1 ms: at 1 ms the profiler itself cost the node's
  // process about 10% of a core under fan-out, more than everything it was there to measure.
  const args = profileDir ? ['--cpu-prof', '--cpu-prof-interval=5000', `--cpu-prof-dir=${path.join(profileDir, spec.name)}`] : [];
  // The port just freed can be handed out again at once (a 50-edge start drew the same one twice).
  let relayPort = await freePort();
  while (relayPort === port) relayPort = await freePort();
  return startNodeFromConf(writeConf({ ...spec, port, relayPort, nodeId: spec.name }), port, spec.name, {}, '', undefined, args);
}

/** The main thread's profile of a node started with `profileDir`: the largest file in its directory. */
export function mainProfile(profileDir: string, name: string): string | null {
  const dir = path.join(profileDir, name);
  if (!fs.existsSync(dir)) return null;
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  return files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0] ?? null;
}
