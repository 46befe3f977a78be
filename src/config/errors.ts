// The one error type of the configuration layer. Every mistake in flashphoner.properties, .env,
// the environment or loadbalancing.xml becomes a ConfigError whose message says where to look
// (file, line, key) and what is wrong, so an admin can fix it without reading code.

/** What a ConfigError is built from. */
export interface ConfigErrorWhere {
  /** Path of the file as given by the caller, or "environment" for process environment variables. */
  readonly file: string;
  /** 1-based line, or null when there is none (a missing file, an environment variable). */
  readonly line: number | null;
  /** Property key, environment variable name, or XML path such as `loadbalancer/node[2]/ws`. */
  readonly key: string | null;
}

/** Pseudo file name used for values coming from the process environment. */
export const ENVIRONMENT = 'environment';

export class ConfigError extends Error {
  /** Stable code, the same for every configuration mistake. */
  readonly code = 'CONFIG_INVALID' as const;
  readonly file: string;
  readonly line: number | null;
  readonly key: string | null;
  /** The message without the `file:line: key: ` prefix. */
  readonly reason: string;

  /**
   * Builds `file:line: key: reason`. The reason must never contain a secret value: callers
   * describe secret values without quoting them (see propertiesSchema.ts `secret`).
   */
  constructor(where: ConfigErrorWhere, reason: string) {
    super(formatMessage(where, reason));
    this.name = 'ConfigError';
    this.file = where.file;
    this.line = where.line;
    this.key = where.key;
    this.reason = reason;
  }
}

function formatMessage({ file, line, key }: ConfigErrorWhere, reason: string): string {
  const place = line === null ? file : `${file}:${line}`;
  return key === null ? `${place}: ${reason}` : `${place}: ${key}: ${reason}`;
}
