import { ConfigError } from '../../src/config/errors';
import { parseProperties } from '../../src/config/properties';
import {
  PROPERTY_SPECS,
  SETTING_FIELDS,
  checkSettings,
  defaultSettings,
  fieldOfEnv,
  fieldOfKey,
  parseHost,
  parseIpLiteral,
  parsePathPrefix,
  parsePort,
  parseSetting,
  suggestEnv,
  suggestKey,
} from '../../src/config/propertiesSchema';

const FILE = 'conf/flashphoner.properties';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('ConfigError', () => {
  test('its message reads file:line: key: reason and it keeps each part', () => {
    const err = new ConfigError({ file: FILE, line: 12, key: 'ws.port' }, '"99999" is not a port number (1-65535)');
    expect(err.message).toBe('conf/flashphoner.properties:12: ws.port: "99999" is not a port number (1-65535)');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    expect(err.code).toBe('CONFIG_INVALID');
    expect([err.file, err.line, err.key]).toEqual([FILE, 12, 'ws.port']);
  });

  test('its message leaves out the line and key when there are none', () => {
    expect(new ConfigError({ file: 'x/y', line: null, key: null }, 'file not found').message).toBe('x/y: file not found');
    expect(new ConfigError({ file: 'environment', line: null, key: 'WS_PORT' }, 'bad').message).toBe('environment: WS_PORT: bad');
  });
});

describe('parseProperties', () => {
  test('reads key=value, key: value and key value with their line numbers', () => {
    const text = ['a=1', 'b: 2', 'c 3', '  d  =  spaced value  ', 'e='].join('\n');
    expect(parseProperties(text, FILE)).toEqual([
      { key: 'a', value: '1', line: 1 },
      { key: 'b', value: '2', line: 2 },
      { key: 'c', value: '3', line: 3 },
      { key: 'd', value: 'spaced value', line: 4 },
      { key: 'e', value: '', line: 5 },
    ]);
  });

  test('skips blank lines and # and ! comments while counting them as lines', () => {
    const text = '# comment\n\n   ! other comment\n\t\nkey=value\n  # indented comment';
    expect(parseProperties(text, FILE)).toEqual([{ key: 'key', value: 'value', line: 5 }]);
  });

  test('counts CRLF and CR line endings and ignores a byte order mark', () => {
    expect(parseProperties('\uFEFFa=1\r\nb=2\rc=3', FILE)).toEqual([
      { key: 'a', value: '1', line: 1 },
      { key: 'b', value: '2', line: 2 },
      { key: 'c', value: '3', line: 3 },
    ]);
  });

  test('keeps separators after the first one and backslashes inside the value', () => {
    expect(parseProperties('ip_local=fe80::1\npath=C:\\certs\\a.pem\nx = =y', FILE)).toEqual([
      { key: 'ip_local', value: 'fe80::1', line: 1 },
      { key: 'path', value: 'C:\\certs\\a.pem', line: 2 },
      { key: 'x', value: '=y', line: 3 },
    ]);
  });

  test('a duplicate key is refused naming both lines', () => {
    const err = errorOf(() => parseProperties('ws.port=1\n\nws.port=2', FILE));
    expect(err.message).toBe('conf/flashphoner.properties:3: ws.port: duplicate key (already set on line 1)');
    expect([err.line, err.key]).toEqual([3, 'ws.port']);
  });

  test('a duplicate secret is refused without quoting either value', () => {
    const err = errorOf(() => parseProperties('cdn_secret=hunter2-first\ncdn_secret=hunter2-second', FILE));
    expect(err.message).toContain(':2: cdn_secret: duplicate key');
    expect(err.message).not.toContain('hunter2');
  });

  test('a line without a key is refused with its line and without quoting it', () => {
    const err = errorOf(() => parseProperties('a=1\n= s3cret', FILE));
    expect(err.message).toBe('conf/flashphoner.properties:2: line has no key before "=" or ":"');
    expect(err.message).not.toContain('s3cret');
  });

  test('a continuation line is refused rather than silently joined', () => {
    const err = errorOf(() => parseProperties('a=1\nb=first \\\n  second', FILE));
    expect(err.message).toBe('conf/flashphoner.properties:2: b: value ends with "\\": continuation lines are not supported');
  });
});

describe('the property table', () => {
  test('knows every WCS key and every key of ours', () => {
    const keys = SETTING_FIELDS.map((f) => PROPERTY_SPECS[f].key).sort();
    expect(keys).toEqual(
      [
        'load_balancing_enabled',
        'ip',
        'ip_local',
        'ws.port',
        'wss.port',
        'media_port_from',
        'media_port_to',
        'node_id',
        'workers',
        'http.path_prefix',
        'cdn_secret',
        'max_connections',
        'ws.max_payload',
        'ws.heartbeat_ms',
        'cdn.reconnect_ms',
        'cdn.load_report_ms',
        'cdn.on_demand_edge_players',
        'cdn.on_demand_linger_ms',
        'log.level',
        'mediasoup.log_level',
        'tls.cert_file',
        'tls.key_file',
        'dtls.cert_file',
        'dtls.key_file',
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
        'http.trusted_proxies',
        'limits.ip.http_requests_per_s',
        'limits.ip.http_request_burst',
        // watchdogs and relay reconciliation (issue 9)
        'cdn.heartbeat_ms',
        'cdn.heartbeat_timeout_ms',
        'cdn.relay_digest_ms',
        'cdn.pipe_idle_ms',
        'cdn.link_grace_ms',
        'worker.probe_ms',
        'worker.probe_timeout_ms',
        // access control and safe plain RTP
        'auth.token_secret',
        'auth.token_key_id',
        'auth.token_secret_previous',
        'auth.token_key_id_previous',
        'auth.publish',
        'auth.play',
        'publish.allow_direct',
        'admin.token',
        'rtp.plain_enabled',
        'rtp.plain_allowed_destinations',
        'cdn.handshake_timeout_ms',
        'play.layer_hold_ms',
        'play.layer_hold_max_ms',
        'play.allow_no_redirect',
        'config.strict',
        // the relay link's TLS and its bounds before authentication (issue 18)
        'cdn.relay_tls',
        'cdn.relay_port',
        'cdn.relay_ca_file',
        'cdn.relay_pending_per_ip',
        'cdn.relay_pending_max',
        // stream events (issue 20)
        'stream.event_max_bytes',
        'stream.events_per_s',
        'stream.event_burst',
      ].sort(),
    );
  });

  test('names each environment variable after its key upper-cased with "." as "_", plus PORT for ws.port', () => {
    for (const field of SETTING_FIELDS) {
      const { key, env } = PROPERTY_SPECS[field];
      const expected = [key.toUpperCase().replace(/\./g, '_')];
      if (key === 'ws.port') expected.push('PORT');
      expect(env).toEqual(expected);
      for (const name of env) expect(fieldOfEnv(name)).toBe(field);
      expect(fieldOfKey(key)).toBe(field);
    }
    expect(PROPERTY_SPECS.wsPort.env).toEqual(['WS_PORT', 'PORT']);
    expect(PROPERTY_SPECS.loadBalancingEnabled.env).toEqual(['LOAD_BALANCING_ENABLED']);
    expect(PROPERTY_SPECS.pathPrefix.env).toEqual(['HTTP_PATH_PREFIX']);
  });

  test('gives the defaults documented in types.ts', () => {
    expect(defaultSettings()).toEqual({
      nodeId: null,
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
      // per-client limits
      wsConnectTimeoutMs: 10000,
      limitSessionPublishes: 4,
      limitSessionPlays: 8,
      limitSessionTransports: 10,
      limitSessionRequestsPerS: 20,
      limitSessionRequestBurst: 50,
      limitSessionFloodClose: 200,
      limitIpConnections: 50,
      limitIpWebrtcHttpSessions: 20,
      limitIpExempt: ['127.0.0.1', '::1'],
      limitIpHttpRequestsPerS: 50,
      limitIpHttpRequestBurst: 100,
      trustedProxies: [],
      // watchdogs and relay reconciliation (issue 9)
      cdnHeartbeatMs: 500,
      cdnHeartbeatTimeoutMs: 1500,
      cdnRelayDigestMs: 5000,
      cdnPipeIdleMs: 10000,
      cdnLinkGraceMs: 10000,
      cdnOnDemandLingerMs: 30000,
      cdnOnDemandEdgePlayers: 100,
      workerProbeMs: 500,
      workerProbeTimeoutMs: 1500,
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
    });
  });

  test('token modes need a token secret of 16 characters or more; admin.token too when set', () => {
    expect(checkSettings({ ...defaultSettings(), playAuth: 'token' })).toMatchObject({ fields: ['playAuth', 'tokenSecret'] });
    expect(checkSettings({ ...defaultSettings(), publishAuth: 'token', tokenSecret: 'x'.repeat(15) })).toMatchObject({
      fields: ['publishAuth', 'tokenSecret'],
    });
    expect(checkSettings({ ...defaultSettings(), publishAuth: 'token', tokenSecret: 'x'.repeat(16) })).toBeNull();
    expect(checkSettings({ ...defaultSettings(), adminToken: 'short' })).toMatchObject({ fields: ['adminToken'] });
    // A rotation: the retiring secret is as long as any, and the two keys have different ids.
    const rotating = { ...defaultSettings(), tokenSecret: 'n'.repeat(16), tokenKeyId: 'new', tokenSecretPrevious: 'o'.repeat(16) };
    expect(checkSettings(rotating)).toBeNull();
    expect(checkSettings({ ...rotating, tokenKeyId: '' })).toMatchObject({ fields: ['tokenKeyIdPrevious', 'tokenKeyId'] });
    expect(checkSettings({ ...rotating, tokenSecretPrevious: 'short' })).toMatchObject({ fields: ['tokenSecretPrevious'] });
    expect(parseSetting('tokenKeyId', ' 2027-01 ')).toEqual({ ok: true, value: '2027-01' });
    expect(parseSetting('tokenKeyId', 'a b')).toMatchObject({ ok: false });
    expect(parseSetting('publishAllowDirect', 'auto')).toEqual({ ok: true, value: null });
    expect(parseSetting('publishAllowDirect', 'false')).toEqual({ ok: true, value: false });
    expect(parseSetting('publishAllowDirect', 'yes')).toMatchObject({ ok: false });
    // Secrets are never quoted, even when refused.
    expect(parseSetting('adminToken', 'anything')).toEqual({ ok: true, value: 'anything' });
  });

  test('every default passes its own validation and the defaults are consistent', () => {
    expect(checkSettings(defaultSettings())).toBeNull();
  });

  test('does not know keys it does not document', () => {
    expect(fieldOfKey('rtmp.port')).toBeUndefined();
    expect(fieldOfEnv('HOME')).toBeUndefined();
  });
});

describe('value validation', () => {
  test('ports are decimal integers from 1 to 65535', () => {
    expect(parsePort('1')).toEqual({ ok: true, value: 1 });
    expect(parsePort('65535')).toEqual({ ok: true, value: 65535 });
    for (const bad of ['0', '65536', '99999', '-1', 'abc', '', '80.0', '0x50', '1e3', ' 80']) {
      expect(parsePort(bad)).toEqual({ ok: false, reason: `${JSON.stringify(bad)} is not a port number (1-65535)` });
    }
  });

  test('ws.port alone also takes 0 to mean any free port', () => {
    expect(parseSetting('wsPort', '0')).toEqual({ ok: true, value: 0 });
    expect(parseSetting('wssPort', '0')).toEqual({ ok: false, reason: '"0" is not a port number (1-65535)' });
    expect(parseSetting('mediaPortFrom', '0').ok).toBe(false);
    expect(parseSetting('wsPort', '65536')).toEqual({ ok: false, reason: '"65536" is not a port number (0-65535)' });
  });

  test('booleans are exactly true or false', () => {
    expect(parseSetting('loadBalancingEnabled', 'true')).toEqual({ ok: true, value: true });
    expect(parseSetting('loadBalancingEnabled', 'false')).toEqual({ ok: true, value: false });
    for (const bad of ['yes', '1', 'TRUE', '']) {
      expect(parseSetting('loadBalancingEnabled', bad)).toEqual({ ok: false, reason: `${JSON.stringify(bad)} is not a boolean (true or false)` });
    }
  });

  test('integers are plain decimals within their range', () => {
    expect(parseSetting('workers', '4')).toEqual({ ok: true, value: 4 });
    expect(parseSetting('workers', '0')).toEqual({ ok: true, value: 0 });
    expect(parseSetting('maxConnections', '0')).toEqual({ ok: false, reason: '"0" is not an integer from 1 to 1000000' });
    expect(parseSetting('maxConnections', '2.5').ok).toBe(false);
    expect(parseSetting('wsHeartbeatMs', '-5').ok).toBe(false);
    expect(parseSetting('cdnReconnectMs', 'soon').ok).toBe(false);
    expect(parseSetting('cdnLoadReportMs', '100')).toEqual({ ok: true, value: 100 });
    expect(parseSetting('cdnLoadReportMs', '5')).toEqual({ ok: false, reason: '"5" is not an integer from 10 to 3600000' });
    expect(parseSetting('wsMaxPayload', '99999999999999999999').ok).toBe(false);
  });

  test('log levels are one of the listed names', () => {
    expect(parseSetting('logLevel', 'debug')).toEqual({ ok: true, value: 'debug' });
    expect(parseSetting('logLevel', 'loud')).toEqual({ ok: false, reason: '"loud" is not one of trace, debug, info, warn, error, fatal, silent' });
    expect(parseSetting('mediasoupLogLevel', 'none')).toEqual({ ok: true, value: 'none' });
    expect(parseSetting('mediasoupLogLevel', 'info')).toEqual({ ok: false, reason: '"info" is not one of debug, warn, error, none' });
  });

  test('ip takes IPv4, IPv6 or a host name but not an unspecified address', () => {
    for (const good of ['10.0.0.1', '::1', '2001:db8::5', 'edge.example.com', 'localhost', 'edge-1']) {
      expect(parseHost(good)).toEqual({ ok: true, value: good });
    }
    expect(parseHost('0.0.0.0').ok).toBe(false);
    expect(parseHost('::').ok).toBe(false);
    expect(parseHost('bad host')).toEqual({ ok: false, reason: '"bad host" is not an IP address or host name' });
    expect(parseHost('-edge')).toMatchObject({ ok: false });
    expect(parseHost('')).toMatchObject({ ok: false });
    expect(parseHost('[::1]')).toEqual({ ok: false, reason: '"[::1]" is not an IP address or host name (write IPv6 addresses without brackets)' });
  });

  test('ip_local takes an IP literal, unspecified addresses included', () => {
    for (const good of ['127.0.0.1', '0.0.0.0', '::', '::1']) expect(parseIpLiteral(good)).toEqual({ ok: true, value: good });
    expect(parseIpLiteral('localhost')).toEqual({ ok: false, reason: '"localhost" is not an IPv4 or IPv6 address' });
    expect(parseIpLiteral('256.1.1.1').ok).toBe(false);
  });

  test('a path prefix is empty or starts with "/" without a trailing "/", "?", "#" or spaces', () => {
    for (const good of ['', '/media', '/media/cdn']) expect(parsePathPrefix(good)).toEqual({ ok: true, value: good });
    expect(parsePathPrefix('media')).toEqual({ ok: false, reason: '"media" must be empty or start with "/"' });
    expect(parsePathPrefix('/media/')).toEqual({ ok: false, reason: '"/media/" must not end with "/" (use "" for no prefix)' });
    expect(parsePathPrefix('/')).toMatchObject({ ok: false });
    for (const bad of ['/a?b', '/a#b', '/a b', '/a//b']) expect(parsePathPrefix(bad)).toMatchObject({ ok: false });
  });

  test('node_id is empty (derived) or one printable token', () => {
    expect(parseSetting('nodeId', '')).toEqual({ ok: true, value: null });
    expect(parseSetting('nodeId', 'origin-1')).toEqual({ ok: true, value: 'origin-1' });
    expect(parseSetting('nodeId', 'two words').ok).toBe(false);
    expect(parseSetting('nodeId', 'x'.repeat(129)).ok).toBe(false);
  });

  test('certificate paths are optional: empty means none', () => {
    expect(parseSetting('tlsCertFile', '')).toEqual({ ok: true, value: null });
    expect(parseSetting('dtlsKeyFile', 'dtls/key.pem')).toEqual({ ok: true, value: 'dtls/key.pem' });
  });

  test('any cdn_secret is accepted and the table marks it secret', () => {
    expect(parseSetting('cdnSecret', 'a b#c=d')).toEqual({ ok: true, value: 'a b#c=d' });
    expect(PROPERTY_SPECS.cdnSecret.secret).toBe(true);
  });
});

describe('checkSettings', () => {
  const base = defaultSettings();

  test('refuses media_port_from above media_port_to', () => {
    expect(checkSettings({ ...base, mediaPortFrom: 40000, mediaPortTo: 40000 })).toBeNull();
    expect(checkSettings({ ...base, mediaPortFrom: 40001, mediaPortTo: 40000 })).toEqual({
      fields: ['mediaPortFrom', 'mediaPortTo'],
      reason: 'media_port_from (40001) must not be above media_port_to (40000)',
    });
  });

  test('refuses a certificate without its key and a key without its certificate', () => {
    expect(checkSettings({ ...base, tlsCertFile: 'c.pem' })).toEqual({
      fields: ['tlsCertFile'],
      reason: 'is set but tls.key_file is not: give both the certificate and its key, or neither',
    });
    expect(checkSettings({ ...base, dtlsKeyFile: 'k.pem' })?.fields).toEqual(['dtlsKeyFile']);
    expect(checkSettings({ ...base, tlsCertFile: 'c.pem', tlsKeyFile: 'k.pem' })).toBeNull();
  });

  test('refuses wss.port equal to ws.port when TLS is on', () => {
    const tls = { ...base, tlsCertFile: 'c.pem', tlsKeyFile: 'k.pem' };
    expect(checkSettings({ ...tls, wsPort: 9000, wssPort: 9000 })?.fields).toEqual(['wssPort', 'wsPort']);
    expect(checkSettings({ ...base, wsPort: 9000, wssPort: 9000 })).toBeNull();
  });
});

describe('suggestions for typos', () => {
  test('suggest the nearest known key for a near miss', () => {
    expect(suggestKey('ws_port')).toBe('ws.port');
    expect(suggestKey('WS.PORT')).toBe('ws.port');
    expect(suggestKey('media_port_form')).toBe('media_port_from');
    expect(suggestKey('load_balancing_enable')).toBe('load_balancing_enabled');
    expect(suggestKey('rtmp.buffer_size')).toBeNull();
  });

  test("take a swap of two neighbours for one slip, and keep WCS's own keys apart from ours", () => {
    expect(suggestKey('cdn_secert')).toBe('cdn_secret');
    expect(suggestKey('load_balancing_enabeld')).toBe('load_balancing_enabled');
    expect(suggestKey('cdn.relay_prot')).toBe('cdn.relay_port');
    for (const wcs of ['user_agent', 'disable_rest_auth', 'rtmp.port', 'http.port', 'ip_v6', 'domain']) expect([wcs, suggestKey(wcs)]).toEqual([wcs, null]);
  });

  test('suggest one of our variables only for a near miss that is not ours', () => {
    expect(suggestEnv('WS_PROT')).toBe('WS_PORT');
    expect(suggestEnv('WS_PORT')).toBeNull();
    for (const other of ['DEBUG', 'NODE_ENV', 'TZ', 'HOME', 'LOG_FORMAT', 'MEDIASOUP_WORKER_BIN']) expect(suggestEnv(other)).toBeNull();
  });
});
