// Standard ways in (issue 5): /rtcloadbalance, WHIP/WHEP, the secure proxy, WCS's REST calls. Registered on every
// node; each endpoint decides itself whether it serves on an origin, an edge or both.
import type { HttpContext } from './HttpContext';
import type { UpgradeHandler } from './HttpServer';
import { registerRtcLoadBalance } from './rtcLoadBalance';
import type { Router } from './router';
import { registerSecureProxy, secureProxyUpgrades } from './secureProxy';
import { registerStreamEventRest } from './streamEventRest';
import { registerWcsRest } from './wcsRest';
import { registerWhep } from './whep';
import { registerWhip } from './whip';

export function registerStandardApi(router: Router, ctx: HttpContext): void {
  registerRtcLoadBalance(router, ctx);
  registerWhip(router, ctx);
  registerWhep(router, ctx);
  registerSecureProxy(router, ctx);
  registerWcsRest(router, ctx);
  registerStreamEventRest(router, ctx);
}

/** Extra WebSocket endpoints by path (after the prefix). */
export function standardUpgrades(ctx: HttpContext): Record<string, UpgradeHandler> {
  return { ...secureProxyUpgrades(ctx) };
}
