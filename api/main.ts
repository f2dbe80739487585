// `npm run api`: one API replica against DATABASE_URL and TEMPORAL_ADDRESS. Run as many as you need.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../infra/config';
import { connectWithRetry } from '../infra/connect-with-retry';
import { createLogger } from '../infra/logger';
import { createPool } from '../infra/postgres';
import { startFailureLine } from '../infra/start-failure';
import { describeTemporalConnection, temporalConnectionOptions } from '../infra/temporal-connection';
import { refuseDroppedTeams } from '../read-model/routing';
import { DEFAULT_THROTTLE } from './throttle';
import { createApp } from './app';
import { listen } from './listen';
import { ensureBootstrapAdmin } from './auth';
import { listenForMetrics } from './metrics-endpoint';
import { AppMetrics } from './observability';

/** The built web UI (vite's output), when there is one: served at `/` through createApp's staticDir hook. */
const WEB_DIR = path.resolve(__dirname, '..', 'web', 'dist');

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('api');
  const pool = createPool(config.DATABASE_URL, { max: config.PG_POOL_MAX, applicationName: 'ar-dispute-api', log });
  await refuseDroppedTeams(pool, config.TEAMS);
  if (config.ADMIN_TOKEN) {
    const admin = await ensureBootstrapAdmin(pool, config.ADMIN_TOKEN);
    log.info({ userId: admin.id }, 'bootstrap admin ready');
  }
  const temporalOptions = temporalConnectionOptions(config);
  const connection = await connectWithRetry(
    `Temporal at ${config.TEMPORAL_ADDRESS}`,
    () => Connection.connect({ ...temporalOptions, connectTimeout: '5s' }),
    log,
  );
  log.info(describeTemporalConnection(temporalOptions), 'connected to Temporal');
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

  const metrics = new AppMetrics();
  const app = createApp({
    pool,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    teams: config.TEAMS,
    slas: {
      taskHours: config.TASK_SLA_HOURS,
      resolutionHours: config.RESOLUTION_SLA_HOURS,
      approvalHours: config.APPROVAL_SLA_HOURS,
    },
    logger: log,
    staticDir: existsSync(WEB_DIR) ? WEB_DIR : undefined,
    metrics,
    metricsToken: config.METRICS_TOKEN,
    trustProxy: config.TRUST_PROXY,
    rateLimit: { attempts: { ...DEFAULT_THROTTLE.attempts, limit: config.AUTH_ATTEMPTS_PER_MINUTE } },
    temporalUiUrl: config.TEMPORAL_UI_URL,
    baseCurrency: config.BASE_CURRENCY,
    deductionRules: { caseMinMinor: config.DEDUCTION_CASE_MIN, autoWriteOffMaxMinor: config.AUTO_WRITE_OFF_MAX ?? null },
  });

  const server = await listen(app, config.PORT);
  const address = server.address();
  log.info({ port: typeof address === 'object' && address ? address.port : config.PORT }, 'api listening');
  const metricsServer = config.METRICS_ADDRESS ? await listenForMetrics(config.METRICS_ADDRESS, metrics) : undefined;
  if (metricsServer) log.info({ address: config.METRICS_ADDRESS }, 'metrics listening');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'api stopping');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    // In-flight requests get a few seconds to finish; then the stragglers are cut.
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    await closed;
    clearTimeout(force);
    await Promise.allSettled([connection.close(), pool.end()]);
    log.info('api stopped');
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  createLogger('api').fatal({ err }, `api failed to start: ${startFailureLine(err)}`);
  process.exit(1);
});
