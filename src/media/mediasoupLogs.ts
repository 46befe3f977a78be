// Routes mediasoup's own log lines (its Node side's and, through it, its workers') into pino, with
// the listeners mediasoup offers for that (mediasoup.setLogEventListeners, since 3.14.12). They are
// called whatever DEBUG says; the `debug` module mediasoup also writes to prints on stderr only the
// namespaces DEBUG enables (DEBUG=mediasoup* then shows every line twice: there and in pino).
import * as mediasoup from 'mediasoup';
import type { Logger } from '../log';

let target: Logger | null = null;

/** Sets the logger mediasoup's lines go to (the last one set wins; one per process). */
export function routeMediasoupLogs(logger: Logger): void {
  target = logger.child({ component: 'mediasoup' });
  mediasoup.setLogEventListeners({
    // Debug lines at debug level: the node's log.level decides (pino drops them below it cheaply).
    ondebug: (namespace, log) => target?.debug({ ns: namespace }, log),
    onwarn: (namespace, log) => target?.warn({ ns: namespace }, log),
    onerror: (namespace, log, error) => {
      const text = error ? `${log} ${String(error)}` : log;
      if (clientCaused(text)) target?.warn({ ns: namespace }, text);
      else target?.error({ ns: namespace }, text);
    },
  });
}

/**
 * mediasoup error lines that a client's parameters cause: the worker refusing a request
 * ("throwing MediaSoupError/MediaSoupTypeError/MediaSoupNotFoundError", answered to the caller,
 * which classifies and logs it) and Router.canConsume() failing on malformed capabilities. Logged
 * at warn, so a client cannot fill the log with error lines.
 */
export function clientCaused(text: string): boolean {
  return /\| throwing MediaSoup(Type|NotFound)?Error: /.test(text) || /^canConsume\(\) \| unexpected error: /.test(text);
}
