import fs from 'node:fs';
import path from 'node:path';
import { AppError, ERROR_CODES, ERRORS, toWireError } from '../../src/errors';

const protocolDoc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'protocol.md'), 'utf8');

/** The trimmed cells of every Markdown table row in `text` (Prettier pads cells to align columns). */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

test.each(ERROR_CODES)('error code %s is documented in docs/protocol.md with its HTTP status', (code) => {
  const row = tableRows(protocolDoc).find((cells) => cells[0] === `\`${code}\``);
  expect(row).toBeDefined();
  expect(row).toContain(String(ERRORS[code].status));
});

test('every documented code exists in the registry', () => {
  const section = protocolDoc.slice(protocolDoc.indexOf('## Error codes'), protocolDoc.indexOf('## The relay channel'));
  const documented = tableRows(section).flatMap((cells) => /^`([A-Z_]+)`$/.exec(cells[0])?.[1] ?? []);
  expect(documented.sort()).toEqual([...ERROR_CODES].sort());
});

test('an AppError keeps its code and status, and anything else goes on the wire as INTERNAL without details', () => {
  const err = new AppError('STREAM_NOT_FOUND', 'stream "x" not found');
  expect(err.status).toBe(404);
  expect(toWireError(err)).toEqual({ code: 'STREAM_NOT_FOUND', message: 'stream "x" not found' });
  expect(toWireError(new Error('secret path /etc/x'))).toEqual({ code: 'INTERNAL', message: ERRORS.INTERNAL.text });
});
