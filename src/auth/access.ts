// Who may publish and play on this node: the one decision the publish and play services ask for,
// whatever the way in (command channel, WHIP, WHEP). Pure: config, credentials and the clock in,
// an AppError out when the answer is no.
import type { NodeConfig } from '../config/types';
import { AppError } from '../errors';
import { tokenKeys, verifyToken, type TokenAction } from './tokens';

export type AccessConfig = Pick<
  NodeConfig,
  | 'tokenSecret'
  | 'tokenKeyId'
  | 'tokenSecretPrevious'
  | 'tokenKeyIdPrevious'
  | 'publishAuth'
  | 'playAuth'
  | 'publishAllowDirect'
  | 'loadBalancingEnabled'
  | 'cdnSecret'
>;

/** What a client presents with a publish or play: its token (if any) and its address as seen here. */
export interface Credentials {
  token?: string | null;
  /** The client's address (the socket's remote address), or null when unknown. */
  ip: string | null;
}

/**
 * Throws UNAUTHORIZED (no token, a malformed, badly signed or expired one) or FORBIDDEN (a valid
 * token that does not cover this action, stream or address) when the node requires a token for
 * `action`; returns quietly when it does not (`auth.publish` / `auth.play` = open).
 */
export function checkToken(config: AccessConfig, action: TokenAction, stream: string, credentials: Credentials, now = Date.now()): void {
  const mode = action === 'publish' ? config.publishAuth : config.playAuth;
  if (mode === 'open') return;
  const check = verifyToken(credentials.token, tokenKeys(config), { action, stream, ip: credentials.ip, now });
  if (!check.ok) throw new AppError(check.code, `${action} "${stream}" refused: ${check.reason}`);
}

/**
 * Whether clients may publish here. `publish.allow_direct` decides when set; `auto` (the default)
 * refuses on an edge, recognised as a node that is not the origin but holds a cluster secret:
 * its streams come from the origin only, so a stranger cannot squat a name there before the relay.
 */
export function directPublishAllowed(config: Pick<AccessConfig, 'publishAllowDirect' | 'loadBalancingEnabled' | 'cdnSecret'>): boolean {
  if (config.publishAllowDirect !== null) return config.publishAllowDirect;
  return config.loadBalancingEnabled || config.cdnSecret === '';
}

/** Throws NOT_ALLOWED on a node where clients may not publish (see directPublishAllowed). */
export function checkDirectPublish(config: AccessConfig, stream: string): void {
  if (directPublishAllowed(config)) return;
  throw new AppError(
    'NOT_ALLOWED',
    `publish "${stream}" refused: this node is an edge and takes streams from its origin only (publish.allow_direct); publish on the origin`,
  );
}
