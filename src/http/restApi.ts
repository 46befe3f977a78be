// REST endpoints of every node: health, streams, connected clients, CDN routes and metrics.
// WCS's REST API takes POST with a JSON body; GET is accepted too for curl and browsers.
import type { Registry } from 'prom-client';
import { adminAllowed } from '../auth/adminToken';
import { AppError } from '../errors';
import type { HttpContext } from './HttpContext';
import { sendJson, sendText } from './respond';
import type { RouteHandler, Router } from './router';
import { connectionEntry } from './wcsShapes';
import { findStreamsHandler, showRoutesHandler } from './wcsRest';

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

  // WCS's shape and filters (wcsRest.ts), with this product's fields alongside.
  const findStreams = findStreamsHandler(ctx);
  router.add('POST', '/rest-api/stream/find_all', findStreams);
  router.add('GET', '/rest-api/stream/find_all', findStreams);

  // Clients' addresses: behind the admin credential when admin.token is set. WCS's fields beside ours.
  const findConnections: RouteHandler = (req, res) => {
    requireAdmin(ctx, req);
    sendJson(
      res,
      200,
      ctx.clients().map((c) => connectionEntry(ctx.config.nodeId, c)),
    );
  };
  router.add('POST', '/rest-api/connection/find_all', findConnections);
  router.add('GET', '/rest-api/connection/find_all', findConnections);

  // The route map names every edge's address: with auth.play=token nobody may learn those without
  // a token (docs/security.md), so it is the admin's then.
  const routeMap = showRoutesHandler(ctx);
  const showRoutes: RouteHandler = (req, res, route) => {
    if (ctx.config.playAuth === 'token') requireAdmin(ctx, req);
    return routeMap(req, res, route);
  };
  router.add('POST', '/rest-api/cdn/show_routes', showRoutes);
  router.add('GET', '/rest-api/cdn/show_routes', showRoutes);

  router.add('GET', '/metrics', async (_req, res) => {
    sendText(res, 200, await metrics.metrics(), { 'Content-Type': metrics.contentType });
  });
}
