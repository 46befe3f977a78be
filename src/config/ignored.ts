// Settings a node accepts but does not use, and the one start-up warning that names them. An
// admin migrating from WCS keeps their files; the warning says which lines have no effect here
// (and why, where a line looks meaningful), instead of a wall of warnings or a refusal. Two kinds:
// WCS settings this product knows (wcsKeys.ts, loadbalancing.xml's <http>, ...) and settings it
// does not know at all, taken for another product's (WCS documents hundreds); `config.strict=true`
// refuses the second kind instead (load.ts).

/** One accepted-but-unused setting: a flashphoner.properties key or a loadbalancing.xml path. */
export interface IgnoredSetting {
  readonly file: string;
  readonly line: number | null;
  /** Property key, or XML path such as `loadbalancer/node[1]/http`. */
  readonly key: string;
  /** Why it has no effect here, when the key alone does not say it. */
  readonly why?: string;
  /** Not a setting this product knows (neither its own nor a known WCS one): not checked at all. */
  readonly unknown?: boolean;
}

/** The warning naming every ignored setting, grouped by file, the unknown ones apart; null when there is none. */
export function ignoredSettingsWarning(settings: readonly IgnoredSetting[]): string | null {
  const known = settings.filter((s) => !s.unknown);
  const unknown = settings.filter((s) => s.unknown);
  const parts: string[] = [];
  if (known.length > 0) parts.push(`${known.length} WCS setting(s) accepted but not used by this product: ${byFile(known)}`);
  if (unknown.length > 0) {
    parts.push(
      `${unknown.length} setting(s) this product does not know, taken for another product's (WCS) and not checked (config.strict=true refuses them): ${byFile(unknown)}`,
    );
  }
  return parts.length > 0 ? parts.join('. ') : null;
}

function byFile(settings: readonly IgnoredSetting[]): string {
  const files = new Map<string, string[]>();
  for (const s of settings) {
    const place = s.line === null ? (s.why ? `${s.key} (${s.why})` : s.key) : `${s.key} (line ${s.line}${s.why ? `: ${s.why}` : ''})`;
    const list = files.get(s.file) ?? [];
    list.push(place);
    files.set(s.file, list);
  }
  return [...files].map(([file, list]) => `${file}: ${list.join(', ')}`).join('; ');
}
