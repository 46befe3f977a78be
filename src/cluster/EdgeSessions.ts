// The edge's relay sessions, one per origin (by origin id), each bound to the origin instance that
// made it and to the link that carries it now, if any. A link that drops or goes silent is not an
// origin that died: its session is kept for `cdn.link_grace_ms` while its pipes still carry media,
// so the players of its streams keep playing, and the next link of the same instance takes it over
// as it is (no pipe re-created, no player disturbed). The grace ends early for any pipe on which
// nothing arrived for `cdn.heartbeat_timeout_ms` (that pipe and its streams go), and at once for a
// new instance of the origin (a restart: its relay ids mean nothing to it). The decisions are the
// pure functions of relayGrace.ts; this file does the sampling, the timers and the logging.
//
// A session in grace may also lose a stream to another origin: when the dead origin's publisher
// republished the name on another origin, that origin's relay takes the stream over (same Stream,
// same players, new producers; the rule in relayTakeover.ts).
import type { NodeConfig } from '../config/types';
import type { Logger } from '../log';
import type { PublishService } from '../streams/PublishService';
import { EdgeRelaySession } from './EdgeRelaySession';
import type { Stream } from '../streams/Stream';
import { graceExpired, sessionOnLink } from './relayGrace';
import { ORIGIN_RANK, relayTakeover } from './relayTakeover';

/** What a session needs of the link that carries it: a way to tell the origin something. */
export interface SessionLink {
  notify(method: string, data: Record<string, unknown>): void;
}

interface Entry {
  readonly session: EdgeRelaySession;
  readonly originId: string;
  readonly instanceId: string;
  /** The link that carries the session now; null while in grace. */
  link: SessionLink | null;
  /** When the link went (grace started), or null while a link carries the session. */
  downSince: number | null;
  readonly sampler: NodeJS.Timeout;
  /** A sample is being taken (worker requests): the next tick waits for it. */
  sampling: boolean;
  /** How near this feeder is in the relay tree (its `upstream` notification); ORIGIN_RANK until it says. */
  rank: number;
}

/** How often a relay waiting for another origin's (awaitHolder) looks again, and how long past the silence timeout it waits. */
const HOLDER_POLL_MS = 50;
const HOLDER_WAIT_SLACK_MS = 300;

function holderState(entry: Entry | undefined): 'up' | 'in-grace' | 'gone' {
  if (!entry || entry.session.closed) return 'gone';
  return entry.downSince === null ? 'up' : 'in-grace';
}

export class EdgeSessions {
  readonly #entries = new Map<string, Entry>();
  readonly #config: Pick<NodeConfig, 'cdnLinkGraceMs' | 'cdnHeartbeatTimeoutMs'>;
  readonly #publish: PublishService;
  readonly #logger: Logger;

  /** A relay feeder's link went with streams on it (relay tiers): they are asked of the other feeders (a group's fall-backs). */
  readonly #orphaned: ((streams: string[]) => void) | undefined;

  constructor(options: {
    config: Pick<NodeConfig, 'cdnLinkGraceMs' | 'cdnHeartbeatTimeoutMs'>;
    publish: PublishService;
    logger: Logger;
    orphaned?: (streams: string[]) => void;
  }) {
    this.#orphaned = options.orphaned;
    this.#config = options.config;
    this.#publish = options.publish;
    this.#logger = options.logger;
  }

  /** Origins in grace (link down, streams kept), for operators and tests. */
  inGrace(): string[] {
    return [...this.#entries.values()].filter((e) => e.downSince !== null).map((e) => e.originId);
  }

  /**
   * The session of an origin instance, now carried by `link`: the same instance's session resumes
   * (out of grace), another instance's is closed first (its streams' players get UNPUBLISHED).
   */
  attach(originId: string, instanceId: string, link: SessionLink): EdgeRelaySession {
    const existing = this.#entries.get(originId) ?? null;
    const action = sessionOnLink(existing, instanceId);
    if (existing && action === 'resume') {
      if (existing.downSince !== null) {
        this.#logger.info(
          { origin: originId, streams: existing.session.streams().length, downMs: Date.now() - existing.downSince },
          'origin link back within cdn.link_grace_ms; its streams resume as they were',
        );
      }
      existing.link = link;
      existing.downSince = null;
      return existing.session;
    }
    if (existing) this.#end(existing, 'the origin restarted (a new instance); its old streams dropped');
    const entry: Entry = {
      session: new EdgeRelaySession({
        originId,
        publish: this.#publish,
        logger: this.#logger,
        // Dropped while in grace: the origin learns what is missing from the next digest's answer.
        notify: (method, data) => entry.link?.notify(method, data),
        takeOver: (held) => this.#takeOver(originId, held),
        awaitHolder: (name) => this.awaitHolder(originId, name),
      }),
      originId,
      instanceId,
      link,
      downSince: null,
      sampler: setInterval(() => void this.#tick(entry), this.#sampleMs()),
      sampling: false,
      rank: ORIGIN_RANK,
    };
    entry.sampler.unref();
    this.#entries.set(originId, entry);
    return entry.session;
  }

  /** The feeder on `link` says how near it is in the relay tree (relayProtocol.ts `upstream`). */
  setRank(link: SessionLink, rank: number): void {
    const entry = [...this.#entries.values()].find((e) => e.link === link);
    if (entry) entry.rank = rank;
  }

  /** `link` no longer carries its session: the session enters grace (or ends, with cdn.link_grace_ms=0). */
  detach(link: SessionLink, why: string): void {
    const entry = [...this.#entries.values()].find((e) => e.link === link);
    if (!entry) return;
    entry.link = null;
    if (this.#config.cdnLinkGraceMs === 0) return this.#end(entry, `origin link down (${why}); its streams dropped`);
    entry.downSince = Date.now();
    this.#logger.warn(
      { origin: entry.originId, streams: entry.session.streams().length, graceMs: this.#config.cdnLinkGraceMs },
      `origin link down (${why}); its streams kept for cdn.link_grace_ms while their pipes carry media`,
    );
    // A pipe already silent (a partition cuts media too) goes now, not one sample later.
    this.#enforce(entry);
    // A relay (not an origin) that fed this node: a fall-back of its group stands in at once,
    // taking each stream over in place while this session is in grace (tiers.ts).
    const streams = entry.session.streams();
    if (entry.rank < ORIGIN_RANK && streams.length > 0 && !entry.session.closed) this.#orphaned?.(streams);
  }

  /** The origin ended the session carried by `link` on purpose (`relayEnd`): its streams go now. */
  end(link: SessionLink, why: string): void {
    const entry = [...this.#entries.values()].find((e) => e.link === link);
    if (entry) this.#end(entry, why);
  }

  close(): void {
    for (const entry of [...this.#entries.values()]) this.#end(entry, 'node closing');
  }

  #sampleMs(): number {
    // Four samples per silence timeout: a silent pipe is noticed within a quarter of it.
    return Math.max(20, Math.min(250, Math.floor(this.#config.cdnHeartbeatTimeoutMs / 4)));
  }

  async #tick(entry: Entry): Promise<void> {
    if (entry.sampling || this.#entries.get(entry.originId) !== entry) return;
    entry.sampling = true;
    try {
      await entry.session.sample(Date.now());
    } finally {
      entry.sampling = false;
    }
    // Decided on the state after the await: the link may have come back (or the entry ended) meanwhile.
    this.#enforce(entry);
  }

  /** In grace: ends the session when the grace is over, else drops the pipes that went silent. */
  #enforce(entry: Entry): void {
    if (entry.downSince === null || this.#entries.get(entry.originId) !== entry) return;
    const now = Date.now();
    if (graceExpired(entry.downSince, now, this.#config.cdnLinkGraceMs)) {
      return this.#end(entry, `origin link still down after cdn.link_grace_ms (${this.#config.cdnLinkGraceMs} ms); its streams dropped`);
    }
    const silent = entry.session.dropSilent(this.#config.cdnHeartbeatTimeoutMs);
    if (silent.length > 0) {
      this.#logger.warn(
        { origin: entry.originId, pipes: silent.length },
        'relay pipes silent past cdn.heartbeat_timeout_ms while the link is down; their streams dropped',
      );
    }
  }

  /** Whether `originId`'s relay may take `held` over now; if so, its holder lets go of it first. */
  #takeOver(originId: string, held: Stream): boolean {
    if (held.source.kind !== 'relay') return false;
    const holder = this.#entries.get(held.source.originId);
    const state = holderState(holder);
    const rank = this.#entries.get(originId)?.rank ?? ORIGIN_RANK;
    if (relayTakeover({ originId: held.source.originId, holder: state, rank: holder?.rank }, originId, true, rank) !== 'take') return false;
    // An up holder too lets go of it: a nearer feeder (relay tiers) takes it from its stand-in.
    if (holder && state !== 'gone' && !holder.session.release(held)) return false;
    this.#logger.warn(
      { stream: held.name, from: held.source.originId, to: originId },
      state === 'up'
        ? 'a nearer feeder (its relay is back) takes the stream from the one that stood in for it; players keep playing'
        : 'origin in grace lost a stream to another origin that relays it now (its publisher moved, or its relay failed); players keep playing',
    );
    return true;
  }

  /**
   * Resolves once the origin that holds `name` (if another than `originId`) is no longer up, or
   * after cdn.heartbeat_timeout_ms and a little: how long this edge takes to notice a silent origin
   * (relayTakeover.ts, the wait). Polled: the holder's state is re-read each time, nothing is acted on.
   */
  async awaitHolder(originId: string, name: string): Promise<void> {
    const deadline = Date.now() + this.#config.cdnHeartbeatTimeoutMs + HOLDER_WAIT_SLACK_MS;
    while (Date.now() < deadline) {
      const holder = [...this.#entries.values()].find((e) => e.originId !== originId && e.session.holds(name));
      const rank = this.#entries.get(originId)?.rank ?? ORIGIN_RANK;
      if (!holder || relayTakeover({ originId: holder.originId, holder: holderState(holder), rank: holder.rank }, originId, false, rank) !== 'wait') return;
      await new Promise((resolve) => setTimeout(resolve, HOLDER_POLL_MS).unref());
    }
  }

  #end(entry: Entry, why: string): void {
    if (this.#entries.get(entry.originId) === entry) this.#entries.delete(entry.originId);
    clearInterval(entry.sampler);
    const streams = entry.session.streams().length;
    entry.session.close();
    this.#logger.info({ origin: entry.originId, streams }, why);
  }
}
