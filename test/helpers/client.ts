// A command-channel client for tests and benchmarks, built on the same Peer the server uses.
import WebSocket from 'ws';
import pino from 'pino';
import { Peer } from '../../src/rpc/Peer';
import type { NotificationFrame } from '../../src/rpc/frames';
import { AUDIO_RTP_PARAMETERS, RtpReceiver, RtpSender, VIDEO_RTP_PARAMETERS } from './rtp';

const quiet = pino({ level: 'silent' });

export class TestClient {
  readonly notifications: NotificationFrame[] = [];
  #waiters: { match: (n: NotificationFrame) => boolean; resolve: (n: NotificationFrame) => void }[] = [];

  static async connect(url: string, opts: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, opts);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: HTTP ${res.statusCode}`)));
    });
    const client = new TestClient(ws);
    await client.request('connect', { clientName: 'test' });
    return client;
  }

  readonly peer: Peer;
  private constructor(readonly ws: WebSocket) {
    this.peer = new Peer(ws, { logger: quiet, heartbeatMs: 0 });
    this.peer.on('notification', (n) => {
      this.notifications.push(n);
      this.#waiters = this.#waiters.filter((w) => (w.match(n) ? (w.resolve(n), false) : true));
    });
  }

  // Tests read fields of many different answers; `any` spares declaring each shape, which the
  // server's own schemas already check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  request<T = any>(method: string, data: Record<string, unknown> = {}): Promise<T> {
    return this.peer.request<T>(method, data);
  }

  /** Resolves with the first notification (past or future) that matches. */
  waitNotification(match: (n: NotificationFrame) => boolean, timeoutMs = 5000): Promise<NotificationFrame> {
    const past = this.notifications.find(match);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('notification did not arrive')), timeoutMs);
      this.#waiters.push({ match, resolve: (n) => (clearTimeout(timer), resolve(n)) });
    });
  }

  waitStatus(stream: string, status: string, timeoutMs = 5000): Promise<NotificationFrame> {
    return this.waitNotification((n) => n.method === 'streamStatus' && n.data.stream === stream && n.data.status === status, timeoutMs);
  }

  /**
   * Publishes synthetic VP8 (+Opus) over a plain transport; returns the running sender. The node
   * takes RTP from the source given in connectTransport only, so the sender binds first.
   */
  async publishRtp(stream: string, opts: { audio?: boolean; intervalMs?: number; token?: string } = {}): Promise<RtpSender> {
    const { transport } = await this.request('publish', { stream, transport: 'plain', ...(opts.token ? { token: opts.token } : {}) });
    const ssrc = { video: 1000 + Math.floor(Math.random() * 1e6), audio: opts.audio ? 2000000 + Math.floor(Math.random() * 1e6) : undefined };
    const video = await this.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(ssrc.video) });
    if (ssrc.audio) await this.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: AUDIO_RTP_PARAMETERS(ssrc.audio) });
    const sender = new RtpSender({ ip: transport.ip, port: transport.port }, ssrc);
    const port = await sender.bind();
    await this.request('connectTransport', { transportId: transport.id, ip: '127.0.0.1', port });
    sender.videoProducerId = video.producerId;
    sender.start(opts.intervalMs ?? 10);
    return sender;
  }

  /** Plays a stream into a local UDP receiver over a plain transport. Follows no redirect. */
  async playRtp(
    stream: string,
    opts: { noRedirect?: boolean; token?: string } = {},
  ): Promise<{ receiver: RtpReceiver; redirect?: { url: string; nodeId: string } }> {
    const { rtpCapabilities } = await this.request('getRouterRtpCapabilities');
    const answer = await this.request('play', {
      stream,
      rtpCapabilities,
      transport: 'plain',
      noRedirect: opts.noRedirect ?? false,
      ...(opts.token ? { token: opts.token } : {}),
    });
    if (answer.redirect) return { receiver: null as unknown as RtpReceiver, redirect: answer.redirect };
    const receiver = await RtpReceiver.create();
    await this.request('connectTransport', { transportId: answer.transport.id, ip: '127.0.0.1', port: receiver.port });
    for (const c of answer.consumers) await this.request('resumeConsumer', { consumerId: c.id });
    return { receiver };
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** Connects to the origin, follows its redirect (if any) to an edge, and plays there. */
export async function playViaOrigin(originUrl: string, stream: string, opts: { token?: string } = {}) {
  const origin = await TestClient.connect(originUrl);
  const first = await origin.playRtp(stream, opts);
  if (!first.redirect) return { client: origin, receiver: first.receiver, nodeId: null as string | null, clients: [origin] };
  await origin.close();
  const edge = await TestClient.connect(first.redirect.url);
  const { receiver } = await edge.playRtp(stream, opts);
  return { client: edge, receiver, nodeId: first.redirect.nodeId, clients: [edge] };
}
