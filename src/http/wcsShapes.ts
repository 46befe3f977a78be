// The answers of the WCS REST calls in WCS's shapes, from plain facts about this node. Pure: the
// handlers (wcsRest.ts) gather the facts, this file decides every field, so the shapes are tested
// without sockets. WCS's fields come first; this product's own fields stay alongside (pages and
// scripts written for this product read `source`, `tracks`, `players`, `edges`), never instead.
import { z } from 'zod';
import { AppError } from '../errors';
import type { StreamSource, StreamStatus } from '../streams/Stream';
import { streamNameSchema } from '../streams/streamName';
import type { ClientView } from './HttpContext';

/** One track of a stream, as find_all lists it. */
export interface TrackFacts {
  kind: 'audio' | 'video';
  paused: boolean;
  /** mediasoup's mimeType, e.g. `video/VP8`. */
  codec?: string;
}

/** A stream published on (or relayed to) this node. */
export interface PublishedFacts {
  mediaSessionId: string;
  name: string;
  status: StreamStatus;
  source: StreamSource;
  createdAt: number;
  tracks: TrackFacts[];
  players: number;
  /** On an origin: the relay state per edge. */
  edges?: unknown[];
}

/** A player on this node. */
export interface PlayerFacts {
  mediaSessionId: string;
  name: string;
  kinds: ('audio' | 'video')[];
  playing: boolean;
  via: 'webrtc' | 'plain';
}

/** A stream session in WCS's shape (published or played), plus this product's fields. */
export type StreamEntry = Record<string, unknown> & { name: string; mediaSessionId: string; published: boolean; status: string };

/** `video/VP8` -> `VP8`, `audio/opus` -> `opus`: WCS names codecs without the media type. */
function codecName(track: TrackFacts | undefined): string | null {
  return track?.codec?.split('/')[1] ?? null;
}

export function publishedEntry(nodeId: string, f: PublishedFacts): StreamEntry {
  const audio = f.tracks.find((t) => t.kind === 'audio');
  const video = f.tracks.find((t) => t.kind === 'video');
  return {
    // WCS's fields
    nodeId,
    sessionId: f.source.kind === 'local' ? f.source.sessionId : `relay:${f.source.originId}`,
    mediaSessionId: f.mediaSessionId,
    name: f.name,
    published: true,
    hasVideo: video !== undefined,
    hasAudio: audio !== undefined,
    status: f.status,
    audioCodec: codecName(audio),
    videoCodec: codecName(video),
    record: false,
    createDate: f.createdAt,
    mediaType: 'publish',
    audioState: { muted: audio?.paused ?? false },
    videoState: { muted: video?.paused ?? false },
    // this product's fields
    source: f.source.kind,
    ...(f.source.kind === 'relay' ? { origin: f.source.originId } : {}),
    createdAt: new Date(f.createdAt).toISOString(),
    tracks: f.tracks,
    players: f.players,
    ...(f.edges ? { edges: f.edges } : {}),
  };
}

export function playerEntry(nodeId: string, f: PlayerFacts): StreamEntry {
  return {
    nodeId,
    mediaSessionId: f.mediaSessionId,
    name: f.name,
    published: false,
    hasVideo: f.kinds.includes('video'),
    hasAudio: f.kinds.includes('audio'),
    status: f.playing ? 'PLAYING' : 'PENDING',
    record: false,
    mediaType: 'play',
    // this product's field: how the player receives (the SDK or WHEP: webrtc; plain RTP: plain)
    transport: f.via,
  };
}

// ---- filters of /rest-api/stream/find, find_all and terminate ----

/** The filters WCS's stream calls take that mean something here. */
const filterSchema = z.object({
  name: streamNameSchema.optional(),
  mediaSessionId: z.string().min(1).max(200).optional(),
  sessionId: z.string().min(1).max(200).optional(),
  published: z.boolean().optional(),
  status: z.string().min(1).max(40).optional(),
  hasAudio: z.boolean().optional(),
  hasVideo: z.boolean().optional(),
  // WCS's request field for what to show of each stream: every field is shown here, so it is
  // accepted and selects nothing.
  display: z.unknown().optional(),
});
export type StreamFilter = Omit<z.infer<typeof filterSchema>, 'display'>;
const FILTER_KEYS = Object.keys(filterSchema.shape);

/**
 * A request body's filter: `{}` for an empty body; BAD_REQUEST naming unknown keys (a misspelt
 * filter must not match everything) or a value of the wrong type.
 */
export function parseStreamFilter(text: string): StreamFilter {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AppError('BAD_REQUEST', 'body must be a JSON object of filters');
  const unknown = Object.keys(value).filter((k) => !FILTER_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new AppError('BAD_REQUEST', `unknown filter(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${FILTER_KEYS.join(', ')})`);
  }
  const r = filterSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new AppError('BAD_REQUEST', `filter "${issue.path.join('.')}": ${issue.message}`);
  }
  const { display: _shown, ...filter } = r.data;
  return filter;
}

/** True when the filter asks for players too: WCS lists them with `published: false`. */
export function wantsPlayers(filter: StreamFilter): boolean {
  return filter.published === false || filter.mediaSessionId !== undefined;
}

export function matches(entry: StreamEntry, filter: StreamFilter): boolean {
  return (Object.keys(filter) as (keyof StreamFilter)[]).every((key) => filter[key] === undefined || entry[key] === filter[key]);
}

// ---- /rest-api/cdn/show_routes ----

/**
 * WCS's route map, `{"<n>-<node>-<m>": "<stream>"}`: one key per stream a node relays, `<node>`
 * the edge (on an origin) or the origin (on an edge) it goes to or comes from, `<n>` that node's
 * index and `<m>` the stream's among its streams. This product's fields (nodeId, role, mode,
 * edges, origins) stay beside them; route keys always start with a digit, so they never collide.
 */
export function routeMap(links: { node: string; streams: string[] }[]): Record<string, string> {
  const out: Record<string, string> = {};
  links.forEach((link, n) => link.streams.forEach((stream, m) => (out[`${n}-${link.node}-${m}`] = stream)));
  return out;
}

// ---- /rest-api/connection/find_all ----

/** A command-channel client as this product lists it. */
export type ConnectionFacts = ClientView;

export function connectionEntry(nodeId: string, c: ConnectionFacts): Record<string, unknown> {
  return {
    // WCS's fields
    nodeId,
    sessionId: c.id,
    appKey: null,
    status: 'ESTABLISHED',
    mediaProviders: ['WebRTC'],
    custom: {},
    // this product's fields
    ...c,
  };
}

// ---- /?action=stat ----

export interface StatFacts {
  connections: number;
  /** Streams published on this node (not relayed here). */
  streamsIn: number;
  /** Streams an origin relays to this node. */
  streamsRelayed: number;
  players: number;
  /** 0..1, this node's CPU share (its process and its media workers). */
  cpuLoad: number;
  systemLoadAverage: number;
  cpus: number;
  freeMemory: number;
  totalMemory: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
  version: string;
  startedAt: number;
  role: 'origin' | 'edge' | 'standalone';
  /** Origin: edges configured and linked. */
  edges: { total: number; up: number } | null;
  /** Edge: origins linked to it. */
  origins: number;
}

/** One section of the statistics: its title in the text, its key in the JSON, its values. */
type StatSection = [title: string, key: string, values: [string, string | number][]];

/**
 * WCS's statistics, in its sections. Keys WCS has keep its names (`core_java_*` included, so
 * monitoring scripts read them); counts of things this product has none of (RTMP, RTSP, RTMFP)
 * are 0; `cdn_*` keys after `cdn_role` are this product's. The JSON sections are named as WCS's
 * documentation lists them (`connections_stats`, `streams_stats`, `core_stats`), ours beside.
 */
function statSections(f: StatFacts): StatSection[] {
  return [
    [
      'Connection Stats',
      'connections_stats',
      [
        ['connections', f.connections],
        ['connections_rtmfp', 0],
        ['connections_websocket', f.connections],
      ],
    ],
    [
      'Stream Stats',
      'streams_stats',
      [
        ['streams_rtsp_in', 0],
        ['streams_rtsp_out', 0],
        ['streams_websocket_out', 0],
        ['streams_rtmp_out', 0],
        ['streams_webrtc_in', f.streamsIn + f.streamsRelayed],
        ['streams_webrtc_out', f.players],
        ['streams_rtmfp_in', 0],
        ['streams_rtmfp_out', 0],
        ['streams_viewers', f.players],
      ],
    ],
    [
      'Core Stats',
      'core_stats',
      [
        ['core_java_availableProcessors', f.cpus],
        ['core_java_processCpuLoad', f.cpuLoad.toFixed(2)],
        ['core_java_systemLoadAverage', f.systemLoadAverage.toFixed(2)],
        ['core_java_freePhysicalMemorySize', f.freeMemory],
        ['core_java_totalPhysicalMemorySize', f.totalMemory],
        ['core_java_committedMemory', f.rss],
        ['core_java_freeHeapSize', Math.max(0, f.heapTotal - f.heapUsed)],
        ['core_java_totalHeapSize', f.heapTotal],
      ],
    ],
    [
      'Server Version',
      'server_version',
      [
        ['wcs_version', f.version],
        ['wcs_server_start_time', f.startedAt],
      ],
    ],
    [
      'CDN Stats',
      'cdn_stats',
      [
        ['cdn_role', f.role],
        ['cdn_streams_published', f.streamsIn],
        ['cdn_streams_relayed', f.streamsRelayed],
        ['cdn_edges', f.edges?.total ?? 0],
        ['cdn_edges_up', f.edges?.up ?? 0],
        ['cdn_origins', f.origins],
      ],
    ],
  ];
}

/** WCS's `key=value` lines under `-----Section-----` titles (`/?action=stat`). */
export function statText(f: StatFacts): string {
  return (
    statSections(f)
      .map(([title, , values]) => [`-----${title}-----`, ...values.map(([k, v]) => `${k}=${v}`)].join('\n'))
      .join('\n') + '\n'
  );
}

/** The same as JSON, one object per section (`/?action=stat&format=json`, what WCS's console example reads with `.json()`). */
export function statJson(f: StatFacts): Record<string, Record<string, string | number>> {
  // Numbers the text writes with two decimals ("0.25") are numbers in JSON.
  const value = (v: string | number): string | number => (typeof v === 'string' && /^\d+\.\d+$/.test(v) ? Number(v) : v);
  return Object.fromEntries(statSections(f).map(([, key, values]) => [key, Object.fromEntries(values.map(([k, v]) => [k, value(v)]))]));
}
