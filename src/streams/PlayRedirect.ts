// Where a player is sent instead of being served here: the origin's answer to "play X". The
// cluster layer computes it; the play service hands it to whichever way in asked (command channel
// or WHEP), each of which needs a different URL of the same edge.
export interface PlayRedirect {
  /** The edge's node id, for the client's display, logs and tests. */
  nodeId: string;
  /** The edge's command channel URL, e.g. ws://10.0.0.2:8080/ */
  url: string;
  /** The edge's HTTP base (scheme, host, port and path prefix), for WHEP's 307, e.g. http://10.0.0.2:8080/prefix */
  httpBase: string;
}
