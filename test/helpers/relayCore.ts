// The relay core in one process: an origin (StreamRegistry + OriginCluster) and its edges
// (StreamRegistry + EdgeRelayService each) on real mediasoup workers, linked by in-memory socket
// pairs instead of the network. Media still crosses real SRTP pipe transports on loopback.
import os from 'node:os';
import pino from 'pino';
import type * as ms from 'mediasoup/types';
import { EdgeRelayService } from '../../src/cluster/EdgeRelayService';
import type { OriginInfo } from '../../src/cluster/EdgeLink';
import { OriginCluster } from '../../src/cluster/OriginCluster';
import { defaultSettings } from '../../src/config/propertiesSchema';
import { DEFAULT_CLUSTER, type BalancingMode, type EdgeNodeConfig, type NodeConfig } from '../../src/config/types';
import { MediaPool } from '../../src/media/MediaPool';
import type { Publication } from '../../src/streams/Publication';
import { PublishService } from '../../src/streams/PublishService';
import type { Stream } from '../../src/streams/Stream';
import { StreamRegistry } from '../../src/streams/StreamRegistry';
import { type MemorySocket, memorySocketPair, refusedSocket } from './memorySocket';
import { until } from './until';
import { AUDIO_RTP_PARAMETERS, VIDEO_RTP_PARAMETERS } from './rtp';

export const logger = pino({ level: process.env.RELAY_CORE_LOG ?? 'silent' });

/**
 * The media ports of every pool and node of this process, away from the ranges of the
 * process-based tests (42000-52199). Shared, as a node's workers share its range: a worker that
 * finds a port taken by another one takes the next.
 */
const PORTS = { min: 52400 + (process.pid % 20) * 300, max: 52400 + (process.pid % 20) * 300 + 299 };

/** Where a test's own transports listen: loopback, in the same range. */
export const LOOPBACK: ms.TransportListenInfo = { protocol: 'udp', ip: '127.0.0.1', portRange: PORTS };

export function mediaPool(): Promise<MediaPool> {
  return MediaPool.create({ workers: 1, portRange: PORTS, logger });
}

/** A node's settings: short reconnect and load-report intervals, so tests wait on conditions briefly. */
export function nodeConfig(nodeId: string, overrides: Partial<NodeConfig> = {}): NodeConfig {
  return Object.freeze({
    ...defaultSettings(),
    confDir: os.tmpdir(),
    loadBalancing: null,
    nodeId,
    cdnSecret: 'core-secret',
    mediaPortFrom: PORTS.min,
    mediaPortTo: PORTS.max,
    cdnReconnectMs: 50,
    cdnLoadReportMs: 20,
    // In-memory socket pairs carry no TLS session to bind the proofs to: these tests are about the
    // relay's logic; the TLS link itself is tested with real processes (test/integration/relayTls.test.ts).
    cdnRelayTls: false,
    ...overrides,
  }) as NodeConfig;
}

export interface EdgeSide {
  readonly id: string;
  readonly registry: StreamRegistry;
  readonly service: EdgeRelayService;
  /** What the edge reports as its load; tests change it. */
  readonly load: { players: number; cpuLoad: number; connections: number };
  /** The socket pairs of every link the origin opened to this edge, newest last. */
  readonly pairs: { client: MemorySocket; server: MemorySocket }[];
  /** While false, the origin's connections to this edge are refused. */
  reachable: boolean;
}

export interface WorldOptions {
  edges?: string[];
  mode?: BalancingMode;
  originSecret?: string;
  originPool: MediaPool;
  /**
   * One pool per edge: edges cannot share a worker, since a relayed producer keeps the origin's
   * producer id and ids are unique per worker.
   */
  edgePools: MediaPool[];
  /** Settings of every edge beyond nodeConfig's. */
  edgeOverrides?: Partial<NodeConfig>;
  /** Settings of the origin beyond nodeConfig's. */
  originOverrides?: Partial<NodeConfig>;
  /** The edges' logger (default: the silent one), to read what they log. */
  edgeLogger?: pino.Logger;
  /** Where the origin tells its edges publishers reach it (none by default). */
  originInfo?: () => OriginInfo;
  /** The origin's node_id. Default 'origin'. */
  originId?: string;
  /**
   * A second origin (issue 21): linked to that world's edges instead of edges of its own (give the
   * same `edges` ids); their pools are that world's, and its close() leaves them to their owner.
   */
  edgesOf?: RelayWorld;
}

/** One origin linked to its edges; close() undoes everything but the pools. */
export class RelayWorld {
  readonly registry = new StreamRegistry();
  readonly cluster: OriginCluster;
  readonly edges: Map<string, EdgeSide>;
  /** While false, this origin's connections to every edge are refused (edges' `reachable` too). */
  reachable = true;
  readonly #publish: PublishService;
  readonly #cleanup: (() => unknown)[] = [];
  readonly #ownsEdges: boolean;
  readonly #byPort: Map<number, EdgeSide>;

  constructor(options: WorldOptions) {
    const ids = options.edges ?? ['edge1'];
    // The origin: clients publish here (an edge with cdn_secret refuses direct publishes).
    const originId = options.originId ?? 'origin';
    this.#publish = new PublishService({
      config: nodeConfig(originId, { loadBalancingEnabled: true }),
      logger,
      media: options.originPool,
      streams: this.registry,
    });
    const nodes: EdgeNodeConfig[] = ids.map((id, i) => ({
      id,
      ip: '127.0.0.1',
      // Never listened on: the origin reaches the edge through connect() below, keyed by this port.
      ws: 18001 + i,
      wss: 0,
      relay: 19001 + i,
      maxConnections: 500,
      cluster: DEFAULT_CLUSTER,
      pathPrefix: '',
      distribution: 'push',
    }));
    this.#ownsEdges = !options.edgesOf;
    this.edges = options.edgesOf?.edges ?? new Map<string, EdgeSide>();
    const byPort = options.edgesOf ? options.edgesOf.#byPort : new Map<number, EdgeSide>();
    this.#byPort = byPort;
    if (!options.edgesOf && options.edgePools.length < nodes.length) throw new Error(`${nodes.length} edges need ${nodes.length} edge pools`);
    for (const [i, node] of options.edgesOf ? [] : nodes.entries()) {
      const registry = new StreamRegistry();
      const load = { players: 0, cpuLoad: 0, connections: 0 };
      const config = nodeConfig(node.id, options.edgeOverrides);
      const service = new EdgeRelayService({
        config,
        logger: (options.edgeLogger ?? logger).child({ node: node.id }),
        publish: new PublishService({ config, logger, media: options.edgePools[i], streams: registry }),
        load: () => ({ ...load }),
      });
      const edge: EdgeSide = { id: node.id, registry, service, load, pairs: [], reachable: true };
      this.edges.set(node.id, edge);
      byPort.set(node.ws, edge);
    }
    this.cluster = new OriginCluster({
      config: nodeConfig(originId, { ...options.originOverrides, ...(options.originSecret !== undefined ? { cdnSecret: options.originSecret } : {}) }),
      loadBalancing: { file: 'loadbalancing.xml', streamDistribution: 'webrtc', mode: options.mode ?? 'ROUNDROBIN', nodes, origins: [] },
      logger: logger.child({ node: 'origin' }),
      streams: this.registry,
      originInfo: options.originInfo,
      connect: (url) => {
        const edge = byPort.get(Number(new URL(url).port));
        if (!edge?.reachable || !this.reachable) return refusedSocket();
        const pair = memorySocketPair();
        edge.pairs.push(pair);
        edge.service.adopt(pair.server, `memory:${edge.pairs.length}`);
        return pair.client;
      },
    });
  }

  /** Starts the origin's links; resolves once every link is up. */
  async start(): Promise<void> {
    this.cluster.start();
    await until(() => this.cluster.links.every((l) => l.state === 'up'), 2000, 'every edge link up');
  }

  edge(id = 'edge1'): EdgeSide {
    const edge = this.edges.get(id);
    if (!edge) throw new Error(`no edge ${id}`);
    return edge;
  }

  link(id = 'edge1') {
    return this.cluster.links.find((l) => l.edge.id === id)!;
  }

  /**
   * Publishes a local stream on the origin as a client session does (plain RTP transport): the
   * registry entry first, so relays start at once, then one track per kind.
   */
  async publish(name: string, kinds: ('video' | 'audio')[] = ['video']): Promise<Published> {
    const publication = await this.#publish.publish(name, 'plain', { sessionId: 'relay-core-test', ip: '127.0.0.1' });
    this.#cleanup.push(() => publication.close());
    const published = new Published(publication);
    for (const kind of kinds) await published.produce(kind);
    return published;
  }

  /** Runs at close(), before the links go (senders, receivers, transports a test opened). */
  onClose(fn: () => unknown): void {
    this.#cleanup.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.#cleanup.splice(0).reverse()) await fn();
    this.cluster.close();
    this.registry.closeAll();
    if (!this.#ownsEdges) return;
    for (const edge of this.edges.values()) {
      edge.service.close();
      edge.registry.closeAll();
    }
  }
}

export class Published {
  readonly ssrc = { video: 1000 + Math.floor(Math.random() * 1e6), audio: 2_000_000 + Math.floor(Math.random() * 1e6) };

  constructor(readonly publication: Publication) {}

  get stream(): Stream {
    return this.publication.stream;
  }

  get name(): string {
    return this.stream.name;
  }

  producer(kind: 'video' | 'audio'): ms.Producer {
    return this.stream.producers.find((p) => p.kind === kind)!;
  }

  async produce(kind: 'video' | 'audio'): Promise<ms.Producer> {
    const rtpParameters = kind === 'video' ? VIDEO_RTP_PARAMETERS(this.ssrc.video) : AUDIO_RTP_PARAMETERS(this.ssrc.audio);
    return (await this.publication.produce(kind, rtpParameters as ms.RtpParameters)).producer;
  }

  /** Where RtpSender sends to (the plain transport learns the sender's address from its first packet). */
  get target(): { ip: string; port: number } {
    const { tuple } = this.publication.transport as ms.PlainTransport;
    return { ip: tuple.localAddress, port: tuple.localPort };
  }
}
