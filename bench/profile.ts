// Reads a V8 CPU profile (`node --cpu-prof`) and sums its samples' self time by function and by
// where the code lives (our src/, mediasoup's Node.js side, ws, pino, zod, other packages, Node's
// own internals, garbage collection, idle), so "where the time goes" can be written down.
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  /** Wall time covered by the profile, and the busy (non-idle) part of it, ms. */
  totalMs: number;
  busyMs: number;
  /** Busy time by area, ms, largest first. */
  byArea: { area: string; ms: number }[];
  /** The functions with the most self time (outside idle), ms. */
  top: { fn: string; where: string; ms: number }[];
  /** Our own functions (src/) with the most self time. */
  ours: { fn: string; where: string; ms: number }[];
}

const ROOT = path.resolve(__dirname, '..');

function area(url: string, fn: string): string {
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(program)') return 'V8/native (program)';
  if (url.includes(`${ROOT}/src/`) || url.includes('/src/')) return url.includes('node_modules') ? pkg(url) : 'ours (src/)';
  if (url.includes('node_modules')) return pkg(url);
  if (url.startsWith('node:') || url === '') return 'Node.js internals';
  return 'other';
}

function pkg(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return m ? m[1] : 'packages';
}

/**
 * Sums a profile; with `ranges` (CLOCK_MONOTONIC µs, the clock of both V8's sample timestamps and
 * process.hrtime), only the samples inside them, so a steady phase can be told from set-up.
 */
export function summarise(file: string, ranges: [number, number][] | null = null, topN = 12): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = p.startTime;
  const inRange = (t: number) => !ranges || ranges.some(([a, b]) => t >= a && t <= b);
  p.samples.forEach((id, i) => {
    const delta = p.timeDeltas[i] ?? 0;
    at += delta;
    if (inRange(at)) self.set(id, (self.get(id) ?? 0) + delta / 1000);
  });
  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; ms: number; ours: boolean }>();
  let idle = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const fn = functionName || '(anonymous)';
    const a = area(url, fn);
    if (a === 'idle') {
      idle += ms;
      continue;
    }
    areas.set(a, (areas.get(a) ?? 0) + ms);
    const where = url ? `${path.relative(ROOT, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const e = fns.get(key) ?? { fn, where, ms: 0, ours: a === 'ours (src/)' };
    e.ms += ms;
    fns.set(key, e);
  }
  const totalMs = ranges ? ranges.reduce((sum, [a, b]) => sum + (b - a), 0) / 1000 : (p.endTime - p.startTime) / 1000;
  const sorted = [...fns.values()].sort((a, b) => b.ms - a.ms);
  return {
    file: path.basename(file),
    totalMs,
    busyMs: totalMs - idle,
    byArea: [...areas].map(([a, ms]) => ({ area: a, ms })).sort((a, b) => b.ms - a.ms),
    top: sorted.slice(0, topN).map(({ fn, where, ms }) => ({ fn, where, ms })),
    ours: sorted
      .filter((f) => f.ours)
      .slice(0, topN)
      .map(({ fn, where, ms }) => ({ fn, where, ms })),
  };
}

if (require.main === module) {
  for (const f of process.argv.slice(2)) console.log(JSON.stringify(summarise(f), null, 1));
}
