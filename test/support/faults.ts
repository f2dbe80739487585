// What the fault tests (test/faults/) share: a world of their own (a database, its Temporal namespace on the shared
// dev server or a private time-skipping server, a task queue, workers that can be stopped and replaced), a cast of
// users, fixtures imported in one batch, cases started straight on Temporal and driven through their life, the
// refusal a Workflow Update came back with, and the invariant check as a jest assertion.
import { Client, Connection, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../../activities';
import { PostgresRecordsSource, type RecordsSource } from '../../records/source';
import type { AppMetrics } from '../../api/observability';
import { storeRecords } from '../../api/records-import';
import {
  cancelUpdate,
  completeTaskUpdate,
  decideUpdate,
  proposeResolutionUpdate,
  type DisputeInput,
} from '../../domain/messages';
import type { Stage } from '../../domain/types';
import type { RecordsImport } from '../../contract';
import { createDisputeWorker, type DisputeWorkerDeps } from '../../worker/create-worker';
import { disputeWorkflow } from '../../workflows';
import { eventually, type ApiHarness } from './api';
import { createTestDatabase, type TestDatabase } from './database';
import { createUser, disputeInput, pricingDispute, type TestUser } from '../../testkit/fixtures';
import { checkInvariants, type InvariantOptions, type InvariantReport } from '../../testkit/invariants';
import { createTimeSkippingEnv, registerTestNamespace, testTemporalAddress, testWorkflowBundle, uniqueTaskQueue, type RunningWorker } from './temporal';

export type DisputeHandle = WorkflowHandle<typeof disputeWorkflow>;
export type Activities = ReturnType<typeof createActivities>;

export interface Cast {
  specialist: TestUser;
  specialist2: TestUser;
  /** No approval limit. */
  manager: TestUser;
  manager2: TestUser;
  /** Limit 50.00. */
  limitedManager: TestUser;
  salesOps: TestUser;
  orderMgmt: TestUser;
}

export async function createCast(pool: Pool): Promise<Cast> {
  const [specialist, specialist2, manager, manager2, limitedManager, salesOps, orderMgmt] = await Promise.all([
    createUser(pool, 'specialist'),
    createUser(pool, 'specialist'),
    createUser(pool, 'manager', { approvalLimit: null }),
    createUser(pool, 'manager', { approvalLimit: null }),
    createUser(pool, 'manager', { approvalLimit: '50.00' }),
    createUser(pool, 'ops', { team: 'SALES_OPS' }),
    createUser(pool, 'ops', { team: 'ORDER_MANAGEMENT' }),
  ]);
  return { specialist, specialist2, manager, manager2, limitedManager, salesOps, orderMgmt };
}

export interface WorkerOptions {
  /** The database the activities write with (default: the world's pool). */
  pool?: Pool;
  records?: RecordsSource;
  /** Wraps the real activities, e.g. to lose an answer after the commit. */
  activities?: (real: Activities) => Activities;
  /** Another workflow bundle (default: the run's bundle of workflows/). */
  workflowBundlePath?: string;
  tuning?: DisputeWorkerDeps['tuning'];
}

/** One test file's Temporal and PostgreSQL: nothing in it is shared with another file. */
export interface FaultWorld {
  db: TestDatabase;
  client: Client;
  namespace: string;
  taskQueue: string;
  cast: Cast;
  /** Set on a time-skipping world: `env.sleep` crosses SLAs. */
  env?: TestWorkflowEnvironment;
  startWorker(options?: WorkerOptions): Promise<RunningWorker>;
  close(): Promise<void>;
}

/**
 * A database and a Temporal namespace of the test file's own (every database numbers its cases from DSP-000001, so
 * workflow ids would collide in a shared namespace), on the run's dev server or on a private time-skipping server.
 */
export async function createFaultWorld(options: { timeSkipping?: boolean; poolMax?: number } = {}): Promise<FaultWorld> {
  const taskQueue = uniqueTaskQueue('fault');
  const [db, env] = await Promise.all([
    createTestDatabase({ poolMax: options.poolMax ?? 10 }),
    options.timeSkipping ? createTimeSkippingEnv() : Promise.resolve(undefined),
  ]);
  let connection: Connection | undefined;
  let nativeConnection: NativeConnection;
  let client: Client;
  let namespace: string;
  if (env) {
    namespace = env.namespace ?? 'default';
    client = env.client;
    nativeConnection = env.nativeConnection;
  } else {
    namespace = db.name;
    connection = await Connection.connect({ address: testTemporalAddress() });
    await registerTestNamespace(connection, namespace);
    client = new Client({ connection, namespace });
    nativeConnection = await NativeConnection.connect({ address: testTemporalAddress() });
  }
  const running = new Set<RunningWorker>();

  const startWorker = async (w: WorkerOptions = {}): Promise<RunningWorker> => {
    const pool = w.pool ?? db.pool;
    const workflowBundlePath = w.workflowBundlePath ?? testWorkflowBundle();
    const worker = w.activities
      ? await Worker.create({
          connection: nativeConnection,
          namespace,
          taskQueue,
          workflowBundle: { codePath: workflowBundlePath },
          activities: w.activities(createActivities({ pool, records: w.records ?? new PostgresRecordsSource(pool) })),
          ...w.tuning,
        })
      : await createDisputeWorker({ connection: nativeConnection, namespace, taskQueue, pool, records: w.records, workflowBundlePath, tuning: w.tuning });
    const run = worker.run();
    let stopping: Promise<void> | undefined;
    const handle: RunningWorker = {
      worker,
      stop: () =>
        (stopping ??= (async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await run;
          running.delete(handle);
        })()),
    };
    running.add(handle);
    return handle;
  };

  const cast = await createCast(db.pool);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await Promise.all([...running].map((w) => w.stop()));
      if (env) {
        await env.teardown();
      } else {
        await nativeConnection.close();
        await connection?.close();
      }
      await db.drop();
    })());
  return { db, client, namespace, taskQueue, cast, env, startWorker, close };
}

export interface Fixture {
  records: RecordsImport;
  customerId: string;
  invoiceNumber: string;
}

/** An invoice that agrees with its PO, contract and work order: no findings, the case goes straight to RESOLUTION. */
export function cleanDispute(): Fixture {
  const fixture = pricingDispute();
  const contract = fixture.records.contracts![0];
  return {
    ...fixture,
    records: { ...fixture.records, contracts: [{ ...contract, prices: [{ sku: 'SKU-A', unitPrice: '100.00' }] }] },
  };
}

/** Many fixtures in one import (one transaction per chunk the import accepts). */
export async function importFixtures(pool: Pool, fixtures: Fixture[]): Promise<void> {
  for (let i = 0; i < fixtures.length; i += 500) {
    const chunk = fixtures.slice(i, i + 500);
    const all = (key: keyof RecordsImport) => chunk.flatMap((f) => (f.records[key] ?? []) as never[]);
    await storeRecords(pool, {
      customers: all('customers'),
      contracts: all('contracts'),
      purchaseOrders: all('purchaseOrders'),
      workOrders: all('workOrders'),
      invoices: all('invoices'),
    });
  }
}

export interface StartedCase {
  handle: DisputeHandle;
  input: DisputeInput;
  fixture: Fixture;
}

/**
 * Starts a case's workflow directly (the workflow's first activity writes the case row, as after an API crash),
 * without the API's checks: a description the API would refuse reaches the workflow as sent.
 */
export async function startCase(
  client: Client,
  taskQueue: string,
  fixture: Fixture,
  openedBy: TestUser,
  opts: { disputedAmount?: string; openedAt?: string; description?: string } = {},
): Promise<StartedCase> {
  const input = disputeInput({
    invoiceNumber: fixture.invoiceNumber,
    customerId: fixture.customerId,
    openedBy,
    disputedAmount: opts.disputedAmount ?? '150.00',
    openedAt: opts.openedAt ?? new Date().toISOString(),
    description: opts.description,
  });
  const handle = await client.workflow.start(disputeWorkflow, {
    workflowId: input.opened.workflowId,
    taskQueue,
    args: [input],
  });
  return { handle, input, fixture };
}

/** Imports `n` fixtures and starts a case on each, `lanes` starts at a time. */
export async function openCases(
  world: FaultWorld,
  fixtures: Fixture[],
  opts: { disputedAmount?: string; openedAt?: string; lanes?: number } = {},
): Promise<StartedCase[]> {
  await importFixtures(world.db.pool, fixtures);
  return mapLimit(fixtures, opts.lanes ?? 20, (f) => startCase(world.client, world.taskQueue, f, world.cast.specialist, opts));
}

/** The refusal type (`Conflict`, `Forbidden`, …) an update was answered with, or undefined when it was accepted. */
export async function refusalOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type) return err.cause.type;
    throw err;
  }
}

/** Waits until the read model shows the case in one of `stages`. */
export function inStage(pool: Pool, started: StartedCase, stages: Stage[], timeoutMs = 30_000): Promise<Stage> {
  return eventually(
    `${started.input.opened.caseNumber} in ${stages.join('|')}`,
    async () => {
      const { rows } = await pool.query('SELECT stage FROM cases WHERE id = $1', [started.input.caseId]);
      return stages.includes(rows[0]?.stage) ? (rows[0].stage as Stage) : undefined;
    },
    timeoutMs,
  );
}

/** Runs `work` over `items`, at most `limit` at a time; after a failure, starts no more. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await work(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  await Promise.all(lanes);
  return results;
}

export async function eventTypes(pool: Pool, caseId: string): Promise<string[]> {
  const { rows } = await pool.query('SELECT type FROM case_events WHERE case_id = $1 ORDER BY seq', [caseId]);
  return rows.map((r) => r.type as string);
}

export async function openTaskIds(pool: Pool, caseId: string): Promise<{ id: string; team: string }[]> {
  const { rows } = await pool.query(`SELECT id, team FROM tasks WHERE case_id = $1 AND status = 'OPEN' ORDER BY team`, [caseId]);
  return rows;
}

/** Waits for the analysis to land in the read model, then completes each open task as its own team. */
export async function finishInvestigation(pool: Pool, started: StartedCase, cast: Cast, timeoutMs = 30_000): Promise<void> {
  const stage = await inStage(pool, started, ['INVESTIGATION', 'RESOLUTION', 'APPROVAL', 'CREDIT_MEMO', 'DONE'], timeoutMs);
  if (stage !== 'INVESTIGATION') return;
  for (const task of await openTaskIds(pool, started.input.caseId)) {
    const actor = task.team === 'SALES_OPS' ? cast.salesOps : cast.orderMgmt;
    await started.handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor, taskId: task.id, outcome: 'CONFIRMED', note: 'checked against the contract', amount: null }],
    });
  }
}

export function proposeCredit(handle: DisputeHandle, specialist: TestUser, amount: string) {
  return handle.executeUpdate(proposeResolutionUpdate, {
    args: [{ actor: specialist, type: 'CREDIT', amount, rootCause: 'PRICING_SETUP', note: null }],
  });
}

export function proposeNoCredit(handle: DisputeHandle, specialist: TestUser) {
  return handle.executeUpdate(proposeResolutionUpdate, {
    args: [{ actor: specialist, type: 'NO_CREDIT', amount: null, rootCause: 'CUSTOMER_ERROR', note: null }],
  });
}

export function decide(handle: DisputeHandle, manager: TestUser, decision: 'APPROVE' | 'REJECT', updateId?: string) {
  return handle.executeUpdate(decideUpdate, {
    args: [{ actor: manager, decision, comment: null }],
    ...(updateId ? { updateId } : {}),
  });
}

export function cancelCase(handle: DisputeHandle, actor: TestUser, updateId?: string) {
  return handle.executeUpdate(cancelUpdate, { args: [{ actor, reason: 'customer withdrew' }], ...(updateId ? { updateId } : {}) });
}

/** The whole life: tasks, a CREDIT proposal and its approval, then the workflow's result. */
export async function driveToMemo(pool: Pool, started: StartedCase, cast: Cast, amount = '100.00') {
  await finishInvestigation(pool, started, cast);
  await proposeCredit(started.handle, cast.specialist, amount);
  await decide(started.handle, cast.manager, 'APPROVE');
  return started.handle.result();
}

/** The invariant check (testkit/invariants.ts) as a jest assertion: fails listing every violation. */
export async function expectInvariants(pool: Pool, options: InvariantOptions = {}): Promise<InvariantReport> {
  const report = await checkInvariants(pool, options);
  expect(report.problems).toEqual([]);
  return report;
}

// ---------------------------------------------------------------- the same life through HTTP (test/support/api.ts)

export interface HttpCase {
  id: string;
  caseNumber: string;
  workflowId: string;
  fixture: Fixture;
}

/** What the API needs to address a case. */
export type CaseRef = Pick<HttpCase, 'id' | 'caseNumber'>;

/** Imports the fixtures' records through the API, as `user`, in one request. */
export async function importViaApi(api: ApiHarness, user: TestUser, fixtures: Fixture[]): Promise<void> {
  const all = (key: keyof RecordsImport) => fixtures.flatMap((f) => (f.records[key] ?? []) as never[]);
  const imported = await api.request('POST', '/api/records/import', {
    token: user.token,
    body: { customers: all('customers'), contracts: all('contracts'), purchaseOrders: all('purchaseOrders'), workOrders: all('workOrders'), invoices: all('invoices') },
  });
  if (imported.status !== 200) throw new Error(`import answered ${imported.status}: ${JSON.stringify(imported.body)}`);
}

export async function openCaseViaApi(
  api: ApiHarness,
  specialist: TestUser,
  fixture: Fixture,
  disputedAmount = '150.00',
  description: string | null = null,
): Promise<HttpCase> {
  const res = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: fixture.invoiceNumber, disputedAmount, reasonCode: 'PRICING', description },
  });
  if (res.status !== 201) throw new Error(`opening a case answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { ...(res.body as Omit<HttpCase, 'fixture'>), fixture };
}

/** Imports the fixtures and opens a case on each through the API, as `specialist`. */
export async function openCasesViaApi(
  api: ApiHarness,
  specialist: TestUser,
  fixtures: Fixture[],
  disputedAmount = '150.00',
  description: string | null = null,
): Promise<HttpCase[]> {
  await importViaApi(api, specialist, fixtures);
  return mapLimit(fixtures, 10, (fixture) => openCaseViaApi(api, specialist, fixture, disputedAmount, description));
}

/** The case as the API shows it to `user`, once `done` holds. */
export function caseViaApi(api: ApiHarness, user: TestUser, c: CaseRef, what: string, done: (detail: any) => boolean) { // eslint-disable-line @typescript-eslint/no-explicit-any
  return eventually(`${c.caseNumber}: ${what}`, async () => {
    const res = await api.request('GET', `/api/disputes/${c.id}`, { token: user.token });
    return res.status === 200 && done(res.body) ? res.body : undefined;
  });
}

/** Completes every task of the case as its team (once the evidence is in); answers the stage the case reached. */
export async function completeTasksViaApi(api: ApiHarness, cast: Cast, c: CaseRef, note = 'checked against the contract'): Promise<Stage> {
  const detail = await caseViaApi(api, cast.specialist, c, 'past EVIDENCE', (d) => d.stage !== 'EVIDENCE');
  let stage: Stage = detail.stage;
  for (const task of detail.tasks.filter((t: { status: string }) => t.status === 'OPEN')) {
    const res = await api.request('POST', `/api/tasks/${task.id}/complete`, {
      token: (task.team === 'SALES_OPS' ? cast.salesOps : cast.orderMgmt).token,
      body: { outcome: 'CONFIRMED', note },
    });
    if (res.status !== 200) throw new Error(`${c.caseNumber}: completing a task answered ${res.status}: ${JSON.stringify(res.body)}`);
    stage = res.body.stage;
  }
  return stage;
}

/** Tasks, a CREDIT proposal of `amount` and its approval by `approver`, all through the API; waits for the memo. */
export async function driveToMemoViaApi(api: ApiHarness, cast: Cast, c: CaseRef, amount = '100.00', approver: TestUser = cast.manager) {
  await completeTasksViaApi(api, cast, c);
  const proposed = await api.request('POST', `/api/disputes/${c.id}/resolution`, {
    token: cast.specialist.token,
    body: { type: 'CREDIT', amount, rootCause: 'PRICING_SETUP' },
  });
  if (proposed.status !== 200) throw new Error(`${c.caseNumber}: proposing answered ${proposed.status}: ${JSON.stringify(proposed.body)}`);
  const decided = await api.request('POST', `/api/disputes/${c.id}/decision`, { token: approver.token, body: { decision: 'APPROVE' } });
  if (decided.status !== 200) throw new Error(`${c.caseNumber}: approving answered ${decided.status}: ${JSON.stringify(decided.body)}`);
  return caseViaApi(api, cast.specialist, c, 'closed with its memo', (d) => d.status === 'CLOSED');
}

/** The routes (`POST /api/disputes/:id/decision`) that answered, since `metrics` was made, with a status `accepts`. */
export async function routesAnswered(metrics: AppMetrics, accepts: (status: number) => boolean): Promise<Set<string>> {
  const { values } = await metrics.httpDuration.get();
  return new Set(
    values
      .filter((v) => v.metricName?.endsWith('_count') && v.value > 0 && accepts(Number(v.labels.status)))
      .map((v) => `${v.labels.method} ${v.labels.route}`),
  );
}

/**
 * Records every call the client makes to Temporal's WorkflowService (start, update, query, describe…), by method
 * name, from now until jest's mocks are restored.
 */
export function recordTemporalCalls(client: Client): string[] {
  const calls: string[] = [];
  const service = client.workflowService as unknown as Record<string, (...args: unknown[]) => unknown>;
  const methods = Object.keys(service).filter((m) => m !== 'rpcImpl' && typeof service[m] === 'function');
  for (const method of methods) {
    const original = service[method].bind(service);
    jest.spyOn(service, method).mockImplementation((...args: unknown[]) => {
      calls.push(method);
      return original(...args);
    });
  }
  return calls;
}

/**
 * Opens a case on `fixture` after making one of its work order lines larger than a quantity may be, as a records
 * source might hand it over: the case parks in EVIDENCE (evidenceError set), where retry-evidence is accepted, and
 * parks again until `importViaApi(api, user, [fixture])` puts the record right.
 */
export async function openParkedCaseViaApi(api: ApiHarness, specialist: TestUser, fixture: Fixture): Promise<HttpCase> {
  await importViaApi(api, specialist, [fixture]);
  const { rowCount } = await api.db.pool.query(
    `UPDATE work_order_lines l SET quantity_completed_milli = 2000000000000 FROM work_orders w
      WHERE w.id = l.work_order_id AND w.purchase_order_id = $1`,
    [fixture.records.purchaseOrders![0].id],
  );
  if (rowCount !== 1) throw new Error(`expected one work order line to spoil, found ${rowCount}`);
  const c = await openCaseViaApi(api, specialist, fixture);
  await caseViaApi(api, specialist, c, 'parked on its malformed work order', (d) => d.evidenceError !== null);
  return c;
}
