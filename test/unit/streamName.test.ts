// The one stream-name rule: what users type is accepted or refused the same way on every path in.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseBalanceQuery } from '../../src/cluster/balancer';
import { parseRelayRequest } from '../../src/cluster/relayProtocol';
import { streamName as whipStreamName } from '../../src/http/sdpRequest';
import { parseClientRequest } from '../../src/signaling/protocol';
import { checkStreamName, parseStreamName, STREAM_NAME_RULE, streamNameSchema } from '../../src/streams/streamName';

const composedCafe = 'caf\u00e9';
const decomposedCafe = 'cafe\u0301';

describe('accepted names', () => {
  test.each([
    ['a plain ASCII name', 'cam1'],
    ['a name with an inner space', 'my cam'],
    ['a name with several inner spaces', 'studio  2 left'],
    ['a name with accented letters', composedCafe],
    ['a name in Chinese', '直播'],
    ['a name in Cyrillic with punctuation', 'Камера №1 (зал)'],
    ['a name with an emoji built from a surrogate pair', 'live 🎥'],
    ['a name with URL-special characters other than / \\ ? #', 'a&b=c+d%e;f:g@h\'i"j'],
    ['a name of exactly 128 characters', 'a'.repeat(128)],
    ['a name of 128 Chinese characters (more than 128 UTF-8 bytes)', '直'.repeat(128)],
    ['a single character', 'x'],
  ])('%s is accepted as it is', (_what, name) => {
    expect(parseStreamName(name)).toBe(name);
  });

  test('a decomposed "café" is normalised to the composed one, so both name the same stream', () => {
    expect(decomposedCafe).not.toBe(composedCafe);
    expect(parseStreamName(decomposedCafe)).toBe(composedCafe);
    expect(parseStreamName(composedCafe)).toBe(composedCafe);
  });

  test('the length limit counts characters after normalisation, not UTF-16 units', () => {
    // 128 decomposed é's are 256 UTF-16 units before NFC and 128 characters after it.
    expect(parseStreamName('e\u0301'.repeat(128))).toBe('\u00e9'.repeat(128));
    // Surrogate pairs count once.
    expect(parseStreamName('🎥'.repeat(128))).toHaveLength(256);
  });
});

describe('refused names', () => {
  test.each([
    ['an empty name', '', 'empty'],
    ['a name of 129 characters', 'a'.repeat(129), '129 characters'],
    ['a name with a slash', 'a/b', '"/"'],
    ['a name with a backslash', 'a\\b', '"\\"'],
    ['a name with a question mark', 'what?', '"?"'],
    ['a name with a hash', 'cam#2', '"#"'],
    ['a name with a leading space', ' cam', 'start or end'],
    ['a name with a trailing space', 'cam ', 'start or end'],
    ['a name with a trailing no-break space', 'cam\u00a0', 'start or end'],
    ['a name with an ideographic space in front', '\u3000直播', 'start or end'],
    ['a name with a NUL', 'a\u0000b', 'U+0000'],
    ['a name with a tab', 'my\tcam', 'U+0009'],
    ['a name with a newline', 'my\ncam', 'U+000A'],
    ['a name with DEL', 'a\u007fb', 'U+007F'],
    ['a name with a C1 control character', 'a\u0085b', 'U+0085'],
    ['a name with a line separator', 'a\u2028b', 'U+2028'],
    ['a name with an unpaired surrogate', 'a\ud800b', 'not valid Unicode'],
  ])('%s is refused with BAD_REQUEST saying why and quoting the rule', (_what, name, why) => {
    expect(() => parseStreamName(name)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining(why) }));
    expect(() => parseStreamName(name)).toThrow(STREAM_NAME_RULE);
  });

  test('a missing name is refused', () => {
    expect(checkStreamName(undefined)).toEqual({ ok: false, reason: 'stream name is missing' });
    expect(() => parseStreamName(42)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  test.each(['protocol.md', 'whip-whep.md'])('docs/%s quotes the rule word for word', (file) => {
    expect(fs.readFileSync(path.join(__dirname, '..', '..', 'docs', file), 'utf8')).toContain(STREAM_NAME_RULE);
  });

  test('the rule is one sentence that names its limits', () => {
    expect(STREAM_NAME_RULE).toMatch(/^[^.]+$/);
    for (const part of ['1-128', 'control characters', '"/"', '"\\"', '"?"', '"#"', 'start or end']) expect(STREAM_NAME_RULE).toContain(part);
  });
});

describe('every way in applies the same rule', () => {
  const ways: [string, (name: string) => string][] = [
    [
      'the zod schema',
      (name) => {
        const r = streamNameSchema.safeParse(name);
        if (!r.success) throw new Error(r.error.issues[0].message);
        return r.data;
      },
    ],
    ['the command channel', (name) => (parseClientRequest('publish', { stream: name }).data as { stream: string }).stream],
    ['the relay channel', (name) => (parseRelayRequest('relayUnpublish', { stream: name }).data as { stream: string }).stream],
    ['WHIP/WHEP', (name) => whipStreamName(name)],
    [
      '/rtcloadbalance?stream=',
      (name) => {
        const q = parseBalanceQuery(new URLSearchParams({ stream: name }));
        if ('error' in q) throw new Error(q.error.reason);
        return q.stream!;
      },
    ],
  ];

  test.each(ways)('%s accepts "my cam", "直播" and a decomposed "café" (normalised)', (_way, parse) => {
    expect(parse('my cam')).toBe('my cam');
    expect(parse('直播')).toBe('直播');
    expect(parse(decomposedCafe)).toBe(composedCafe);
  });

  test.each(ways)('%s refuses "a/b", an empty name and a leading space, quoting the rule', (_way, parse) => {
    for (const name of ['a/b', '', ' cam']) expect(() => parse(name)).toThrow(STREAM_NAME_RULE);
  });

  test('the schema outputs the normalised name, so zod types it as a string', () => {
    const schema = z.object({ stream: streamNameSchema });
    const parsed: { stream: string } = schema.parse({ stream: decomposedCafe });
    expect(parsed.stream).toBe(composedCafe);
  });

  test('a name that is not a string is refused by the command channel with BAD_REQUEST', () => {
    expect(() => parseClientRequest('publish', { stream: 7 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
