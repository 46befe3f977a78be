// REST endpoints of every node: health, streams, connected clients, CDN routes and metrics.
// WCS's REST API takes POST with a JSON body; GET is accepted too for curl and browsers.
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { adminAllowed } from '../auth/adminToken';
import { AppError } from '../errors';
import { streamNameSchema } from '../streams/streamName';
import type { HttpContext } from './HttpContext';
import { readBody } from './body';
import { describe } from '../rpc/frames';
import { sendJson, sendText } from './respond';
import type { RouteHandler, Router } from './router';

// The same name rule (and NFC normalisation) as publishing, so a decomposed `café` finds the stream.
const findFilter = z.strictObject({ name: streamNameSchema.optional() });

async function parseFilter(req: Parameters<RouteHandler>[0]): Promise<z.infer<typeof findFilter>> {
  if (req.method !== 'POST') return {};
  const text = (await readBody(req, 16 * 1024)).trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'body is not valid JSON');
  }
  const r = findFilter.safeParse(value);
  if (!r.success) throw new AppError('BAD_REQUEST', describe(r.error));
  return r.data;
}

/**
 * UNAUTHORIZED (401) unless the request carries `Authorization: Bearer <admin.token>` (compared in
 * constant time); every endpoint that shows clients or changes state calls it. Open when
 * admin.token is empty (docs/security.md says when that is acceptable).
 */
export function requireAdmin(ctx: Pick<HttpContext, 'config'>, req: Parameters<RouteHandler>[0]): void {
  if (!adminAllowed(ctx.config.adminToken, req.headers.authorization)) {
    throw new AppError('UNAUTHORIZED', 'this endpoint needs Authorization: Bearer <admin.token>');
  }
}

export function registerRestApi(router: Router, ctx: HttpContext, metrics: Registry): void {
  router.add('GET', '/healthz', (_req, res) => {
    if (ctx.closing()) return sendJson(res, 503, { status: 'closing' });
    const workers = ctx.workers();
    // 503 while a worker is not answering: a load balancer or supervisor stops sending clients here.
    const healthy = workers.problems.length === 0;
    sendJson(res, healthy ? 200 : 503, {
      status: healthy ? 'ok' : 'unhealthy',
      ...(healthy ? {} : { reason: workers.problems.join('; ') }),
      nodeId: ctx.config.nodeId,
      role: ctx.role(),
      workers: workers.pids,
      workerLoad: workers.load,
      streams: ctx.streams.size,
    });
  });

  const findStreams: RouteHandler = async (req, res) => {
    const filter = await parseFilter(req);
    const list = ctx.streams
      .all()
      .filter((s) => !filter.name || s.name === filter.name)
      .map((s) => ({
        name: s.name,
        status: s.status,
        source: s.source.kind,
        ...(s.source.kind === 'relay' ? { origin: s.source.originId } : {}),
        createdAt: new Date(s.createdAt).toISOString(),
        tracks: s.producers.map((p) => ({ kind: p.kind, paused: p.paused, codec: p.rtpParameters.codecs[0]?.mimeType })),
        players: ctx.play.playersOf(s.name),
        ...(ctx.origin ? { edges: ctx.origin.relayStates(s.name) } : {}),
      }));
    if (filter.name && list.length === 0) throw new AppError('STREAM_NOT_FOUND', `stream "${filter.name}" not found`);
    sendJson(res, 200, list);
  };
  router.add('POST', '/rest-api/stream/find_all', findStreams);
  router.add('GET', '/rest-api/stream/find_all', findStreams);

  // Clients' addresses: behind the admin credential when admin.token is set.
  const findConnections: RouteHandler = (req, res) => {
    requireAdmin(ctx, req);
    sendJson(res, 200, ctx.clients());
  };
  router.add('POST', '/rest-api/connection/find_all', findConnections);
  router.add('GET', '/rest-api/connection/find_all', findConnections);

  const showRoutes: RouteHandler = (_req, res) => {
    sendJson(res, 200, {
      nodeId: ctx.config.nodeId,
      role: ctx.role(),
      mode: ctx.origin?.mode ?? null,
      edges: ctx.origin?.routes() ?? [],
      origins: ctx.originLinks(),
    });
  };
  router.add('POST', '/rest-api/cdn/show_routes', showRoutes);
  router.add('GET', '/rest-api/cdn/show_routes', showRoutes);

  router.add('GET', '/metrics', async (_req, res) => {
    sendText(res, 200, await metrics.metrics(), { 'Content-Type': metrics.contentType });
  });
}
