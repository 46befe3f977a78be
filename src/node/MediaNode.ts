// One node of the cluster: mediasoup workers, stream registry, command channel, HTTP API, and the
// cluster role (the origin's edge links; every node accepts relays from an origin).
import type { NodeConfig } from '../config/types';
import { loadConfig } from '../config/load';
import type { Logger } from '../log';
import { MediaPool } from '../media/MediaPool';
import { StreamRegistry } from '../streams/StreamRegistry';
import { SignalingServer } from '../signaling/SignalingServer';
import { PlayService } from '../streams/PlayService';
import { PublishService } from '../streams/PublishService';
import { StreamEventService } from '../streams/StreamEventService';
import type { OriginInfo } from '../cluster/EdgeLink';
import { edgeBaseUrl, hostForUrl } from '../cluster/nodeUrls';
import { AppError } from '../errors';
import type { HttpContext } from '../http/HttpContext';
import { HttpServer } from '../http/HttpServer';
import { Router } from '../http/router';
import { registerRestApi } from '../http/restApi';
import { registerStandardApi, standardUpgrades } from '../http/standardApi';
import { createMetrics } from '../http/metrics';
import { EdgeRelayService } from '../cluster/EdgeRelayService';
import { type EdgeChanges, OriginCluster } from '../cluster/OriginCluster';
import type { PeerChanges } from '../cluster/OriginPeers';
import { LoadMeter } from '../cluster/LoadMeter';
import { WebRtcHttpSessions } from '../http/WebRtcHttpSessions';
import { ClientLog } from '../limits/ClientLog';
import { AddressRate } from '../limits/AddressRate';
import { clientAddressResolver, type ClientAddressOf } from '../http/clientAddress';
import { securityWarnings } from '../auth/startupWarnings';
import { TrafficMeter } from '../media/TrafficMeter';
import { RelayStats } from '../cluster/RelayStats';
import { MAX_LOAD_STREAMS } from '../cluster/relayProtocol';
import { registerConsoleApi } from '../http/consoleApi';
import { registerReloadApi } from '../http/reloadApi';
import fs from 'node:fs';
import { nodeCertificate, type NodeCertificate } from '../cluster/nodeCertificate';
import { RelayEntrance } from '../cluster/RelayEntrance';
import { relayClientTls } from '../cluster/relayTls';
import { isRelay } from '../cluster/tiers';

export class MediaNode {
  readonly config: NodeConfig;
  readonly logger: Logger;
  readonly media: MediaPool;
  readonly streams = new StreamRegistry();
  /** Every way in (command channel, WHIP/WHEP, relays) publishes and plays through these. */
  readonly publish: PublishService;
  readonly play: PlayService;
  /** Stream events (sendData, REST), whatever the way in. */
  readonly events: StreamEventService;
  readonly signaling: SignalingServer;
  readonly relays: EdgeRelayService;
  readonly origin: OriginCluster | null;
  /**
   * A relay (relay tiers: a <node> of loadbalancing.xml names this node_id as its parent): feeds
   * those nodes with every stream this node holds, as an origin feeds its edges. null otherwise.
   */
  readonly tier: OriginCluster | null;
  readonly load: LoadMeter;
  /** WHIP/WHEP sessions (standard API); counted as connections in load reports. */
  readonly webrtcHttp: WebRtcHttpSessions;
  /** Log lines clients cause, throttled per client address. */
  readonly clientLog: ClientLog;
  /** The client's address behind trusted proxies: `http.trusted_proxies` and the linked origins' secure proxies. */
  readonly clientAddress: ClientAddressOf;
  /** HTTP requests to routes per client address (limits.ip.http_requests_per_s): /rtcloadbalance, REST, WHIP/WHEP. */
  readonly #httpRate: AddressRate;
  /** Media traffic and the origin's relay traffic, measured only while a console watches or Prometheus scrapes. */
  readonly traffic: TrafficMeter;
  readonly relayStats: RelayStats | null;
  #http: HttpServer | null = null;
  /** Where relay links come in (the TLS relay port, or the plain upgrade), set by #listen. */
  #relayEntrance: RelayEntrance | null = null;
  readonly #certificate: NodeCertificate;
  readonly #relayCa: Buffer | null;
  #closed = false;

  static async create(config: NodeConfig, logger: Logger): Promise<MediaNode> {
    const media = await MediaPool.create({
      workers: config.workers,
      portRange: { min: config.mediaPortFrom, max: config.mediaPortTo },
      logLevel: config.mediasoupLogLevel,
      dtlsCertificateFile: config.dtlsCertFile,
      dtlsPrivateKeyFile: config.dtlsKeyFile,
      probeMs: config.workerProbeMs,
      probeTimeoutMs: config.workerProbeTimeoutMs,
      logger,
    });
    // Loud at start, not at the first failed relay or the first stranger (docs/security.md).
    for (const warning of securityWarnings(config)) logger.warn({ security: true }, warning);
    let certificate: NodeCertificate;
    try {
      // Relay links' TLS (docs/security.md): tls.cert_file when set, else one made now, in memory only.
      certificate = await nodeCertificate(config);
    } catch (err) {
      media.close();
      throw err;
    }
    const node = new MediaNode(config, logger, media, certificate);
    try {
      await node.#listen();
    } catch (err) {
      await node.close();
      throw err;
    }
    node.origin?.start();
    node.tier?.start();
    return node;
  }

  private constructor(config: NodeConfig, logger: Logger, media: MediaPool, certificate: NodeCertificate) {
    this.config = config;
    this.#certificate = certificate;
    this.#relayCa = config.cdnRelayCaFile ? fs.readFileSync(config.cdnRelayCaFile) : null;
    this.logger = logger;
    this.media = media;
    this.load = new LoadMeter(media);
    const services = { config, logger, media, streams: this.streams };
    this.publish = new PublishService(services);
    this.play = new PlayService(services);
    this.events = new StreamEventService({ config, streams: this.streams });
    const role = () => this.role;
    this.clientLog = new ClientLog(logger.child({ component: 'clients' }));
    this.#httpRate = new AddressRate(
      { ratePerSecond: config.limitIpHttpRequestsPerS, burst: config.limitIpHttpRequestBurst, exempt: config.limitIpExempt },
      Date.now(),
    );
    // An origin's relay link is named "address:port" (links()); its address is the origin's proxy's.
    this.clientAddress = clientAddressResolver(config.trustedProxies, () => this.relays.links().map((l) => l.remote.replace(/:\d+$/, '')));
    this.webrtcHttp = new WebRtcHttpSessions({ perAddress: config.limitIpWebrtcHttpSessions, exemptAddresses: config.limitIpExempt });
    this.signaling = new SignalingServer(
      { config, logger, publish: this.publish, play: this.play, events: this.events, role, originUrls: () => this.#originUrls() },
      {
        maxPayload: config.wsMaxPayload,
        heartbeatMs: config.wsHeartbeatMs,
        maxConnections: config.maxConnections,
        connectTimeoutMs: config.wsConnectTimeoutMs,
        perAddress: config.limitIpConnections,
        exemptAddresses: config.limitIpExempt,
        caps: { publishes: config.limitSessionPublishes, plays: config.limitSessionPlays, transports: config.limitSessionTransports },
        rate: { ratePerSecond: config.limitSessionRequestsPerS, burst: config.limitSessionRequestBurst, closeAfter: config.limitSessionFloodClose },
        clientLog: this.clientLog,
        clientAddress: (req) => this.clientAddress(req),
      },
    );
    this.relays = new EdgeRelayService({
      config,
      logger: logger.child({ component: 'relay-in' }),
      publish: this.publish,
      load: () => ({
        players: this.play.players,
        cpuLoad: this.load.current,
        connections: this.signaling.connections + this.webrtcHttp.size,
        ...this.#consoleLoad(),
        ...(this.tier ? { descendants: this.tier.descendants() } : {}),
      }),
      originInfoChanged: () => {
        for (const link of this.tier?.links ?? []) link.announceOriginInfo();
      },
    });
    this.origin =
      config.loadBalancingEnabled && config.loadBalancing
        ? new OriginCluster({
            config,
            loadBalancing: config.loadBalancing,
            logger: logger.child({ component: 'cdn' }),
            streams: this.streams,
            relayTls: relayClientTls(certificate, this.#relayCa),
            originInfo: () => this.#originInfo(),
            streamEvent: (stream, payload) => this.events.fromEdge(stream, payload),
            endLost: (stream, winner) => this.#endLost(stream, winner.originId),
            dropInbound: (originId, why) => this.relays.dropOrigin(originId, why),
          })
        : null;
    const lb = config.loadBalancing;
    this.tier =
      !this.origin && lb && isRelay(lb.nodes, config.nodeId)
        ? new OriginCluster({
            config,
            loadBalancing: lb,
            logger: logger.child({ component: 'tier' }),
            streams: this.streams,
            relayTls: relayClientTls(certificate, this.#relayCa),
            self: config.nodeId,
            // Its nodes send publishers (and stream events) on to the origin, through this relay.
            originInfo: () => this.relays.upstreamOriginInfo(),
            streamEvent: (name, payload) => {
              const stream = this.streams.get(name);
              if (!stream) throw new AppError('STREAM_NOT_FOUND', `stream "${name}" is not held on relay "${config.nodeId}"`);
              return this.relays.forwardEvent(stream, payload);
            },
            pullUp: (stream) => this.relays.pull(stream),
          })
        : null;
    const origin = this.origin;
    if (origin) this.play.setRedirector((stream, secure) => origin.redirectPlay(stream, secure));
    if (origin) {
      // Other origins (<origin>, now or after a reload): their links come in on the relay entrance
      // as peer links, and their streams' names are taken. With no other origin both are no-ops.
      this.relays.setPeers(origin.peers);
      this.publish.setGuard((name) => origin.peers.admit(name));
    }
    // As an edge: publishers go to the linked origin, and events of its streams are passed on to it.
    this.publish.setRedirector((secure) => this.relays.publishRedirect(secure));
    this.events.setForwarder((stream, payload) => this.relays.forwardEvent(stream, payload));
    // As an edge: a player's stream this node does not hold is asked of its origins (on-demand edges).
    if (!origin) this.play.setPuller((stream) => this.relays.pull(stream));
    this.traffic = new TrafficMeter(() => media.transports, logger);
    this.relayStats = origin ? new RelayStats(() => origin.links, logger.child({ component: 'cdn' })) : null;
  }

  /**
   * What an edge adds to its load reports for the origin's console: players per stream (streams
   * without players are left out: the origin reads a missing one as 0), and its traffic while watched.
   */
  #consoleLoad(): { streams: Record<string, number>; bitrateIn?: number; bitrateOut?: number } {
    const counts = this.streams
      .all()
      .map((s) => [s.name, this.play.playersOf(s.name)] as const)
      .filter(([, players]) => players > 0)
      .sort((a, b) => b[1] - a[1]);
    const streams = Object.fromEntries(counts.slice(0, MAX_LOAD_STREAMS));
    if (!this.relays.watched) return { streams };
    // Measured for the next report; this one carries the last measurement (a second old at most).
    this.traffic.read().catch((err: Error) => this.logger.warn({ err: err.message }, 'traffic measurement failed'));
    const last = this.traffic.last;
    return last ? { streams, bitrateIn: last.in, bitrateOut: last.out } : { streams };
  }

  /** Ends a publication whose name another origin's better claim took: its publisher hears STREAM_NAME_TAKEN. */
  #endLost(stream: string, winner: string): void {
    try {
      this.publish.terminate(stream, { code: 'STREAM_NAME_TAKEN', message: `stream "${stream}" is published on origin "${winner}", whose claim wins` });
    } catch (err) {
      // Gone already (unpublished in the meantime): nothing left to end.
      if (!(err instanceof AppError)) throw err;
    }
  }

  /**
   * The origins a client may publish to (the `connect` answer's `origins`, for an SDK's failover):
   * on an origin of several, every origin of its <origin> list; on an edge, its linked origins.
   */
  #originUrls(): { id: string; url: string; secureUrl?: string }[] {
    if (this.origin) {
      if (!this.origin.peers.enabled) return [];
      return this.origin.peers.origins.map((o) => {
        const secureUrl = edgeBaseUrl(o, 'ws', true, null);
        return { id: o.id, url: `${edgeBaseUrl(o, 'ws', false, null)}/`, ...(secureUrl ? { secureUrl: `${secureUrl}/` } : {}) };
      });
    }
    return this.relays.originUrls();
  }

  /** Where publishers reach this node (its `ip`, bound ports and path prefix), told to its edges. */
  #originInfo(): OriginInfo {
    const { ip, pathPrefix } = this.config;
    const host = hostForUrl(ip);
    const secure = this.securePort;
    return {
      url: `ws://${host}:${this.port}${pathPrefix}/`,
      httpBase: `http://${host}:${this.port}${pathPrefix}`,
      ...(secure ? { secureUrl: `wss://${host}:${secure}${pathPrefix}/`, secureHttpBase: `https://${host}:${secure}${pathPrefix}` } : {}),
    };
  }

  /** 'origin', 'edge' (an origin is linked) or 'standalone'. */
  get role(): 'origin' | 'edge' | 'standalone' {
    return this.origin ? 'origin' : this.relays.linked ? 'edge' : 'standalone';
  }

  get closed(): boolean {
    return this.#closed;
  }

  get port(): number {
    if (!this.#http) throw new Error('node is not listening');
    return this.#http.port;
  }

  get securePort(): number | null {
    return this.#http?.securePort ?? null;
  }

  /** The bound TLS relay port (cdn.relay_port), null when relay links are plain or the node has no secret. */
  get relayPort(): number | null {
    return this.#relayEntrance?.port ?? null;
  }

  async #listen(): Promise<void> {
    const { config } = this;
    const router = new Router();
    const metrics = createMetrics(
      {
        sessions: () => this.signaling.sessions.length,
        players: () => this.play.players,
        streams: () => {
          const all = this.streams.all();
          const relayed = all.filter((s) => s.source.kind === 'relay').length;
          return { local: all.length - relayed, relayed };
        },
        edgeLinks: () => this.origin?.linkStateCounts() ?? [],
        edges: () =>
          (this.origin?.links ?? [])
            .map((l) => ({
              id: l.edge.id,
              cluster: l.edge.cluster,
              state: l.state,
              players: l.players,
              cpuLoad: l.cpuLoad,
              streamsRelayed: l.relays().filter((r) => r.complete).length,
              distribution: l.edge.distribution,
              held: Object.fromEntries(l.relays().flatMap((r) => (r.complete ? [[r.stream.name, l.reasonOf(r.stream.name) ?? 'pushed']] : []))),
              redirects: l.redirects,
              failures: Object.fromEntries(l.failuresByCode),
            }))
            .concat(
              // Nodes fed by a relay (relay tiers), as their relays report them.
              (this.origin?.tierNodes() ?? []).map((d) => ({
                id: d.id,
                cluster: d.cluster,
                state: 'up',
                players: d.players,
                cpuLoad: d.cpuLoad,
                streamsRelayed: Object.keys(d.held).length,
                distribution: this.config.loadBalancing?.nodes.find((n) => n.id === d.id)?.distribution ?? 'push',
                held: d.held,
                redirects: 0,
                failures: {},
                via: d.via,
              })),
            ),
        relayTraffic: () => this.relayStats?.read() ?? Promise.resolve(null),
        relayLinks: () => ({ tls: config.cdnRelayTls, pending: this.#relayEntrance?.gate.size ?? 0 }),
        originPeers: () => (this.origin?.peers.enabled ? this.origin.peers.summary().map((p) => ({ id: p.id, up: p.state === 'up', streams: p.streams })) : []),
      },
      config.nodeId,
    );
    this.#relayEntrance = await RelayEntrance.create(config, this.relays, this.#certificate, this.#relayCa, this.logger.child({ component: 'relay-in' }));
    const ctx = this.#httpContext();
    registerRestApi(router, ctx, metrics);
    registerStandardApi(router, ctx);
    registerReloadApi(router, ctx);
    registerConsoleApi(router, ctx);
    this.#http = await HttpServer.create({
      host: config.ipLocal,
      port: config.wsPort,
      tls: config.tlsCertFile && config.tlsKeyFile ? { port: config.wssPort, certFile: config.tlsCertFile, keyFile: config.tlsKeyFile } : null,
      pathPrefix: config.pathPrefix,
      router,
      clientLog: this.clientLog,
      overRate: (req) => {
        const address = this.clientAddress(req);
        return this.#httpRate.admit(address, Date.now()) ? null : address;
      },
      upgrades: {
        // `/` is also the index page's route: named here so its upgrades still reach the channel.
        '/': (req, socket, head, secure) => this.signaling.handleUpgrade(req, socket, head, secure),
        '/cdn/relay': (req, socket, head) => {
          if (this.#relayEntrance) this.#relayEntrance.plainUpgrade(req, socket, head);
          else socket.destroy(); // not listening yet: nothing can serve it
        },
        ...standardUpgrades(ctx),
      },
      // `ws://node/ws` and WCS's `ws://node/<id>` alike: any other path is the command channel.
      anyPathUpgrade: (req, socket, head, secure) => this.signaling.handleUpgrade(req, socket, head, secure),
      reservedUpgradePaths: ['/cdn/relay', '/proxy'],
      logger: this.logger,
    });
    this.load.start();
  }

  #httpContext(): HttpContext {
    return {
      config: this.config,
      logger: this.logger,
      streams: this.streams,
      publish: this.publish,
      play: this.play,
      events: this.events,
      webrtcHttp: this.webrtcHttp,
      origin: this.origin,
      tier: this.tier,
      role: () => this.role,
      clientAddress: (req) => this.clientAddress(req),
      closing: () => this.#closed,
      cpuLoad: () => this.load.current,
      workers: () => ({ pids: this.media.pids, load: this.media.load, problems: this.media.problems }),
      clients: () =>
        this.signaling.sessions.map((s) => ({
          id: s.id,
          clientName: s.clientName,
          remoteAddress: s.remoteAddress,
          secure: s.secure,
          connectedAt: new Date(s.connectedAt).toISOString(),
          publishing: s.publishedStreams,
          playing: s.playedStreams,
        })),
      originLinks: () => this.relays.links(),
      monitor: { cpuLoad: () => this.load.current, traffic: this.traffic, relayStats: this.relayStats },
      reload: () => this.reload(),
    };
  }

  /**
   * Re-reads the configuration directory and applies what can change live: the origin's edge
   * list, its <origin> list and mode (loadbalancing.xml). Keys that need a restart are reported,
   * not applied. A broken file changes nothing (the ConfigError is thrown, naming file, line and key).
   * `origins` is there only for a cluster of several origins (before or after).
   */
  reload(): { edges: EdgeChanges | null; origins?: PeerChanges; needsRestart: string[] } {
    if (this.#closed) throw new Error('node is closed');
    const next = loadConfig(this.config.confDir);
    const needsRestart = (Object.keys(next) as (keyof NodeConfig)[]).filter(
      (key) => key !== 'loadBalancing' && JSON.stringify(next[key]) !== JSON.stringify(this.config[key]),
    );
    const applied = this.origin && next.loadBalancingEnabled && next.loadBalancing ? this.origin.reload(next.loadBalancing) : null;
    // A relay applies the edited tree to the nodes it feeds; a node that becomes a relay, or stops
    // being one, needs a restart (its feeder is made at start), and says so.
    const tier = this.tier && next.loadBalancing ? this.tier.reload(next.loadBalancing) : null;
    const relayNow = !this.origin && next.loadBalancing !== null && isRelay(next.loadBalancing.nodes, this.config.nodeId);
    if (!this.origin && relayNow !== (this.tier !== null)) needsRestart.push('loadBalancing');
    if (needsRestart.length > 0) this.logger.warn({ keys: needsRestart }, 'changed settings need a restart to apply');
    return { edges: applied?.edges ?? tier?.edges ?? null, ...(applied?.origins ? { origins: applied.origins } : {}), needsRestart };
  }

  /** Stops accepting, closes sessions, relays, streams and workers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.load.stop();
    this.origin?.close();
    this.tier?.close();
    this.signaling.close();
    this.webrtcHttp.closeAll();
    this.relays.close();
    this.streams.closeAll();
    await Promise.all([this.#http?.close(), this.#relayEntrance?.close()]);
    this.clientLog.close();
    this.media.close();
  }
}
