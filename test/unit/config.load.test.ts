import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import type { NodeConfig } from '../../src/config/types';

const SHIPPED_CONF = path.join(__dirname, '../../conf');

const dirs: string[] = [];

/** A temporary config directory with the given files (name -> content). */
function confDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-config-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function errorOf(dir: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig(dir, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const lines = (...l: string[]): string => l.join('\n') + '\n';
const EDGES = '<loadbalancer><node id="e1"><ip>127.0.0.1</ip><ws>8081</ws></node></loadbalancer>';

describe('loadConfig', () => {
  test('loads the shipped conf directory as an edge with every default', () => {
    const config = loadConfig(SHIPPED_CONF, {});
    expect(config).toMatchObject({
      confDir: path.resolve(SHIPPED_CONF),
      nodeId: '127.0.0.1:8080',
      loadBalancingEnabled: false,
      ip: '127.0.0.1',
      ipLocal: '127.0.0.1',
      wsPort: 8080,
      wssPort: 8443,
      tlsCertFile: null,
      tlsKeyFile: null,
      dtlsCertFile: null,
      dtlsKeyFile: null,
      mediaPortFrom: 31001,
      mediaPortTo: 32000,
      workers: 0,
      pathPrefix: '',
      cdnSecret: '',
      maxConnections: 500,
      wsMaxPayload: 262144,
      wsHeartbeatMs: 15000,
      cdnReconnectMs: 500,
      cdnLoadReportMs: 1000,
      logLevel: 'info',
      mediasoupLogLevel: 'warn',
    });
    expect(config.loadBalancing?.file).toBe(path.join(path.resolve(SHIPPED_CONF), 'loadbalancing.xml'));
    expect(config.loadBalancing?.nodes.map((n) => n.ws)).toEqual([8081, 8082]);
  });

  test('the shipped conf directory becomes an origin with LOAD_BALANCING_ENABLED=true and a CDN_SECRET', () => {
    expect(loadConfig(SHIPPED_CONF, { LOAD_BALANCING_ENABLED: 'true', CDN_SECRET: 'x' }).loadBalancingEnabled).toBe(true);
  });

  test('the shipped flashphoner.properties documents every key with its default and variable', () => {
    const text = fs.readFileSync(path.join(SHIPPED_CONF, 'flashphoner.properties'), 'utf8');
    const keys = [
      'load_balancing_enabled',
      'node_id',
      'cdn_secret',
      'ip',
      'ip_local',
      'ws.port',
      'wss.port',
      'media_port_from',
      'media_port_to',
      'http.path_prefix',
      'tls.cert_file',
      'tls.key_file',
      'dtls.cert_file',
      'dtls.key_file',
      'workers',
      'max_connections',
      'ws.max_payload',
      'ws.heartbeat_ms',
      'cdn.reconnect_ms',
      'cdn.load_report_ms',
      'log.level',
      'mediasoup.log_level',
      // per-client limits
      'ws.connect_timeout_ms',
      'limits.session.publishes',
      'limits.session.plays',
      'limits.session.transports',
      'limits.session.requests_per_s',
      'limits.session.request_burst',
      'limits.session.flood_close',
      'limits.ip.connections',
      'limits.ip.webrtc_http_sessions',
      'limits.ip.exempt',
      // watchdogs and relay reconciliation (issue 9)
      'cdn.heartbeat_ms',
      'cdn.heartbeat_timeout_ms',
      'cdn.relay_digest_ms',
      'cdn.pipe_idle_ms',
      'cdn.link_grace_ms',
      'worker.probe_ms',
      'worker.probe_timeout_ms',
      // access control and safe plain RTP
      'auth.publish',
      'auth.play',
      'auth.token_secret',
      'publish.allow_direct',
      'admin.token',
      'rtp.plain_enabled',
      'rtp.plain_allowed_destinations',
      'cdn.handshake_timeout_ms',
      // the relay link's TLS and its bounds before authentication
      'cdn.relay_tls',
      'cdn.relay_port',
      'cdn.relay_ca_file',
      'cdn.relay_pending_per_ip',
      'cdn.relay_pending_max',
      // narrow links
      'play.layer_hold_ms',
      'play.layer_hold_max_ms',
      'play.allow_no_redirect',
      // WCS files
      'config.strict',
      // stream events
      'stream.event_max_bytes',
      'stream.events_per_s',
      'stream.event_burst',
      // on-demand edges
      'cdn.on_demand_linger_ms',
      'cdn.on_demand_edge_players',
    ];
    for (const key of keys) {
      // Each key heads its comment, alone or as a pair: "# media_port_from / media_port_to: ...".
      expect(text).toMatch(new RegExp(`^# ([\\w.]+ / )?${key.replace(/\./g, '\\.')}( / [\\w.]+)?: `, 'm'));
      expect(text).toContain(key.toUpperCase().replace(/\./g, '_'));
    }
    expect(text.match(/^# Default: /gm)).toHaveLength(58); // 67 keys, nine documented as pairs;
    expect(text).toMatch(/^#load_balancing_enabled=true$/m);
    expect(text).not.toMatch(/^load_balancing_enabled/m);
  });

  test('a nearly empty properties file gives the defaults and no load balancing', () => {
    const config = loadConfig(confDir({ 'flashphoner.properties': '# nothing\n' }), {});
    expect(config.wsPort).toBe(8080);
    expect(config.loadBalancing).toBeNull();
    expect(config.nodeId).toBe('127.0.0.1:8080');
  });

  test('reads every key from the properties file', () => {
    const dir = confDir({
      'flashphoner.properties': lines(
        'load_balancing_enabled=true',
        'node_id=origin',
        'ip=media.example.com',
        'ip_local=0.0.0.0',
        'ws.port=9080',
        'wss.port=9443',
        'tls.cert_file=certs/tls.pem',
        'tls.key_file=certs/tls.key',
        `dtls.cert_file=${__filename}`,
        'dtls.key_file=certs/dtls.key',
        'media_port_from=40000',
        'media_port_to=40100',
        'workers=2',
        'http.path_prefix=/media/cdn',
        'cdn_secret=s3cret',
        'max_connections=50',
        'ws.max_payload=65536',
        'ws.heartbeat_ms=1000',
        'cdn.reconnect_ms=100',
        'cdn.load_report_ms=250',
        'log.level=debug',
        'mediasoup.log_level=error',
        // per-client limits
        'ws.connect_timeout_ms=5000',
        'limits.session.publishes=2',
        'limits.session.plays=3',
        'limits.session.transports=4',
        'limits.session.requests_per_s=5',
        'limits.session.request_burst=6',
        'limits.session.flood_close=7',
        'limits.ip.connections=8',
        'limits.ip.webrtc_http_sessions=9',
        'limits.ip.exempt=10.0.0.1, ::1',
        // watchdogs and relay reconciliation (issue 9)
        'cdn.heartbeat_ms=250',
        'cdn.heartbeat_timeout_ms=900',
        'cdn.relay_digest_ms=3000',
        'cdn.pipe_idle_ms=2500',
        'cdn.link_grace_ms=7000',
        'worker.probe_ms=0',
        'worker.probe_timeout_ms=2000',
      ),
      'certs/tls.pem': 'x',
      'certs/tls.key': 'x',
      'certs/dtls.key': 'x',
      'loadbalancing.xml': EDGES,
    });
    const config = loadConfig(dir, {});
    expect(config).toEqual({
      confDir: path.resolve(dir),
      nodeId: 'origin',
      loadBalancingEnabled: true,
      ip: 'media.example.com',
      ipLocal: '0.0.0.0',
      wsPort: 9080,
      wssPort: 9443,
      tlsCertFile: path.join(dir, 'certs/tls.pem'),
      tlsKeyFile: path.join(dir, 'certs/tls.key'),
      dtlsCertFile: __filename,
      dtlsKeyFile: path.join(dir, 'certs/dtls.key'),
      mediaPortFrom: 40000,
      mediaPortTo: 40100,
      workers: 2,
      pathPrefix: '/media/cdn',
      cdnSecret: 's3cret',
      maxConnections: 50,
      wsMaxPayload: 65536,
      wsHeartbeatMs: 1000,
      cdnReconnectMs: 100,
      cdnLoadReportMs: 250,
      logLevel: 'debug',
      mediasoupLogLevel: 'error',
      wsConnectTimeoutMs: 5000,
      limitSessionPublishes: 2,
      limitSessionPlays: 3,
      limitSessionTransports: 4,
      limitSessionRequestsPerS: 5,
      limitSessionRequestBurst: 6,
      limitSessionFloodClose: 7,
      limitIpConnections: 8,
      limitIpWebrtcHttpSessions: 9,
      limitIpExempt: ['10.0.0.1', '::1'],
      limitIpHttpRequestsPerS: 50,
      limitIpHttpRequestBurst: 100,
      trustedProxies: [],
      // watchdogs and relay reconciliation (issue 9)
      cdnHeartbeatMs: 250,
      cdnHeartbeatTimeoutMs: 900,
      cdnRelayDigestMs: 3000,
      cdnPipeIdleMs: 2500,
      cdnLinkGraceMs: 7000,
      cdnOnDemandLingerMs: 30000,
      cdnOnDemandEdgePlayers: 100,
      workerProbeMs: 0,
      workerProbeTimeoutMs: 2000,
      tokenSecret: '',
      tokenKeyId: '',
      tokenSecretPrevious: '',
      tokenKeyIdPrevious: '',
      publishAuth: 'open',
      playAuth: 'open',
      publishAllowDirect: null,
      adminToken: '',
      rtpPlainEnabled: true,
      rtpPlainAllowedDestinations: [],
      cdnHandshakeTimeoutMs: 5000,
      cdnRelayTls: true,
      cdnRelayPort: 8445,
      cdnRelayCaFile: null,
      cdnRelayPendingPerIp: 8,
      cdnRelayPendingMax: 64,
      playLayerHoldMs: 20000,
      playLayerHoldMaxMs: 60000,
      playAllowNoRedirect: false,
      configStrict: false,
      streamEventMaxBytes: 16384,
      streamEventsPerS: 20,
      streamEventBurst: 40,
      loadBalancing: expect.objectContaining({ mode: 'FEWESTCALLS', nodes: [expect.objectContaining({ id: 'e1', ws: 8081 })] }),
    } as unknown as NodeConfig);
  });

  test('derives node_id from ip and ws.port, with brackets for IPv6', () => {
    expect(loadConfig(confDir({ 'flashphoner.properties': 'ip=10.1.2.3\nws.port=0\n' }), {}).nodeId).toBe('10.1.2.3:0');
    expect(loadConfig(confDir({ 'flashphoner.properties': 'ip=::1\nip_local=::1\n' }), {}).nodeId).toBe('[::1]:8080');
  });

  test('returns a deeply frozen object', () => {
    const config = loadConfig(SHIPPED_CONF, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.loadBalancing)).toBe(true);
    expect(Object.isFrozen(config.loadBalancing?.nodes)).toBe(true);
    expect(Object.isFrozen(config.loadBalancing?.nodes[0])).toBe(true);
    expect(() => {
      (config as { wsPort: number }).wsPort = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.loadBalancing?.nodes as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });
});

describe('loadConfig layering', () => {
  const props = 'ws.port=9001\nhttp.path_prefix=/file\n';

  test('the properties file overrides the defaults', () => {
    expect(loadConfig(confDir({ 'flashphoner.properties': props }), {}).wsPort).toBe(9001);
  });

  test('.env overrides the properties file', () => {
    const dir = confDir({ 'flashphoner.properties': props, '.env': 'WS_PORT=9002\n' });
    expect(loadConfig(dir, {}).wsPort).toBe(9002);
  });

  test('the environment overrides .env and the properties file', () => {
    const dir = confDir({ 'flashphoner.properties': props, '.env': 'WS_PORT=9002\n' });
    expect(loadConfig(dir, { WS_PORT: '9003' }).wsPort).toBe(9003);
  });

  test('PORT overrides ws.port, from the environment or from .env', () => {
    expect(loadConfig(confDir({ 'flashphoner.properties': props }), { PORT: '9004' }).wsPort).toBe(9004);
    expect(loadConfig(confDir({ 'flashphoner.properties': props, '.env': 'PORT=9005' }), {}).wsPort).toBe(9005);
  });

  test('WS_PORT wins over PORT within one source, but the environment still wins over .env', () => {
    expect(loadConfig(confDir({ 'flashphoner.properties': props }), { PORT: '9004', WS_PORT: '9006' }).wsPort).toBe(9006);
    expect(loadConfig(confDir({ 'flashphoner.properties': props, '.env': 'WS_PORT=9006' }), { PORT: '9004' }).wsPort).toBe(9004);
  });

  test('a variable set to the empty string overrides', () => {
    const dir = confDir({ 'flashphoner.properties': props });
    expect(loadConfig(dir, { HTTP_PATH_PREFIX: '' }).pathPrefix).toBe('');
    expect(loadConfig(dir, {}).pathPrefix).toBe('/file');
  });

  test('every key has its variable: dotted keys use "_"', () => {
    const dir = confDir({ 'flashphoner.properties': '' });
    const config = loadConfig(dir, {
      LOAD_BALANCING_ENABLED: 'false',
      CDN_SECRET: 'x',
      HTTP_PATH_PREFIX: '/p',
      WSS_PORT: '1443',
      MEDIA_PORT_FROM: '2000',
      MEDIA_PORT_TO: '2001',
      IP: '10.0.0.9',
      IP_LOCAL: '10.0.0.9',
      NODE_ID: 'n',
      WORKERS: '3',
      MAX_CONNECTIONS: '7',
      WS_MAX_PAYLOAD: '2048',
      WS_HEARTBEAT_MS: '20',
      CDN_RECONNECT_MS: '30',
      CDN_LOAD_REPORT_MS: '40',
      LOG_LEVEL: 'warn',
      MEDIASOUP_LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      cdnSecret: 'x',
      pathPrefix: '/p',
      wssPort: 1443,
      mediaPortFrom: 2000,
      mediaPortTo: 2001,
      ip: '10.0.0.9',
      ipLocal: '10.0.0.9',
      nodeId: 'n',
      workers: 3,
      maxConnections: 7,
      wsMaxPayload: 2048,
      wsHeartbeatMs: 20,
      cdnReconnectMs: 30,
      cdnLoadReportMs: 40,
      logLevel: 'warn',
      mediasoupLogLevel: 'debug',
    });
  });

  test('.env values may be quoted, exported and commented like dotenv allows', () => {
    const dir = confDir({ 'flashphoner.properties': '', '.env': '# comment\nexport WS_PORT=9007\nCDN_SECRET="a b # c"\n' });
    expect(loadConfig(dir, {})).toMatchObject({ wsPort: 9007, cdnSecret: 'a b # c' });
  });

  test('.env variables of other tools are ignored and never copied into the environment', () => {
    const env: NodeJS.ProcessEnv = {};
    const dir = confDir({ 'flashphoner.properties': '', '.env': 'DEBUG=mediasoup*\nNODE_ENV=production\nWS_PORT=9008\n' });
    expect(loadConfig(dir, env).wsPort).toBe(9008);
    expect(env).toEqual({});
  });
});

describe('loadConfig refuses', () => {
  test('a directory without flashphoner.properties, naming the path', () => {
    const dir = confDir({});
    const err = errorOf(dir);
    expect(err.message).toBe(`${path.join(dir, 'flashphoner.properties')}: file not found (a configuration directory needs flashphoner.properties)`);
    expect(err.line).toBeNull();
    expect(err.code).toBe('CONFIG_INVALID');
  });

  test('an unknown key, naming file, line and key and suggesting the nearest one', () => {
    const dir = confDir({ 'flashphoner.properties': 'ip=127.0.0.1\n\nws_port=8080\n' });
    const err = errorOf(dir);
    expect(err.message).toBe(`${path.join(dir, 'flashphoner.properties')}:3: ws_port: unknown key (did you mean "ws.port"?)`);
  });

  test('an unknown key far from any known one is accepted and named in the warning, or refused with config.strict=true', () => {
    const dir = confDir({ 'flashphoner.properties': 'rtmp_listen_port=1935\n' });
    const warnings: string[] = [];
    expect(loadConfig(dir, {}, (w) => warnings.push(w)).wsPort).toBe(8080);
    expect(warnings).toEqual([
      `1 setting(s) this product does not know, taken for another product's (WCS) and not checked (config.strict=true refuses them): ${path.join(dir, 'flashphoner.properties')}: rtmp_listen_port (line 1)`,
    ]);
    const err = errorOf(confDir({ 'flashphoner.properties': 'rtmp_listen_port=1935\nconfig.strict=true\n' }));
    expect(err.reason).toBe(
      "unknown key (neither one of this product's keys, documented in conf/flashphoner.properties, nor a WCS key it knows to ignore, src/config/wcsKeys.ts); config.strict=true refuses it",
    );
    expect([err.line, err.key]).toEqual([1, 'rtmp_listen_port']);
    // The environment asks for it as well as the file.
    expect(errorOf(dir, { CONFIG_STRICT: 'true' }).key).toBe('rtmp_listen_port');
  });

  test('a bad value in the properties file, naming file, line and key', () => {
    const dir = confDir({ 'flashphoner.properties': '# ports\nws.port=8080\nwss.port=99999\n' });
    expect(errorOf(dir).message).toBe(`${path.join(dir, 'flashphoner.properties')}:3: wss.port: "99999" is not a port number (1-65535)`);
  });

  test('a duplicate key, naming both lines', () => {
    const dir = confDir({ 'flashphoner.properties': 'ws.port=1\nws.port=2\n' });
    expect(errorOf(dir).message).toBe(`${path.join(dir, 'flashphoner.properties')}:2: ws.port: duplicate key (already set on line 1)`);
  });

  test('a bad value from the environment, naming the variable', () => {
    const dir = confDir({ 'flashphoner.properties': '' });
    expect(errorOf(dir, { WS_PORT: 'abc' }).message).toBe('environment: WS_PORT: "abc" is not a port number (0-65535)');
    expect(errorOf(dir, { PORT: '' }).message).toBe('environment: PORT: "" is not a port number (0-65535)');
    const err = errorOf(dir, { LOAD_BALANCING_ENABLED: 'yes' });
    expect([err.file, err.line, err.key]).toEqual(['environment', null, 'LOAD_BALANCING_ENABLED']);
  });

  test('a bad value from .env, naming .env and its line', () => {
    const dir = confDir({ 'flashphoner.properties': 'ws.port=8080\n', '.env': '# comment\nLOG_LEVEL=info\nWS_PORT=abc\n' });
    expect(errorOf(dir).message).toBe(`${path.join(dir, '.env')}:3: WS_PORT: "abc" is not a port number (0-65535)`);
  });

  test('a .env line repeating a variable is blamed on the assignment that wins', () => {
    const dir = confDir({ 'flashphoner.properties': '', '.env': 'MEDIA_PORT_TO=1\nMEDIA_PORT_TO=x\n' });
    expect(errorOf(dir).message).toBe(`${path.join(dir, '.env')}:2: MEDIA_PORT_TO: "x" is not a port number (1-65535)`);
  });

  test('a misspelt variable of ours in .env', () => {
    const dir = confDir({ 'flashphoner.properties': '', '.env': 'WS_PROT=9000\n' });
    expect(errorOf(dir).message).toBe(`${path.join(dir, '.env')}:1: WS_PROT: unknown variable (did you mean "WS_PORT"?)`);
  });

  test('load_balancing_enabled=true without loadbalancing.xml, naming the key', () => {
    const dir = confDir({ 'flashphoner.properties': 'ip=127.0.0.1\nload_balancing_enabled=true\n' });
    const err = errorOf(dir);
    expect(err.message).toBe(
      `${path.join(dir, 'flashphoner.properties')}:2: load_balancing_enabled: is true but ${path.join(dir, 'loadbalancing.xml')} does not exist (an origin needs its list of edges)`,
    );
    expect(errorOf(confDir({ 'flashphoner.properties': '' }), { LOAD_BALANCING_ENABLED: 'true' }).message).toMatch(
      /^environment: LOAD_BALANCING_ENABLED: is true but .*loadbalancing\.xml does not exist/,
    );
  });

  test('a bad loadbalancing.xml, naming its path and line, even on an edge', () => {
    const dir = confDir({ 'flashphoner.properties': '', 'loadbalancing.xml': '<loadbalancer>\n  <node id="a"><ws>1</ws></node>\n</loadbalancer>\n' });
    expect(errorOf(dir).message).toBe(
      `${path.join(dir, 'loadbalancing.xml')}:2: loadbalancer/node[1]: missing <ip>: the address the origin and players reach the edge at`,
    );
  });

  test('media_port_from above media_port_to, naming the line of the value written', () => {
    const dir = confDir({ 'flashphoner.properties': 'media_port_to=40000\nmedia_port_from=40001\n' });
    expect(errorOf(dir).message).toBe(
      `${path.join(dir, 'flashphoner.properties')}:2: media_port_from: media_port_from (40001) must not be above media_port_to (40000)`,
    );
    expect(errorOf(confDir({ 'flashphoner.properties': 'media_port_to=1000\n' })).key).toBe('media_port_to');
  });

  test('a certificate without its key', () => {
    const dir = confDir({ 'flashphoner.properties': '\ntls.cert_file=tls.pem\n', 'tls.pem': 'x' });
    expect(errorOf(dir).message).toBe(
      `${path.join(dir, 'flashphoner.properties')}:2: tls.cert_file: is set but tls.key_file is not: give both the certificate and its key, or neither`,
    );
  });

  test('a relay CA without a certificate of this node, and a relay port equal to ws.port, name file, line and key', () => {
    const ca = confDir({ 'flashphoner.properties': 'ws.port=8080\ncdn.relay_ca_file=ca.pem\n', 'ca.pem': 'x' });
    expect(errorOf(ca).message).toBe(
      `${path.join(ca, 'flashphoner.properties')}:2: cdn.relay_ca_file: is set but tls.cert_file is not: with a CA every node shows its peers a certificate that CA signed (tls.cert_file and tls.key_file)`,
    );
    const same = confDir({ 'flashphoner.properties': 'ws.port=8080\n\ncdn.relay_port=8080\n' });
    expect(errorOf(same).message).toBe(
      `${path.join(same, 'flashphoner.properties')}:3: cdn.relay_port: cdn.relay_port and ws.port are both 8080; they must differ`,
    );
    const missing = confDir({ 'flashphoner.properties': 'tls.cert_file=c.pem\ntls.key_file=k.pem\ncdn.relay_ca_file=nope.pem\n', 'c.pem': 'x', 'k.pem': 'x' });
    expect(errorOf(missing).message).toMatch(
      new RegExp(`^${path.join(missing, 'flashphoner.properties')}:3: cdn\\.relay_ca_file: file ".*nope\\.pem" does not exist`),
    );
  });

  test('a certificate file that does not exist, resolved against the conf directory', () => {
    const dir = confDir({ 'flashphoner.properties': 'dtls.cert_file=dtls.pem\ndtls.key_file=missing.key\n', 'dtls.pem': 'x' });
    expect(errorOf(dir).message).toBe(
      `${path.join(dir, 'flashphoner.properties')}:2: dtls.key_file: file "${path.join(dir, 'missing.key')}" does not exist (relative paths are resolved against the configuration directory)`,
    );
  });

  test('a certificate path that is a directory', () => {
    const dir = confDir({ 'flashphoner.properties': '', 'certs/a': 'x' });
    const err = errorOf(dir, { TLS_CERT_FILE: 'certs', TLS_KEY_FILE: 'certs/a' });
    expect(err.message).toBe(`environment: TLS_CERT_FILE: ${JSON.stringify(path.join(dir, 'certs'))} is not a file`);
  });

  test('wss.port equal to ws.port when TLS is on', () => {
    const dir = confDir({ 'flashphoner.properties': 'ws.port=9000\nwss.port=9000\ntls.cert_file=c\ntls.key_file=k\n', c: 'x', k: 'x' });
    expect(errorOf(dir).key).toBe('wss.port');
  });
});

describe('loadConfig keeps the secret out of messages', () => {
  const SECRET = 'hunter2-very-secret';

  test('when a duplicate cdn_secret is refused', () => {
    const dir = confDir({ 'flashphoner.properties': `cdn_secret=${SECRET}\ncdn_secret=${SECRET}x\n` });
    const err = errorOf(dir);
    expect(err.key).toBe('cdn_secret');
    expect(err.message).not.toContain(SECRET);
  });

  test('when a misspelt secret variable is refused in .env', () => {
    const dir = confDir({ 'flashphoner.properties': '', '.env': `CDN_SECRT=${SECRET}\n` });
    const err = errorOf(dir);
    expect(err.key).toBe('CDN_SECRT');
    expect(err.message).not.toContain(SECRET);
  });

  test('when a misspelt secret key is refused in the properties file', () => {
    const dir = confDir({ 'flashphoner.properties': `cdn.secret=${SECRET}\n` });
    const err = errorOf(dir);
    expect(err.message).toContain('did you mean "cdn_secret"?');
    expect(err.message).not.toContain(SECRET);
  });

  test('when another value is refused while a secret is set everywhere', () => {
    const dir = confDir({ 'flashphoner.properties': `cdn_secret=${SECRET}\nws.port=x\n`, '.env': `CDN_SECRET=${SECRET}\n` });
    const err = errorOf(dir, { CDN_SECRET: SECRET });
    expect(err.message).not.toContain(SECRET);
    expect(JSON.stringify(err)).not.toContain(SECRET);
  });
});
