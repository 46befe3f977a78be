// One pipe per worker pair (issue 18), with real processes on loopback: an origin with two workers
// relays 1000 streams to 4 edges. The UDP sockets its workers hold are counted from /proc (each
// worker's socket fds matched against /proc/<pid>/net/udp{,6}): beyond the publishers' own
// transports (one plain transport each, the origin's listening ports for them), the relays hold
// edges x workers sockets whatever the stream count, and every edge holds every stream.
import fs from 'node:fs';
import { TestClient } from '../helpers/client';
import { Cleanup, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { VIDEO_RTP_PARAMETERS } from '../helpers/rtp';

const EDGES = 4;
const ORIGIN_WORKERS = 2;
const STREAMS = 1000;
/** Streams per publishing session (the origin's per-session limits are raised to match). */
const PER_SESSION = 100;

let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup = new Cleanup();

beforeAll(async () => {
  edges = await Promise.all(Array.from({ length: EDGES }, (_, i) => startEdge(`edge${i + 1}`)));
  origin = await startOrigin(edges, {
    props: {
      workers: ORIGIN_WORKERS,
      // 1000 publisher transports and the pipes: a range of its own, wider than the tests' 200.
      media_port_from: 36000,
      media_port_to: 37499,
      'limits.session.publishes': PER_SESSION,
      'limits.session.transports': PER_SESSION,
      'limits.session.requests_per_s': 100_000,
      'limits.session.request_burst': 100_000,
    },
  });
}, 60_000);

afterAll(async () => {
  await cleanup.run();
  const codes = await stopAll([origin, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

async function workerPids(node: NodeProcess): Promise<number[]> {
  return ((await (await fetch(`${node.http}/healthz`)).json()) as { workers: number[] }).workers;
}

/** UDP sockets held by the processes `pids` (socket fds whose inode is in their net namespace's UDP tables). */
function udpSockets(pids: number[]): number {
  let count = 0;
  for (const pid of pids) {
    const inodes = new Set<string>();
    for (const table of ['udp', 'udp6']) {
      const lines = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1);
      for (const line of lines) inodes.add(line.trim().split(/\s+/)[9]);
    }
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) count++;
    }
  }
  return count;
}

/** Publishes streams `from`..`to`-1 as plain-RTP producers (one video track, no media sent). */
async function publish(from: number, to: number): Promise<void> {
  const sessions: Promise<void>[] = [];
  for (let first = from; first < to; first += PER_SESSION) {
    sessions.push(
      (async () => {
        const client = cleanup.track(await TestClient.connect(origin.url));
        for (let i = first; i < Math.min(first + PER_SESSION, to); i++) {
          const { transport } = await client.request('publish', { stream: `many${i}`, transport: 'plain' });
          await client.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(10_000 + i) });
        }
      })(),
    );
  }
  await Promise.all(sessions);
}

/** Relayed and PUBLISHING streams of each edge. */
async function heldByEdges(): Promise<number[]> {
  return Promise.all(edges.map(async (e) => (await streamsOn(e)).filter((s) => s.source === 'relay' && s.status === 'PUBLISHING').length));
}

test(`${STREAMS} streams to ${EDGES} edges: the origin's relays hold edges x workers UDP ports whatever the stream count, and every edge holds every stream`, async () => {
  const pids = await workerPids(origin);
  expect(pids).toHaveLength(ORIGIN_WORKERS);
  const edgePids = await Promise.all(edges.map(workerPids));
  const baseline = udpSockets(pids);
  const edgeBaselines = edgePids.map(udpSockets);
  const pipes = EDGES * ORIGIN_WORKERS;
  const report: string[] = [`origin workers' UDP sockets before any stream: ${baseline}`];

  for (const [from, to] of [
    [0, 100],
    [100, STREAMS],
  ]) {
    const started = Date.now();
    await publish(from, to);
    const published = Date.now() - started;
    await until(async () => (await heldByEdges()).every((n) => n === to), 120_000, `every edge to hold ${to} streams`, 500);
    const sockets = udpSockets(pids);
    report.push(
      `${to} streams (published in ${published} ms, on every edge ${Date.now() - started} ms after the first publish): origin UDP sockets ${sockets} = ` +
        `${to} publisher transports + ${sockets - to - baseline} relay pipes; edges' ${edgePids.map(udpSockets).join(', ')}`,
    );
    // The publishers' transports are the origin's listening ports; the relays add one per worker and edge, nothing per stream.
    expect(sockets - to - baseline).toBe(pipes);
    // Each edge holds one pipe per origin worker.
    expect(edgePids.map(udpSockets)).toEqual(edgeBaselines.map((b) => b + ORIGIN_WORKERS));
  }
  // The origin sees every relay complete, on every edge.
  const onOrigin = await streamsOn(origin);
  expect(onOrigin.filter((s) => s.edges?.length === EDGES && s.edges.every((e) => e.relay === 'relayed'))).toHaveLength(STREAMS);
  process.stdout.write(report.join('\n') + '\n');
}, 300_000);
