// The multi-host test bed: one network namespace per host (origin, edges, clients), each with its
// own address on a bridge that lives in a namespace of its own, so nothing of the host's network
// is touched. Hosts can sit behind a 1:1 NAT (a router namespace with nftables dnat/snat, the
// way a cloud VM has a public address it does not see). Impairments, all inside the namespaces:
// random UDP loss (nftables numgen), rate limits (tc tbf), partitions (nftables drop), and delay
// (tc netem) where the kernel has netem (this CI kernel has not: delay() then throws).
//
// The test process stays in the host's namespace; it reaches the nodes through a forwarder that
// runs in the clients' namespace (forwarder.ts), behind a loopback port per node. Browsers run in
// a namespace through a wrapper script that `ip netns exec`s Chromium (playwright talks to it over
// stdio pipes, which cross namespaces).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../e2e/browser';
import { type NodeProcess, type NodeSpec, startNode } from '../helpers/nodes';
import { until } from '../helpers/until';
import { inNs, run } from './shell';

const ROOT = path.resolve(__dirname, '..', '..');
/** Every namespace of the bed is named `cdnnet-<pid of the test process>-<host>`. */
const PREFIX = 'cdnnet-';
const SUBNET = '10.99.0';
/** The ws.port every node uses: each on its own address, as hosts in a deployment do. */
export const NODE_PORT = 8080;

export interface BedHost {
  name: string;
  ns: string;
  /** The address others reach the host at (its public address when behind NAT). */
  ip: string;
  /** The address the host itself has (differs from `ip` behind NAT). */
  localIp: string;
  /** The veth end on the bridge that leads to the host (its router's, behind NAT). */
  bridgePort: string;
}

export interface BedOptions {
  /** Hosts to create, each a namespace with its own address. */
  hosts: string[];
  /** Hosts placed behind a 1:1 NAT router: their `ip` is the router's, their `localIp` private. */
  behindNat?: string[];
  /** The host whose namespace the test process reaches nodes from (default `client`). */
  reachFrom?: string;
}

/** Deletes namespaces a previous run left (its test process died before cleaning up). */
function removeLeftovers(): void {
  for (const line of run('ip', ['netns', 'list']).split('\n')) {
    const m = new RegExp(`^(${PREFIX}(\\d+)-\\S+)`).exec(line);
    if (!m || Number(m[2]) === process.pid || pidAlive(Number(m[2]))) continue;
    process.stderr.write(`net bed: removing namespace ${m[1]} left by process ${m[2]}\n`);
    run('ip', ['netns', 'del', m[1]]);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: no such process
  }
}

export class NetBed {
  readonly #hosts = new Map<string, BedHost>();
  readonly #namespaces: string[] = [];
  readonly #nodes = new Set<NodeProcess>();
  readonly #servers: net.Server[] = [];
  readonly #sockets = new Set<net.Socket>();
  readonly #tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdnnet-'));
  readonly #bridgeNs = `${PREFIX}${process.pid}-br`;
  #forwarder?: ChildProcess;
  #closed = false;

  private constructor() {}

  static async create(options: BedOptions): Promise<NetBed> {
    removeLeftovers();
    const bed = new NetBed();
    try {
      bed.#build(options);
      await bed.#startForwarder(options.reachFrom ?? 'client');
    } catch (err) {
      await bed.close();
      throw err;
    }
    return bed;
  }

  host(name: string): BedHost {
    const h = this.#hosts.get(name);
    if (!h) throw new Error(`no host ${name} in the bed`);
    return h;
  }

  #addNs(name: string): string {
    const ns = `${PREFIX}${process.pid}-${name}`;
    run('ip', ['netns', 'add', ns]);
    this.#namespaces.push(ns);
    inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A veth pair from the bridge to `ns`, named eth0 there, with `cidr` on it. */
  #wire(ns: string, index: number, cidr: string): string {
    const port = `v${index}`;
    inNs(this.#bridgeNs, 'ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    inNs(this.#bridgeNs, 'ip', ['link', 'set', port, 'master', 'br0', 'up']);
    inNs(ns, 'ip', ['addr', 'add', cidr, 'dev', 'eth0']);
    inNs(ns, 'ip', ['link', 'set', 'eth0', 'up']);
    return port;
  }

  #build(options: BedOptions): void {
    this.#addNs('br');
    inNs(this.#bridgeNs, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
    inNs(this.#bridgeNs, 'ip', ['link', 'set', 'br0', 'up']);
    options.hosts.forEach((name, i) => {
      const index = i + 1;
      const ip = `${SUBNET}.${10 + index}`;
      const ns = this.#addNs(name);
      if (!options.behindNat?.includes(name)) {
        const bridgePort = this.#wire(ns, index, `${ip}/24`);
        this.#hosts.set(name, { name, ns, ip, localIp: ip, bridgePort });
        return;
      }
      // The router holds the public address on the bridge and forwards it, 1:1, to the host's
      // private one; the host's replies leave with the public address (ports kept).
      const router = this.#addNs(`nat${index}`);
      const bridgePort = this.#wire(router, index, `${ip}/24`);
      const localIp = `192.168.${index}.2`;
      inNs(router, 'ip', ['link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      inNs(router, 'ip', ['addr', 'add', `192.168.${index}.1/24`, 'dev', 'lan0']);
      inNs(router, 'ip', ['link', 'set', 'lan0', 'up']);
      inNs(router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      inNs(ns, 'ip', ['addr', 'add', `${localIp}/24`, 'dev', 'eth0']);
      inNs(ns, 'ip', ['link', 'set', 'eth0', 'up']);
      inNs(ns, 'ip', ['route', 'add', 'default', 'via', `192.168.${index}.1`]);
      inNs(
        router,
        'nft',
        ['-f', '-'],
        `table ip nat {
          chain pre { type nat hook prerouting priority dstnat; ip daddr ${ip} dnat to ${localIp}; }
          chain post { type nat hook postrouting priority srcnat; ip saddr ${localIp} snat to ${ip}; }
        }\n`,
      );
      this.#hosts.set(name, { name, ns, ip, localIp, bridgePort });
    });
  }

  get #socketPath(): string {
    return path.join(this.#tmp, 'forward.sock');
  }

  async #startForwarder(from: string): Promise<void> {
    const child = spawn(
      'ip',
      ['netns', 'exec', this.host(from).ns, process.execPath, '--import', 'tsx', path.join(__dirname, 'forwarder.ts'), this.#socketPath],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    this.#forwarder = child;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the bed's forwarder exited with ${code}`)));
      child.stdout!.once('data', () => resolve());
    });
  }

  /** A loopback port of this process that leads to `ip:port` as seen from the clients' namespace. */
  async reach(ip: string, port: number): Promise<number> {
    const server = net.createServer((local) => {
      // Kept to end at close(): keep-alive connections would hold the process open.
      this.#sockets.add(local);
      local.once('close', () => this.#sockets.delete(local));
      const remote = net.connect(this.#socketPath, () => {
        remote.write(`${ip}:${port}\n`);
        local.pipe(remote).pipe(local);
      });
      // Either side closing (a refused target closes the forwarder's end) closes the pair, so a
      // request to a node that is not up fails at once instead of hanging.
      remote.on('close', () => local.destroy());
      local.on('close', () => remote.destroy());
      remote.on('error', (err: NodeJS.ErrnoException) => {
        // EPIPE/ECONNRESET: the forwarder closed because the node refused (not up yet), said there.
        if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') process.stderr.write(`net bed: forward to ${ip}:${port}: ${err.message}\n`);
      });
      local.on('error', () => remote.destroy()); // the test's side reset: nothing to report
    });
    this.#servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  /**
   * Starts a node on `host`, listening on NODE_PORT at the host's address, announcing `ip` and
   * binding `localIp` (they differ behind NAT). `props` override the bed's defaults.
   */
  async startNode(name: string, host: string, spec: Pick<NodeSpec, 'props' | 'xml'> = {}): Promise<NodeProcess> {
    const h = this.host(host);
    const reachPort = await this.reach(h.ip, NODE_PORT);
    const node = await startNode({
      name,
      port: NODE_PORT,
      xml: spec.xml,
      props: { ip: h.ip, ip_local: h.localIp, 'cdn.reconnect_ms': 200, ...spec.props },
      netns: { netns: h.ns, host: h.ip, reachPort },
    });
    this.#nodes.add(node);
    void node.waitExit().then(() => this.#nodes.delete(node));
    return node;
  }

  /**
   * Chromium running in `host`'s namespace. The nodes are plain http:// on non-local addresses,
   * where pages get no camera (getUserMedia needs a secure context): the bed's node origins are
   * declared secure, as https would make them in a deployment.
   */
  launchChromium(host: string): Promise<Browser> {
    const wrapper = path.join(this.#tmp, `chromium-${host}.sh`);
    const origins = [...this.#hosts.values()].map((h) => `http://${h.ip}:${NODE_PORT}`).join(',');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${this.host(host).ns} ${CHROMIUM} --unsafely-treat-insecure-origin-as-secure=${origins} "$@"\n`, {
      mode: 0o755,
    });
    return launchChromium(wrapper);
  }

  /**
   * Random UDP loss on `host`'s link: `permille` of the packets it receives and of those it sends
   * are dropped (only those to or from `peer`, when given). Replaces the host's previous loss.
   */
  loss(host: string, permille: number, peer?: string): void {
    const h = this.host(host);
    this.clearLoss(host);
    if (permille <= 0) return;
    // Only on the host's link (eth0): loopback inside the namespace carries mediasoup's pipes
    // between a node's own routers, which never cross a network.
    const from = `iifname "eth0" ${peer ? `ip saddr ${this.host(peer).ip} ` : ''}`;
    const to = `oifname "eth0" ${peer ? `ip daddr ${this.host(peer).ip} ` : ''}`;
    inNs(
      h.ns,
      'nft',
      ['-f', '-'],
      `table inet cdnloss {
        chain in { type filter hook input priority 0; meta l4proto udp ${from}numgen random mod 1000 < ${permille} drop; }
        chain out { type filter hook output priority 0; meta l4proto udp ${to}numgen random mod 1000 < ${permille} drop; }
      }\n`,
    );
  }

  clearLoss(host: string): void {
    this.#deleteTable(this.host(host).ns, 'cdnloss');
  }

  /** Drops every packet between `a` and `b` (both ways), the processes staying alive. */
  partition(a: string, b: string): void {
    const peer = this.host(b).ip;
    inNs(
      this.host(a).ns,
      'nft',
      ['-f', '-'],
      `table inet cdnpart_${b} {
        chain in { type filter hook input priority -10; ip saddr ${peer} drop; }
        chain out { type filter hook output priority -10; ip daddr ${peer} drop; }
      }\n`,
    );
  }

  heal(a: string, b: string): void {
    this.#deleteTable(this.host(a).ns, `cdnpart_${b}`);
  }

  /**
   * Drops the TCP segments between `a` and `b` to or from `port` (on either end), both ways, on
   * `a`'s side: one TCP service between the two hosts stalls, everything else (UDP media, other
   * ports) passes.
   */
  blockTcp(a: string, b: string, port: number): void {
    const peer = this.host(b).ip;
    inNs(
      this.host(a).ns,
      'nft',
      ['-f', '-'],
      `table inet cdntcp_${b} {
        chain in { type filter hook input priority -10; ip saddr ${peer} tcp sport ${port} drop; ip saddr ${peer} tcp dport ${port} drop; }
        chain out { type filter hook output priority -10; ip daddr ${peer} tcp dport ${port} drop; ip daddr ${peer} tcp sport ${port} drop; }
      }\n`,
    );
  }

  unblockTcp(a: string, b: string): void {
    this.#deleteTable(this.host(a).ns, `cdntcp_${b}`);
  }

  #deleteTable(ns: string, table: string): void {
    if (inNs(ns, 'nft', ['list', 'tables']).includes(`inet ${table}`)) inNs(ns, 'nft', ['delete', 'table', 'inet', table]);
  }

  /** Limits what reaches `host` (its downlink) to `kbit` kbit/s with a token bucket. */
  limit(host: string, kbit: number): void {
    // A bucket of one full packet and 200 ms of queue: like a narrow access link, which sends each
    // packet at its rate, queues a little and then drops. A bigger bucket lets a short burst pass at
    // the bridge's speed, and a bandwidth probe (a few padding packets sent back to back) then
    // measures the bridge, not the limit.
    const burst = 1600;
    inNs(this.#bridgeNs, 'tc', [
      'qdisc',
      'replace',
      'dev',
      this.host(host).bridgePort,
      'root',
      'tbf',
      'rate',
      `${kbit}kbit`,
      'burst',
      String(burst),
      'latency',
      '200ms',
    ]);
  }

  unlimit(host: string): void {
    inNs(this.#bridgeNs, 'tc', ['qdisc', 'del', 'dev', this.host(host).bridgePort, 'root']);
  }

  /**
   * Adds `ms` of delay to what reaches `host`. Needs the kernel's netem (sch_netem), which this
   * project's CI kernel lacks: then it throws, saying so.
   */
  delay(host: string, ms: number): void {
    try {
      inNs(this.#bridgeNs, 'tc', ['qdisc', 'replace', 'dev', this.host(host).bridgePort, 'root', 'netem', 'delay', `${ms}ms`]);
    } catch (err) {
      throw new Error(`this kernel cannot add delay (no netem qdisc): ${(err as Error).message}`, { cause: err });
    }
  }

  /** Stops the nodes it started, the forwarder, and deletes every namespace. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#nodes].map((n) => n.stop()));
    for (const server of this.#servers) server.close();
    for (const socket of this.#sockets) socket.destroy();
    const forwarder = this.#forwarder;
    if (forwarder && forwarder.exitCode === null && forwarder.signalCode === null) {
      const exited = new Promise((resolve) => forwarder.once('exit', resolve));
      forwarder.kill('SIGTERM');
      await exited;
    }
    for (const ns of this.#namespaces.reverse()) {
      try {
        run('ip', ['netns', 'del', ns]);
      } catch (err) {
        process.stderr.write(`net bed: ${(err as Error).message}\n`);
      }
    }
    fs.rmSync(this.#tmp, { recursive: true, force: true });
  }
}

/** Waits for `check`, returning the milliseconds it took (a re-export for the net tests). */
export { until };
