// The logger WCS's getLogger() hands out (Flashphoner, a session and a stream each have one): calls
// take `(src, text)` and print `HH:MM:SS LEVEL src - text` to the console above the set level, or
// to a page's own logger (setCustomLogger). WCS can also push logs to its server; this server has
// nowhere to put them, so setPushLogs is accepted and does nothing.

type Level = 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
const LEVELS: readonly Level[] = ['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'];
type Sink = Partial<Record<'error' | 'warn' | 'info' | 'debug' | 'trace', (text: unknown) => void>>;

export interface WcsLogger {
  error(src: string, text: unknown): void;
  warn(src: string, text: unknown): void;
  info(src: string, text: unknown): void;
  debug(src: string, text: unknown): void;
  trace(src: string, text: unknown): void;
  /** ERROR, WARN, INFO (the default), DEBUG or TRACE; anything else is INFO, as in WCS. */
  setLevel(level: string): void;
  setCustomLogger(logger: Sink | null): void;
  setEnableLogs(enabled: boolean): void;
  setPushLogs(push: boolean): void;
}

function levelOf(name: string): number {
  const index = LEVELS.indexOf(String(name).toUpperCase() as Level);
  return index === -1 ? LEVELS.indexOf('INFO') : index;
}

export function createLogger(level = 'INFO'): WcsLogger {
  let verbosity = levelOf(level);
  let custom: Sink | null = null;
  let enabled = true;
  const write = (at: Level, src: string, text: unknown): void => {
    if (!enabled || LEVELS.indexOf(at) > verbosity) return;
    const method = at.toLowerCase() as keyof Sink;
    const own = custom?.[method];
    if (own) return own.call(custom, text);
    const prefix = `${new Date().toTimeString().split(' ')[0]} ${at} ${src} -`;
    if (at === 'ERROR') console.error(prefix, text);
    else if (at === 'WARN') console.warn(prefix, text);
    else console.log(prefix, text);
  };
  return {
    error: (src, text) => write('ERROR', src, text),
    warn: (src, text) => write('WARN', src, text),
    info: (src, text) => write('INFO', src, text),
    debug: (src, text) => write('DEBUG', src, text),
    trace: (src, text) => write('TRACE', src, text),
    setLevel: (name) => (verbosity = levelOf(name)),
    setCustomLogger: (sink) => (custom = sink),
    setEnableLogs: (on) => (enabled = on !== false),
    setPushLogs: () => undefined,
  };
}

/** The one logger of the page (Flashphoner.getLogger()); sessions and streams hand out the same one, as WCS's do by default. */
export const logger: WcsLogger = createLogger();
