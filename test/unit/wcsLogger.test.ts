// WCS's logger (Flashphoner.getLogger(), session.getLogger(), stream.getLogger()): `(src, text)`
// calls, WCS's levels, and a page's own logger in place of the console.
import { createLogger } from '../../src/client/wcs/logger';

function sink(): { lines: string[]; logger: Record<'error' | 'warn' | 'info' | 'debug' | 'trace', (text: unknown) => void> } {
  const lines: string[] = [];
  const at = (level: string) => (text: unknown) => lines.push(`${level} ${String(text)}`);
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') } };
}

test("INFO by default: debug and trace are dropped, the rest reach the page's own logger", () => {
  const log = createLogger();
  const { lines, logger } = sink();
  log.setCustomLogger(logger);
  log.error('core', 'e');
  log.warn('core', 'w');
  log.info('core', 'i');
  log.debug('core', 'd');
  log.trace('core', 't');
  expect(lines).toEqual(['error e', 'warn w', 'info i']);
});

test("setLevel takes WCS's names in any case; an unknown one is INFO; setEnableLogs(false) silences it", () => {
  const log = createLogger('warn');
  const { lines, logger } = sink();
  log.setCustomLogger(logger);
  log.info('core', 'dropped');
  log.warn('core', 'kept');
  log.setLevel('TRACE');
  log.trace('core', 'traced');
  log.setLevel('LOUD');
  log.debug('core', 'dropped again');
  log.setEnableLogs(false);
  log.error('core', 'silenced');
  log.setPushLogs(true); // nowhere to push to: accepted, no effect
  expect(lines).toEqual(['warn kept', 'trace traced']);
});
