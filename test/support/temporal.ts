// Temporal for tests: the run's shared dev server (see global-setup.ts) for integration tests, and a
// private time-skipping server per test file for workflow tests that cross SLAs.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isGrpcServiceError, type Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { msToTs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { resolveTestServer } from '../../infra/temporal-cli';
import type { NotificationSender } from '../../activities/notify';
import { createDisputeWorker } from '../../worker/create-worker';

/** host:port of the dev server started by global setup. */
export function testTemporalAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests with jest (test/support/global-setup.ts)');
  return address;
}

/** A task queue no other test (file, run or engineer) shares on the shared dev server. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

const GRPC_NOT_FOUND = 5;

/**
 * Registers a namespace on the shared dev server for one test database. Every test database numbers its cases
 * from DSP-000001, so workflow ids (`dispute:DSP-000001`) would collide across test files in one namespace.
 */
export async function registerTestNamespace(connection: Connection, namespace: string): Promise<void> {
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  // Registration is visible once the frontend's namespace cache has refreshed (milliseconds on the dev server).
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: 'namespace-probe' } });
      return;
    } catch (err) {
      if (!isGrpcServiceError(err) || err.code !== GRPC_NOT_FOUND || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export function testWorkflowBundle(): string {
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  if (!bundle) throw new Error('TEST_WORKFLOW_BUNDLE is not set: run the tests with jest (test/support/global-setup.ts)');
  return bundle;
}

export interface RunningWorker {
  worker: Worker;
  /** Graceful shutdown; resolves when the worker has stopped. */
  stop(): Promise<void>;
}

/**
 * The real dispute worker on a connection of its own (to the run's dev server unless `address`), closed by stop();
 * notifications go out as log lines unless `sender`.
 */
export async function runDisputeWorker(deps: {
  address?: string;
  namespace: string;
  taskQueue: string;
  pool: Pool;
  sender?: NotificationSender;
}): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: deps.address ?? testTemporalAddress() });
  let worker: Worker;
  try {
    worker = await createDisputeWorker({
      connection,
      namespace: deps.namespace,
      taskQueue: deps.taskQueue,
      pool: deps.pool,
      sender: deps.sender,
      workflowBundlePath: testWorkflowBundle(),
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const run = worker.run();
  let stopping: Promise<void> | undefined;
  return {
    worker,
    stop: () =>
      (stopping ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await run;
        await connection.close();
      })()),
  };
}

/** A private time-skipping test server; call `teardown()` in afterAll. */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTestServer() } });
}

/** `npm run record-histories` keeps these runs as the replay test's histories (test/histories/). */
export async function keepHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await handle.fetchHistory();
  writeFileSync(path.join(__dirname, '..', 'histories', `${name}.json`), historyToJSON(history));
}
