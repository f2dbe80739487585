// `npm run worker`: one dispute worker against DATABASE_URL and TEMPORAL_ADDRESS. Run as many as you need.
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../infra/config';
import { connectWithRetry } from '../infra/connect-with-retry';
import { createLogger, temporalLogger } from '../infra/logger';
import { createPool } from '../infra/postgres';
import { startFailureLine } from '../infra/start-failure';
import { describeTemporalConnection, temporalConnectionOptions } from '../infra/temporal-connection';
import { refuseDroppedTeams } from '../read-model/routing';
import { configuredSender } from '../activities/notify';
import { createDisputeWorker } from './create-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('worker', { taskQueue: config.TEMPORAL_TASK_QUEUE });
  // The SDK's own logs (workflow `log` calls carry workflowId and runId) go through the same pino logger;
  // its metrics (task latencies, slots, cache, activity failures) are served for Prometheus when asked.
  Runtime.install({
    logger: temporalLogger(log),
    ...(config.WORKER_METRICS_ADDRESS && {
      telemetryOptions: { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS } } },
    }),
  });

  const pool = createPool(config.DATABASE_URL, { max: config.PG_POOL_MAX });
  await refuseDroppedTeams(pool, config.TEAMS);
  const connection = await connectWithRetry(
    `Temporal at ${config.TEMPORAL_ADDRESS}`,
    () => NativeConnection.connect(temporalConnectionOptions(config)),
    log,
  );
  try {
    const worker = await createDisputeWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      pool,
      sender: configuredSender(config, createLogger('notify')),
      baseCurrency: config.BASE_CURRENCY,
      tuning: {
        maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
        maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
        maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      },
    });
    log.info({ ...describeTemporalConnection(temporalConnectionOptions(config)), namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
    // Worker.run() shuts down gracefully on SIGINT/SIGTERM: in-flight activities finish or are cancelled.
    await worker.run();
    log.info('worker stopped');
  } finally {
    await connection.close();
    await pool.end();
  }
}

main().catch((err) => {
  createLogger('worker').fatal({ err }, `worker failed: ${startFailureLine(err)}`);
  process.exit(1);
});
