// What an origin's relay objects (StreamRelay, OriginPipes) need of its link to an edge: requests
// over whatever connection is up now. They hold this, not a Peer, so that a relay outlives the
// one WebSocket it was made on (a blip of the control link is not the end of a relay).
import { toWireError } from '../errors';
import type { RelayFailure } from './relayRetry';

export interface RelayChannel {
  /** True while an authenticated connection to the edge is up. */
  readonly up: boolean;
  /** A relay command to the edge; rejects (NODE_CLOSING) at once while no connection is up. */
  request<T = unknown>(method: string, data: Record<string, unknown>): Promise<T>;
  /** A relay notification to the edge, in order with the requests; dropped while no connection is up. */
  notify(method: string, data: Record<string, unknown>): void;
}

/** A relay command that failed: the edge's answer, or no answer (TIMEOUT, link closed). */
export class EdgeAnswer extends Error {
  readonly answer: unknown;
  constructor(answer: unknown, method: string) {
    super(`${method}: ${(answer as Error).message}`);
    this.answer = answer;
  }
}

/** A relay command to the edge; its refusals are marked as the edge's answers. */
export async function ask<T = unknown>(channel: RelayChannel, method: string, data: Record<string, unknown>): Promise<T> {
  try {
    return await channel.request<T>(method, data);
  } catch (err) {
    throw new EdgeAnswer(err, method);
  }
}

export function failureOf(err: unknown): RelayFailure {
  if (err instanceof EdgeAnswer) return { code: toWireError(err.answer).code, message: err.message, where: 'edge' };
  return { code: toWireError(err).code, message: err instanceof Error ? err.message : String(err), where: 'origin' };
}

/** The failure handed to the relays of a pipe that is gone (closed here, or lost on the edge). */
export function pipeGone(why: string, where: RelayFailure['where']): RelayFailure {
  return { code: 'PIPE_NOT_FOUND', message: why, where };
}
