// The origin's secure proxy (Red5 Pro's stream-manager proxy): a page served over https must use
// wss:// and https://, but edges may have no certificate (wss = 0). The origin, which has one,
// relays such clients to the edge over plain ws/http on the cluster's network:
//   wss://origin:wss.port/<prefix>/proxy/<edgeId>[/]           -> ws://edge:ws/<edge prefix>/
//   POST   https://origin/.../proxy/<edgeId>/whep/<stream>      -> http://edge/.../whep/<stream>
//   DELETE https://origin/.../proxy/<edgeId>/whep/<stream>/<id> -> http://edge/.../whep/<stream>/<id>
// Only edges of loadbalancing.xml are reachable this way: it is no open proxy.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { hostForUrl, proxyPath } from '../cluster/nodeUrls';
import type { EdgeNodeConfig } from '../config/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import { readBody } from './body';
import type { HttpContext } from './HttpContext';
import type { UpgradeHandler } from './HttpServer';
import { isSecureRequest, publicBase } from './publicUrl';
import type { RouteContext, Router } from './router';
import { MAX_OFFER_BYTES } from '../sdp/offer';
import { refuseUpgrade } from '../rpc/upgrade';

const CONNECT_TIMEOUT_MS = 5000;
// Hop-by-hop and rewritten headers are not copied to the edge.
const SKIP = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

/**
 * WebSocket endpoint `/proxy/<id>` (and `/proxy/<id>/`) for every edge (origin only). The edge is
 * looked up on every handshake, so edges added, removed or re-addressed by a reload are followed.
 */
export function secureProxyUpgrades(ctx: HttpContext): Record<string, UpgradeHandler> {
  if (!ctx.origin) return {};
  const logger = ctx.logger.child({ component: 'proxy' });
  const handler: UpgradeHandler = (req, socket, head, secure) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const match = /\/proxy\/([^/]+)\/?$/.exec(path);
    const id = match ? decodeURIComponent(match[1]) : null;
    const current = id === null ? undefined : ctx.origin?.links.find((l) => l.edge.id === id);
    if (!current) return refuseUpgrade(socket, 404, `no edge "${id ?? ''}" in loadbalancing.xml`);
    proxyUpgrade(current.edge, logger)(req, socket, head, secure);
  };
  return { '/proxy/*': handler };
}

function forwardedHeaders(req: IncomingMessage, edge: EdgeNodeConfig, secure: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (SKIP.has(name.toLowerCase())) continue;
    headers[name] = headers[name] ? `${headers[name]}, ${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
  }
  const prior = req.headers['x-forwarded-for'];
  headers['Host'] = `${hostForUrl(edge.ip)}:${edge.ws}`;
  headers['X-Forwarded-For'] = [prior, req.socket.remoteAddress].filter(Boolean).join(', ');
  headers['X-Forwarded-Proto'] = isSecureRequest(req, secure) ? 'https' : 'http';
  return headers;
}

function proxyUpgrade(edge: EdgeNodeConfig, logger: Logger): UpgradeHandler {
  return (req, socket, head, secure) => {
    const query = new URL(req.url ?? '/', 'http://x').search;
    const upstream = net.connect({ host: edge.ip, port: edge.ws });
    let connected = false;
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error('connect timeout')));
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      upstream.setNoDelay(true);
      const headers = forwardedHeaders(req, edge, secure);
      const lines = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      upstream.write(`GET ${edge.pathPrefix}/${query} HTTP/1.1\r\n${lines}\r\n`);
      if (head.length > 0) upstream.write(head);
      // From here on both directions are opaque bytes: the edge answers the handshake itself.
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    upstream.on('error', (err) => {
      logger.warn({ edge: edge.id, err: err.message }, 'secure proxy: edge connection failed');
      if (!connected) refuseUpgrade(socket, 502, `edge "${edge.id}" is unreachable`);
      else socket.destroy();
    });
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  };
}

/** HTTP: WHEP through the proxy, with the edge's Location rewritten onto the proxy. */
export function registerSecureProxy(router: Router, ctx: HttpContext): void {
  const origin = ctx.origin;
  if (!origin) return;
  const edgeOf = (id: string | undefined): EdgeNodeConfig => {
    const link = origin.links.find((l) => l.edge.id === id);
    if (!link) throw new AppError('NOT_ALLOWED', `no edge "${id}" in loadbalancing.xml`);
    return link.edge;
  };

  router.add('POST', '/proxy/{edge}/whep/{stream}', async (req, res, route) => {
    const edge = edgeOf(route.params.edge);
    const body = await readBody(req, MAX_OFFER_BYTES);
    await forward(req, res, route, edge, `/whep/${encodeURIComponent(route.params.stream)}`, body, ctx.config);
  });
  router.add('DELETE', '/proxy/{edge}/whep/{stream}/{session}', async (req, res, route) => {
    const edge = edgeOf(route.params.edge);
    await forward(req, res, route, edge, `/whep/${encodeURIComponent(route.params.stream)}/${encodeURIComponent(route.params.session)}`, '', ctx.config);
  });
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RouteContext,
  edge: EdgeNodeConfig,
  path: string,
  body: string,
  config: HttpContext['config'],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = forwardedHeaders(req, edge, ctx.secure);
    for (const name of Object.keys(headers)) if (/^(content-length|transfer-encoding|connection|origin)$/i.test(name)) delete headers[name];
    headers['Content-Length'] = String(Buffer.byteLength(body));
    const upstream = http.request(
      { host: edge.ip, port: edge.ws, method: req.method, path: `${edge.pathPrefix}${path}`, headers, timeout: 10_000 },
      (edgeRes) => {
        const out: Record<string, string> = {};
        const type = edgeRes.headers['content-type'];
        if (type) out['Content-Type'] = type;
        const location = edgeRes.headers.location;
        if (location) out['Location'] = rewriteLocation(location, edge, `${publicBase(req, ctx.secure, config)}${proxyPath(edge.id)}`);
        const chunks: Buffer[] = [];
        edgeRes.on('data', (c: Buffer) => chunks.push(c));
        edgeRes.on('end', () => {
          const data = Buffer.concat(chunks);
          res.writeHead(edgeRes.statusCode ?? 502, { ...out, 'Content-Length': data.length });
          res.end(data);
          resolve();
        });
        edgeRes.on('error', reject);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
    upstream.on('error', (err) => reject(new AppError('EDGE_UNREACHABLE', `edge "${edge.id}" is unreachable: ${err.message}`)));
    upstream.end(body);
  });
}

/** `http://edge:8080/p/whep/s/id` -> `<proxy base>/whep/s/id`. */
export function rewriteLocation(location: string, edge: Pick<EdgeNodeConfig, 'pathPrefix'>, proxyBase: string): string {
  let pathname: string;
  try {
    pathname = new URL(location, 'http://edge').pathname;
  } catch {
    return location;
  }
  if (edge.pathPrefix && pathname.startsWith(`${edge.pathPrefix}/`)) pathname = pathname.slice(edge.pathPrefix.length);
  return `${proxyBase}${pathname}`;
}
