// What a client session needs from its node, passed in rather than reached for: the stream
// services (every publish and play goes through them, whatever the way in) and the node's role.
// The signaling layer knows nothing of clusters: the origin's edge choice is inside PlayService.
import type { NodeConfig } from '../config/types';
import type { Logger } from '../log';
import type { PlayService } from '../streams/PlayService';
import type { PublishService } from '../streams/PublishService';
import type { StreamEventService } from '../streams/StreamEventService';

export interface NodeContext {
  readonly config: NodeConfig;
  readonly logger: Logger;
  readonly publish: PublishService;
  readonly play: PlayService;
  /** Stream events (sendData): the same service the REST call goes through. */
  readonly events: StreamEventService;
  /** 'origin', 'edge' (an origin is linked) or 'standalone'. */
  role(): 'origin' | 'edge' | 'standalone';
  /** The origins a client may publish to, for the `connect` answer (empty: do not send the field). */
  originUrls(): { id: string; url: string; secureUrl?: string }[];
}
