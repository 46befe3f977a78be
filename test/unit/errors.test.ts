import fs from 'node:fs';
import path from 'node:path';
import type * as ms from 'mediasoup/types';
import { validateAndNormalizeRtpCapabilities } from 'mediasoup/ortc';
import pino from 'pino';
import { AppError, ERROR_CODES, ERRORS, isMediasoupRefusal, peerMistake, toWireError } from '../../src/errors';
import { Peer } from '../../src/rpc/Peer';
import { memorySocketPair } from '../helpers/memorySocket';

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

describe('whose fault a TypeError is', () => {
  test("mediasoup's validators refusing a peer's parameters: BAD_REQUEST", () => {
    let refusal: unknown;
    try {
      validateAndNormalizeRtpCapabilities({ codecs: [{ kind: 'video', mimeType: 'nonsense' }] } as unknown as ms.RtpCapabilities);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(TypeError);
    expect(isMediasoupRefusal(refusal)).toBe(true);
    expect(peerMistake(refusal, 'play')).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^play: /) });
  });

  test('a TypeError of our own code (a bug) stays a server fault', () => {
    let bug: unknown;
    try {
      void (undefined as unknown as { x: { y: number } }).x.y;
    } catch (err) {
      bug = err;
    }
    expect(bug).toBeInstanceOf(TypeError);
    expect(isMediasoupRefusal(bug)).toBe(false);
    expect(peerMistake(bug, 'play')).toBe(bug);
    expect(toWireError(peerMistake(bug, 'play'))).toEqual({ code: 'INTERNAL', message: ERRORS.INTERNAL.text });
  });

  test('a bug in a request handler answers INTERNAL and is logged at error with its stack', async () => {
    const logged: { level: number; err?: { stack?: string }; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const { client, server } = memorySocketPair();
    const serving = new Peer(server, { logger, heartbeatMs: 0 });
    // Wrapped the way Session and EdgeRelayService wrap their handlers.
    serving.setRequestHandler(async (req) => {
      try {
        const settings = undefined as unknown as { limits: { max: number } };
        return { max: settings.limits.max };
      } catch (err) {
        throw peerMistake(err, req.method);
      }
    });
    const asking = new Peer(client, { logger: pino({ level: 'silent' }), heartbeatMs: 0 });
    await new Promise((resolve) => client.once('open', resolve));
    await expect(asking.request('anything', {})).rejects.toMatchObject({ code: 'INTERNAL' });
    const entry = logged.find((l) => l.msg === 'request failed');
    expect(entry?.level).toBe(50); // error
    expect(entry?.err?.stack).toMatch(/TypeError: Cannot read properties of undefined[\s\S]*errors\.test\.ts/);
    asking.close(1000, 'done');
  });
});
