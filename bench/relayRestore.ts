// The control link blocked, then freed: an origin and one edge on loopback with S streams relayed,
// the relay link's TCP (the edge's cdn.relay_port, both directions) dropped by nftables for a few
// seconds while the media pipes (UDP) keep flowing, then let through again. Measured from the
// unblock: when the origin has the link up again (the edge back in rotation for new players), and
// when the edge lists every stream with both tracks again.
//
// Run twice: with the default cdn.link_grace_ms (longer than the block, so the edge keeps every
// relay and the digest after the link's return finds nothing missing) and with a grace shorter
// than the block (the edge drops every relay when it ends, and the origin must relay all S again
// once the link is back): the second is the time to restore all relays.
//
// Needs root (nftables). The block is one table of our own that matches only the edge's relay
// port, a free port picked for this run, on loopback; it is deleted whatever happens.
import { execFileSync } from 'node:child_process';
import type { TestClient } from '../test/helpers/client';
import { type NodeProcess, until } from '../test/helpers/nodes';
import { publishingStreams, publishMany, startCluster } from './cluster';
import { Generator } from './generator';

export interface RestoreRun {
  streams: number;
  graceMs: number;
  blockMs: number;
  /** Fewest streams the edge listed during the block and until all were back. */
  fewestOnEdge: number;
  /** Unblock -> the origin reports the link up. */
  linkUpMs: number;
  /** Unblock -> the edge lists every stream with both tracks. */
  allBackMs: number;
}

const TABLE = 'cdn_bench_relay_block';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nft(script: string): void {
  execFileSync('nft', ['-f', '-'], { input: script });
}

function block(port: number): void {
  nft(`table inet ${TABLE} {
    chain out { type filter hook output priority -10; oif "lo" tcp dport ${port} drop; oif "lo" tcp sport ${port} drop; }
  }\n`);
}

function unblock(): void {
  if (execFileSync('nft', ['list', 'tables']).toString().includes(`inet ${TABLE}`)) nft(`delete table inet ${TABLE}\n`);
}

async function linkUp(origin: NodeProcess): Promise<boolean> {
  const routes = await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json();
  return routes.edges.every((e: { state: string }) => e.state === 'up');
}

export async function relayRestore(streams: number, blockMs: number, graceMs: number, log: (m: string) => void): Promise<RestoreRun> {
  const cluster = await startCluster(1, null, { 'cdn.link_grace_ms': graceMs });
  const generator = new Generator(20);
  const publishers: TestClient[] = [];
  let fewest = streams;
  try {
    const { origin, edges } = cluster;
    const [edge] = edges;
    await publishMany(origin, streams, 'restore-', generator, publishers);
    await until(async () => (await publishingStreams(edge, 2)).size === streams, 60000, `the edge listing ${streams} streams`, 100);
    const onEdge = async () => {
      const n = (await publishingStreams(edge, 2)).size;
      fewest = Math.min(fewest, n);
      return n;
    };

    block(edge.relayPort!);
    const blockedAt = performance.now();
    try {
      while (performance.now() - blockedAt < blockMs) {
        await onEdge();
        await sleep(100);
      }
    } finally {
      unblock();
    }
    const t0 = performance.now();
    let linkUpMs = -1;
    let allBackMs = -1;
    await until(
      async () => {
        if (linkUpMs < 0 && (await linkUp(origin))) linkUpMs = performance.now() - t0;
        if (allBackMs < 0 && (await onEdge()) === streams) allBackMs = performance.now() - t0;
        return linkUpMs >= 0 && allBackMs >= 0;
      },
      60000,
      'the link up and every stream on the edge again',
      20,
    );
    log(
      `restore (${streams} streams, grace ${graceMs} ms, block ${blockMs} ms): link up ${Math.round(linkUpMs)} ms, all back ${Math.round(allBackMs)} ms, fewest ${fewest}`,
    );
    return { streams, graceMs, blockMs, fewestOnEdge: fewest, linkUpMs, allBackMs };
  } finally {
    unblock();
    await Promise.all(publishers.map((c) => c.close()));
    await generator.close();
    await cluster.stop();
  }
}
