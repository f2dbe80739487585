// A benchmark worker in its own process, configured like `npm run worker` (the same env: tuning, pool size,
// log level): `node --import tsx bench/worker-process.ts dispute|bare`. BENCH_WORKFLOW_BUNDLE names a prebuilt
// bundle; without it the workflows are bundled at start, as worker/main.ts does. Over IPC it says 'ready' once
// polling and answers 'gc' (run with --expose-gc) with its memory after a full collection.
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { commandLine } from '../infra/command-line';
import { loadConfig } from '../infra/config';
import { createLogger, temporalLogger } from '../infra/logger';
import { createPool } from '../infra/postgres';
import { createDisputeWorker } from '../worker/create-worker';
import { createBareActivities } from './bare/activities';

const USAGE = 'worker-process.ts dispute|bare';
const [kind] = commandLine(USAGE, { allowPositionals: true }).positionals;
if (kind !== 'dispute' && kind !== 'bare') throw new Error(`usage: ${USAGE}`);

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('bench-worker', { kind, taskQueue: config.TEMPORAL_TASK_QUEUE });
  Runtime.install({ logger: temporalLogger(log) });
  const bundlePath = process.env.BENCH_WORKFLOW_BUNDLE;
  const tuning = {
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
  };
  const pool = createPool(config.DATABASE_URL, { max: config.PG_POOL_MAX });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const common = { connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE };
    const worker =
      kind === 'dispute'
        ? await createDisputeWorker({ ...common, pool, workflowBundlePath: bundlePath, tuning })
        : await Worker.create({
            ...common,
            activities: createBareActivities(),
            ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: require.resolve('./bare/workflows') }),
            ...tuning,
          });
    // The parent gone (even killed), this worker must not keep running.
    process.on('disconnect', () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    });
    process.on('message', (message) => {
      if (message === 'gc') {
        (globalThis as { gc?: () => void }).gc?.();
        const { rss, heapUsed, external } = process.memoryUsage();
        process.send?.({ gcDone: { rss, heapUsed, external } });
      }
    });
    const running = worker.run();
    process.send?.('ready');
    await running;
  } finally {
    await connection.close();
    await pool.end();
    // The IPC channel (with its 'message' listener) would keep the process alive after the worker has stopped.
    process.disconnect?.();
  }
}

main().catch((err) => {
  createLogger('bench-worker').fatal({ err }, 'bench worker failed');
  process.exit(1);
});
