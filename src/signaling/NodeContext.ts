// What a client session needs from its node, passed in rather than reached for, so the signaling
// layer stays ignorant of clusters: the origin plugs its edge choice in as `redirectPlay`.
import type { NodeConfig } from '../config/types';
import type { Logger } from '../log';
import type { MediaPool } from '../media/MediaPool';
import type { StreamRegistry } from '../streams/StreamRegistry';

import type { PlayRedirect } from '../streams/PlayRedirect';

export interface NodeContext {
  readonly config: NodeConfig;
  readonly logger: Logger;
  readonly media: MediaPool;
  readonly streams: StreamRegistry;
  /**
   * Where a player should play `stream` instead of here, or null to serve it on this node.
   * Throws STREAM_NOT_FOUND when the cluster knows no such stream. Set on the origin only.
   */
  redirectPlay?: (stream: string, secure: boolean) => Promise<PlayRedirect | null>;
  /** 'origin', 'edge' (an origin is linked) or 'standalone'. */
  role(): 'origin' | 'edge' | 'standalone';
}
