// loadConfig(): the one place that reads configuration files and the environment. It layers the
// sources (environment > <confDir>/.env > flashphoner.properties > defaults), validates every value
// with propertiesSchema.ts, reads loadbalancing.xml, and returns one deep-frozen NodeConfig.
// Every mistake throws a ConfigError naming where the bad value came from. WCS settings this product
// does not use (wcsKeys.ts, and loadbalancing.xml's <http>/<https>/...) are accepted and reported
// in one warning, and so are keys it does not know at all (WCS has hundreds), unless they are close
// to one of ours (a typo: "did you mean") or config.strict=true asks for every unknown key to stop
// the node.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, ENVIRONMENT, type ConfigErrorWhere } from './errors';
import { ignoredSettingsWarning, type IgnoredSetting } from './ignored';
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
import { isIgnoredWcsKey } from './wcsKeys';

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
 * `onWarning` gets at most one message: the WCS settings accepted but not used. The default drops
 * it: only the process start prints it (src/index.ts); a SIGHUP reload reads the same files again.
 */
export function loadConfig(confDir: string, env: NodeJS.ProcessEnv = process.env, onWarning: (message: string) => void = () => {}): NodeConfig {
  const propertiesFile = path.join(confDir, PROPERTIES_FILE);
  const sources = new Map<SettingField, Source>();
  const ignored: IgnoredSetting[] = [];
  // Lowest precedence first: each layer overwrites what the previous one set.
  for (const [field, source] of fromProperties(propertiesFile, ignored)) sources.set(field, source);
  for (const [field, source] of fromDotenv(path.join(confDir, ENV_FILE))) sources.set(field, source);
  for (const [field, source] of fromEnvironment(env)) sources.set(field, source);

  const settings = defaultSettings() as Record<SettingField, unknown>;
  for (const [field, source] of sources) {
    const result = parseSetting(field, source.raw.trim());
    if (!result.ok) throw new ConfigError(source, result.reason);
    settings[field] = result.value;
  }
  const s = settings as Settings;

  if (s.configStrict) {
    // Only now is it known whether the file asked for strict checking (its line may come last).
    const first = ignored.find((setting) => setting.unknown);
    if (first) throw new ConfigError(first, `${UNKNOWN_KEY}; config.strict=true refuses it`);
  }

  const issue = checkSettings(s);
  if (issue !== null) {
    // Blame a value the admin wrote; defaults are consistent, so at least one was written.
    const field = issue.fields.find((f) => sources.has(f)) ?? issue.fields[0];
    throw new ConfigError(whereOf(field, sources, propertiesFile), issue.reason);
  }

  const file = (field: 'tlsCertFile' | 'tlsKeyFile' | 'dtlsCertFile' | 'dtlsKeyFile' | 'cdnRelayCaFile'): string | null =>
    s[field] === null ? null : existingFile(confDir, s[field], whereOf(field, sources, propertiesFile));

  // The default matches the id loadbalancing.xml gives a node without `id`, so both sides agree.
  const nodeId = s.nodeId ?? `${s.ip.includes(':') ? `[${s.ip}]` : s.ip}:${s.wsPort}`;
  const config: NodeConfig = {
    ...s,
    confDir: path.resolve(confDir),
    nodeId,
    tlsCertFile: file('tlsCertFile'),
    tlsKeyFile: file('tlsKeyFile'),
    dtlsCertFile: file('dtlsCertFile'),
    dtlsKeyFile: file('dtlsKeyFile'),
    cdnRelayCaFile: file('cdnRelayCaFile'),
    loadBalancing: loadBalancing(
      confDir,
      s.loadBalancingEnabled,
      () => whereOf('loadBalancingEnabled', sources, propertiesFile),
      ignored,
      s.configStrict,
      nodeId,
    ),
  };
  if (s.loadBalancingEnabled && s.cdnSecret === '') {
    // Checked last, so a broken loadbalancing.xml is reported first. Without a shared secret every
    // edge refuses the origin's relays and the origin serves every player itself: no CDN and no
    // error, the worst way to find out. Blame cdn_secret where it was written (empty), else the
    // line that made this node an origin.
    const where = sources.get('cdnSecret') ?? whereOf('loadBalancingEnabled', sources, propertiesFile);
    const what =
      where.key === PROPERTY_SPECS.loadBalancingEnabled.key || where.key === 'LOAD_BALANCING_ENABLED'
        ? 'is true but cdn_secret is empty'
        : 'is empty on an origin';
    throw new ConfigError(
      where,
      `${what}: set the same cdn_secret (a long random string) in flashphoner.properties on the origin and on every edge (or CDN_SECRET in their environment); without it every edge refuses this origin's relays`,
    );
  }
  const warning = ignoredSettingsWarning(ignored);
  if (warning !== null) onWarning(warning);
  return deepFreeze(config);
}

const UNKNOWN_KEY = `unknown key (neither one of this product's keys, documented in conf/${PROPERTIES_FILE}, nor a WCS key it knows to ignore, src/config/wcsKeys.ts)`;

/**
 * The file's keys of ours. A known WCS key is set aside as ignored; an unknown key close to one of
 * ours is a typo and stops the node; any other unknown key is set aside too, marked unknown (the
 * caller refuses it under config.strict).
 */
function fromProperties(file: string, ignored: IgnoredSetting[]): Map<SettingField, Source> {
  const text = readText(file);
  if (text === null) {
    throw new ConfigError({ file, line: null, key: null }, `file not found (a configuration directory needs ${PROPERTIES_FILE})`);
  }
  const out = new Map<SettingField, Source>();
  for (const { key, value, line } of parseProperties(text, file)) {
    const field = fieldOfKey(key);
    // A key of WCS's that has no meaning here is accepted (and reported); the list decides, so a
    // typo of one of our keys is never mistaken for one.
    if (field === undefined && isIgnoredWcsKey(key)) {
      ignored.push({ file, line, key });
      continue;
    }
    if (field === undefined) {
      const suggestion = suggestKey(key);
      if (suggestion !== null) throw new ConfigError({ file, line, key }, `unknown key (did you mean "${suggestion}"?)`);
      ignored.push({ file, line, key, unknown: true });
      continue;
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

function loadBalancing(
  confDir: string,
  enabled: boolean,
  enabledWhere: () => ConfigErrorWhere,
  ignored: IgnoredSetting[],
  strict: boolean,
  selfId: string,
): LoadBalancingConfig | null {
  const file = path.join(confDir, LOADBALANCING_FILE);
  const text = readText(file);
  if (text !== null) return parseLoadBalancing(text, file, { onIgnored: (setting) => ignored.push(setting), strict, selfId });
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
