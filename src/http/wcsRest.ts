// The WCS REST calls on every node, in WCS's shapes (wcsShapes.ts decides the fields):
//   POST /rest-api/stream/find_all, /rest-api/stream/find   streams, with WCS's filter bodies
//   POST /rest-api/stream/terminate                         ends a published stream
//   GET  /rest-api/cdn/show_routes                          WCS's route map + this product's links
//   GET  /?action=stat                                      WCS's key=value statistics
// WCS takes POST with a JSON body; GET is accepted too for curl and browsers (without a body).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { version as mediasoupVersion } from 'mediasoup';
import { AppError } from '../errors';
import { readBody } from './body';
import type { HttpContext } from './HttpContext';
import { sendJson, sendText } from './respond';
import { requireAdmin } from './restApi';
import type { RouteHandler, Router } from './router';
import { serveStatic } from './staticFiles';
import {
  matches,
  parseStreamFilter,
  playerEntry,
  publishedEntry,
  routeMap,
  statJson,
  statText,
  wantsPlayers,
  type StreamEntry,
  type StreamFilter,
} from './wcsShapes';

const STARTED_AT = Date.now();
let version: string | null = null;

/**
 * `cdn-relay-<version> (mediasoup <version>)`. Ours is read from package.json on first use (src/
 * imports nothing outside itself, test/unit/layers.test.ts); mediasoup's is its exported `version`
 * (its `exports` map does not export its package.json).
 */
function versionText(): string {
  const read = (file: string): string => (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  version ??= `cdn-relay-${read(path.join(__dirname, '..', '..', 'package.json'))} (mediasoup ${mediasoupVersion})`;
  return version;
}

async function filterOf(req: Parameters<RouteHandler>[0]): Promise<StreamFilter> {
  return req.method === 'POST' ? parseStreamFilter(await readBody(req, 16 * 1024)) : {};
}

/** Every stream session on this node that `filter` selects, published streams first. */
function streamEntries(ctx: HttpContext, filter: StreamFilter): StreamEntry[] {
  const nodeId = ctx.config.nodeId;
  const published = ctx.streams.all().map((s) =>
    publishedEntry(nodeId, {
      mediaSessionId: s.id,
      name: s.name,
      status: s.status,
      source: s.source,
      createdAt: s.createdAt,
      tracks: s.producers.map((p) => ({ kind: p.kind, paused: p.paused, codec: p.rtpParameters.codecs[0]?.mimeType })),
      players: ctx.play.playersOf(s.name),
      ...(ctx.origin ? { edges: ctx.origin.relayStates(s.name) } : {}),
    }),
  );
  const players = wantsPlayers(filter)
    ? ctx.play.all().map((p) =>
        playerEntry(nodeId, {
          mediaSessionId: p.transport.id,
          name: p.name,
          kinds: [...new Set(p.consumers.map((c) => c.kind))],
          playing: p.consumers.some((c) => !c.paused),
          via: p.kind,
        }),
      )
    : [];
  return [...published, ...players].filter((e) => matches(e, filter));
}

/**
 * find_all and find: the stream sessions the filter selects. Without a filter find_all lists the
 * published streams (players only when asked for: `published: false` or a `mediaSessionId`);
 * a filter that selects nothing is STREAM_NOT_FOUND (404), as WCS answers find.
 */
export function findStreamsHandler(ctx: HttpContext): RouteHandler {
  return async (req, res) => {
    const filter = await filterOf(req);
    const list = streamEntries(ctx, filter);
    if (list.length === 0 && Object.keys(filter).length > 0) {
      throw new AppError('STREAM_NOT_FOUND', `no stream matches ${JSON.stringify(filter)}`);
    }
    sendJson(res, 200, list);
  };
}

/** show_routes: WCS's `{"<n>-<node>-<m>": "<stream>"}` beside this product's link views. */
export function showRoutesHandler(ctx: HttpContext): RouteHandler {
  return (_req, res) => {
    // A relay (relay tiers) lists the nodes it feeds as the origin lists its edges.
    const edges = ctx.origin?.routes() ?? ctx.tier?.routes() ?? [];
    const origins = ctx.originLinks();
    const links = ctx.origin
      ? edges.map((e) => ({ node: String(e.id), streams: e.streams as string[] }))
      : origins.map((o) => ({ node: o.originId, streams: o.streams }));
    sendJson(res, 200, {
      ...routeMap(links),
      nodeId: ctx.config.nodeId,
      role: ctx.role(),
      mode: ctx.origin?.mode ?? null,
      edges,
      origins,
      // Several origins: each one's link state and claims, and who owns each stream (OriginPeers).
      ...(ctx.origin?.peers.enabled ? { peers: ctx.origin.peers.routes(), owners: ctx.origin.peers.owners() } : {}),
    });
  };
}

export function registerWcsRest(router: Router, ctx: HttpContext): void {
  const find = findStreamsHandler(ctx);
  router.add('POST', '/rest-api/stream/find', find);
  router.add('GET', '/rest-api/stream/find', find);

  // WCS answers 200 once the stream is being ended; here it has ended when the answer leaves.
  router.add('POST', '/rest-api/stream/terminate', async (req, res) => {
    // It changes state: behind the admin credential when admin.token is set, like every such call.
    requireAdmin(ctx, req);
    const filter = parseStreamFilter(await readBody(req, 16 * 1024));
    if (filter.name === undefined && filter.mediaSessionId === undefined) {
      throw new AppError('BAD_REQUEST', 'give the stream to terminate: {"name": ...} or {"mediaSessionId": ...}');
    }
    const [target] = streamEntries(ctx, filter);
    if (!target) throw new AppError('STREAM_NOT_FOUND', `no stream matches ${JSON.stringify(filter)}`);
    if (!target.published) {
      throw new AppError('NOT_ALLOWED', `mediaSessionId "${target.mediaSessionId}" is a player of "${target.name}": only published streams can be terminated`);
    }
    const stream = ctx.publish.terminate(target.name);
    ctx.logger.info({ stream: stream.name, mediaSessionId: stream.id }, 'stream terminated (REST)');
    sendJson(res, 200, { name: stream.name, mediaSessionId: stream.id });
  });

  // `/` is the index page; WCS's statistics live on it too, as `/?action=stat`.
  router.add('GET', '/', (req, res, route) => {
    if (route.url.searchParams.get('action') === 'stat') {
      if (route.url.searchParams.get('format') === 'json') return sendJson(res, 200, statJson(statFacts(ctx)), { 'Cache-Control': 'no-store' });
      return sendText(res, 200, statText(statFacts(ctx)), { 'Cache-Control': 'no-store' });
    }
    if (!serveStatic(res, '/', req.method === 'HEAD')) sendText(res, 404, 'not found\n');
  });
}

function statFacts(ctx: HttpContext): Parameters<typeof statText>[0] {
  const streams = ctx.streams.all();
  const relayed = streams.filter((s) => s.source.kind === 'relay').length;
  const memory = process.memoryUsage();
  const links = ctx.origin?.links ?? [];
  return {
    connections: ctx.clients().length,
    streamsIn: streams.length - relayed,
    streamsRelayed: relayed,
    players: ctx.play.players,
    cpuLoad: ctx.cpuLoad(),
    systemLoadAverage: os.loadavg()[0],
    cpus: os.cpus().length,
    freeMemory: os.freemem(),
    totalMemory: os.totalmem(),
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    rss: memory.rss,
    version: versionText(),
    startedAt: STARTED_AT,
    role: ctx.role(),
    edges: ctx.origin ? { total: links.length, up: links.filter((l) => l.state === 'up').length } : null,
    origins: ctx.originLinks().length,
  };
}
