// The origin's relay traffic, per edge and per stream relayed there, read from each relay's pipe
// consumers' mediasoup stats. Those counters start at zero with each relay (a retry or a reconnect
// makes new consumers), so the per-edge totals /metrics exports are kept here as sums of what each relay added
// since the last read: they only grow, as Prometheus counters must. Reads closer than a second
// share one measurement (the console and a scrape may ask at once).
import type { Logger } from '../log';
import type { EdgeLink } from './EdgeLink';
import type { RelayTraffic } from './StreamRelay';

export type Counters = Omit<RelayTraffic, 'bitrate'>;

export interface RelaySample {
  at: number;
  /** Per edge id: totals since the origin started (only growing) and the current bits/s. */
  edges: Map<string, Counters & { bitrate: number }>;
  /** Per edge id, per stream: the live relay's own traffic. */
  relays: Map<string, Map<string, RelayTraffic>>;
}

const ZERO: Counters = { bytesSent: 0, packetsSent: 0, packetsLost: 0, packetsRetransmitted: 0 };
const KEYS = Object.keys(ZERO) as (keyof Counters)[];

/**
 * Adds to `totals` what each relay sent since its previous reading (`previous`, by relay id) and
 * returns the new readings. A relay seen for the first time counts from zero; a counter that went
 * down (it cannot, unless mediasoup restarted it) adds nothing. Pure.
 */
export function accumulate(totals: Counters, previous: ReadonlyMap<string, Counters>, current: ReadonlyMap<string, Counters>): Map<string, Counters> {
  for (const [id, now] of current) {
    const before = previous.get(id) ?? ZERO;
    for (const key of KEYS) totals[key] += Math.max(0, now[key] - before[key]);
  }
  return new Map(current);
}

export class RelayStats {
  readonly #links: () => readonly EdgeLink[];
  readonly #logger: Logger;
  readonly #totals = new Map<string, Counters>();
  /** Last counters of each live relay, per edge, by relay id. */
  readonly #readings = new Map<string, Map<string, Counters>>();
  #last: RelaySample | null = null;
  #reading: Promise<RelaySample> | null = null;

  constructor(links: () => readonly EdgeLink[], logger: Logger) {
    this.#links = links;
    this.#logger = logger;
  }

  read(): Promise<RelaySample> {
    if (this.#last && Date.now() - this.#last.at < 1000) return Promise.resolve(this.#last);
    this.#reading ??= this.#measure().finally(() => (this.#reading = null));
    return this.#reading;
  }

  async #measure(): Promise<RelaySample> {
    const sample: RelaySample = { at: 0, edges: new Map(), relays: new Map() };
    const links = this.#links();
    // The edges at once, each edge's relays one after the other: with 50 edges and 20 streams one
    // after the other (2000 pipe consumers, each a worker round trip) a scrape took over a minute on
    // a busy machine; at most one request per edge is in the worker's hands at a time.
    const readings = await Promise.all(links.map((link) => this.#readLink(link)));
    links.forEach((link, i) => {
      const id = link.edge.id;
      const { relays, byRelayId } = readings[i];
      const totals = this.#totals.get(id) ?? { ...ZERO };
      this.#totals.set(id, totals);
      this.#readings.set(id, accumulate(totals, this.#readings.get(id) ?? new Map(), byRelayId));
      const bitrate = [...relays.values()].reduce((sum, t) => sum + t.bitrate, 0);
      sample.edges.set(id, { ...totals, bitrate });
      sample.relays.set(id, relays);
    });
    // Edges removed by a reload: their series end.
    const present = new Set(links.map((l) => l.edge.id));
    for (const id of [...this.#totals.keys()]) {
      if (present.has(id)) continue;
      this.#totals.delete(id);
      this.#readings.delete(id);
    }
    sample.at = Date.now();
    this.#last = sample;
    return sample;
  }

  /** One edge's relays' traffic now, by stream and by relay id. */
  async #readLink(link: EdgeLink): Promise<{ relays: Map<string, RelayTraffic>; byRelayId: Map<string, Counters> }> {
    const id = link.edge.id;
    const relays = new Map<string, RelayTraffic>();
    const byRelayId = new Map<string, Counters>();
    for (const relay of link.relays()) {
      try {
        const traffic = await relay.stats();
        if (!traffic) continue;
        relays.set(relay.stream.name, traffic);
        byRelayId.set(relay.id, traffic);
      } catch (err) {
        // The pipe or a consumer closed while being read: that relay is ending; its last reading
        // is kept, so a later reading does not count it again from zero.
        const previous = this.#readings.get(id)?.get(relay.id);
        if (previous) byRelayId.set(relay.id, previous);
        this.#logger.debug({ edge: id, stream: relay.stream.name, err: (err as Error).message }, 'relay stats: pipe closed while being read');
      }
    }
    return { relays, byRelayId };
  }
}
