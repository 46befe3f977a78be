// The origins a session may use, pure (unit-tested): the URLs the page gave (`urlServer`, a string
// or a list), and the `origins` list a node may add to its `connect` answer. The answer comes from
// the network, so it is checked entry by entry here; a list that is absent or not a list is no
// list, and an entry that is not {id, url, secureUrl?} with ws:/wss: URLs is skipped.

export interface OriginInfo {
  id: string;
  /** ws:// command-channel URL. */
  url: string;
  /** wss:// command-channel URL, when the origin has TLS. */
  secureUrl?: string;
}

/** The page's `urlServer`: one URL or a list, in the order to try them. Empty when it is neither. */
export function configuredUrls(urlServer: unknown): string[] {
  const list = Array.isArray(urlServer) ? urlServer : [urlServer];
  return list.filter((u): u is string => typeof u === 'string' && u.length > 0);
}

function isWsUrl(value: unknown, schemes: readonly string[]): value is string {
  if (typeof value !== 'string' || value.length > 2048) return false;
  try {
    return schemes.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** The valid entries of a `connect` answer's `origins` ([] when absent or not a list). */
export function parseOrigins(raw: unknown): OriginInfo[] {
  if (!Array.isArray(raw)) return [];
  const out: OriginInfo[] = [];
  for (const entry of raw.slice(0, 64)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { id, url, secureUrl } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) continue;
    if (!isWsUrl(url, ['ws:', 'wss:'])) continue;
    if (secureUrl !== undefined && !isWsUrl(secureUrl, ['wss:'])) continue;
    out.push({ id, url, ...(secureUrl !== undefined ? { secureUrl } : {}) });
  }
  return out;
}

/**
 * The URLs to try, in order, after losing `lost` (null: none lost yet): the page's own first, then
 * the discovered ones (their secure URL for a page on wss://, and only those that have one), each
 * once, with `lost` last (it may come back, but the others are likelier to answer now).
 */
export function originCandidates(configured: readonly string[], discovered: readonly OriginInfo[], lost: string | null): string[] {
  const secure = configured[0]?.startsWith('wss:') ?? false;
  const found = discovered.flatMap((o) => {
    const url = secure ? o.secureUrl : o.url;
    return url ? [url] : [];
  });
  const all = [...new Set([...configured, ...found])];
  if (lost === null || !all.includes(lost)) return all;
  return [...all.filter((u) => u !== lost), lost];
}
