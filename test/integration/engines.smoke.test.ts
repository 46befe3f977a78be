// The engine comparison of `npm run bench` (bench/engines.ts) end to end with tiny counts: an API
// change to either engine, the probe or the report breaks `npm test`, not the next bench run.
// Figures are not judged here. The 3.8.4 worker is built only by the bench itself; without it the
// comparison must say that 3.8.4 was not measured, and measure 3.27 alone.
import { engines, enginesMarkdown, ENGINES_HEADING, smokeOptions } from '../../bench/engines';
import { RtpSink } from '../../bench/sink';

jest.setTimeout(120_000);

test('both engines (or 3.27 alone, said so) run the whole comparison with tiny counts', async () => {
  const sink = await RtpSink.start(4);
  try {
    const r = await engines(
      sink,
      smokeOptions(() => undefined),
    );
    const measured = r.engines.map((e) => e.engine);
    expect(measured).toEqual(r.skipped ? ['current'] : ['legacy', 'current']);
    expect(r.engines.find((e) => e.engine === 'current')!.version).toMatch(/^3\.27\./);
    if (!r.skipped) expect(r.engines.find((e) => e.engine === 'legacy')!.version).toBe('3.8.4');
    expect(r.memory).toHaveLength(measured.length * 2);
    for (const m of r.memory) {
      expect(m.receiving).toBe(m.viewers);
      expect(m.perViewerKb).toBeGreaterThan(0);
    }
    for (const l of r.ladders) {
      expect(l.rows.length).toBeGreaterThan(0);
      for (const row of l.rows) {
        expect(row.forwardedPerS).toBeGreaterThan(0);
        expect(row.usPerPacket).toBeGreaterThan(0);
      }
    }
    const md = enginesMarkdown(r);
    expect(md.startsWith(`## ${ENGINES_HEADING}`)).toBe(true);
    if (r.skipped) expect(md).toContain('was not measured');
    else expect(md).not.toContain('not measured');
  } finally {
    await sink.stop();
  }
});
