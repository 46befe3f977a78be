// The table of every key flashphoner.properties may hold: its type, default, validation and
// environment variable(s). Keys named like WCS's (load_balancing_enabled, ip, ip_local, ws.port,
// wss.port, media_port_from, media_port_to) keep WCS's meaning; the others are ours. Pure: the
// layering of file, .env and environment is load.ts's job.
//
// Value parsers return a reason instead of throwing, so the caller can say where the bad value came
// from (a file line or an environment variable). Reasons quote the value, except for secrets.

import { isIP } from 'node:net';
import { nearest } from './nearest';
import type { NodeConfig } from './types';

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/**
 * What the properties, .env and environment decide: NodeConfig minus what loadConfig derives.
 * nodeId is null when node_id is unset (loadConfig then uses `<ip>:<ws.port>`).
 */
export type Settings = Omit<NodeConfig, 'confDir' | 'loadBalancing' | 'nodeId'> & { readonly nodeId: string | null };
export type SettingField = keyof Settings;

export interface PropertySpec<F extends SettingField> {
  /** Key in flashphoner.properties. */
  readonly key: string;
  /**
   * Environment variables overriding the key, most specific first: the key upper-cased with "."
   * turned into "_", plus PORT for ws.port. Within one source the first one set wins.
   */
  readonly env: readonly string[];
  readonly default: Settings[F];
  /** Secret values are never quoted in messages. */
  readonly secret?: boolean;
  readonly parse: (raw: string) => ParseResult<Settings[F]>;
}

export type PropertySpecs = { readonly [F in SettingField]: PropertySpec<F> };

/**
 * The ceiling of `stream.event_max_bytes`, and what every node takes in a relayed stream event
 * whatever its own setting: far below the relay link's 1 MiB frames and ws.max_payload's default.
 */
export const MAX_STREAM_EVENT_BYTES = 65536;

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = (reason: string): ParseResult<never> => ({ ok: false, reason });
const quote = (raw: string): string => JSON.stringify(raw);

// ---- value parsers (exported: loadbalancing.xml reuses them) ----

/** Ports are plain decimal integers; ws.port may also be 0 = "pick a free port". */
export function parsePort(raw: string, allowZero = false): ParseResult<number> {
  const min = allowZero ? 0 : 1;
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  return n >= min && n <= 65535 ? ok(n) : fail(`${quote(raw)} is not a port number (${min}-65535)`);
}

/** Plain decimal integers only: "1e3", "0x10", "+5" and "5.0" are refused rather than guessed. */
export function parseInteger(raw: string, min: number, max: number): ParseResult<number> {
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  return n >= min && n <= max ? ok(n) : fail(`${quote(raw)} is not an integer from ${min} to ${max}`);
}

export function parseBoolean(raw: string): ParseResult<boolean> {
  if (raw === 'true') return ok(true);
  if (raw === 'false') return ok(false);
  return fail(`${quote(raw)} is not a boolean (true or false)`);
}

function parseEnum<T extends string>(values: readonly T[]): (raw: string) => ParseResult<T> {
  return (raw) => ((values as readonly string[]).includes(raw) ? ok(raw as T) : fail(`${quote(raw)} is not one of ${values.join(', ')}`));
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * An address others reach this node (or an edge) at: IPv4, IPv6 (without brackets) or a host name.
 * The unspecified addresses are refused: they can be bound to but not reached.
 */
export function parseHost(raw: string): ParseResult<string> {
  if (raw === '0.0.0.0' || raw === '::') {
    return fail(`${quote(raw)} is the unspecified address, which clients and peers cannot reach (to bind every interface, set ip_local)`);
  }
  if (isIP(raw) !== 0 || HOST_NAME.test(raw)) return ok(raw);
  const hint = /^\[.*\]$/.test(raw) ? ' (write IPv6 addresses without brackets)' : '';
  return fail(`${quote(raw)} is not an IP address or host name${hint}`);
}

/** An address to bind sockets to: an IP literal, 0.0.0.0 and :: included. */
export function parseIpLiteral(raw: string): ParseResult<string> {
  return isIP(raw) !== 0 ? ok(raw) : fail(`${quote(raw)} is not an IPv4 or IPv6 address`);
}

/**
 * A request path prefix such as "/media/cdn" that the node's paths live under behind a reverse
 * proxy: empty (none) or "/" + segments, without trailing "/" so `${prefix}/path` never doubles it.
 */
export function parsePathPrefix(raw: string): ParseResult<string> {
  if (raw === '') return ok('');
  if (!raw.startsWith('/')) return fail(`${quote(raw)} must be empty or start with "/"`);
  if (raw.endsWith('/')) return fail(`${quote(raw)} must not end with "/" (use "" for no prefix)`);
  if (/[?#\s]/.test(raw)) return fail(`${quote(raw)} must not contain "?", "#" or spaces`);
  if (raw.includes('//')) return fail(`${quote(raw)} must not contain an empty segment ("//")`);
  return ok(raw);
}

/** An optional file path; empty = none. Existence is checked by loadConfig, relative to confDir. */
function parseOptionalPath(raw: string): ParseResult<string | null> {
  return ok(raw === '' ? null : raw);
}

/** node_id appears in logs, metric labels and REST answers: one printable token. Empty = derived. */
function parseNodeId(raw: string): ParseResult<string | null> {
  if (raw === '') return ok(null);
  if (raw.length > 128 || /[\s\p{Cc}]/u.test(raw)) {
    return fail(`${quote(raw)} must be at most 128 characters without spaces or control characters`);
  }
  return ok(raw);
}

/** Any string; "" disables relays. Never quoted, even in the reason. */
function parseSecret(raw: string): ParseResult<string> {
  return ok(raw);
}

/** What a token key id may look like (auth.token_key_id, a token's `kid`): short, printable, no separators of ours. */
export const KEY_ID_PATTERN = /^[\w.-]{1,64}$/;

/** A token key id (KEY_ID_PATTERN), or empty: the key of tokens that name none. */
function parseKeyId(raw: string): ParseResult<string> {
  const id = raw.trim();
  if (id === '' || KEY_ID_PATTERN.test(id)) return ok(id);
  return { ok: false, reason: `"${raw}" is not a key id (1-64 letters, digits, "_", "." or "-"; or empty)` };
}

/** A comma-separated list of IP literals (spaces allowed around commas); empty = none. */
function parseIpList(raw: string): ParseResult<readonly string[]> {
  const items = raw
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const bad = items.find((x) => isIP(x) === 0);
  return bad === undefined ? ok(items) : fail(`${quote(bad)} is not an IPv4 or IPv6 address (the list is comma-separated)`);
}

export const AUTH_MODES = ['open', 'token'] as const;

/** `auto` (null: the node decides from its role), `true` or `false`. */
function parseAutoBoolean(raw: string): ParseResult<boolean | null> {
  return raw === 'auto' ? ok(null) : parseBoolean(raw).ok ? parseBoolean(raw) : fail(`${quote(raw)} is not auto, true or false`);
}

/** A comma-separated list of IP addresses and CIDR blocks (`10.0.0.0/8`, `fd00::/8`); empty = none. */
export function parseAddressList(raw: string): ParseResult<readonly string[]> {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items) {
    const [address, bits, extra] = item.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !bitsOk || extra !== undefined) return fail(`${quote(item)} is not an IP address or CIDR block (e.g. 10.0.0.0/8)`);
  }
  return ok(Object.freeze(items));
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const MEDIASOUP_LOG_LEVELS = ['debug', 'warn', 'error', 'none'] as const;

// ---- the table ----

/** Every key, keyed by the NodeConfig field it fills. Defaults are those documented in types.ts. */
export const PROPERTY_SPECS: PropertySpecs = {
  nodeId: { key: 'node_id', env: ['NODE_ID'], default: null, parse: parseNodeId },
  loadBalancingEnabled: { key: 'load_balancing_enabled', env: ['LOAD_BALANCING_ENABLED'], default: false, parse: parseBoolean },
  ip: { key: 'ip', env: ['IP'], default: '127.0.0.1', parse: parseHost },
  ipLocal: { key: 'ip_local', env: ['IP_LOCAL'], default: '127.0.0.1', parse: parseIpLiteral },
  wsPort: { key: 'ws.port', env: ['WS_PORT', 'PORT'], default: 8080, parse: (raw) => parsePort(raw, true) },
  wssPort: { key: 'wss.port', env: ['WSS_PORT'], default: 8443, parse: (raw) => parsePort(raw) },
  tlsCertFile: { key: 'tls.cert_file', env: ['TLS_CERT_FILE'], default: null, parse: parseOptionalPath },
  tlsKeyFile: { key: 'tls.key_file', env: ['TLS_KEY_FILE'], default: null, parse: parseOptionalPath },
  dtlsCertFile: { key: 'dtls.cert_file', env: ['DTLS_CERT_FILE'], default: null, parse: parseOptionalPath },
  dtlsKeyFile: { key: 'dtls.key_file', env: ['DTLS_KEY_FILE'], default: null, parse: parseOptionalPath },
  mediaPortFrom: { key: 'media_port_from', env: ['MEDIA_PORT_FROM'], default: 31001, parse: (raw) => parsePort(raw) },
  mediaPortTo: { key: 'media_port_to', env: ['MEDIA_PORT_TO'], default: 32000, parse: (raw) => parsePort(raw) },
  workers: { key: 'workers', env: ['WORKERS'], default: 0, parse: (raw) => parseInteger(raw, 0, 1024) },
  pathPrefix: { key: 'http.path_prefix', env: ['HTTP_PATH_PREFIX'], default: '', parse: parsePathPrefix },
  cdnSecret: { key: 'cdn_secret', env: ['CDN_SECRET'], default: '', secret: true, parse: parseSecret },
  maxConnections: { key: 'max_connections', env: ['MAX_CONNECTIONS'], default: 500, parse: (raw) => parseInteger(raw, 1, 1_000_000) },
  wsMaxPayload: { key: 'ws.max_payload', env: ['WS_MAX_PAYLOAD'], default: 262144, parse: (raw) => parseInteger(raw, 1024, 1 << 30) },
  wsHeartbeatMs: { key: 'ws.heartbeat_ms', env: ['WS_HEARTBEAT_MS'], default: 15000, parse: (raw) => parseInteger(raw, 10, 3_600_000) },
  cdnReconnectMs: { key: 'cdn.reconnect_ms', env: ['CDN_RECONNECT_MS'], default: 500, parse: (raw) => parseInteger(raw, 10, 3_600_000) },
  cdnLoadReportMs: { key: 'cdn.load_report_ms', env: ['CDN_LOAD_REPORT_MS'], default: 1000, parse: (raw) => parseInteger(raw, 10, 3_600_000) },
  logLevel: { key: 'log.level', env: ['LOG_LEVEL'], default: 'info', parse: parseEnum(LOG_LEVELS) },
  mediasoupLogLevel: { key: 'mediasoup.log_level', env: ['MEDIASOUP_LOG_LEVEL'], default: 'warn', parse: parseEnum(MEDIASOUP_LOG_LEVELS) },
  // ---- per-client limits (issue 9: every way in answers and closes) ----
  wsConnectTimeoutMs: { key: 'ws.connect_timeout_ms', env: ['WS_CONNECT_TIMEOUT_MS'], default: 10000, parse: (raw) => parseInteger(raw, 10, 3_600_000) },
  limitSessionPublishes: { key: 'limits.session.publishes', env: ['LIMITS_SESSION_PUBLISHES'], default: 4, parse: (raw) => parseInteger(raw, 1, 100_000) },
  limitSessionPlays: { key: 'limits.session.plays', env: ['LIMITS_SESSION_PLAYS'], default: 8, parse: (raw) => parseInteger(raw, 1, 100_000) },
  limitSessionTransports: { key: 'limits.session.transports', env: ['LIMITS_SESSION_TRANSPORTS'], default: 10, parse: (raw) => parseInteger(raw, 1, 100_000) },
  limitSessionRequestsPerS: {
    key: 'limits.session.requests_per_s',
    env: ['LIMITS_SESSION_REQUESTS_PER_S'],
    default: 20,
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
  },
  limitSessionRequestBurst: {
    key: 'limits.session.request_burst',
    env: ['LIMITS_SESSION_REQUEST_BURST'],
    default: 50,
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
  },
  limitSessionFloodClose: {
    key: 'limits.session.flood_close',
    env: ['LIMITS_SESSION_FLOOD_CLOSE'],
    default: 200,
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
  },
  limitIpConnections: { key: 'limits.ip.connections', env: ['LIMITS_IP_CONNECTIONS'], default: 50, parse: (raw) => parseInteger(raw, 1, 1_000_000) },
  limitIpWebrtcHttpSessions: {
    key: 'limits.ip.webrtc_http_sessions',
    env: ['LIMITS_IP_WEBRTC_HTTP_SESSIONS'],
    default: 20,
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
  },
  limitIpExempt: { key: 'limits.ip.exempt', env: ['LIMITS_IP_EXEMPT'], default: ['127.0.0.1', '::1'], parse: parseIpList },
  limitIpHttpRequestsPerS: {
    key: 'limits.ip.http_requests_per_s',
    env: ['LIMITS_IP_HTTP_REQUESTS_PER_S'],
    default: 50,
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
  },
  limitIpHttpRequestBurst: {
    key: 'limits.ip.http_request_burst',
    env: ['LIMITS_IP_HTTP_REQUEST_BURST'],
    default: 100,
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
  },
  trustedProxies: { key: 'http.trusted_proxies', env: ['HTTP_TRUSTED_PROXIES'], default: [], parse: parseAddressList },
  // ---- watchdogs and relay reconciliation (issue 9) ----
  cdnHeartbeatMs: { key: 'cdn.heartbeat_ms', env: ['CDN_HEARTBEAT_MS'], default: 500, parse: (raw) => parseInteger(raw, 10, 3_600_000) },
  cdnHeartbeatTimeoutMs: {
    key: 'cdn.heartbeat_timeout_ms',
    env: ['CDN_HEARTBEAT_TIMEOUT_MS'],
    default: 1500,
    parse: (raw) => parseInteger(raw, 20, 3_600_000),
  },
  cdnRelayDigestMs: { key: 'cdn.relay_digest_ms', env: ['CDN_RELAY_DIGEST_MS'], default: 5000, parse: (raw) => parseInteger(raw, 10, 3_600_000) },
  // ---- relay pipes and sessions (issue 18) ----
  cdnPipeIdleMs: { key: 'cdn.pipe_idle_ms', env: ['CDN_PIPE_IDLE_MS'], default: 10000, parse: (raw) => parseInteger(raw, 0, 3_600_000) },
  cdnLinkGraceMs: { key: 'cdn.link_grace_ms', env: ['CDN_LINK_GRACE_MS'], default: 10000, parse: (raw) => parseInteger(raw, 0, 3_600_000) },
  // ---- on-demand edges (issue 22, loadbalancing.xml distribution="on_demand") ----
  cdnOnDemandLingerMs: {
    key: 'cdn.on_demand_linger_ms',
    env: ['CDN_ON_DEMAND_LINGER_MS'],
    default: 30000,
    parse: (raw) => parseInteger(raw, 0, 3_600_000),
  },
  cdnOnDemandEdgePlayers: {
    key: 'cdn.on_demand_edge_players',
    env: ['CDN_ON_DEMAND_EDGE_PLAYERS'],
    default: 100,
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
  },
  workerProbeMs: { key: 'worker.probe_ms', env: ['WORKER_PROBE_MS'], default: 500, parse: (raw) => parseInteger(raw, 0, 3_600_000) },
  workerProbeTimeoutMs: { key: 'worker.probe_timeout_ms', env: ['WORKER_PROBE_TIMEOUT_MS'], default: 1500, parse: (raw) => parseInteger(raw, 20, 3_600_000) },
  // ---- access control and safe plain RTP (docs/security.md) ----
  tokenSecret: { key: 'auth.token_secret', env: ['AUTH_TOKEN_SECRET'], default: '', secret: true, parse: parseSecret },
  tokenKeyId: { key: 'auth.token_key_id', env: ['AUTH_TOKEN_KEY_ID'], default: '', parse: parseKeyId },
  tokenSecretPrevious: { key: 'auth.token_secret_previous', env: ['AUTH_TOKEN_SECRET_PREVIOUS'], default: '', secret: true, parse: parseSecret },
  tokenKeyIdPrevious: { key: 'auth.token_key_id_previous', env: ['AUTH_TOKEN_KEY_ID_PREVIOUS'], default: '', parse: parseKeyId },
  publishAuth: { key: 'auth.publish', env: ['AUTH_PUBLISH'], default: 'open', parse: parseEnum(AUTH_MODES) },
  playAuth: { key: 'auth.play', env: ['AUTH_PLAY'], default: 'open', parse: parseEnum(AUTH_MODES) },
  publishAllowDirect: { key: 'publish.allow_direct', env: ['PUBLISH_ALLOW_DIRECT'], default: null, parse: parseAutoBoolean },
  adminToken: { key: 'admin.token', env: ['ADMIN_TOKEN'], default: '', secret: true, parse: parseSecret },
  rtpPlainEnabled: { key: 'rtp.plain_enabled', env: ['RTP_PLAIN_ENABLED'], default: true, parse: parseBoolean },
  rtpPlainAllowedDestinations: { key: 'rtp.plain_allowed_destinations', env: ['RTP_PLAIN_ALLOWED_DESTINATIONS'], default: [], parse: parseAddressList },
  cdnHandshakeTimeoutMs: {
    key: 'cdn.handshake_timeout_ms',
    env: ['CDN_HANDSHAKE_TIMEOUT_MS'],
    default: 5000,
    parse: (raw) => parseInteger(raw, 100, 600_000),
  },
  // ---- the relay link's TLS and its bounds before authentication (issue 18, docs/security.md) ----
  cdnRelayTls: { key: 'cdn.relay_tls', env: ['CDN_RELAY_TLS'], default: true, parse: parseBoolean },
  cdnRelayPort: { key: 'cdn.relay_port', env: ['CDN_RELAY_PORT'], default: 8445, parse: (raw) => parsePort(raw, true) },
  cdnRelayCaFile: { key: 'cdn.relay_ca_file', env: ['CDN_RELAY_CA_FILE'], default: null, parse: parseOptionalPath },
  cdnRelayPendingPerIp: {
    key: 'cdn.relay_pending_per_ip',
    env: ['CDN_RELAY_PENDING_PER_IP'],
    default: 8,
    parse: (raw) => parseInteger(raw, 1, 100_000),
  },
  cdnRelayPendingMax: { key: 'cdn.relay_pending_max', env: ['CDN_RELAY_PENDING_MAX'], default: 64, parse: (raw) => parseInteger(raw, 1, 1_000_000) },
  // ---- narrow links: the simulcast layer hold (src/streams/layerHold.ts, docs/networks.md) ----
  playLayerHoldMs: { key: 'play.layer_hold_ms', env: ['PLAY_LAYER_HOLD_MS'], default: 20000, parse: (raw) => parseInteger(raw, 0, 3_600_000) },
  playLayerHoldMaxMs: { key: 'play.layer_hold_max_ms', env: ['PLAY_LAYER_HOLD_MAX_MS'], default: 60000, parse: (raw) => parseInteger(raw, 0, 3_600_000) },
  playAllowNoRedirect: { key: 'play.allow_no_redirect', env: ['PLAY_ALLOW_NO_REDIRECT'], default: false, parse: parseBoolean },
  // ---- WCS files (issue 20): unknown keys warned about, or refused on request ----
  configStrict: { key: 'config.strict', env: ['CONFIG_STRICT'], default: false, parse: parseBoolean },
  // ---- stream events: sendData, /rest-api/stream/event/send (issue 20, docs/protocol.md) ----
  streamEventMaxBytes: {
    key: 'stream.event_max_bytes',
    env: ['STREAM_EVENT_MAX_BYTES'],
    default: 16384,
    parse: (raw) => parseInteger(raw, 2, MAX_STREAM_EVENT_BYTES),
  },
  streamEventsPerS: { key: 'stream.events_per_s', env: ['STREAM_EVENTS_PER_S'], default: 20, parse: (raw) => parseInteger(raw, 1, 1000) },
  streamEventBurst: { key: 'stream.event_burst', env: ['STREAM_EVENT_BURST'], default: 40, parse: (raw) => parseInteger(raw, 1, 10_000) },
};

export const SETTING_FIELDS = Object.keys(PROPERTY_SPECS) as SettingField[];

const FIELD_BY_KEY = new Map<string, SettingField>(SETTING_FIELDS.map((field) => [PROPERTY_SPECS[field].key, field]));
const FIELD_BY_ENV = new Map<string, SettingField>(SETTING_FIELDS.flatMap((field) => PROPERTY_SPECS[field].env.map((name) => [name, field] as const)));

/** The field a properties key fills, or undefined for an unknown key. */
export function fieldOfKey(key: string): SettingField | undefined {
  return FIELD_BY_KEY.get(key);
}

/** The field an environment variable overrides, or undefined when it is not one of ours. */
export function fieldOfEnv(name: string): SettingField | undefined {
  return FIELD_BY_ENV.get(name);
}

/** Parses one raw value of a field; a failing secret gets a reason that does not quote it. */
export function parseSetting<F extends SettingField>(field: F, raw: string): ParseResult<Settings[F]> {
  const spec = PROPERTY_SPECS[field] as PropertySpec<F>;
  const result = spec.parse(raw);
  return result.ok || !spec.secret ? result : fail('invalid value (not shown: it is a secret)');
}

/** The defaults of every field. */
export function defaultSettings(): Settings {
  const out: Record<string, unknown> = {};
  for (const field of SETTING_FIELDS) out[field] = PROPERTY_SPECS[field].default;
  return out as unknown as Settings;
}

// ---- rules joining several keys ----

/** Shortest secret (token secret, admin token) accepted, and below which cdn_secret draws a warning. */
export const MIN_SECRET_LENGTH = 16;

export interface SettingsIssue {
  /** Fields involved, the one to blame first: the caller names the first one set explicitly. */
  readonly fields: readonly SettingField[];
  readonly reason: string;
}

/** Checks that need more than one key; null when the settings are consistent. */
export function checkSettings(s: Settings): SettingsIssue | null {
  if (s.mediaPortFrom > s.mediaPortTo) {
    return {
      fields: ['mediaPortFrom', 'mediaPortTo'],
      reason: `media_port_from (${s.mediaPortFrom}) must not be above media_port_to (${s.mediaPortTo})`,
    };
  }
  for (const [cert, key] of [
    ['tlsCertFile', 'tlsKeyFile'],
    ['dtlsCertFile', 'dtlsKeyFile'],
  ] as const) {
    if ((s[cert] === null) !== (s[key] === null)) {
      const [set, unset] = s[cert] === null ? [key, cert] : [cert, key];
      return {
        fields: [set],
        reason: `is set but ${PROPERTY_SPECS[unset].key} is not: give both the certificate and its key, or neither`,
      };
    }
  }
  if ((s.publishAuth === 'token' || s.playAuth === 'token') && s.tokenSecret.length < MIN_SECRET_LENGTH) {
    return {
      fields: [s.publishAuth === 'token' ? 'publishAuth' : 'playAuth', 'tokenSecret'],
      reason: `token mode needs auth.token_secret set to at least ${MIN_SECRET_LENGTH} characters (the same on every node of the cluster)`,
    };
  }
  if (s.tokenSecretPrevious !== '') {
    if (s.tokenSecretPrevious.length < MIN_SECRET_LENGTH) {
      return { fields: ['tokenSecretPrevious'], reason: `must be at least ${MIN_SECRET_LENGTH} characters (or empty: no rotation under way)` };
    }
    if (s.tokenKeyId === s.tokenKeyIdPrevious) {
      return {
        fields: ['tokenKeyIdPrevious', 'tokenKeyId'],
        reason: `auth.token_key_id and auth.token_key_id_previous are both "${s.tokenKeyId}": during a rotation the two keys need different ids (tokens name theirs)`,
      };
    }
  }
  if (s.adminToken !== '' && s.adminToken.length < MIN_SECRET_LENGTH) {
    return { fields: ['adminToken'], reason: `must be at least ${MIN_SECRET_LENGTH} characters (or empty: no admin credential)` };
  }
  if (s.cdnRelayCaFile !== null && s.tlsCertFile === null) {
    return {
      fields: ['cdnRelayCaFile'],
      reason: 'is set but tls.cert_file is not: with a CA every node shows its peers a certificate that CA signed (tls.cert_file and tls.key_file)',
    };
  }
  if (s.cdnRelayTls && s.cdnRelayPort !== 0) {
    for (const field of ['wsPort', 'wssPort'] as const) {
      if (field === 'wssPort' && s.tlsCertFile === null) continue;
      if (s[field] === s.cdnRelayPort) {
        return { fields: ['cdnRelayPort', field], reason: `cdn.relay_port and ${PROPERTY_SPECS[field].key} are both ${s.cdnRelayPort}; they must differ` };
      }
    }
  }
  if (s.tlsCertFile !== null && s.wsPort !== 0 && s.wsPort === s.wssPort) {
    return { fields: ['wssPort', 'wsPort'], reason: `wss.port and ws.port are both ${s.wsPort}; they must differ` };
  }
  return null;
}

// ---- "did you mean" (closeness: nearest.ts) ----

/** A known key close to an unknown one, for "did you mean" hints. */
export function suggestKey(unknown: string): string | null {
  return nearest(unknown, FIELD_BY_KEY.keys());
}

/** One of our environment variables close to `name` (a likely typo in .env), or null. */
export function suggestEnv(name: string): string | null {
  return fieldOfEnv(name) === undefined ? nearest(name, FIELD_BY_ENV.keys()) : null;
}
