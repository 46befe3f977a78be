// The URLs the cluster hands out for an edge: command channel (ws/wss) and HTTP (WHEP), always
// with the edge's path prefix, and the origin's secure proxy when a secure client asks for an edge
// that has no certificate (wss = 0). Pure, so every combination is unit-tested.
import type { EdgeNodeConfig, NodeConfig } from '../config/types';

/** IPv6 literals need brackets in URLs. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * `host:port/prefix` of the origin's TLS listener, the base of its secure proxy, or null when the
 * origin has no certificate (then it cannot proxy anything securely).
 */
export function originSecureAuthority(config: Pick<NodeConfig, 'ip' | 'wssPort' | 'pathPrefix' | 'tlsCertFile' | 'tlsKeyFile'>): string | null {
  if (!config.tlsCertFile || !config.tlsKeyFile) return null;
  return `${hostForUrl(config.ip)}:${config.wssPort}${config.pathPrefix}`;
}

/** Path (after the origin's prefix) of the secure proxy to one edge. */
export function proxyPath(edgeId: string): string {
  return `/proxy/${encodeURIComponent(edgeId)}`;
}

/**
 * The base URL of an edge without a trailing slash, e.g. `ws://10.0.0.2:8080/media/cdn`.
 * `family` 'ws' gives the command channel, 'http' the REST/WHEP base. A secure request gets the
 * edge's own wss.port when it has one, else the origin's proxy (`originSecure`), else null: there is
 * no secure way to that edge.
 */
export function edgeBaseUrl(
  edge: Pick<EdgeNodeConfig, 'id' | 'ip' | 'ws' | 'wss' | 'pathPrefix'>,
  family: 'ws' | 'http',
  secure: boolean,
  originSecure: string | null,
): string | null {
  const host = hostForUrl(edge.ip);
  if (!secure) return `${family}://${host}:${edge.ws}${edge.pathPrefix}`;
  const scheme = family === 'ws' ? 'wss' : 'https';
  if (edge.wss > 0) return `${scheme}://${host}:${edge.wss}${edge.pathPrefix}`;
  if (originSecure) return `${scheme}://${originSecure}${proxyPath(edge.id)}`;
  return null;
}
