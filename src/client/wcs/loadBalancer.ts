// `lbUrl`: before connecting, the WCS SDK asks a load balancer which server to use. WCS's balancer
// answers JSON `{server, ws, wss}`; this product's /rtcloadbalance answers a bare `ws://host:port`
// (or JSON with `format=json`, which adds `url` with the node's path prefix). Both are accepted.
// As in WCS, a balancer that fails or says "ERROR: ..." leaves the page on its own urlServer.

/** The command-channel URL a balancer answer names, or null when the answer names none. */
export function urlFromBalancer(text: string, secure: boolean): string | null {
  const body = text.trim();
  if (/^wss?:\/\//.test(body)) return body;
  if (!body.startsWith('{')) return null;
  let answer: { server?: unknown; ws?: unknown; wss?: unknown; url?: unknown; secureUrl?: unknown };
  try {
    answer = JSON.parse(body);
  } catch {
    return null;
  }
  const own = secure ? answer.secureUrl : answer.url;
  if (typeof own === 'string' && /^wss?:\/\//.test(own)) return own;
  const port = secure ? answer.wss : answer.ws;
  if (typeof answer.server !== 'string' || !answer.server || (typeof port !== 'number' && typeof port !== 'string') || !Number(port)) return null;
  const host = answer.server.includes(':') && !answer.server.startsWith('[') ? `[${answer.server}]` : answer.server;
  return `${secure ? 'wss' : 'ws'}://${host}:${port}/`;
}

/** Asks `lbUrl` (within `timeoutMs`, WCS waits 5 s) and returns the URL to use: the answer's, or `fallback`. */
export async function resolveServerUrl(lbUrl: string, fallback: string, timeoutMs = 5000): Promise<string> {
  const secure = fallback.startsWith('wss://');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(lbUrl, { signal: controller.signal, headers: { Accept: 'application/json, text/plain' } });
    const text = await res.text();
    const url = res.ok ? urlFromBalancer(text, secure) : null;
    if (url) return url;
    console.warn(`[flashphoner] the load balancer ${lbUrl} named no server (${res.status}: ${text.slice(0, 200)}); using ${fallback}`);
  } catch (err) {
    console.warn(`[flashphoner] the load balancer ${lbUrl} did not answer; using ${fallback}`, err);
  } finally {
    clearTimeout(timer);
  }
  return fallback;
}
