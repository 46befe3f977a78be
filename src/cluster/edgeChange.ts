// What a reload does to one edge that is in both the old and the new loadbalancing.xml (pure).
// Only the fields that make the link's URL (`<ip>`, `<ws>`, `<relay>`, `path_prefix`) need the link
// re-created: the link is a socket to that URL, and the edge's relayed streams (and so its
// players) go with it. Every other field (`<wss>`, `max_connections`, the `<cluster>` it is in)
// is read by the origin when it answers a player, so it is updated in place and the edge's
// players carry on.
import type { EdgeNodeConfig } from '../config/types';

export type EdgeChange = 'same' | 'update' | 'recreate';

/** The fields whose change re-creates the link. */
export const LINK_FIELDS = ['ip', 'ws', 'relay', 'pathPrefix'] as const satisfies readonly (keyof EdgeNodeConfig)[];

export function edgeChange(current: EdgeNodeConfig, next: EdgeNodeConfig): EdgeChange {
  if (LINK_FIELDS.some((field) => current[field] !== next[field])) return 'recreate';
  const fields = new Set([...Object.keys(current), ...Object.keys(next)]) as Set<keyof EdgeNodeConfig>;
  return [...fields].every((field) => current[field] === next[field]) ? 'same' : 'update';
}
