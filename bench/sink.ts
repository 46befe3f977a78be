// The RTP sink (bench/sink.c) from TypeScript: compiled once per run with the system's C compiler
// (already needed to build the mediasoup worker), started as a child process, asked for its counts.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export interface SinkCount {
  packets: number;
  /** CLOCK_MONOTONIC ns of the first packet (comparable with process.hrtime.bigint()). */
  firstNs: bigint;
}

export class RtpSink {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  readonly #dir: string;
  readonly ports: number[];
  #exit: Promise<void>;

  static async start(sockets = 4): Promise<RtpSink> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-sink-'));
    const bin = path.join(dir, 'cdn-sink');
    execFileSync('cc', ['-O2', '-o', bin, path.join(__dirname, 'sink.c')]);
    const child = spawn(bin, [String(sockets)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = (await lines.next()).value as string | undefined;
    if (!first?.startsWith('ports ')) throw new Error(`the RTP sink did not start: ${first}`);
    return new RtpSink(child, lines, dir, first.slice(6).trim().split(' ').map(Number));
  }

  private constructor(child: ChildProcess, lines: AsyncIterator<string>, dir: string, ports: number[]) {
    this.#child = child;
    this.#lines = lines;
    this.#dir = dir;
    this.ports = ports;
    this.#exit = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** The port viewer `i` sends to: viewers are spread over the sockets. */
  portFor(i: number): number {
    return this.ports[i % this.ports.length];
  }

  /** Packets and first arrival per SSRC so far. */
  async snapshot(): Promise<Map<number, SinkCount>> {
    this.#child.stdin!.write('snap\n');
    const counts = new Map<number, SinkCount>();
    for (;;) {
      const { value, done } = await this.#lines.next();
      if (done) throw new Error('the RTP sink exited');
      if (value === 'end') return counts;
      const [ssrc, packets, first] = (value as string).split(' ');
      counts.set(Number(ssrc), { packets: Number(packets), firstNs: BigInt(first) });
    }
  }

  /** Closes its stdin (it exits on that) and waits. */
  async stop(): Promise<void> {
    this.#child.stdin!.end();
    await this.#exit;
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}
