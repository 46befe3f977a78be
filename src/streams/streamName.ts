// The one rule for stream names, shared by every way a name comes in: the command channel, the
// relay channel, WHIP/WHEP paths and /rtcloadbalance?stream=. Pure code, no I/O.
//
// Why this rule: users name streams the way they name files ("my cam", "café", "直播"), so any
// language's letters and inner spaces are welcome. Names are compared after NFC normalisation, so
// a composed "café" (é = U+00E9) and a decomposed one (e + U+0301) are the same stream whatever
// keyboard or OS typed them. What is refused is what breaks a name on its way through URLs, logs
// and text fields:
//   - control characters (C0, DEL, C1) and line/paragraph separators: they split log lines and
//     headers and cannot be typed into a form;
//   - "/" and "\": a name is one path segment of /whip/{stream} and /whep/{stream} (browsers read
//     "\" as "/" in http URLs, and many proxies refuse or rewrite an encoded "%2F");
//   - "?" and "#": typed unencoded into a WHIP/WHEP URL or the embed player's query string, they
//     end the path or the query there;
//   - leading or trailing whitespace: invisible, and web forms trim it, so "cam " could never be
//     played from a form;
//   - unpaired UTF-16 surrogates: not text at all, and encodeURIComponent throws on them.
import { z } from 'zod';
import { AppError } from '../errors';

/** Longest name, in Unicode code points after NFC normalisation. */
export const STREAM_NAME_MAX = 128;

/** The rule in one sentence, quoted by every refusal (and by the docs). */
export const STREAM_NAME_RULE =
  'a stream name is 1-128 characters (letters of any language, digits, spaces and punctuation) with no control characters, no "/", "\\", "?" or "#", and no space at the start or end';

// Cc = C0, DEL and C1; Zl/Zp = U+2028/U+2029.
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}/\\?#]/u;
// With the u flag a surrogate pair is one code point, so only an unpaired half matches.
const LONE_SURROGATE = /\p{Cs}/u;
const EDGE_SPACE = /^\s|\s$/u;

export type StreamNameCheck = { ok: true; name: string } | { ok: false; reason: string };

/** Checks a name and returns its NFC form, or why it is refused (without the rule's text). */
export function checkStreamName(raw: unknown): StreamNameCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'stream name is missing' };
  if (LONE_SURROGATE.test(raw)) return { ok: false, reason: 'stream name is not valid Unicode' };
  const name = raw.normalize('NFC');
  let length = 0;
  for (const _ of name) length++;
  if (length === 0) return { ok: false, reason: 'stream name is empty' };
  if (length > STREAM_NAME_MAX) return { ok: false, reason: `stream name is ${length} characters long` };
  const bad = FORBIDDEN.exec(name);
  if (bad) return { ok: false, reason: `stream name contains ${describeChar(bad[0])}` };
  if (EDGE_SPACE.test(name)) return { ok: false, reason: 'stream name starts or ends with a space' };
  return { ok: true, name };
}

/** Validates and normalises a name; AppError BAD_REQUEST naming the rule otherwise. */
export function parseStreamName(raw: unknown): string {
  const check = checkStreamName(raw);
  if (!check.ok) throw new AppError('BAD_REQUEST', refusal(check.reason));
  return check.name;
}

/** The zod form of the rule for the command and relay protocols: outputs the normalised name. */
export const streamNameSchema = z.string().transform((raw, ctx) => {
  const check = checkStreamName(raw);
  if (check.ok) return check.name;
  ctx.addIssue({ code: 'custom', message: refusal(check.reason) });
  return z.NEVER;
});

function refusal(reason: string): string {
  return `${reason}: ${STREAM_NAME_RULE}`;
}

/** A refused character as readers can see it: printable ones quoted, the others as U+XXXX. */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (/[/\\?#]/.test(ch)) return `"${ch}"`;
  return `the control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}
