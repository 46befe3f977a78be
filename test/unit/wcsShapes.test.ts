// The WCS REST answers' shapes, from plain facts: WCS's fields with this product's alongside,
// WCS's filter bodies (unknown filters refused by name), the route map and the stat text.
import { AppError } from '../../src/errors';
import {
  connectionEntry,
  matches,
  parseStreamFilter,
  playerEntry,
  publishedEntry,
  routeMap,
  statJson,
  statText,
  wantsPlayers,
  type StatFacts,
} from '../../src/http/wcsShapes';

const CREATED = Date.UTC(2026, 10, 30, 12, 0, 0);

const published = publishedEntry('origin', {
  mediaSessionId: 'ms-1',
  name: 'cam',
  status: 'PUBLISHING',
  source: { kind: 'local', sessionId: 's-1' },
  createdAt: CREATED,
  tracks: [
    { kind: 'audio', paused: true, codec: 'audio/opus' },
    { kind: 'video', paused: false, codec: 'video/VP8' },
  ],
  players: 2,
  edges: [{ id: 'e1', relay: 'relayed' }],
});

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError && err.code === 'BAD_REQUEST') return err.message;
    throw err;
  }
  throw new Error('expected BAD_REQUEST');
}

describe('a published stream', () => {
  test("has WCS fields (published, mediaSessionId, codecs without the media type, mute states) and this product's fields", () => {
    expect(published).toEqual({
      nodeId: 'origin',
      sessionId: 's-1',
      mediaSessionId: 'ms-1',
      name: 'cam',
      published: true,
      hasVideo: true,
      hasAudio: true,
      status: 'PUBLISHING',
      audioCodec: 'opus',
      videoCodec: 'VP8',
      record: false,
      createDate: CREATED,
      mediaType: 'publish',
      audioState: { muted: true },
      videoState: { muted: false },
      source: 'local',
      createdAt: '2026-11-30T12:00:00.000Z',
      tracks: [
        { kind: 'audio', paused: true, codec: 'audio/opus' },
        { kind: 'video', paused: false, codec: 'video/VP8' },
      ],
      players: 2,
      edges: [{ id: 'e1', relay: 'relayed' }],
    });
  });

  test('relayed to an edge names its origin, and a stream without tracks has no codecs', () => {
    const relayed = publishedEntry('edge1', {
      mediaSessionId: 'ms-2',
      name: 'cam',
      status: 'PENDING',
      source: { kind: 'relay', originId: 'origin', linkId: 'l1' },
      createdAt: CREATED,
      tracks: [],
      players: 0,
    });
    expect(relayed).toMatchObject({ sessionId: 'relay:origin', source: 'relay', origin: 'origin', hasAudio: false, audioCodec: null, videoCodec: null });
    expect(relayed).not.toHaveProperty('edges');
  });
});

test('a player is listed with published: false, PLAYING once media flows', () => {
  expect(playerEntry('edge1', { mediaSessionId: 't-1', name: 'cam', kinds: ['video'], playing: true, via: 'webrtc' })).toEqual({
    nodeId: 'edge1',
    mediaSessionId: 't-1',
    name: 'cam',
    published: false,
    hasVideo: true,
    hasAudio: false,
    status: 'PLAYING',
    record: false,
    mediaType: 'play',
    transport: 'webrtc',
  });
  expect(playerEntry('edge1', { mediaSessionId: 't-2', name: 'cam', kinds: [], playing: false, via: 'plain' }).status).toBe('PENDING');
});

describe('stream filters', () => {
  test("WCS's filter bodies are read; an empty body is no filter", () => {
    expect(parseStreamFilter('')).toEqual({});
    expect(parseStreamFilter('{"published": true}')).toEqual({ published: true });
    expect(parseStreamFilter('{"name": "cam", "status": "PUBLISHING"}')).toEqual({ name: 'cam', status: 'PUBLISHING' });
    expect(parseStreamFilter('{"mediaSessionId": "ms-1"}')).toEqual({ mediaSessionId: 'ms-1' });
  });

  test("WCS's display field is accepted and selects nothing (every field is shown)", () => {
    expect(parseStreamFilter('{"name": "cam", "display": ["name", "status"]}')).toEqual({ name: 'cam' });
    expect(parseStreamFilter('{"display": "name"}')).toEqual({});
  });

  test('names are compared after NFC normalisation, like publishing', () => {
    expect(parseStreamFilter(JSON.stringify({ name: 'cafe\u0301' })).name).toBe('caf\u00e9');
  });

  test('unknown filters are refused by name, so a misspelt one never matches everything', () => {
    expect(badRequest(() => parseStreamFilter('{"nmae": "cam", "appKey": "defaultApp"}'))).toBe(
      'unknown filter(s) "nmae", "appKey" (known: name, mediaSessionId, sessionId, published, status, hasAudio, hasVideo, display)',
    );
  });

  test('bodies that are not a JSON object, and values of the wrong type, are refused', () => {
    expect(badRequest(() => parseStreamFilter('{'))).toBe('body is not valid JSON');
    expect(badRequest(() => parseStreamFilter('["cam"]'))).toBe('body must be a JSON object of filters');
    expect(badRequest(() => parseStreamFilter('{"published": "true"}'))).toMatch(/^filter "published": /);
  });

  test('every given filter must match; players are wanted with published: false or a mediaSessionId', () => {
    expect(matches(published, { published: true, name: 'cam' })).toBe(true);
    expect(matches(published, { published: true, status: 'PLAYING' })).toBe(false);
    expect(matches(published, { mediaSessionId: 'ms-1' })).toBe(true);
    expect([wantsPlayers({}), wantsPlayers({ published: true }), wantsPlayers({ published: false }), wantsPlayers({ mediaSessionId: 'x' })]).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});

test("show_routes' route map has one key per relayed stream, starting with a digit", () => {
  expect(
    routeMap([
      { node: 'edge1', streams: ['cam', 'talk'] },
      { node: 'edge2', streams: ['cam'] },
    ]),
  ).toEqual({ '0-edge1-0': 'cam', '0-edge1-1': 'talk', '1-edge2-0': 'cam' });
  expect(routeMap([])).toEqual({});
});

test("a connection has WCS's fields beside this product's", () => {
  const client = {
    id: 'c1',
    clientName: 'page',
    remoteAddress: '10.0.0.9',
    secure: false,
    connectedAt: '2026-11-30T12:00:00.000Z',
    publishing: ['cam'],
    playing: [],
  };
  expect(connectionEntry('origin', client)).toEqual({
    nodeId: 'origin',
    sessionId: 'c1',
    appKey: null,
    status: 'ESTABLISHED',
    mediaProviders: ['WebRTC'],
    custom: {},
    ...client,
  });
});

const facts: StatFacts = {
  connections: 3,
  streamsIn: 1,
  streamsRelayed: 2,
  players: 5,
  cpuLoad: 0.256,
  systemLoadAverage: 1.5,
  cpus: 2,
  freeMemory: 100,
  totalMemory: 400,
  heapUsed: 30,
  heapTotal: 50,
  rss: 70,
  version: 'cdn-relay-0.1.0 (mediasoup 3.27.1)',
  startedAt: 1700000000000,
  role: 'origin',
  edges: { total: 2, up: 1 },
  origins: 0,
};

test("the stat text is WCS's key=value lines in its sections", () => {
  expect(statText(facts)).toBe(
    [
      '-----Connection Stats-----',
      'connections=3',
      'connections_rtmfp=0',
      'connections_websocket=3',
      '-----Stream Stats-----',
      'streams_rtsp_in=0',
      'streams_rtsp_out=0',
      'streams_websocket_out=0',
      'streams_rtmp_out=0',
      'streams_webrtc_in=3',
      'streams_webrtc_out=5',
      'streams_rtmfp_in=0',
      'streams_rtmfp_out=0',
      'streams_viewers=5',
      '-----Core Stats-----',
      'core_java_availableProcessors=2',
      'core_java_processCpuLoad=0.26',
      'core_java_systemLoadAverage=1.50',
      'core_java_freePhysicalMemorySize=100',
      'core_java_totalPhysicalMemorySize=400',
      'core_java_committedMemory=70',
      'core_java_freeHeapSize=20',
      'core_java_totalHeapSize=50',
      '-----Server Version-----',
      'wcs_version=cdn-relay-0.1.0 (mediasoup 3.27.1)',
      'wcs_server_start_time=1700000000000',
      '-----CDN Stats-----',
      'cdn_role=origin',
      'cdn_streams_published=1',
      'cdn_streams_relayed=2',
      'cdn_edges=2',
      'cdn_edges_up=1',
      'cdn_origins=0',
      '',
    ].join('\n'),
  );
});

test('the stat JSON has the same values, one object per section, numbers as numbers', () => {
  expect(statJson(facts)).toEqual({
    connections_stats: { connections: 3, connections_rtmfp: 0, connections_websocket: 3 },
    streams_stats: expect.objectContaining({ streams_webrtc_in: 3, streams_webrtc_out: 5, streams_viewers: 5 }),
    core_stats: expect.objectContaining({ core_java_availableProcessors: 2, core_java_processCpuLoad: 0.26, core_java_systemLoadAverage: 1.5 }),
    server_version: { wcs_version: 'cdn-relay-0.1.0 (mediasoup 3.27.1)', wcs_server_start_time: 1700000000000 },
    cdn_stats: { cdn_role: 'origin', cdn_streams_published: 1, cdn_streams_relayed: 2, cdn_edges: 2, cdn_edges_up: 1, cdn_origins: 0 },
  });
});
