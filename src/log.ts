// One root pino logger per process; everything else takes child loggers bound to
// {node, session, stream}. JSON by default, pretty when stdout is a terminal.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createRootLogger(level: string, node: string): Logger {
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  return pino({
    level,
    base: { node },
    redact: { paths: ['secret', '*.secret', 'cdnSecret', '*.cdnSecret'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  });
}
