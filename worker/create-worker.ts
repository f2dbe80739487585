// Builds the dispute worker from its dependencies; used by `npm run worker`, `npm start` and the tests.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../activities';
import { PostgresRecordsSource, type RecordsSource } from '../activities/records-source';

export interface DisputeWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  pool: Pool;
  records?: RecordsSource;
  /** A prebuilt bundle (tests build it once per run); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
  tuning?: Pick<
    WorkerOptions,
    'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions'
  >;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

export function createDisputeWorker(deps: DisputeWorkerDeps): Promise<Worker> {
  const records = deps.records ?? new PostgresRecordsSource(deps.pool);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: createActivities({ pool: deps.pool, records }),
    ...(deps.workflowBundlePath
      ? { workflowBundle: { codePath: deps.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_PATH }),
    ...deps.tuning,
  });
}
