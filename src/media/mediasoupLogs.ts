// Routes mediasoup's own log lines into pino. mediasoup 3.8 logs through the `debug` module and
// pins each logger's output to console.* when its module loads, so the only seam is the factory
// itself: this must run before `mediasoup` is first required (media/index.ts does it).
import { createRequire } from 'node:module';
import util from 'node:util';
import type { Logger } from '../log';

let target: Logger | null = null;
let installed = false;

/** Sets the logger mediasoup's lines go to; installs the hook once per process. */
export function routeMediasoupLogs(logger: Logger): void {
  target = logger.child({ component: 'mediasoup' });
  if (installed) return;
  installed = true;
  const requireFromMediasoup = createRequire(require.resolve('mediasoup'));
  const debugModule = requireFromMediasoup('debug');
  const original = debugModule.default ?? debugModule;
  const factory = (namespace: string) => {
    const instance = original(namespace);
    instance.useColors = false;
    // mediasoup assigns `log` after creating the instance; keep ours.
    Object.defineProperty(instance, 'log', {
      get:
        () =>
        (...args: unknown[]) =>
          emit(namespace, util.format(...args)),
      set: () => undefined,
    });
    return instance;
  };
  Object.assign(factory, original);
  debugModule.default = factory;
  // Warnings and errors always; everything when DEBUG asks for mediasoup.
  const extra = process.env.DEBUG ?? '';
  original.enable(['mediasoup:WARN*', 'mediasoup:ERROR*', extra].filter(Boolean).join(','));
}

/**
 * mediasoup error lines that a client's parameters cause: the worker refusing a request
 * ("throwing MediaSoupError/MediaSoupTypeError", answered to the caller, which classifies and logs
 * it) and Router.canConsume() failing on malformed capabilities. Logged at warn, so a client
 * cannot fill the log with error lines.
 */
export function clientCaused(text: string): boolean {
  return /\| throwing MediaSoup(Type)?Error: /.test(text) || /^canConsume\(\) \| unexpected error: /.test(text);
}

function emit(namespace: string, line: string): void {
  if (!target) return;
  // debug's node formatter prefixes a timestamp and the namespace; drop both.
  const text = line.replace(/^\S+Z /, '').replace(`${namespace} `, '');
  if (namespace.includes(':ERROR') && !clientCaused(text)) target.error({ ns: namespace }, text);
  else if (namespace.includes(':ERROR')) target.warn({ ns: namespace }, text);
  else if (namespace.includes(':WARN')) target.warn({ ns: namespace }, text);
  else target.debug({ ns: namespace }, text);
}
