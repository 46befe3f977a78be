// A console that stops reading its live feed (server-sent events) must not grow the node's memory:
// it gets no new snapshot while its socket has not taken the last one, and is dropped after
// CONSOLE_STALL_MS. The stalled reader is a real client with a tiny receive buffer that never
// reads; 1000 streams make each snapshot big enough (~300 KB) to fill the kernel's send buffer
// (up to 4 MB) in seconds.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { CONSOLE_STALL_MS } from '../../src/http/consoleApi';
import { TestClient } from '../helpers/client';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_RTP_PARAMETERS } from '../helpers/rtp';

let node: NodeProcess;
const clients: TestClient[] = [];

beforeAll(async () => {
  // A port per published stream: a range of its own above the one test nodes share (42000-52199),
  // per test process.
  const from = 53_000 + (process.pid % 5) * 1100;
  node = await startNode({
    name: 'console-stall',
    props: {
      'publish.allow_direct': true,
      'limits.session.publishes': 1000,
      'limits.session.transports': 1000,
      'limits.session.requests_per_s': 1000,
      'limits.session.request_burst': 5000,
      media_port_from: from,
      media_port_to: from + 1099,
    },
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  if (node) expect(await node.stop()).toBe(0);
});

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

test('a console that stops reading is skipped, then dropped; the node does not buffer for it', async () => {
  const publisher = await TestClient.connect(node.url);
  clients.push(publisher);
  for (let i = 0; i < 1000; i++) {
    const { transport } = await publisher.request('publish', { stream: `stall-${i}-${'x'.repeat(80)}`, transport: 'plain' });
    await publisher.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(10_000 + i) });
  }
  const snapshot = await (await fetch(`${node.http}/rest-api/console/snapshot`)).text();
  expect(snapshot.length).toBeGreaterThan(200_000);
  const before = rssKb(node.child.pid!);
  // A reader with a 2 KB receive buffer that asks for the feed and never reads it.
  const reader = spawn('python3', [
    '-c',
    'import socket,sys,time\n' +
      's=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)\n' +
      `s.connect(("127.0.0.1", ${node.port}))\n` +
      's.sendall(b"GET /rest-api/console/events HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")\n' +
      'time.sleep(120)\n',
  ]);
  const exited = new Promise((resolve) => reader.once('exit', resolve));
  try {
    await until(() => node.output().includes('dropping a console that stopped reading its feed'), CONSOLE_STALL_MS + 40_000, 'the stalled console dropped');
    const line = node
      .output()
      .split('\n')
      .find((l) => l.includes('dropping a console'))!;
    // What it held when dropped: the snapshot it did not take, not a queue of them.
    expect(JSON.parse(line).buffered).toBeLessThan(3 * snapshot.length);
    expect(rssKb(node.child.pid!) - before).toBeLessThan(100_000);
    // Its slot is free: a new console gets its feed.
    const abort = new AbortController();
    const res = await fetch(`${node.http}/rest-api/console/events`, { signal: abort.signal });
    expect(res.status).toBe(200);
    abort.abort();
  } finally {
    reader.kill('SIGKILL');
    await exited;
  }
}, 120_000);
