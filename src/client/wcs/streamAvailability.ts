// stream.available(): WCS asks its server whether a stream can be played. Here the session's node
// answers through its REST API (/rest-api/stream/find_all), at the HTTP address of the session's
// WebSocket URL, so a page needs no second address for it.

/** The find_all URL of the node at `serverUrl` (ws:// becomes http://, wss:// https://). */
export function findAllUrl(serverUrl: string): string {
  return `${serverUrl.replace(/^ws/, 'http').replace(/\/?$/, '/')}rest-api/stream/find_all`;
}

/** Whether find_all's answer lists `name` as published. */
export function listsPublished(list: unknown, name: string): boolean {
  // The answer is not trusted to be well formed: a null entry must not reject available() as a network failure would.
  return Array.isArray(list) && list.some((entry: unknown) => typeof entry === 'object' && entry !== null && isPublishedEntry(entry, name));
}

function isPublishedEntry(s: { name?: unknown; status?: unknown; published?: unknown }, name: string): boolean {
  return s.name === name && (s.status === 'PUBLISHING' || s.published === true);
}

/** Asks the node; a refusal of the request (not ok) counts as not published, a network failure rejects. */
export async function isPublished(serverUrl: string, name: string): Promise<boolean> {
  const res = await fetch(findAllUrl(serverUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const list: unknown = res.ok ? await res.json() : [];
  return listsPublished(list, name);
}
