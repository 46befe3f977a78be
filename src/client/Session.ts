// The WCS-style session: one command channel to an origin of the CDN, and the factory of streams.
// Players may open further connections (to edges) of their own.
//
// `urlServer` may list several origins, and the origin may list the cluster's others in its
// `connect` answer. When the session's origin is lost (its socket closes, or it stops answering the
// heartbeat, Channel/heartbeat.ts) and another origin is known, the session goes RECONNECTING and
// connects to the next one (jittered, bounded attempts), then is ESTABLISHED again there: its
// publishers republish (Stream) and its players' failover goes through the new origin. With a single
// origin known it ends DISCONNECTED as before.
import { Emitter } from './Emitter';
import { equalJitter } from './jitter';
import { NodeLink, type NodeLinkOptions } from './NodeLink';
import { SESSION_STATUS, type SessionStatus, SdkError, type ErrorInfo } from './constants';
import { configuredUrls, type OriginInfo, originCandidates } from './origins';
import { Stream, type StreamOptions } from './Stream';

export interface SessionOptions extends NodeLinkOptions {
  /**
   * ws:// or wss:// URL of the node (the origin), or a list of the cluster's origins, tried in
   * order; a path prefix is kept. Required.
   */
  urlServer: string | string[];
  /** Move to another known origin when this one is lost. Default true (it takes a second origin to move to). */
  failover?: boolean;
  /** Connection attempts after a loss before DISCONNECTED. Default 10. */
  maxReconnects?: number;
}

export type SessionEvents = { [K in SessionStatus]: [Session] };

let sessionCounter = 0;

/** First reconnect after this (jittered: half to all of it), doubling per attempt up to RECONNECT_MAX_MS. */
const RECONNECT_BASE_MS = 100;
const RECONNECT_MAX_MS = 4000;
/** A reconnect attempt gives an origin this long to open (a stopped one accepts TCP and never answers). */
const RECONNECT_OPEN_MS = 2000;

export class Session extends Emitter<SessionEvents> {
  readonly #options: SessionOptions;
  readonly #urls: string[];
  readonly #streams = new Set<Stream>();
  readonly #id = `session-${++sessionCounter}`;
  #status: SessionStatus = SESSION_STATUS.PENDING;
  #link: NodeLink | null = null;
  /** The URL connected to, or being tried. */
  #url: string;
  /** The origins the last connected node listed. */
  #discovered: OriginInfo[] = [];
  #error: ErrorInfo | null = null;
  #disconnecting = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: SessionOptions) {
    super();
    const urls = configuredUrls(options?.urlServer);
    if (urls.length === 0) throw new SdkError('INVALID_STATE', 'createSession needs {urlServer}');
    this.#options = { ...options };
    this.#urls = urls;
    this.#url = urls[0]!;
    // Connect on the next tick so the caller can chain .on() first, as with the WCS SDK.
    setTimeout(() => void this.#connect(), 0);
  }

  id(): string {
    return this.#id;
  }

  status(): SessionStatus {
    return this.#status;
  }

  /** The origin connected to (or, while RECONNECTING, being tried). */
  getServerUrl(): string {
    return this.#url;
  }

  /** Every origin URL the session knows: the page's, then those the origin listed. */
  getOrigins(): string[] {
    return originCandidates(this.#urls, this.#discovered, null);
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
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    if (this.#link && !this.#link.channel.closed) this.#link.close();
    else this.#setStatus(SESSION_STATUS.DISCONNECTED);
  }

  /** @internal The connected origin link, or null when the session is not ESTABLISHED. */
  link(): NodeLink | null {
    return this.#status === SESSION_STATUS.ESTABLISHED ? this.#link : null;
  }

  /**
   * @internal The link once the session is ESTABLISHED (at once if it is), or null when it ends
   * (DISCONNECTED, FAILED) first: a publisher that lost its origin waits here for the next one.
   */
  whenEstablished(): Promise<NodeLink | null> {
    const now = this.link();
    if (now) return Promise.resolve(now);
    if (this.#status === SESSION_STATUS.DISCONNECTED || this.#status === SESSION_STATUS.FAILED) return Promise.resolve(null);
    return new Promise((resolve) => {
      const done = () => {
        this.off(SESSION_STATUS.ESTABLISHED, done).off(SESSION_STATUS.DISCONNECTED, done).off(SESSION_STATUS.FAILED, done);
        resolve(this.link());
      };
      this.on(SESSION_STATUS.ESTABLISHED, done).on(SESSION_STATUS.DISCONNECTED, done).on(SESSION_STATUS.FAILED, done);
    });
  }

  /** @internal Options for connections a player opens to other nodes. */
  linkOptions(): NodeLinkOptions {
    return this.#options;
  }

  /** @internal */
  forget(stream: Stream): void {
    this.#streams.delete(stream);
  }

  /** The first connection: each of the page's URLs in turn until one answers, FAILED when none does. */
  async #connect(): Promise<void> {
    for (const url of this.#urls) {
      if (this.#disconnecting) return;
      this.#url = url;
      try {
        return this.#adopt(await NodeLink.open(url, this.#options));
      } catch (err) {
        const e = SdkError.from(err, 'CONNECTION_FAILED');
        this.#error = { code: e.code, message: e.message };
      }
    }
    this.#setStatus(SESSION_STATUS.FAILED);
  }

  /** `link` is the session's now: ESTABLISHED (again), and its loss handled. */
  #adopt(link: NodeLink): void {
    if (this.#disconnecting) return void link.close();
    this.#link = link;
    this.#url = link.url;
    if (link.origins.length > 0) this.#discovered = link.origins;
    this.#error = null;
    link.channel.on('close', ({ byUs, reason }) => this.#onLost(link, byUs, reason));
    this.#setStatus(SESSION_STATUS.ESTABLISHED);
  }

  #onLost(link: NodeLink, byUs: boolean, reason: string): void {
    if (this.#link !== link) return;
    const others = originCandidates(this.#urls, this.#discovered, link.url).filter((u) => u !== link.url);
    if (byUs || this.#disconnecting || this.#options.failover === false || others.length === 0) {
      this.#setStatus(SESSION_STATUS.DISCONNECTED);
      return;
    }
    this.#error = { code: 'CONNECTION_LOST', message: `lost origin ${link.nodeId} (${reason || 'socket closed'})` };
    this.#setStatus(SESSION_STATUS.RECONNECTING);
    this.#scheduleReconnect(link.url, 1);
  }

  #scheduleReconnect(lost: string, attempt: number): void {
    const max = this.#options.maxReconnects ?? 10;
    if (attempt > max) {
      this.#error = { code: 'CONNECTION_LOST', message: `no origin answered in ${max} attempts (last: ${this.#error?.message ?? 'none'})` };
      this.#setStatus(SESSION_STATUS.DISCONNECTED);
      return;
    }
    const candidates = originCandidates(this.#urls, this.#discovered, lost);
    const url = candidates[(attempt - 1) % candidates.length]!;
    this.#url = url;
    // Jittered, so the publishers and players of one dead origin do not all reach the next at once.
    const delayMs = equalJitter(Math.min(RECONNECT_BASE_MS * 2 ** (attempt - 1), RECONNECT_MAX_MS));
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#disconnecting) return;
      const options = { ...this.#options, openTimeoutMs: Math.min(this.#options.openTimeoutMs ?? 5000, RECONNECT_OPEN_MS) };
      NodeLink.open(url, options).then(
        (link) => this.#adopt(link),
        (err: unknown) => {
          if (this.#disconnecting) return;
          const e = SdkError.from(err, 'CONNECTION_FAILED');
          this.#error = { code: e.code, message: e.message };
          this.#scheduleReconnect(lost, attempt + 1);
        },
      );
    }, delayMs);
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
