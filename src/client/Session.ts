// The WCS-style session: one command channel to the node named by `urlServer` (the origin of a
// CDN), and the factory of streams. Players may open further connections (to edges) of their own.
import { Emitter } from './Emitter';
import { NodeLink, type NodeLinkOptions } from './NodeLink';
import { SESSION_STATUS, type SessionStatus, SdkError, type ErrorInfo } from './constants';
import { Stream, type StreamOptions } from './Stream';

export interface SessionOptions extends NodeLinkOptions {
  /** ws:// or wss:// URL of the node (the origin); a path prefix is kept. Required. */
  urlServer: string;
}

export type SessionEvents = { [K in SessionStatus]: [Session] };

let sessionCounter = 0;

export class Session extends Emitter<SessionEvents> {
  readonly #options: SessionOptions;
  readonly #streams = new Set<Stream>();
  readonly #id = `session-${++sessionCounter}`;
  #status: SessionStatus = SESSION_STATUS.PENDING;
  #link: NodeLink | null = null;
  #error: ErrorInfo | null = null;
  #disconnecting = false;

  constructor(options: SessionOptions) {
    super();
    if (!options || typeof options.urlServer !== 'string') throw new SdkError('INVALID_STATE', 'createSession needs {urlServer}');
    this.#options = { ...options };
    // Connect on the next tick so the caller can chain .on() first, as with the WCS SDK.
    setTimeout(() => void this.#connect(), 0);
  }

  id(): string {
    return this.#id;
  }

  status(): SessionStatus {
    return this.#status;
  }

  getServerUrl(): string {
    return this.#options.urlServer;
  }

  /** Id of the node this session is connected to (null before ESTABLISHED). */
  nodeId(): string | null {
    return this.#link?.nodeId ?? null;
  }

  getErrorInfo(): ErrorInfo | null {
    return this.#error;
  }

  getStreams(): Stream[] {
    return [...this.#streams];
  }

  /** Creates a stream of this session; call publish() or play() on it. */
  createStream(options: StreamOptions): Stream {
    const stream = new Stream(this, options);
    this.#streams.add(stream);
    return stream;
  }

  /** Stops every stream and closes the connection; DISCONNECTED follows. */
  disconnect(): void {
    this.#disconnecting = true;
    for (const stream of this.#streams) stream.stop();
    if (this.#link) this.#link.close();
    else this.#setStatus(SESSION_STATUS.DISCONNECTED);
  }

  /** @internal The connected origin link, or null when the session is not ESTABLISHED. */
  link(): NodeLink | null {
    return this.#status === SESSION_STATUS.ESTABLISHED ? this.#link : null;
  }

  /** @internal Options for connections a player opens to other nodes. */
  linkOptions(): NodeLinkOptions {
    return this.#options;
  }

  /** @internal */
  forget(stream: Stream): void {
    this.#streams.delete(stream);
  }

  async #connect(): Promise<void> {
    if (this.#disconnecting) return;
    try {
      const link = await NodeLink.open(this.#options.urlServer, this.#options);
      if (this.#disconnecting) {
        link.close();
        return;
      }
      this.#link = link;
      link.channel.on('close', () => this.#setStatus(SESSION_STATUS.DISCONNECTED));
      this.#setStatus(SESSION_STATUS.ESTABLISHED);
    } catch (err) {
      const e = SdkError.from(err, 'CONNECTION_FAILED');
      this.#error = { code: e.code, message: e.message };
      this.#setStatus(SESSION_STATUS.FAILED);
    }
  }

  #setStatus(status: SessionStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.emit(status, this);
  }
}

/** Creates a session and starts connecting; listen with `.on(SESSION_STATUS.ESTABLISHED, fn)`. */
export function createSession(options: SessionOptions): Session {
  return new Session(options);
}
