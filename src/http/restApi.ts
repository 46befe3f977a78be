// REST endpoints of every node: health, streams, connected clients, CDN routes and metrics.
// WCS's REST API takes POST with a JSON body; GET is accepted too for curl and browsers.
import type { Registry } from 'prom-client';
import type { HttpContext } from './HttpContext';
import { sendJson, sendText } from './respond';
import type { RouteHandler, Router } from './router';
import { connectionEntry } from './wcsShapes';
import { findStreamsHandler, showRoutesHandler } from './wcsRest';

export function registerRestApi(router: Router, ctx: HttpContext, metrics: Registry): void {
  router.add('GET', '/healthz', (_req, res) => {
    if (ctx.closing()) return sendJson(res, 503, { status: 'closing' });
    const workers = ctx.workers();
    sendJson(res, 200, {
      status: 'ok',
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

  const findConnections: RouteHandler = (_req, res) => {
    sendJson(
      res,
      200,
      ctx.clients().map((c) => connectionEntry(ctx.config.nodeId, c)),
    );
  };
  router.add('POST', '/rest-api/connection/find_all', findConnections);
  router.add('GET', '/rest-api/connection/find_all', findConnections);

  const showRoutes = showRoutesHandler(ctx);
  router.add('POST', '/rest-api/cdn/show_routes', showRoutes);
  router.add('GET', '/rest-api/cdn/show_routes', showRoutes);

  router.add('GET', '/metrics', async (_req, res) => {
    sendText(res, 200, await metrics.metrics(), { 'Content-Type': metrics.contentType });
  });
}
