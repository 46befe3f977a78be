// A WCS session (Flashphoner.createSession()) on top of this SDK's Session: the WCS options
// (urlServer, lbUrl, mediaOptions.iceServers, timeout), WCS's statuses (CONNECTED then
// ESTABLISHED; callbacks get `(session, data)`), one callback per status (`on` replaces),
// WCS's rule that streams are created on an ESTABLISHED session only, and WCS's end of a session:
// every stream not yet ended gets FAILED "Stopped by session disconnect" first, then the session
// its DISCONNECTED (or FAILED), whether the page disconnected or the connection was lost.
//
// This product's extension: `urlServer` may list several origins (or the origin lists the others
// in its connect answer); when the origin is lost the core session moves to another one. WCS has
// no status for that, so the page sees none: the session stays ESTABLISHED (nodeId() and
// getServerUrl() name the new origin once there), its publishers pass through PENDING back to
// PUBLISHING, and DISCONNECTED comes only if no origin answers.
import { SESSION_STATUS as CORE_STATUS } from '../constants';
import { configuredUrls } from '../origins';
import { Session } from '../Session';
import { ERROR_INFO, SESSION_STATUS } from './constants';
import { type Callback, Handlers } from './Handlers';
import { resolveServerUrl } from './loadBalancer';
import { logger, type WcsLogger } from './logger';
import { WcsStream, type WcsStreamOptions } from './WcsStream';

export interface WcsSessionOptions {
  /** ws:// or wss:// URL of the node (the origin), or a list of the cluster's origins; the first is also the fallback when lbUrl fails. Required. */
  urlServer: string | string[];
  /** Load balancer asked for the server first: JSON `{server, ws, wss}` or a bare `ws://...`. */
  lbUrl?: string;
  /** `iceServers` (STUN/TURN) and `iceTransportPolicy` for every media connection. */
  mediaOptions?: { iceServers?: RTCIceServer[]; iceTransportPolicy?: RTCIceTransportPolicy };
  /** Connection timeout, ms. Default 5000. */
  timeout?: number;
  /** WCS hands this to its REST hooks; this server has none, so it stays in the page (getCustom()). */
  custom?: unknown;
  /** Shown in the node's client list. Default 'flashphoner'. */
  clientName?: string;
  [option: string]: unknown;
}

/** WCS options that mean nothing here (no REST application, no SIP, no Flash); named once in the console. */
const IGNORED = ['appKey', 'authToken', 'keepAlive', 'sipOptions', 'flashProto', 'flashPort', 'pingInterval', 'receiveProbes', 'probesInterval', 'logger'];

let sessionCounter = 0;

export class WcsSession {
  readonly #id = `fp-session-${Date.now().toString(36)}-${++sessionCounter}`;
  readonly #options: WcsSessionOptions;
  readonly #handlers = new Handlers();
  readonly #streams = new Map<string, WcsStream>();
  readonly #onGone: (session: WcsSession) => void;
  readonly #streamDefaults: Partial<WcsStreamOptions>;
  #status: string = SESSION_STATUS.PENDING;
  #url: string;
  #core: Session | null = null;
  #closed = false;

  constructor(options: WcsSessionOptions, onGone: (session: WcsSession) => void, streamDefaults: Partial<WcsStreamOptions> = {}) {
    const urls = configuredUrls(options?.urlServer);
    if (urls.length === 0) throw new TypeError(ERROR_INFO.OPTIONS_URLSERVER_MUST_BE_PROVIDED);
    const ignored = IGNORED.filter((k) => options[k] !== undefined);
    if (ignored.length) console.warn(`[flashphoner] createSession: ${ignored.join(', ')} not supported by this server; ignored`);
    if (options.custom !== undefined)
      console.warn('[flashphoner] createSession: `custom` is kept in the page (getCustom()); this server has no REST hooks to send it to');
    this.#options = { ...options };
    this.#url = urls[0]!;
    this.#onGone = onGone;
    this.#streamDefaults = streamDefaults;
    // The balancer's choice goes first, the page's list after it (failover).
    if (options.lbUrl) void resolveServerUrl(options.lbUrl, urls[0]!).then((url) => this.#connect([url, ...urls]));
    else this.#connect(urls);
  }

  on(event: string, callback: Callback): this {
    this.#handlers.set(event, callback);
    return this;
  }

  id(): string {
    return this.#id;
  }

  status(): string {
    return this.#status;
  }

  /** The server connected to: urlServer, or what the load balancer named (the origin moved to, after a failover). */
  getServerUrl(): string {
    return this.#core?.status() === CORE_STATUS.ESTABLISHED ? this.#core.getServerUrl() : this.#url;
  }

  getCustom(): unknown {
    return this.#options.custom;
  }

  /** This product's extension: the node's id (its node_id), once ESTABLISHED. */
  nodeId(): string | null {
    return this.#core?.nodeId() ?? null;
  }

  createStream(options: WcsStreamOptions): WcsStream {
    if (this.#status !== SESSION_STATUS.ESTABLISHED || !this.#core) throw new Error(ERROR_INFO.INVALID_SESSION_STATE);
    const stream = new WcsStream(this.#core, this, { ...this.#streamDefaults, ...options });
    this.#streams.set(stream.id(), stream);
    return stream;
  }

  getStreams(): WcsStream[] {
    return [...this.#streams.values()];
  }

  getStream(id: string): WcsStream | undefined {
    return this.#streams.get(id);
  }

  disconnect(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The core stops its streams as it closes; their UNPUBLISHED/STOPPED are not what WCS says.
    for (const stream of this.#streams.values()) stream.detach();
    if (this.#core) this.#core.disconnect();
    else this.#setStatus(SESSION_STATUS.DISCONNECTED);
  }

  getLogger(): WcsLogger {
    return logger;
  }

  sendData(): never {
    throw new Error('sendData is not supported by this server (no REST hooks)');
  }

  createCall(): never {
    throw new Error('createCall is not supported by this server (no SIP)');
  }

  #connect(urls: string[]): void {
    if (this.#closed) return;
    this.#url = urls[0]!;
    const core = new Session({
      urlServer: [...new Set(urls)],
      clientName: this.#options.clientName ?? 'flashphoner',
      openTimeoutMs: this.#options.timeout,
      iceServers: this.#options.mediaOptions?.iceServers,
      iceTransportPolicy: this.#options.mediaOptions?.iceTransportPolicy,
    });
    this.#core = core;
    core
      .on(CORE_STATUS.ESTABLISHED, () => {
        // Once: ESTABLISHED again after RECONNECTING (another origin) is no news to a WCS page.
        if (this.#status === SESSION_STATUS.ESTABLISHED) return;
        this.#setStatus(SESSION_STATUS.CONNECTED);
        this.#setStatus(SESSION_STATUS.ESTABLISHED, { nodeId: core.nodeId() });
      })
      .on(CORE_STATUS.DISCONNECTED, () => this.#setStatus(SESSION_STATUS.DISCONNECTED))
      .on(CORE_STATUS.FAILED, () => this.#setStatus(SESSION_STATUS.FAILED, { info: core.getErrorInfo()?.message ?? '' }));
  }

  #setStatus(status: string, data?: unknown): void {
    if (this.#status === status) return;
    this.#status = status;
    if (status === SESSION_STATUS.DISCONNECTED || status === SESSION_STATUS.FAILED) {
      this.#closed = true;
      this.#onGone(this);
      for (const stream of this.#streams.values()) stream.endWithSession();
    }
    this.#handlers.fire(status, this, data);
  }
}
