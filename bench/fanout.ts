// Fan-out of one stream to many players on one node, with 1 and with 2 mediasoup workers: how many
// of the sent packets each player receives, and how much CPU the node's workers use. Worker CPU is
// read from /proc/<pid>/stat (utime + stime) over the measuring window.
import fs from 'node:fs';
import { TestClient } from '../test/helpers/client';
import { type NodeProcess, startNode } from '../test/helpers/nodes';
import { type RtpReceiver, VIDEO_PT } from '../test/helpers/rtp';

const CLOCK_TICKS = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
}

export interface FanoutResult {
  workers: number;
  players: number;
  packetsSent: number;
  /** Median over players of received / sent, in the window. */
  medianDelivery: number;
  minDelivery: number;
  /** CPU seconds per second of each worker in the window. */
  workerCpu: number[];
}

export async function fanout(workers: number, players: number, windowMs = 5000): Promise<FanoutResult> {
  const node: NodeProcess = await startNode({
    name: `fanout-${workers}`,
    props: { workers, 'log.level': 'warn', max_connections: players + 10, media_port_from: 53000, media_port_to: 54999, 'publish.allow_direct': true },
  });
  const clients: TestClient[] = [];
  const receivers: RtpReceiver[] = [];
  try {
    const publisher = await TestClient.connect(node.url);
    clients.push(publisher);
    const sender = await publisher.publishRtp('fanout', { intervalMs: 20 }); // 50 packets/s
    for (let i = 0; i < players; i++) {
      const c = await TestClient.connect(node.url);
      clients.push(c);
      const { receiver } = await c.playRtp('fanout');
      receivers.push(receiver);
    }
    await Promise.all(receivers.map((r) => r.waitFor(5, VIDEO_PT, 10000)));
    const pids: number[] = (await (await fetch(`${node.http}/healthz`)).json()).workers;
    const before = receivers.map((r) => r.count(VIDEO_PT));
    const sentBefore = sender.sent;
    const cpuBefore = pids.map(cpuSeconds);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const secs = (performance.now() - t0) / 1000;
    const cpu = pids.map((pid, i) => (cpuSeconds(pid) - cpuBefore[i]) / secs);
    const sent = sender.sent - sentBefore;
    // Packets still in flight at the window's end count against delivery; with 50 packets/s and
    // a 5 s window that is about 1%.
    const ratios = receivers.map((r, i) => (r.count(VIDEO_PT) - before[i]) / sent).sort((a, b) => a - b);
    await sender.close();
    return {
      workers,
      players,
      packetsSent: sent,
      medianDelivery: ratios[Math.floor(ratios.length / 2)],
      minDelivery: ratios[0],
      workerCpu: cpu,
    };
  } finally {
    await Promise.all(receivers.map((r) => r.close()));
    await Promise.all(clients.map((c) => c.close()));
    await node.stop();
  }
}
