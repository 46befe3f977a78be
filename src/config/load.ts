// loadConfig(): the one place that reads configuration files and the environment. It layers the
// sources (environment > <confDir>/.env > flashphoner.properties > defaults), validates every value
// with propertiesSchema.ts, reads loadbalancing.xml, and returns one deep-frozen NodeConfig.
// Every mistake throws a ConfigError naming where the bad value came from.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, ENVIRONMENT, type ConfigErrorWhere } from './errors';
import { parseLoadBalancing } from './loadbalancing';
import { parseProperties } from './properties';
import {
  PROPERTY_SPECS,
  SETTING_FIELDS,
  checkSettings,
  defaultSettings,
  fieldOfKey,
  parseSetting,
  suggestEnv,
  suggestKey,
  type SettingField,
  type Settings,
} from './propertiesSchema';
import type { LoadBalancingConfig, NodeConfig } from './types';

export const PROPERTIES_FILE = 'flashphoner.properties';
export const ENV_FILE = '.env';
export const LOADBALANCING_FILE = 'loadbalancing.xml';

/** A raw value and where it was found, for messages. */
interface Source extends ConfigErrorWhere {
  readonly key: string;
  readonly raw: string;
}

/**
 * Reads `<confDir>/flashphoner.properties` (required), `<confDir>/.env` and
 * `<confDir>/loadbalancing.xml` (optional; required when load_balancing_enabled=true).
 * `env` overrides both files: a variable that is set (even to "") wins. Only the variables named in
 * propertiesSchema.ts are read; `.env` is not copied into process.env.
 */
export function loadConfig(confDir: string, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const propertiesFile = path.join(confDir, PROPERTIES_FILE);
  const sources = new Map<SettingField, Source>();
  // Lowest precedence first: each layer overwrites what the previous one set.
  for (const [field, source] of fromProperties(propertiesFile)) sources.set(field, source);
  for (const [field, source] of fromDotenv(path.join(confDir, ENV_FILE))) sources.set(field, source);
  for (const [field, source] of fromEnvironment(env)) sources.set(field, source);

  const settings = defaultSettings() as Record<SettingField, unknown>;
  for (const [field, source] of sources) {
    const result = parseSetting(field, source.raw.trim());
    if (!result.ok) throw new ConfigError(source, result.reason);
    settings[field] = result.value;
  }
  const s = settings as Settings;

  const issue = checkSettings(s);
  if (issue !== null) {
    // Blame a value the admin wrote; defaults are consistent, so at least one was written.
    const field = issue.fields.find((f) => sources.has(f)) ?? issue.fields[0];
    throw new ConfigError(whereOf(field, sources, propertiesFile), issue.reason);
  }

  const file = (field: 'tlsCertFile' | 'tlsKeyFile' | 'dtlsCertFile' | 'dtlsKeyFile'): string | null =>
    s[field] === null ? null : existingFile(confDir, s[field], whereOf(field, sources, propertiesFile));

  const config: NodeConfig = {
    ...s,
    confDir: path.resolve(confDir),
    // The default matches the id loadbalancing.xml gives a node without `id`, so both sides agree.
    nodeId: s.nodeId ?? `${s.ip.includes(':') ? `[${s.ip}]` : s.ip}:${s.wsPort}`,
    tlsCertFile: file('tlsCertFile'),
    tlsKeyFile: file('tlsKeyFile'),
    dtlsCertFile: file('dtlsCertFile'),
    dtlsKeyFile: file('dtlsKeyFile'),
    loadBalancing: loadBalancing(confDir, s.loadBalancingEnabled, () => whereOf('loadBalancingEnabled', sources, propertiesFile)),
  };
  return deepFreeze(config);
}

function fromProperties(file: string): Map<SettingField, Source> {
  const text = readText(file);
  if (text === null) {
    throw new ConfigError({ file, line: null, key: null }, `file not found (a configuration directory needs ${PROPERTIES_FILE})`);
  }
  const out = new Map<SettingField, Source>();
  for (const { key, value, line } of parseProperties(text, file)) {
    const field = fieldOfKey(key);
    if (field === undefined) {
      const suggestion = suggestKey(key);
      const hint = suggestion === null ? `every key is documented in conf/${PROPERTIES_FILE}` : `did you mean "${suggestion}"?`;
      throw new ConfigError({ file, line, key }, `unknown key (${hint})`);
    }
    out.set(field, { file, line, key, raw: value });
  }
  return out;
}

/**
 * `.env` may hold variables for other tools (DEBUG, ...), so unknown names are ignored, except names
 * so close to ours that they are surely typos (WS_PROT).
 */
function fromDotenv(file: string): Map<SettingField, Source> {
  const out = new Map<SettingField, Source>();
  const text = readText(file);
  if (text === null) return out;
  const vars = parseDotenv(text);
  for (const name of Object.keys(vars)) {
    const suggestion = suggestEnv(name);
    if (suggestion !== null) {
      throw new ConfigError({ file, line: dotenvLine(text, name), key: name }, `unknown variable (did you mean "${suggestion}"?)`);
    }
  }
  for (const field of SETTING_FIELDS) {
    const name = PROPERTY_SPECS[field].env.find((n) => vars[n] !== undefined);
    if (name !== undefined) out.set(field, { file, line: dotenvLine(text, name), key: name, raw: vars[name] });
  }
  return out;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Map<SettingField, Source> {
  const out = new Map<SettingField, Source>();
  for (const field of SETTING_FIELDS) {
    // WS_PORT before PORT: the specific name wins within one source.
    const name = PROPERTY_SPECS[field].env.find((n) => env[n] !== undefined);
    if (name !== undefined) out.set(field, { file: ENVIRONMENT, line: null, key: name, raw: env[name] as string });
  }
  return out;
}

/** dotenv.parse gives no lines; the last assignment wins there, so it is the one to name. */
function dotenvLine(text: string, name: string): number | null {
  const assignment = new RegExp(`^\\s*(?:export\\s+)?${name.replace(/[^\w]/g, '\\$&')}\\s*[=:]`);
  let found: number | null = null;
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    if (assignment.test(line)) found = index + 1;
  });
  return found;
}

/** Where a field's value came from; a field left at its default is blamed on its properties key. */
function whereOf(field: SettingField, sources: ReadonlyMap<SettingField, Source>, propertiesFile: string): ConfigErrorWhere {
  return sources.get(field) ?? { file: propertiesFile, line: null, key: PROPERTY_SPECS[field].key };
}

function existingFile(confDir: string, file: string, where: ConfigErrorWhere): string {
  const resolved = path.resolve(confDir, file);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new ConfigError(where, `file ${JSON.stringify(resolved)} does not exist (relative paths are resolved against the configuration directory)`);
  }
  if (!stat.isFile()) throw new ConfigError(where, `${JSON.stringify(resolved)} is not a file`);
  return resolved;
}

function loadBalancing(confDir: string, enabled: boolean, enabledWhere: () => ConfigErrorWhere): LoadBalancingConfig | null {
  const file = path.join(confDir, LOADBALANCING_FILE);
  const text = readText(file);
  if (text !== null) return parseLoadBalancing(text, file);
  if (enabled) {
    throw new ConfigError(enabledWhere(), `is true but ${file} does not exist (an origin needs its list of edges)`);
  }
  return null;
}

/** The file's text, or null when it does not exist; other read failures become ConfigErrors. */
function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new ConfigError({ file, line: null, key: null }, `cannot be read (${code ?? (err as Error).message})`);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
