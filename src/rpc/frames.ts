// The framing shared by the client command channel and the origin->edge relay channel:
//   request:      {"id": 1, "method": "publish", "data": {...}}
//   response:     {"id": 1, "ok": true, "data": {...}}  or  {"id": 1, "ok": false, "error": {code, message}}
//   notification: {"method": "streamStatus", "data": {...}}
// Every text frame from the network goes through parseFrame() before anything trusts it.
import { z } from 'zod';
import { AppError, ERROR_CODES, type ErrorCode } from '../errors';

const id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const method = z.string().min(1).max(64);
const data = z.record(z.string(), z.unknown()).optional();

const requestFrame = z.strictObject({ id, method, data });
const notificationFrame = z.strictObject({ method, data });
const okFrame = z.strictObject({ id, ok: z.literal(true), data: z.unknown().optional() });
const errorFrame = z.strictObject({
  id,
  ok: z.literal(false),
  error: z.strictObject({ code: z.string().max(64), message: z.string().max(4096) }),
});

export type RequestFrame = { id: number; method: string; data: Record<string, unknown> };
export type NotificationFrame = { method: string; data: Record<string, unknown> };
export type ResponseFrame = { id: number; ok: true; data?: unknown } | { id: number; ok: false; error: { code: string; message: string } };

export type Frame = { type: 'request'; frame: RequestFrame } | { type: 'notification'; frame: NotificationFrame } | { type: 'response'; frame: ResponseFrame };

/** Parses and validates one text frame; throws AppError BAD_REQUEST with a reason. */
export function parseFrame(text: string): Frame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('BAD_REQUEST', 'frame must be a JSON object');
  }
  if ('ok' in value) {
    const r = (value as { ok: unknown }).ok === true ? okFrame.safeParse(value) : errorFrame.safeParse(value);
    if (r.success) return { type: 'response', frame: r.data as ResponseFrame };
    throw new AppError('BAD_REQUEST', `bad response frame: ${describe(r.error)}`);
  }
  if ('id' in value) {
    const r = requestFrame.safeParse(value);
    if (r.success) return { type: 'request', frame: { ...r.data, data: r.data.data ?? {} } };
    throw new AppError('BAD_REQUEST', `bad request frame: ${describe(r.error)}`);
  }
  const r = notificationFrame.safeParse(value);
  if (r.success) return { type: 'notification', frame: { ...r.data, data: r.data.data ?? {} } };
  throw new AppError('BAD_REQUEST', `bad notification frame: ${describe(r.error)}`);
}

/** A short, single-line account of what failed validation, for error messages. */
export function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(frame)'}: ${i.message}`)
    .join('; ');
}

/** Codes from a peer are only trusted when they are ours; anything else reads as INTERNAL. */
export function asErrorCode(code: string): ErrorCode {
  return (ERROR_CODES as string[]).includes(code) ? (code as ErrorCode) : 'INTERNAL';
}
