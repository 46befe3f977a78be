// A small method+path router. Paths are matched after the configured prefix is stripped, so
// handlers never see it; patterns may hold `{name}` segments, which handlers get percent-decoded
// as UTF-8 (`my%20cam` -> `my cam`, `caf%C3%A9` -> `café`; an encoded `%2F` stays inside its
// segment as "/", for the handler to judge).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors';

export interface RouteContext {
  params: Record<string, string>;
  url: URL;
  /** The request came over TLS (wss.port). */
  secure: boolean;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => void | Promise<void>;

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: RouteHandler;
}

export class Router {
  readonly #routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = pattern
      .split('/')
      .map((part) => {
        const m = /^\{(\w+)\}$/.exec(part);
        if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]);
        return '([^/]+)';
      })
      .join('/');
    this.#routes.push({ method, regex: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** The handler for a request, or 'method' when the path exists with other methods, or null. */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } | 'method' | null {
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeSegment(m[i + 1])));
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method' : null;
  }

  /** Methods registered for a path, for OPTIONS/405 answers. */
  methodsFor(path: string): string[] {
    return this.#routes.filter((r) => r.regex.test(path)).map((r) => r.method);
  }
}

/** One path segment, percent-decoded; malformed encoding (`%zz`, bad UTF-8) is the client's mistake. */
function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (err) {
    if (err instanceof URIError) throw new AppError('BAD_REQUEST', `malformed percent-encoding in path segment "${raw.slice(0, 100)}"`);
    throw err;
  }
}
