// Parser of Java-style `.properties` text (the format of WCS's flashphoner.properties). Pure: it
// takes the text and the file name (for messages) and knows nothing of which keys exist; that is
// propertiesSchema.ts's job.
//
// Supported, as in java.util.Properties: `#` and `!` comment lines, blank lines, and a key ending at
// the first `=`, `:` or whitespace (`key=value`, `key: value`, `key value`), surrounding whitespace
// trimmed. Not supported, on purpose: backslash escapes and continuation lines. None of our values
// needs them, and taking values literally keeps Windows paths and secrets intact; a line ending in
// a backslash is refused rather than silently joined or cut.

import { ConfigError } from './errors';

export interface PropertyEntry {
  readonly key: string;
  /** Raw value, trimmed; may be empty. */
  readonly value: string;
  /** 1-based line of the entry. */
  readonly line: number;
}

/** Parses the text; throws ConfigError on a line without key, a continuation line or a duplicate key. */
export function parseProperties(text: string, file: string): PropertyEntry[] {
  const entries: PropertyEntry[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);

  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#') || content.startsWith('!')) return;

    const keyEnd = content.search(/[=:\s]/);
    const key = keyEnd === -1 ? content : content.slice(0, keyEnd);
    // After the key: optional whitespace, at most one separator, optional whitespace.
    const value = keyEnd === -1 ? '' : content.slice(keyEnd).replace(/^\s*[=:]?\s*/, '');
    if (key === '') {
      // No key to name: the rest of the line may be a secret, so it is not quoted.
      throw new ConfigError({ file, line, key: null }, 'line has no key before "=" or ":"');
    }
    if (/(^|[^\\])(\\\\)*\\$/.test(value)) {
      throw new ConfigError({ file, line, key }, 'value ends with "\\": continuation lines are not supported');
    }

    const previous = firstLine.get(key);
    if (previous !== undefined) {
      throw new ConfigError({ file, line, key }, `duplicate key (already set on line ${previous})`);
    }
    firstLine.set(key, line);
    entries.push({ key, value, line });
  });
  return entries;
}
