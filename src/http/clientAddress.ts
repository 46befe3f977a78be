// The client's address, as every per-address limit, token `ip` check, log line and
// `connection/find_all` row uses it. Behind a reverse proxy the socket's peer is the proxy: when
// that peer is trusted, the address comes from `X-Forwarded-For`, walked from the right (the hop
// nearest to us) past every trusted hop, by `proxy-addr` (the parser express and fastify use).
// A header from a peer that is not trusted is ignored, so nobody picks their own address.
//
// Trusted: the addresses and CIDR blocks of `http.trusted_proxies`, and, on an edge, the origins
// whose relay links proved the cluster secret (their secure proxy forwards clients here,
// src/http/secureProxy.ts); those are trusted as the socket's peer only, not further down the
// chain, where only the configured list counts.
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { normalizeAddress } from '../limits/AddressCounter';

export type ClientAddressOf = (req: IncomingMessage) => string;

/**
 * A resolver of client addresses. `linkedOrigins` gives the addresses of the origins linked to
 * this node now (read on every request: links come and go).
 */
export function clientAddressResolver(trustedProxies: readonly string[], linkedOrigins: () => Iterable<string> = () => []): ClientAddressOf {
  const configured = proxyaddr.compile([...trustedProxies]);
  return (req) => {
    let origins: Set<string> | null = null;
    const trust = (address: string, hop: number) => {
      if (configured(address, hop)) return true;
      if (hop !== 0) return false;
      origins ??= new Set([...linkedOrigins()].map(normalizeAddress));
      return origins.has(normalizeAddress(address));
    };
    return normalizeAddress(proxyaddr(req, trust));
  };
}
