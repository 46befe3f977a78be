// POST /rest-api/cdn/reload: what SIGHUP does (re-read the config directory, apply the edited
// loadbalancing.xml), answered with what changed, so the console's Reload button and a script
// see the outcome instead of reading the log. Behind the admin credential: it changes state.
import { ConfigError } from '../config/errors';
import { AppError } from '../errors';
import type { HttpContext } from './HttpContext';
import { sendJson } from './respond';
import { requireAdmin } from './restApi';
import type { Router } from './router';

export function registerReloadApi(router: Router, ctx: HttpContext): void {
  router.add('POST', '/rest-api/cdn/reload', (req, res) => {
    requireAdmin(ctx, req);
    if (ctx.role() !== 'origin') throw new AppError('NOT_ALLOWED', 'only the origin has a node list to reload');
    let result;
    try {
      result = ctx.reload();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      ctx.logger.warn({ file: err.file, line: err.line, key: err.key }, `reload over REST refused: ${err.message}`);
      // The same fields the log line has: the operator fixes the file without reading the log.
      return sendJson(res, 422, { code: err.code, message: err.message, file: err.file, line: err.line, key: err.key, reason: err.reason });
    }
    ctx.logger.info({ edges: result.edges, origins: result.origins, needsRestart: result.needsRestart }, 'reloaded over REST');
    sendJson(res, 200, {
      edges: result.edges ?? { added: [], removed: [], kept: [] },
      ...(result.origins ? { origins: result.origins } : {}),
      needsRestart: result.needsRestart,
    });
  });
}
