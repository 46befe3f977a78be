// WCS's POST /rest-api/stream/event/send on every node that knows the stream: a data event for
// every player of it, on every edge, as if its publisher had called sendData. On an edge the event
// goes to the stream's origin, which numbers it and relays it back out with the stream's others.
// Body: {"streamName": "cam", "type": "data", "payload": {...}} (or the stream by "mediaSessionId").
import { z } from 'zod';
import { MAX_STREAM_EVENT_BYTES } from '../config/propertiesSchema';
import { AppError } from '../errors';
import { describe } from '../rpc/frames';
import type { IncomingMessage } from 'node:http';
import type { HttpContext } from './HttpContext';
import { sendJson } from './respond';
import { requireAdmin } from './restApi';
import type { Router } from './router';

const body = z.strictObject({
  streamName: z.string().max(512).optional(),
  /** This product's name for the same field (find_all's filter). */
  name: z.string().max(512).optional(),
  mediaSessionId: z.string().max(64).optional(),
  /** Only data events are sent this way: mute and unmute follow the publisher's tracks. */
  type: z.literal('data').default('data'),
  payload: z.unknown(),
});

/** Bytes of a body drained (and dropped) after it proved too large, before the connection is cut instead. */
const DRAIN_BYTES = 1024 * 1024;

/**
 * The request body, up to `limit` bytes; beyond, EVENT_TOO_LARGE (413), as for a large payload.
 * The rest is drained, not the socket destroyed, so the client reads the answer; past DRAIN_BYTES
 * the connection is cut.
 */
function readEventText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_BYTES) return void req.destroy();
      if (size > limit) {
        chunks.length = 0;
        reject(
          new AppError(
            'EVENT_TOO_LARGE',
            `request body larger than ${limit} bytes: a stream event is ${MAX_STREAM_EVENT_BYTES} bytes at most (stream.event_max_bytes)`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The body, parsed and checked. */
async function readEventBody(req: IncomingMessage): Promise<z.output<typeof body>> {
  const text = await readEventText(req, MAX_STREAM_EVENT_BYTES + 16 * 1024);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'body is not valid JSON');
  }
  const parsed = body.safeParse(value);
  if (!parsed.success) throw new AppError('BAD_REQUEST', `stream/event/send: ${describe(parsed.error)}`);
  return parsed.data;
}

export function registerStreamEventRest(router: Router, ctx: HttpContext): void {
  router.add('POST', '/rest-api/stream/event/send', async (req, res) => {
    // Every player of the stream sees it: behind the admin credential when admin.token is set.
    requireAdmin(ctx, req);
    const event = await readEventBody(req);
    const byId = event.mediaSessionId === undefined ? undefined : ctx.streams.all().find((s) => s.id === event.mediaSessionId)?.name;
    const name = event.streamName ?? event.name ?? byId;
    if (name === undefined) {
      if (event.mediaSessionId !== undefined) throw new AppError('STREAM_NOT_FOUND', `no stream with mediaSessionId "${event.mediaSessionId}" on this node`);
      throw new AppError('BAD_REQUEST', 'give the stream: {"streamName": ...} or {"mediaSessionId": ...}');
    }
    const { seq } = await ctx.events.send(name, event.payload);
    ctx.logger.debug({ stream: name, seq }, 'stream event sent (REST)');
    sendJson(res, 200, { streamName: name.normalize('NFC'), type: event.type, seq });
  });
}
