process.env.TZ ??= 'Asia/Shanghai';

import { clientErrorHandler } from './http/clientError.js';
import type { Server } from 'node:http';
import { loadConfig, ConfigError, type Config } from './config.js';
import { logger, setLogLevel } from './lib/logger.js';
import { currentRequestId } from './lib/context.js';
import { openDatabase, type Database } from './db/connection.js';
import { createApp } from './app.js';
import { seedAdminKey } from './modules/auth/index.js';
import { configureImports, resumeImports, stopImports } from './modules/imports/index.js';
import { flagIncompleteEnterprises } from './modules/enterprises/index.js';
import { runOnce } from './db/once.js';
import { startScheduler, type Scheduler } from '../jobs/scheduler.js';
import { jobDefinitions } from '../jobs/index.js';
import { EmbeddedDbUnavailable } from './db/embedded.js';
import { setEngine } from './modules/publicity/index.js';
import { validateGradingConfig } from './modules/grading/index.js';
import { refreshSchedules, startCalendarRefresh } from './modules/calendar/index.js';

/** How often each instance re-reads the loaded holiday schedules (another instance may have loaded one). */
const CALENDAR_REFRESH_MS = 60_000;

function readConfig(): Config {
  try {
    const config = loadConfig();
    validateGradingConfig(); // config/scorecard.json, config/supervision-policy.json
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`配置无效 (invalid configuration):\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  setLogLevel(config.logLevel);
  /** What is running, so a signal at any point of start-up stops exactly that. */
  const running: { db?: Database; server?: Server; scheduler?: Scheduler; stopCalendarRefresh?: () => void } = {};
  let shuttingDown = false;

  /** Exit code once stopped: 0 after a signal, 1 after a fatal error (even one raised while already stopping). */
  let exitCode = 0;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing connections');
      running.server?.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    try {
      const { server } = running;
      if (server) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
      }
      clearTimeout(force);
      await running.scheduler?.stop();
      running.stopCalendarRefresh?.();
      setEngine(undefined);
      await stopImports();
      await running.db?.close();
      logger.info('stopped', { exitCode });
      process.exit(exitCode);
    } catch (err) {
      logger.error('shutdown failed', { err });
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  /**
   * A rejection nobody handled or an exception nobody caught leaves the process in an unknown state: log it
   * (with the request id of the request it came from, when there is one), then stop the way SIGTERM does —
   * no new requests, in-flight ones finished, jobs and imports stopped, database closed — and exit 1. If that
   * stop itself hangs, the process exits 1 anyway once the shutdown time-out has passed twice.
   */
  const fatal = (kind: 'unhandledRejection' | 'uncaughtException', err: unknown) => {
    exitCode = 1;
    logger.error(`${kind}: stopping the service`, { err, kind, requestId: currentRequestId() });
    setTimeout(() => process.exit(1), 2 * config.shutdownTimeoutMs).unref();
    void shutdown(kind);
  };
  process.on('unhandledRejection', (reason) => fatal('unhandledRejection', reason));
  process.on('uncaughtException', (err) => fatal('uncaughtException', err));

  try {
    running.db = await openDatabase(config);
  } catch (err) {
    if (err instanceof EmbeddedDbUnavailable) {
      logger.error(err.message);
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (shuttingDown) return;
  if (config.adminApiKey) await seedAdminKey(config.adminApiKey);
  // Loaded holiday schedules before the first request or job counts a working day.
  await refreshSchedules();
  running.stopCalendarRefresh = startCalendarRefresh(CALENDAR_REFRESH_MS);
  configureImports({ dataDir: config.dataDir, maxBytes: config.importMaxBytes });
  // Imports left running by a process that died continue after their checkpoint (rows are idempotent).
  void resumeImports().catch((err: unknown) => logger.error('resuming imports failed', { err }));
  // Enterprises stored before the completion flag existed get it, once per database (two scans of the enterprises).
  void runOnce('enterprises.needsCompletion', flagIncompleteEnterprises).catch((err: unknown) => logger.error('flagging enterprises awaiting completion failed', { err }));

  const app = createApp(config);
  const server = app.listen(config.port, config.host, () => {
    logger.info('listening', { port: config.port, host: config.host, embeddedDb: Boolean(running.db?.embedded), jwt: Boolean(config.jwt), corsOrigins: config.corsOrigins });
  });
  server.on('clientError', clientErrorHandler);
  server.keepAliveTimeout = 5000;
  running.server = server;
  if (config.jobsEnabled) running.scheduler = startScheduler(jobDefinitions(config), config.tz);
}

main().catch((err) => {
  logger.error('fatal start-up error', { err });
  process.exit(1);
});
