// The origin's relays to one edge and the pipes they share (OriginPipes), apart from the link that
// carries their commands (EdgeLink): one StreamRelay per local stream, keyed by stream name, each
// with its own relay id. A relay that fails for a reason that can pass is retried with back-off
// (relayRetry.ts); the edge's notices about what it lost (`relayStreamClosed`, `relayPipeClosed`)
// and the two-way digest (`relayDigest` out, `relayHeld` back) are handled here.
//
// The session outlives a blip of the link: when the link drops, the relays and pipes are kept for
// `cdn.link_grace_ms` (suspend(); the edge keeps its side as long, while media flows), and when the
// link comes back the digest's answer says what the edge lost meanwhile, which is relayed again at
// once (relayGrace.ts reconcileHeld). Only when the grace ends is everything dropped.
import type { NodeConfig } from '../config/types';
import type { ErrorCode } from '../errors';
import type { Logger } from '../log';
import type { Stream } from '../streams/Stream';
import { OriginPipes } from './OriginPipes';
import type { RelayChannel } from './relayChannel';
import type { RelayPacing } from './relayPacing';
import { type DigestSnapshot, reconcileHeld } from './relayGrace';
import { relayEventsHeldNotification, relayHeldNotification, relayPipeClosedNotification, relayStreamClosedNotification } from './relayProtocol';
import { isPermanent, relayRetryDelay, type RelayFailure } from './relayRetry';
import { StreamRelay } from './StreamRelay';

export interface RelaySessionOptions {
  channel: RelayChannel;
  config: NodeConfig;
  logger: Logger;
  /** The origin's relay pacing (relayPacing.ts), shared with every other edge's session. */
  pacing: RelayPacing;
  /** Progress of a stream's relay (set up, or one more track relayed). */
  relayed: (stream: string) => void;
  /** A relay failed with that code (counted for the console and /metrics). */
  failed: (code: ErrorCode, stream: string) => void;
}

/** What the origin's `relayDigest` lists (relayProtocol.ts). */
export type RelayDigest = {
  seq: number;
  pipes: string[];
  streams: { stream: string; relayId: string; pipeId: string }[];
};

export class RelaySession {
  readonly pipes: OriginPipes;
  readonly #options: RelaySessionOptions;
  readonly #logger: Logger;
  readonly #relays = new Map<string, StreamRelay>();
  /** Per relayed stream: forgets it here when the stream closes (removed with the relay). */
  readonly #closeListeners = new Map<string, { stream: Stream; listener: () => void }>();
  /** Consecutive failed relays per stream name, for the back-off; cleared by a complete relay. */
  readonly #failures = new Map<string, number>();
  readonly #retryTimers = new Map<string, NodeJS.Timeout>();
  /** What the last digest listed, for the edge's answer to it. */
  #snapshot: DigestSnapshot | null = null;
  #seq = 0;
  /** Ends the session when the link stays down past cdn.link_grace_ms (set while suspended). */
  #graceTimer: NodeJS.Timeout | null = null;

  constructor(options: RelaySessionOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.pipes = new OriginPipes({
      channel: options.channel,
      config: options.config,
      logger: options.logger,
      pacing: options.pacing,
      idleMs: options.config.cdnPipeIdleMs,
    });
  }

  /** The relay state of a stream on this edge, or null when it is not relayed here. */
  relayOf(stream: string): StreamRelay | null {
    return this.#relays.get(stream) ?? null;
  }

  /** Every relay (pending, relayed or failed). */
  relays(): StreamRelay[] {
    return [...this.#relays.values()];
  }

  /** Starts relaying a stream, unless it is relayed already or closed. The caller knows the link is up. */
  relay(stream: Stream): void {
    if (this.#relays.has(stream.name) || stream.closed || !this.#options.channel.up) return;
    const name = stream.name;
    const relay = new StreamRelay(stream, { channel: this.#options.channel, pipes: this.pipes, pacing: this.#options.pacing }, this.#logger, {
      relayed: () => {
        if (relay.complete) this.#failures.delete(name);
        this.#options.relayed(name);
      },
      failed: (failure) => this.#onRelayFailed(stream, relay, failure),
    });
    this.#relays.set(name, relay);
    const listener = () => {
      if (this.#relays.get(name) !== relay) return;
      this.#forget(name);
      relay.close(true);
    };
    stream.once('close', listener);
    this.#closeListeners.set(name, { stream, listener });
  }

  /**
   * Ends one stream's relay on purpose (an on-demand edge's linger ran out): the edge is told to
   * drop it, and the next digest no longer lists it, so the edge's relayHeld cannot bring it back.
   */
  end(name: string): void {
    const relay = this.#relays.get(name);
    if (!relay) return;
    this.#forget(name);
    relay.close(true);
  }

  /**
   * Every pipe and relay sent to the edge (relayPipe, relayStream), for the edge to drop what nobody
   * ends any more and to answer with what it holds. One not sent yet is left out: the edge holds
   * nothing of it; so is a failed one, which the edge is to drop.
   */
  digest(): RelayDigest {
    const streams = [...this.#relays].flatMap(([stream, relay]) =>
      relay.onEdge && relay.pipeId !== null ? [{ stream, relayId: relay.id, pipeId: relay.pipeId }] : [],
    );
    const pipes = this.pipes
      .list()
      .filter((p) => p.edgeHolds)
      .map((p) => p.id);
    const seq = ++this.#seq;
    this.#snapshot = { seq, pipes: new Set(pipes), relays: new Map(streams.map((s) => [s.relayId, s.stream])) };
    return { seq, pipes, streams };
  }

  /** The link dropped: keep every relay and pipe for `graceMs` (0: drop them now), then drop them. */
  suspend(graceMs: number): void {
    this.#snapshot = null; // an answer to a digest of the old link means nothing now
    // Events wait in their streams' logs until the edge says which it has (relayEventsHeld).
    for (const relay of this.#relays.values()) relay.pauseEvents();
    if (graceMs === 0) return this.dropAll();
    if (this.#graceTimer) return;
    this.#logger.warn({ relays: this.#relays.size, graceMs }, 'edge link down; relays kept for cdn.link_grace_ms');
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = null;
      this.#logger.warn({ relays: this.#relays.size }, 'edge link still down after cdn.link_grace_ms; relays dropped');
      this.dropAll();
    }, graceMs);
    this.#graceTimer.unref();
  }

  /** The link is up again: the kept relays carry on; the digest that follows settles the differences. */
  resume(): void {
    if (!this.#graceTimer) return;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    this.#logger.info({ relays: this.#relays.size }, 'edge link back within cdn.link_grace_ms; relays kept');
  }

  /** The edge's notices about relays it lost (`relayStreamClosed`, `relayPipeClosed`); false for other methods. */
  notice(method: string, data: Record<string, unknown>): boolean {
    if (method === 'relayStreamClosed') {
      const lost = relayStreamClosedNotification.safeParse(data);
      if (!lost.success) {
        this.#logger.warn('edge sent a bad relayStreamClosed');
        return true;
      }
      const relay = this.#relays.get(lost.data.stream);
      // A late notice about an earlier relay of that name must not fail the current one.
      if (relay && (lost.data.relayId === undefined || lost.data.relayId === relay.id)) relay.lostOnEdge();
      return true;
    }
    if (method === 'relayHeld') {
      const held = relayHeldNotification.safeParse(data);
      if (!held.success) this.#logger.warn('edge sent a bad relayHeld');
      else this.#restoreMissing(held.data.seq, held.data.pipes, held.data.streams);
      return true;
    }
    if (method === 'relayEventsHeld') {
      const held = relayEventsHeldNotification.safeParse(data);
      if (!held.success) this.#logger.warn('edge sent a bad relayEventsHeld');
      else this.#resyncEvents(held.data.seq, held.data.relays);
      return true;
    }
    if (method === 'relayPipeClosed') {
      const lost = relayPipeClosedNotification.safeParse(data);
      if (!lost.success) {
        this.#logger.warn('edge sent a bad relayPipeClosed');
        return true;
      }
      // A late notice about an earlier pipe names an id no live pipe has: nothing happens.
      this.pipes.lost(lost.data.pipeId);
      return true;
    }
    return false;
  }

  /**
   * The edge's answer to a digest: what it listed that the edge no longer holds (lost there while
   * the link was down, or by any other means) is relayed again now, on a new pipe where the pipe
   * is gone too. A relay that failed meanwhile is left to its retry.
   */
  #restoreMissing(seq: number, pipes: string[], streams: { relayId: string }[]): void {
    const missing = reconcileHeld(this.#snapshot, { seq, pipes, relayIds: streams.map((s) => s.relayId) });
    if (!missing || (missing.missingPipes.length === 0 && missing.missingRelays.length === 0)) return;
    this.#logger.warn({ pipes: missing.missingPipes.length, relays: missing.missingRelays.length }, 'edge lost relays (relayHeld); relaying them again');
    // Chosen before the lost pipes fail their relays: a relay replaced since, or failed for a reason
    // of its own before this answer (retried with back-off), is left alone.
    const restore = missing.missingRelays.flatMap(({ relayId, stream }) => {
      const relay = this.#relays.get(stream);
      return relay && relay.id === relayId && (relay.state === 'relayed' || relay.state === 'pending') ? [relay] : [];
    });
    for (const pipeId of missing.missingPipes) this.pipes.lost(pipeId);
    for (const relay of restore) {
      const stream = relay.stream.name;
      if (this.#relays.get(stream) !== relay) continue;
      this.#forget(stream);
      relay.close(false);
      this.relay(relay.stream);
    }
  }

  /**
   * The edge's answer to the last digest, for events: each relay whose events waited through a blip
   * sends the edge those after the last it has. An answer to an older digest is ignored (the next
   * one comes within cdn.relay_digest_ms).
   */
  #resyncEvents(seq: number, relays: { relayId: string; eventSeq: number }[]): void {
    if (this.#snapshot?.seq !== seq) return;
    const held = new Map(relays.map((r) => [r.relayId, r.eventSeq]));
    for (const relay of this.#relays.values()) {
      if (relay.eventsPaused && held.has(relay.id)) relay.resyncEvents(held.get(relay.id));
    }
  }

  /** Ends every relay and pipe here without telling the edge (its link is gone). */
  dropAll(): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    this.#snapshot = null;
    for (const [name, relay] of [...this.#relays]) {
      this.#forget(name);
      relay.close(false);
    }
    this.pipes.closeAll(false);
  }

  /**
   * A relay that failed for a reason that can pass (the edge has a local stream of that name, a
   * timeout, a pipe lost) is tried again while the link is up and the stream lives, after 2 s,
   * 4 s, 8 s ... at most 30 s, so the edge catches up by itself once the cause is gone. One the edge
   * refused for good (a name or codec it does not take) stays failed until the link is
   * re-established. Either way the failed state and its reason stay visible in find_all.
   */
  #onRelayFailed(stream: Stream, failed: StreamRelay, failure: RelayFailure): void {
    const name = stream.name;
    if (this.#relays.get(name) !== failed) return;
    const log = { stream: name, code: failure.code, err: failure.message };
    this.#options.failed(failure.code, name);
    if (isPermanent(failure)) {
      this.#logger.warn(log, 'relay to edge failed; not retried: the edge refuses it for good');
      return;
    }
    const attempt = this.#failures.get(name) ?? 0;
    this.#failures.set(name, attempt + 1);
    const delay = relayRetryDelay(attempt);
    // The first failure of a streak is worth a warning; the retries that follow are routine.
    this.#logger[attempt === 0 ? 'warn' : 'info']({ ...log, attempt: attempt + 1, retryInMs: delay }, 'relay to edge failed; retrying');
    const timer = setTimeout(() => {
      this.#retryTimers.delete(name);
      if (this.#relays.get(name) !== failed || stream.closed) return;
      this.#relays.delete(name);
      this.#removeCloseListener(name);
      failed.close(true);
      this.relay(stream);
    }, delay);
    timer.unref();
    this.#retryTimers.set(name, timer);
  }

  /** Drops everything kept about a stream's relay (not the relay itself). */
  #forget(name: string): void {
    this.#relays.delete(name);
    this.#removeCloseListener(name);
    this.#failures.delete(name);
    const timer = this.#retryTimers.get(name);
    if (timer) clearTimeout(timer);
    this.#retryTimers.delete(name);
  }

  #removeCloseListener(name: string): void {
    const entry = this.#closeListeners.get(name);
    if (entry) entry.stream.off('close', entry.listener);
    this.#closeListeners.delete(name);
  }
}
