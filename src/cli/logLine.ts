// Turns one pino JSON line of a child node into a short readable line, prefixed by the node's
// name, for the local demo cluster's terminal.
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'node', 'pid', 'hostname']);

export function formatLogLine(name: string, line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line);
  } catch {
    return `[${name}] ${line}`;
  }
  if (typeof rec !== 'object' || rec === null) return `[${name}] ${line}`;
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 23) : '';
  const extras = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  return `[${name.padEnd(6)}] ${time} ${LEVELS[rec.level as number] ?? 'INFO '} ${String(rec.msg ?? '')}${extras ? `  ${extras}` : ''}`;
}
