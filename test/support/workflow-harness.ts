// One test file's workflow world: a private time-skipping Temporal server, a fresh PostgreSQL database and the real
// dispute worker on a queue of the file's own, started in beforeAll and torn down in afterAll; and the waits the
// workflow tests share. Each file creates its own cast in a beforeAll of its own, declared after this harness.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { storeRecords } from '../../api/records-import';
import { viewQuery, type DisputeInput } from '../../domain/messages';
import type { Stage } from '../../domain/types';
import { createDisputeWorker } from '../../worker/create-worker';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { createTestDatabase, type TestDatabase } from './database';
import { startCase, type DisputeHandle } from './faults';
import { createTimeSkippingEnv, uniqueTaskQueue } from './temporal';

export interface WorkflowHarness {
  readonly env: TestWorkflowEnvironment;
  readonly db: TestDatabase;
  readonly taskQueue: string;
  /** Imports a pricing dispute's records and opens its case as `opener`, at the test server's time. */
  openCase(
    opener: TestUser,
    opts?: { disputedAmount?: string; description?: string; taskQueue?: string; completedQty?: number },
  ): Promise<{ handle: DisputeHandle; input: DisputeInput; fixture: ReturnType<typeof pricingDispute> }>;
}

/** Registers this file's beforeAll/afterAll; `env` and `db` are there from the first test on. */
export function useWorkflowHarness(queuePrefix: string): WorkflowHarness {
  let env: TestWorkflowEnvironment | undefined;
  let db: TestDatabase | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const taskQueue = uniqueTaskQueue(queuePrefix);

  beforeAll(async () => {
    [env, db] = await Promise.all([createTimeSkippingEnv(), createTestDatabase()]);
    worker = await createDisputeWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      pool: db.pool,
      workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await db?.drop();
  });

  const harness: WorkflowHarness = {
    get env() {
      if (!env) throw new Error('the workflow harness is used before its beforeAll');
      return env;
    },
    get db() {
      if (!db) throw new Error('the workflow harness is used before its beforeAll');
      return db;
    },
    taskQueue,
    async openCase(opener, opts = {}) {
      const fixture = pricingDispute({ completedQty: opts.completedQty });
      await storeRecords(harness.db.pool, fixture.records);
      const { handle, input } = await startCase(harness.env.client, opts.taskQueue ?? taskQueue, fixture, opener, {
        disputedAmount: opts.disputedAmount,
        openedAt: new Date(await harness.env.currentTimeMs()).toISOString(),
        description: opts.description,
      });
      return { handle, input, fixture };
    },
  };
  return harness;
}

/** Polls until `check` holds: the workflow's activities write the read model after a timer or update returns. */
export async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function waitForStage(handle: DisputeHandle, stage: Stage): Promise<void> {
  return eventually(`the case is in ${stage}`, async () => (await handle.query(viewQuery)).stage === stage);
}
