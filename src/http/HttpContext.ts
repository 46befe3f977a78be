// What the HTTP handlers need from their node, and nothing more: the stream services every way in
// goes through, read-only views for the REST API, and the origin's cluster (null elsewhere). The
// node builds it; handlers never see the node itself, so http/ does not import node/.
import type { OriginCluster } from '../cluster/OriginCluster';
import type { NodeConfig } from '../config/types';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log';
import type { PlayService } from '../streams/PlayService';
import type { PublishService } from '../streams/PublishService';
import type { StreamEventService } from '../streams/StreamEventService';
import type { StreamRegistry } from '../streams/StreamRegistry';
import type { WebRtcHttpSessions } from './WebRtcHttpSessions';
import type { NodeMonitor } from './consoleGather';

/** A command-channel client, as `/rest-api/connection/find_all` lists it. */
export interface ClientView {
  id: string;
  clientName: string;
  remoteAddress: string;
  secure: boolean;
  connectedAt: string;
  publishing: string[];
  playing: string[];
}

export interface HttpContext {
  readonly config: NodeConfig;
  readonly logger: Logger;
  /** Read-only use: the REST API lists streams; publishing and playing go through the services. */
  readonly streams: StreamRegistry;
  readonly publish: PublishService;
  readonly play: PlayService;
  /** Stream events (/rest-api/stream/event/send). */
  readonly events: StreamEventService;
  /** WHIP/WHEP sessions by id (their Location URLs). */
  readonly webrtcHttp: WebRtcHttpSessions;
  /** The origin's edge links and edge choice; null on an edge or a standalone node. */
  readonly origin: OriginCluster | null;
  /** A relay's links to the nodes it feeds (relay tiers); null on an origin and on a node that feeds none. */
  readonly tier: OriginCluster | null;
  /** 'origin', 'edge' (an origin is linked) or 'standalone'. */
  role(): 'origin' | 'edge' | 'standalone';
  /** The client's address behind trusted proxies (clientAddress.ts): what limits, tokens and logs use. */
  clientAddress(req: IncomingMessage): string;
  /** True once the node is shutting down. */
  closing(): boolean;
  /** This node's CPU share, 0..1 (its process and its workers), for /?action=stat. */
  cpuLoad(): number;
  /**
   * Worker pids, transports and consumers per worker, and why the workers are not healthy (a
   * worker not answering its watchdog, or dead and being replaced; empty when healthy), for /healthz.
   */
  workers(): { pids: number[]; load: { pid: number; transports: number; consumers: number }[]; problems: string[] };
  /** Connected command-channel clients. */
  clients(): ClientView[];
  /** On an edge: the origins linked to it and the streams each relays here. */
  originLinks(): { originId: string; remote: string; since: string; streams: string[] }[];
  /** The console's measurements: CPU load, traffic, the origin's relay stats (docs/console.md). */
  readonly monitor: NodeMonitor;
  /** SIGHUP's work (MediaNode.reload): throws the ConfigError of a broken file, changing nothing. */
  reload(): {
    edges: { added: string[]; removed: string[]; kept: string[]; updated: string[] } | null;
    /** Only for a cluster of several origins (<origin>, before or after). */
    origins?: { added: string[]; removed: string[]; kept: string[] };
    needsRestart: string[];
  };
}
