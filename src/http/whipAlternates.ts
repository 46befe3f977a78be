// Where a WHIP publisher goes when its origin dies. WHIP (RFC 9725) has no notion of several
// origins, and a WHIP client cannot be told anything once its session is up, so the 201 answer
// names the other origins of the cluster up front: one `Link: <their WHIP URL for the stream>;
// rel="alternate"` per origin (RFC 8288's "a substitute for this context"), the ones reachable the
// way the client came (https only for an origin with a secure port). A client that loses its
// origin POSTs the same offer to one of them (docs/whip-whep.md); an SDK publisher does it by itself.
import type { EdgeNodeConfig } from '../config/types';
import { edgeBaseUrl } from '../cluster/nodeUrls';

/** The `Link` header values naming the other origins' WHIP URLs for `stream` (empty with one origin). */
export function whipAlternates(
  origins: readonly Pick<EdgeNodeConfig, 'id' | 'ip' | 'ws' | 'wss' | 'pathPrefix'>[],
  selfId: string,
  stream: string,
  secure: boolean,
): string[] {
  return origins.flatMap((o) => {
    if (o.id === selfId) return [];
    const base = edgeBaseUrl(o, 'http', secure, null);
    if (!base) return [];
    // The origin's id as the link's title, when it can go in a header as it is (ids are plain ASCII in practice).
    const title = /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(o.id) ? `; title="${o.id}"` : '';
    return [`<${base}/whip/${encodeURIComponent(stream)}>; rel="alternate"${title}`];
  });
}
