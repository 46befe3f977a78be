// The origin's pipes to one edge: one PipeTransport pair (SRTP + RTX) per origin worker (router),
// shared by every stream of that worker relayed to the edge. mediasoup carries any number of
// producers on one pipe transport, so the ports a relay needs grow with workers and edges, not
// with streams (docs/networks.md). A pipe is made on first use (`relayPipe`, answered with the
// edge's tuple) and closed when no relay has used it for `idleMs` (`relayPipeClose`).
//
// Why linger instead of closing the moment the last stream leaves: a publisher that reconnects
// (the SDK republishes within seconds) or a stream replaced by the next one would otherwise pay a
// new pipe (two worker requests and a round trip to the edge) before its first packet crosses, and
// a port would be freed and taken again for nothing; an idle pipe costs one port already counted in
// the (workers x edges) budget and carries no packets. Ten seconds (`cdn.pipe_idle_ms`) covers a
// republish; it is far below any reason to keep a port for a stream that is gone.
import { randomUUID } from 'node:crypto';
import type * as ms from 'mediasoup/types';
import type { NodeConfig } from '../config/types';
import type { Logger } from '../log';
import { listenInfoOf } from '../media/transports';
import { ask, failureOf, pipeGone, type RelayChannel } from './relayChannel';
import type { RelayPacing } from './relayPacing';
import type { RelayFailure } from './relayRetry';

/** How long a pipe without any relay stays open before it is closed (`cdn.pipe_idle_ms`'s default). */
export const PIPE_IDLE_MS = 10_000;

/** A relay on a pipe: told when the pipe is gone under it (the edge lost it, a worker died). */
export interface PipeUser {
  pipeLost(failure: RelayFailure): void;
}

export class OriginPipe {
  /** Names the pipe on the link (relayPipe, relayStream, relayDigest); a new one per pipe made. */
  readonly id = randomUUID();
  readonly router: ms.Router;
  /** Resolves with the connected transport; rejects when the pipe could not be set up. */
  ready!: Promise<ms.PipeTransport>;
  transport: ms.PipeTransport | null = null;
  readonly users = new Set<PipeUser>();
  closed = false;
  /**
   * relayPipe was sent: the edge holds (or is making) its side until relayPipeClose. Set before the
   * answer, so a pipe closed meanwhile still tells the edge, whose pending set-up is then cancelled.
   */
  edgeHolds = false;
  idleTimer: NodeJS.Timeout | null = null;

  constructor(router: ms.Router) {
    this.router = router;
  }
}

export interface OriginPipesOptions {
  channel: RelayChannel;
  config: NodeConfig;
  logger: Logger;
  /** The worker's requests (createPipeTransport, connect) wait their turn with every relay's (relayPacing.ts). */
  pacing: RelayPacing;
  /** Default PIPE_IDLE_MS. */
  idleMs?: number;
}

export class OriginPipes {
  readonly #pipes = new Map<ms.Router, OriginPipe>();
  readonly #options: OriginPipesOptions;
  /** Pipes made since this link object was created, for tests and the log (a re-created pipe shows here). */
  created = 0;

  constructor(options: OriginPipesOptions) {
    this.#options = options;
  }

  /** The live pipes (opening or connected). */
  list(): OriginPipe[] {
    return [...this.#pipes.values()];
  }

  /** The pipe from `router` to the edge, made now if there is none; `user` counts as using it until release(). */
  acquire(router: ms.Router, user: PipeUser): OriginPipe {
    let pipe = this.#pipes.get(router);
    if (!pipe) pipe = this.#open(router);
    pipe.users.add(user);
    if (pipe.idleTimer) clearTimeout(pipe.idleTimer);
    pipe.idleTimer = null;
    return pipe;
  }

  /** `user` no longer uses `pipe`; the last one out starts its idle timer. */
  release(pipe: OriginPipe, user: PipeUser): void {
    if (!pipe.users.delete(user) || pipe.closed || pipe.users.size > 0 || pipe.idleTimer) return;
    pipe.idleTimer = setTimeout(() => {
      pipe.idleTimer = null;
      if (pipe.users.size === 0) this.#close(pipe, true, null);
    }, this.#options.idleMs ?? PIPE_IDLE_MS);
    pipe.idleTimer.unref();
  }

  /** The edge reports the pipe closed on its side (its worker died): its relays fail and are retried on a new one. */
  lost(pipeId: string): void {
    const pipe = this.list().find((p) => p.id === pipeId);
    if (!pipe) return;
    pipe.edgeHolds = false;
    this.#close(pipe, false, pipeGone('the edge lost the pipe', 'edge'));
  }

  /** Closes every pipe; tells the edge when `notifyEdge`. Their relays were ended by the caller. */
  closeAll(notifyEdge: boolean): void {
    for (const pipe of this.list()) this.#close(pipe, notifyEdge, null);
  }

  #open(router: ms.Router): OriginPipe {
    const pipe = new OriginPipe(router);
    this.#pipes.set(router, pipe);
    this.created++;
    pipe.ready = this.#connect(pipe);
    // Its relays learn the failure from `ready` themselves; this only forgets the pipe.
    pipe.ready.catch((err: unknown) => this.#close(pipe, true, failureOf(err)));
    return pipe;
  }

  async #connect(pipe: OriginPipe): Promise<ms.PipeTransport> {
    const { channel, config, pacing } = this.#options;
    const gate = pacing.gate(pipe.router);
    const transport = await gate.run(() => pipe.router.createPipeTransport({ listenInfo: listenInfoOf(config, 'udp'), enableSrtp: true, enableRtx: true }));
    if (pipe.closed) {
      transport.close();
      throw new Error('pipe closed while it was being opened');
    }
    pipe.transport = transport;
    // The router closed (its worker died): every stream of that worker is gone too.
    transport.observer.once('close', () => this.#close(pipe, true, pipeGone('pipe transport closed on the origin', 'origin')));
    const answer = ask<{ ip: string; port: number; srtpParameters: ms.SrtpParameters }>(channel, 'relayPipe', {
      pipeId: pipe.id,
      ip: transport.tuple.localAddress,
      port: transport.tuple.localPort,
      srtpParameters: transport.srtpParameters as unknown as Record<string, unknown>,
    });
    pipe.edgeHolds = true;
    const remote = await answer;
    if (pipe.closed) throw new Error('pipe closed while the edge set it up');
    await gate.run(() => transport.connect({ ip: remote.ip, port: remote.port, srtpParameters: remote.srtpParameters }));
    return transport;
  }

  #close(pipe: OriginPipe, notifyEdge: boolean, failure: RelayFailure | null): void {
    if (pipe.closed) return;
    pipe.closed = true;
    if (this.#pipes.get(pipe.router) === pipe) this.#pipes.delete(pipe.router);
    if (pipe.idleTimer) clearTimeout(pipe.idleTimer);
    pipe.idleTimer = null;
    pipe.transport?.close();
    const { channel, logger } = this.#options;
    if (notifyEdge && pipe.edgeHolds && channel.up) {
      channel.request('relayPipeClose', { pipeId: pipe.id }).catch((err: Error) => {
        // The edge's next digest does not list the pipe, and it closes it then.
        logger.info({ err: err.message, pipeId: pipe.id }, 'edge did not confirm relayPipeClose');
      });
    }
    pipe.edgeHolds = false;
    const users = [...pipe.users];
    pipe.users.clear();
    if (failure) for (const user of users) user.pipeLost(failure);
  }
}
