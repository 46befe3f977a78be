// The typed, frozen configuration of one node. Produced once by loadConfig() (load.ts); nothing
// else in the code reads files or the environment for settings.

/** Edge selection policies of WCS's loadbalancing.xml `mode` attribute. */
export const BALANCING_MODES = ['ROUNDROBIN', 'FEWESTCALLS', 'RANDOM', 'LESS_LOADED_NODE'] as const;
export type BalancingMode = (typeof BALANCING_MODES)[number];

/**
 * How the origin sends streams to an edge (loadbalancing.xml `distribution`, our extension):
 * `push` relays every stream to it as soon as it is published (the static CDN, the default);
 * `on_demand` relays a stream only once a player needs it there, and ends it a linger time after
 * the edge's last player of it left (docs/architecture.md "On-demand edges").
 */
export const DISTRIBUTIONS = ['push', 'on_demand'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** One `<node>` of loadbalancing.xml: an edge the origin pushes streams to. */
export interface EdgeNodeConfig {
  /** `id` attribute; unique in the file. */
  readonly id: string;
  /** `<ip>`: address (or host name) the origin and players reach the edge at. */
  readonly ip: string;
  /** `<ws>`: the edge's ws.port. Default 8080 (WCS default). */
  readonly ws: number;
  /** `<wss>`: the edge's wss.port; 0 when the edge has none. Default 0: as in WCS, no `<wss>` means no secure port. */
  readonly wss: number;
  /** `<relay>`: the edge's cdn.relay_port, where the origin's TLS relay link goes. Default 8445 (cdn.relay_port's default). */
  readonly relay: number;
  /** `max_connections` attribute: connection cap used by /rtcloadbalance. Default 500. */
  readonly maxConnections: number;
  /** Name of the `<cluster>` element holding the node, or DEFAULT_CLUSTER for top-level nodes. */
  readonly cluster: string;
  /** `path_prefix` attribute: the edge's http.path_prefix. Default "" (same as none). */
  readonly pathPrefix: string;
  /** `distribution` of its `<cluster>`, else of `<loadbalancer>`. Default push. Always push on an `<origin>`. */
  readonly distribution: Distribution;
  /**
   * `parent` attribute (relay tiers): the id of the `<node>` of the same file that feeds this one,
   * which makes that node a relay. Absent: the node is fed by the origin(s). Never on an `<origin>`.
   */
  readonly parent?: string;
  /**
   * The next ids of a `parent` group ("r1 r2 ..."): relays that stand in, in this order, when the
   * first is lost; they keep a link to the node and send it what its players need meanwhile.
   */
  readonly fallbacks?: readonly string[];
}

export const DEFAULT_CLUSTER = 'default';

export interface LoadBalancingConfig {
  /** Absolute path of the file, for messages. */
  readonly file: string;
  /** Only "webrtc" is supported (WCS also knows "rtmp"). */
  readonly streamDistribution: 'webrtc';
  /** Default FEWESTCALLS (WCS's default). */
  readonly mode: BalancingMode;
  /** Every node of the file, top-level and inside `<cluster>` elements, in file order. */
  readonly nodes: readonly EdgeNodeConfig[];
  /**
   * `<origin>` elements (our extension): every origin of the cluster, this one included, read like
   * `<node>` (`cluster` is always DEFAULT_CLUSTER, `max_connections` unused). Empty: one origin, as
   * in WCS. Each origin links to every other (src/cluster/OriginPeers.ts).
   */
  readonly origins: readonly EdgeNodeConfig[];
}

export interface NodeConfig {
  /** Directory the configuration was read from. */
  readonly confDir: string;
  /** `node_id`: name of this node in logs, metrics and REST answers. Default: `<ip>:<ws.port>`. */
  readonly nodeId: string;
  /** `load_balancing_enabled`: this node is the origin. Default false. */
  readonly loadBalancingEnabled: boolean;
  /** `ip`: address announced to clients and peers (ICE candidates, pipe tuples). Default 127.0.0.1. */
  readonly ip: string;
  /** `ip_local`: address to bind sockets to. Default 127.0.0.1. */
  readonly ipLocal: string;
  /** `ws.port`: HTTP + WebSocket port (pages, REST, command channel). Default 8080. 0 = any free port. */
  readonly wsPort: number;
  /** `wss.port`: HTTPS + secure WebSocket port, used only when tls.cert_file is set. Default 8443. */
  readonly wssPort: number;
  /** `tls.cert_file` / `tls.key_file`: PEM files for wss.port, resolved against confDir. Default none. */
  readonly tlsCertFile: string | null;
  readonly tlsKeyFile: string | null;
  /** `dtls.cert_file` / `dtls.key_file`: DTLS certificate for mediasoup workers. Default: each worker's own (mediasoup's). */
  readonly dtlsCertFile: string | null;
  readonly dtlsKeyFile: string | null;
  /** `media_port_from` / `media_port_to`: RTC port range, shared by the workers. Default 31001-32000. */
  readonly mediaPortFrom: number;
  readonly mediaPortTo: number;
  /** `workers`: number of mediasoup workers; 0 = one per CPU core. Default 0. */
  readonly workers: number;
  /** `http.path_prefix`: prefix of every HTTP/WebSocket path, e.g. "/media/cdn". Default "" (none). */
  readonly pathPrefix: string;
  /** `cdn_secret`: shared secret of the cluster's relay links. Default "" (relays refused; an origin refuses to start). Never logged. */
  readonly cdnSecret: string;
  /** `max_connections`: cap on WebSocket clients of this node. Default 500. */
  readonly maxConnections: number;
  /** `ws.max_payload`: largest accepted WebSocket frame in bytes. Default 262144. */
  readonly wsMaxPayload: number;
  /** `ws.heartbeat_ms`: ping interval; a socket silent for two intervals is terminated. Default 15000. */
  readonly wsHeartbeatMs: number;
  /** `cdn.reconnect_ms`: first retry delay of an origin->edge link, doubled up to 10x, each jittered to [1/2, 1] of itself. Default 500. */
  readonly cdnReconnectMs: number;
  /** `cdn.load_report_ms`: how often an edge reports its load to each linked origin. Default 1000. */
  readonly cdnLoadReportMs: number;
  /** `log.level`: pino level. Default info. */
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** `mediasoup.log_level`: worker log level. Default warn. */
  readonly mediasoupLogLevel: 'debug' | 'warn' | 'error' | 'none';
  // ---- per-client limits (docs/protocol.md "Limits") ----
  /** `ws.connect_timeout_ms`: a command-channel session that has not sent `connect` by then is closed. Default 10000. */
  readonly wsConnectTimeoutMs: number;
  /** `limits.session.publishes`: streams one session may publish at once. Default 4. */
  readonly limitSessionPublishes: number;
  /** `limits.session.plays`: streams one session may play at once. Default 8. */
  readonly limitSessionPlays: number;
  /** `limits.session.transports`: media transports (one per publish or play) one session may hold. Default 10. */
  readonly limitSessionTransports: number;
  /** `limits.session.requests_per_s`: sustained frames per second of one session. Default 20. */
  readonly limitSessionRequestsPerS: number;
  /** `limits.session.request_burst`: frames one session may send at once above that rate. Default 50. */
  readonly limitSessionRequestBurst: number;
  /** `limits.session.flood_close`: rate-limited frames within 10 s that close the session. Default 200. */
  readonly limitSessionFloodClose: number;
  /** `limits.ip.connections`: concurrent command-channel connections per client address. Default 50. */
  readonly limitIpConnections: number;
  /** `limits.ip.webrtc_http_sessions`: concurrent WHIP/WHEP sessions per client address. Default 20. */
  readonly limitIpWebrtcHttpSessions: number;
  /** `limits.ip.exempt`: addresses the per-address limits do not apply to. Default 127.0.0.1, ::1. */
  readonly limitIpExempt: readonly string[];
  /** `limits.ip.http_requests_per_s`: HTTP requests to routes (not static files) per second per client address. Default 50. */
  readonly limitIpHttpRequestsPerS: number;
  /** `limits.ip.http_request_burst`: HTTP requests per client address accepted at once above that rate. Default 100. */
  readonly limitIpHttpRequestBurst: number;
  /**
   * `http.trusted_proxies`: addresses and CIDR blocks of reverse proxies whose `X-Forwarded-For`
   * gives the client's address (src/http/clientAddress.ts); linked origins are trusted as well. Default none.
   */
  readonly trustedProxies: readonly string[];
  // ---- watchdogs and relay reconciliation (issue 9) ----
  /** `cdn.heartbeat_ms`: how often an origin pings each edge over the relay link. Default 500. */
  readonly cdnHeartbeatMs: number;
  /**
   * `cdn.heartbeat_timeout_ms`: a relay link with no ping answered (origin) or received (edge) for
   * this long is dropped as hung. Larger than cdn.heartbeat_ms. Default 1500.
   */
  readonly cdnHeartbeatTimeoutMs: number;
  /** `cdn.relay_digest_ms`: how often an origin sends each edge the list of streams it relays there. Default 5000. */
  readonly cdnRelayDigestMs: number;
  /**
   * `cdn.pipe_idle_ms`: how long an origin keeps a pipe to an edge that no stream uses before it
   * closes it (0 = at once). Default 10000.
   */
  readonly cdnPipeIdleMs: number;
  /**
   * `cdn.link_grace_ms`: how long both ends keep an origin's relays (and an edge its players) once
   * the relay link drops, while their pipes still carry media (0 = drop them at once). Default 10000.
   */
  readonly cdnLinkGraceMs: number;
  /** cdn.on_demand_linger_ms: an on-demand edge keeps a stream this long after its last player there left. */
  readonly cdnOnDemandLingerMs: number;
  /** cdn.on_demand_edge_players: players of one stream an on-demand edge takes before the stream is started on another. */
  readonly cdnOnDemandEdgePlayers: number;
  /** `worker.probe_ms`: how often each mediasoup worker is probed; 0 = never. Default 500. */
  readonly workerProbeMs: number;
  /** `worker.probe_timeout_ms`: a worker leaving a probe unanswered this long is killed and replaced. Default 1500. */
  readonly workerProbeTimeoutMs: number;
  // ---- access control and safe plain RTP (docs/security.md) ----
  /** `auth.token_secret`: HMAC key of publish and play tokens; the same on every node of a cluster. Default "" (none). Never logged. */
  readonly tokenSecret: string;
  /** `auth.token_key_id`: the id of auth.token_secret, named by the tokens signed with it (`kid`); "" = tokens name no key. Default "". */
  readonly tokenKeyId: string;
  /** `auth.token_secret_previous`: during a rotation, the secret being retired; its tokens still verify. Default "" (none). Never logged. */
  readonly tokenSecretPrevious: string;
  /** `auth.token_key_id_previous`: the id of auth.token_secret_previous; differs from auth.token_key_id. Default "". */
  readonly tokenKeyIdPrevious: string;
  /** `auth.publish`: `open` (anyone may publish) or `token` (a publish token is required). Default open. */
  readonly publishAuth: 'open' | 'token';
  /** `auth.play`: `open` (anyone may play) or `token` (a play token is required). Default open. */
  readonly playAuth: 'open' | 'token';
  /**
   * `publish.allow_direct`: whether clients may publish on this node. null (`auto`, the default):
   * refused on a node that is not the origin but has cdn_secret set (an edge: relay only), allowed
   * elsewhere (the origin, a standalone node).
   */
  readonly publishAllowDirect: boolean | null;
  /** `admin.token`: bearer credential of the REST endpoints that show clients or change state. Default "" (open). Never logged. */
  readonly adminToken: string;
  /** `rtp.plain_enabled`: plain-RTP publishers and players are accepted. Default true. */
  readonly rtpPlainEnabled: boolean;
  /** `rtp.plain_allowed_destinations`: IPs or CIDRs a plain transport may be connected to besides the session's own address. Default none. */
  readonly rtpPlainAllowedDestinations: readonly string[];
  /**
   * `cdn.handshake_timeout_ms`: a relay socket that has not authenticated (TLS, upgrade, challenge
   * and hello) this long after it was accepted is destroyed. Default 5000.
   */
  readonly cdnHandshakeTimeoutMs: number;
  // ---- the relay link's TLS (docs/security.md "The relay link") ----
  /**
   * `cdn.relay_tls`: relay links between nodes run over TLS on cdn.relay_port, both ends proving
   * cdn_secret over the TLS session. false: plain ws:// on ws.port (readable and forgeable on the
   * path; warned at start). Default true.
   */
  readonly cdnRelayTls: boolean;
  /** `cdn.relay_port`: the TLS port this node takes relay links on (the port to open between data centres). 0 = any free port. Default 8445. */
  readonly cdnRelayPort: number;
  /**
   * `cdn.relay_ca_file`: PEM CA(s) that sign every node's tls.cert_file; when set, each end of a
   * relay link also verifies the other's certificate against it. Default none (the shared secret alone authenticates).
   */
  readonly cdnRelayCaFile: string | null;
  /** `cdn.relay_pending_per_ip`: relay sockets one address may hold before they authenticate; more are destroyed at once. Default 8. */
  readonly cdnRelayPendingPerIp: number;
  /** `cdn.relay_pending_max`: relay sockets of all addresses before they authenticate. Default 64. */
  readonly cdnRelayPendingMax: number;
  /**
   * `play.layer_hold_ms`: how long a simulcast consumer that the bandwidth estimate moved down stays
   * capped at its new layer (0: never). Default 20000.
   */
  readonly playLayerHoldMs: number;
  /** `play.layer_hold_max_ms`: the longest hold, reached by doubling on drops soon after a lift. Default 60000. */
  readonly playLayerHoldMaxMs: number;
  /**
   * `play.allow_no_redirect`: whether a player may ask an origin to serve it itself (`play` with
   * `noRedirect`) instead of being sent to an edge. Off by default: any client could otherwise pin
   * its playback to the origin and defeat the CDN. Default false.
   */
  readonly playAllowNoRedirect: boolean;
  /**
   * `config.strict`: every key of flashphoner.properties and every attribute and element of
   * loadbalancing.xml that this product neither uses nor knows as WCS's stops the node. Off by
   * default: a WCS admin's files start the node, the unknown settings named in one warning (a typo
   * of one of ours stops it either way). Default false.
   */
  readonly configStrict: boolean;
  /** `stream.event_max_bytes`: the largest stream event payload (its JSON, in bytes) a node takes. Default 16384. */
  readonly streamEventMaxBytes: number;
  /** `stream.events_per_s`: events one stream may carry per second (sendData, REST), on its origin. Default 20. */
  readonly streamEventsPerS: number;
  /** `stream.event_burst`: events one stream may carry at once above that rate. Default 40. */
  readonly streamEventBurst: number;
  /** loadbalancing.xml, when the file exists (required when loadBalancingEnabled). */
  readonly loadBalancing: LoadBalancingConfig | null;
}
