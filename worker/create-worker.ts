// Builds the dispute worker (the dispute and notification workflows) from its dependencies; used by `npm run worker`, `npm start` and the tests.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../activities';
import type { NotificationSender } from '../activities/notify';
import { PostgresRecordsSource, type RecordsSource } from '../records/source';

export interface DisputeWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  pool: Pool;
  records?: RecordsSource;
  /** How notifications go out; by default, as log lines. */
  sender?: NotificationSender;
  /** The currency of a manager's approvalLimit (BASE_CURRENCY; default USD). */
  baseCurrency?: string;
  /** A prebuilt bundle (tests build it once per run, with WORKFLOW_BUNDLE_OPTIONS); otherwise bundled at start. */
  workflowBundlePath?: string;
  tuning?: Pick<
    WorkerOptions,
    'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions'
  >;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Bundle modules with no per-workflow state, evaluated once per worker and shared by every cached case. The reusable
 * V8 context otherwise evaluates each module of the bundle again for each workflow it runs: a case waiting in the
 * cache took 325 KiB of RSS with them evaluated per workflow, 250 KiB shared (400 cases, as bench R3 measures).
 * Preloaded modules are deep-frozen and run before any workflow exists: only side-effect-free modules belong here,
 * never one that calls the workflow API at its top level (workflows/dispute.ts does).
 */
export const SHARED_WORKFLOW_MODULES = [
  '../domain/types',
  '../domain/money',
  '../domain/analysis',
  '../domain/approval',
  '../domain/events',
  '../domain/errors',
  '../domain/messages',
  '../domain/text',
  '../workflows/dispute-state',
  '../workflows/trail',
].map((m) => require.resolve(m));

/** How the dispute workflows are bundled, wherever that happens (at worker start, or once for tests and the bench). */
export const WORKFLOW_BUNDLE_OPTIONS = { workflowsPath: WORKFLOWS_PATH, preloadModules: SHARED_WORKFLOW_MODULES };

export function createDisputeWorker(deps: DisputeWorkerDeps): Promise<Worker> {
  const records = deps.records ?? new PostgresRecordsSource(deps.pool);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: createActivities({ pool: deps.pool, records, sender: deps.sender, baseCurrency: deps.baseCurrency }),
    ...(deps.workflowBundlePath
      ? { workflowBundle: { codePath: deps.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: SHARED_WORKFLOW_MODULES } }),
    ...deps.tuning,
  });
}
