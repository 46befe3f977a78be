// Process lifecycle of one node: `npm run node -- --conf <dir>` (`node dist/index.js`).
// Loads the configuration (any mistake exits 2 before anything listens), starts the node, writes
// its pid to <dir>/node.pid (src/cli/nodeFiles.ts), reloads on SIGHUP, and closes gracefully on
// SIGINT/SIGTERM (exit 0), removing the pid file.
import './cli/nodeVersion'; // first: refuse an old Node.js before loading mediasoup
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultPidFile, type ReloadReport, removeNodeFiles, writePidFile, writeReloadReport } from './cli/nodeFiles';
import { loadConfig } from './config/load';
import { ConfigError } from './config/errors';
import { createRootLogger } from './log';
import { MediaNode } from './node/MediaNode';
import { setListenerErrorHandler } from './util/TypedEmitter';

const USAGE = [
  'usage: npm run node -- --conf <dir> [--pid-file <file>]',
  '  --conf      holds flashphoner.properties, optional loadbalancing.xml and .env (default: conf)',
  '  --pid-file  where the node writes its pid, and node.reload.json beside it (default: <dir>/node.pid)',
].join('\n');

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { conf: { type: 'string', short: 'c' }, 'pid-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const confDir = path.resolve(args.values.conf ?? 'conf');
  const pidFile = path.resolve(args.values['pid-file'] ?? defaultPidFile(confDir));
  let config;
  const warnings: string[] = [];
  try {
    config = loadConfig(confDir, process.env, (message) => warnings.push(message));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createRootLogger(config.logLevel, config.nodeId);
  setListenerErrorHandler((event, err) => logger.error({ err, event }, 'event listener threw'));
  // Config warnings wait for the logger, which the config configures.
  for (const message of warnings) logger.warn(message);
  // After an uncaught exception the process is in a state nobody designed: log it and exit non-zero,
  // so the supervisor (systemd, compose's restart policy) starts a clean one. Edges drop this
  // origin's streams when its links go and take them again from the restarted origin.
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    logger.flush?.();
    process.exit(70);
  });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));

  let node: MediaNode;
  try {
    node = await MediaNode.create(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'node failed to start');
    process.exit(1);
  }
  const role = config.loadBalancingEnabled ? 'origin' : 'node';
  logger.info(
    { port: node.port, securePort: node.securePort, relayPort: node.relayPort, workers: node.media.size, prefix: config.pathPrefix || undefined },
    `${role} "${config.nodeId}" listening on http://${config.ip}:${node.port}${config.pathPrefix}/`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10000);
    force.unref();
    node
      .close()
      .then(() => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      })
      .catch((err) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      });
  };
  // SIGHUP re-reads the config directory: an edited loadbalancing.xml applies without a restart,
  // live streams stay up. A broken file is reported and changes nothing. The outcome also goes to
  // node.reload.json, where `npm run reload` reads it (the log may be anywhere).
  process.on('SIGHUP', () => {
    const at = Date.now();
    let report: ReloadReport;
    try {
      const { edges, origins, needsRestart } = node.reload();
      report = { pid: process.pid, at, ok: true, edges, ...(origins ? { origins } : {}), needsRestart };
    } catch (err) {
      if (err instanceof ConfigError) logger.error({ file: err.file, line: err.line, key: err.key }, `reload refused: ${err.message}`);
      else logger.error({ err }, 'reload failed');
      const where = err instanceof ConfigError ? { file: err.file, line: err.line, key: err.key } : {};
      report = { pid: process.pid, at, ok: false, error: { message: (err as Error).message, ...where } };
    }
    try {
      writeReloadReport(pidFile, report);
    } catch (err) {
      logger.warn({ err, file: pidFile }, 'could not write the reload report beside the pid file');
    }
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Only now: a pid file names a node that listens and takes SIGHUP (before its handler is set,
  // SIGHUP would kill it). A read-only config directory (a container's mount) is not fatal: the
  // admin then signals the process another way (`docker compose kill -s HUP`), or uses --pid-file.
  try {
    writePidFile(pidFile);
    // Every way out (stop, the 10 s limit, an uncaught exception) goes through process.exit.
    process.on('exit', () => removeNodeFiles(pidFile));
    logger.info({ pidFile }, 'pid file written');
  } catch (err) {
    logger.warn({ err, file: pidFile }, 'could not write the pid file; `npm run reload` will not find this node (use --pid-file)');
  }
}

void main();
