// Two connected in-memory WebSocket ends, so the relay core (Peer, EdgeLink, EdgeRelayService)
// runs in one process without a network. Like a real socket, a frame arrives on a later tick, in
// order; closing one end closes the other with the same code and reason; terminating drops both
// with 1006. `hold()` stops delivery towards an end until `release()`, to freeze one direction of
// a link at a chosen moment.
import { EventEmitter } from 'node:events';
import type { EdgeSocket } from '../../src/cluster/EdgeLink';
import { SOCKET_STATE } from '../../src/rpc/Peer';

const { CONNECTING, OPEN, CLOSING, CLOSED } = SOCKET_STATE;

/** The close code of a connection that ended without a close frame (RFC 6455, 7.1.5). */
export const ABNORMAL_CLOSURE = 1006;

export class MemorySocket extends EventEmitter implements EdgeSocket {
  readyState: number;
  #other: MemorySocket | null = null;
  /** Deliveries waiting for release() while this end is held. */
  #held: (() => void)[] | null = null;
  /** Frames this end has received. */
  received = 0;
  /** Frames this end has sent, in order (to wait for a given command to leave). */
  readonly sentFrames: string[] = [];

  constructor(state: number) {
    super();
    this.readyState = state;
  }

  /** Connects two ends (used by memorySocketPair). */
  static link(a: MemorySocket, b: MemorySocket): void {
    a.#other = b;
    b.#other = a;
  }

  send(data: string): void {
    // ws throws on a socket still connecting and drops frames on one closing; so do we.
    if (this.readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (this.readyState !== OPEN) return;
    this.sentFrames.push(data);
    const frame = Buffer.from(data);
    this.#other!.#deliver(() => {
      this.#other!.received++;
      this.#other!.emit('message', frame, false);
    });
  }

  close(code = 1005, reason = ''): void {
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    // Closing before the handshake completed aborts it, as ws does.
    const [c, r] = this.readyState === CONNECTING ? [ABNORMAL_CLOSURE, ''] : [code, reason];
    this.readyState = CLOSING;
    const other = this.#other;
    if (!other) return void setImmediate(() => this.#finish(c, r));
    // The other end sees the close after every frame sent before it; this end does not wait for it.
    other.#deliver(() => other.#finish(c, r));
    setImmediate(() => this.#finish(c, r));
  }

  terminate(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSING;
    const other = this.#other;
    setImmediate(() => this.#finish(ABNORMAL_CLOSURE, ''));
    // The other end learns of it later, without a close frame; frames in flight are lost.
    if (other) setImmediate(() => other.#finish(ABNORMAL_CLOSURE, ''));
  }

  ping(): void {
    if (this.readyState !== OPEN) return;
    const other = this.#other!;
    // The other end answers by itself (ws does), unless it is held or gone.
    other.#deliver(() => {
      if (other.readyState === OPEN) this.#deliver(() => this.readyState === OPEN && this.emit('pong', Buffer.alloc(0)));
    });
  }

  /** Fails a connecting end as a refused connection does: 'error', then a 1006 close. */
  refuse(message = 'connect ECONNREFUSED'): void {
    setImmediate(() => {
      if (this.readyState === CLOSED) return;
      this.emit('error', new Error(message));
      this.#finish(ABNORMAL_CLOSURE, '');
    });
  }

  /** Stops delivering to this end (frames, pings, closes) until release(). */
  hold(): void {
    this.#held ??= [];
  }

  /** Delivers what was held, in order, and resumes normal delivery. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const deliver of held) setImmediate(() => this.readyState !== CLOSED && deliver());
  }

  /** Opens a client end (on a later tick, like a handshake). */
  open(): void {
    setImmediate(() => {
      if (this.readyState !== CONNECTING) return;
      this.readyState = OPEN;
      this.emit('open');
    });
  }

  #deliver(fn: () => void): void {
    if (this.#held) this.#held.push(fn);
    else setImmediate(() => this.readyState !== CLOSED && fn());
  }

  #finish(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#held = null;
    this.emit('close', code, Buffer.from(reason));
  }
}

/**
 * A connected pair: `server` is open at once (as a socket handed over by an HTTP upgrade is),
 * `client` opens on a later tick and emits 'open' (as a ws client does).
 */
export function memorySocketPair(): { client: MemorySocket; server: MemorySocket } {
  const client = new MemorySocket(CONNECTING);
  const server = new MemorySocket(OPEN);
  MemorySocket.link(client, server);
  client.open();
  return { client, server };
}

/** A client end whose connection is refused (nothing listens at the address). */
export function refusedSocket(message?: string): MemorySocket {
  const socket = new MemorySocket(CONNECTING);
  socket.refuse(message);
  return socket;
}
