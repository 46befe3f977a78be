// Running `ip`, `nft` and `tc` for the network test bed: synchronous (set-up steps must happen in
// order and each is quick), and a failure says which command failed and what it printed.
import { execFileSync } from 'node:child_process';

/** Runs a command; throws with the command line and its stderr when it fails. */
export function run(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: err });
  }
}

/** Runs a command inside a network namespace. */
export function inNs(ns: string, cmd: string, args: string[], input?: string): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], input);
}

/**
 * Why this machine cannot host the bed, or null when it can: the bed needs root, `ip` (iproute2),
 * `nft` (nftables) and `tc`, and the kernel must let it create a namespace.
 */
export function bedUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'the network tests need root (they create network namespaces with `ip netns`)';
  for (const [tool, pkg] of [
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
    ['tc', 'iproute2'],
  ]) {
    try {
      run(tool, ['-V']);
    } catch {
      return `the network tests need \`${tool}\` (apt-get install -y ${pkg})`;
    }
  }
  const probe = `cdnnet-probe-${process.pid}`;
  try {
    run('ip', ['netns', 'add', probe]);
    run('ip', ['netns', 'del', probe]);
  } catch (err) {
    return `cannot create a network namespace: ${(err as Error).message}`;
  }
  return null;
}
