// Standard ways in (issue 5): /rtcloadbalance, WHIP/WHEP, the secure proxy. Registered on every
// node by MediaNode; each endpoint decides itself whether it serves on an origin, an edge or both.
import type { MediaNode } from '../node/MediaNode';
import type { UpgradeHandler } from './HttpServer';
import { registerRtcLoadBalance } from './rtcLoadBalance';
import type { Router } from './router';
import { registerSecureProxy, secureProxyUpgrades } from './secureProxy';
import { registerWhep } from './whep';
import { registerWhip } from './whip';

export function registerStandardApi(router: Router, node: MediaNode): void {
  registerRtcLoadBalance(router, node);
  registerWhip(router, node);
  registerWhep(router, node);
  registerSecureProxy(router, node);
}

/** Extra WebSocket endpoints by path (after the prefix). */
export function standardUpgrades(node: MediaNode): Record<string, UpgradeHandler> {
  return { ...secureProxyUpgrades(node) };
}
