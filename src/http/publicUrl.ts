// The absolute URL a client used to reach this node, for `Location` headers that must stay right
// after a redirect and behind a reverse proxy: the request's Host (validated, since it goes back
// out in a header), the scheme (TLS, or X-Forwarded-Proto from a TLS-terminating proxy) and the
// node's path prefix, which a path-routing proxy forwards unchanged.
import type { IncomingMessage } from 'node:http';
import { hostForUrl } from '../cluster/nodeUrls';
import type { NodeConfig } from '../config/types';

const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The request came over TLS, directly or through a proxy that says so. */
export function isSecureRequest(req: IncomingMessage, secure: boolean): boolean {
  if (secure) return true;
  const proto = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    .trim()
    .toLowerCase();
  return proto === 'https';
}

/** e.g. `https://cdn.example.com/media/cdn`, without a trailing slash. */
export function publicBase(req: IncomingMessage, secure: boolean, config: Pick<NodeConfig, 'ip' | 'wsPort' | 'pathPrefix'>): string {
  const scheme = isSecureRequest(req, secure) ? 'https' : 'http';
  const host = typeof req.headers.host === 'string' && HOST.test(req.headers.host) ? req.headers.host : `${hostForUrl(config.ip)}:${config.wsPort}`;
  return `${scheme}://${host}${config.pathPrefix}`;
}
