// WHIP and WHEP sessions of this node by id: the resources their `Location` names, which DELETE
// ends. A session owns one WebRTC transport; closing it closes the transport (and, for WHIP, the
// stream). Counted with the command-channel sessions in the node's load reports.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/types';
import { AppError } from '../errors';
import type { Logger } from '../log';
import { AddressCounter } from '../limits/AddressCounter';

export type WebRtcHttpKind = 'whip' | 'whep';

/** A transport that never connects (or loses its peer for this long) is closed. */
export const CONNECT_TIMEOUT_MS = 30_000;
export const DISCONNECTED_TIMEOUT_MS = 15_000;

export class WebRtcHttpSession {
  readonly createdAt = Date.now();
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  readonly #onClose: (() => void)[] = [];

  constructor(
    readonly kind: WebRtcHttpKind,
    readonly stream: string,
    readonly transport: ms.WebRtcTransport,
    readonly logger: Logger,
    /** The id in the session's Location URL; also the stream's owner id for WHIP. */
    readonly id: string = randomUUID(),
  ) {
    this.#arm(CONNECT_TIMEOUT_MS, 'ICE did not connect');
    transport.on('icestatechange', (state: ms.IceState) => {
      if (state === 'connected' || state === 'completed') this.#disarm();
      else if (state === 'disconnected') this.#arm(DISCONNECTED_TIMEOUT_MS, 'ICE disconnected');
    });
    transport.on('dtlsstatechange', (state: ms.DtlsState) => {
      if (state === 'failed' || state === 'closed') this.close(`DTLS ${state}`);
    });
    transport.observer.once('close', () => this.close('transport closed'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs when the session ends, whatever ends it. */
  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClose.push(fn);
  }

  close(why = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#disarm();
    this.transport.close();
    for (const fn of this.#onClose.splice(0)) {
      try {
        fn();
      } catch (err) {
        this.logger.error({ err }, 'WHIP/WHEP close handler failed');
      }
    }
    this.logger.info({ why }, `${this.kind} session ended`);
  }

  #arm(ms: number, why: string): void {
    this.#disarm();
    this.#timer = setTimeout(() => this.close(why), ms);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

export interface WebRtcHttpSessionsOptions {
  /** Concurrent sessions per client address (limits.ip.webrtc_http_sessions). */
  perAddress: number;
  /** Addresses that cap does not apply to (limits.ip.exempt). */
  exemptAddresses: readonly string[];
}

export class WebRtcHttpSessions {
  readonly #sessions = new Map<string, WebRtcHttpSession>();
  readonly #perAddress: AddressCounter;
  #closed = false;

  constructor(options: WebRtcHttpSessionsOptions) {
    this.#perAddress = new AddressCounter(options.perAddress, options.exemptAddresses);
  }

  /**
   * Takes a per-address slot for a session about to be set up; returns its release (idempotent),
   * which the caller ties to the session's end. LIMIT_REACHED at the cap.
   */
  reserve(address: string): () => void {
    const release = this.#perAddress.acquire(address);
    if (!release) {
      throw new AppError('LIMIT_REACHED', `at most ${this.#perAddress.cap} WHIP/WHEP sessions per client address (limits.ip.webrtc_http_sessions)`);
    }
    return release;
  }

  add(session: WebRtcHttpSession): void {
    if (this.#closed) {
      session.close('node closing');
      return;
    }
    this.#sessions.set(session.id, session);
    session.onClose(() => this.#sessions.delete(session.id));
  }

  get(id: string): WebRtcHttpSession | undefined {
    return this.#sessions.get(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  closeAll(): void {
    this.#closed = true;
    for (const s of [...this.#sessions.values()]) s.close('node closing');
  }
}
