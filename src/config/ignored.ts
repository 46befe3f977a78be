// WCS settings a node accepts but does not use, and the one start-up warning that names them. An
// admin migrating from WCS keeps their files; the warning says which lines have no effect here
// (and why, where a line looks meaningful), instead of a wall of warnings or a refusal.

/** One accepted-but-unused setting: a flashphoner.properties key or a loadbalancing.xml path. */
export interface IgnoredSetting {
  readonly file: string;
  readonly line: number | null;
  /** Property key, or XML path such as `loadbalancer/node[1]/http`. */
  readonly key: string;
  /** Why it has no effect here, when the key alone does not say it. */
  readonly why?: string;
}

/** The warning naming every ignored setting, grouped by file; null when there is none. */
export function ignoredSettingsWarning(settings: readonly IgnoredSetting[]): string | null {
  if (settings.length === 0) return null;
  const byFile = new Map<string, string[]>();
  for (const s of settings) {
    const place = s.line === null ? s.key : `${s.key} (line ${s.line}${s.why ? `: ${s.why}` : ''})`;
    const list = byFile.get(s.file) ?? [];
    list.push(s.line === null && s.why ? `${s.key} (${s.why})` : place);
    byFile.set(s.file, list);
  }
  const parts = [...byFile].map(([file, list]) => `${file}: ${list.join(', ')}`);
  return `${settings.length} WCS setting(s) accepted but not used by this product: ${parts.join('; ')}`;
}
