// The dispute workflow on Temporal's time-skipping test server, with the real activities against a fresh
// PostgreSQL database: the whole life, reject and re-propose, cancel in each stage, SLA escalation.
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { importRecords } from '../../api/use-cases/records';
import {
  cancelUpdate,
  completeTaskUpdate,
  decideUpdate,
  proposeResolutionUpdate,
  viewQuery,
  type DisputeInput,
} from '../../domain/messages';
import type { Stage } from '../../domain/types';
import { disputeWorkflow } from '../../workflows';
import { createDisputeWorker } from '../../worker/create-worker';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createUser, pricingDispute, type TestUser } from '../support/fixtures';
import { startCase } from '../support/faults';
import { createTimeSkippingEnv, keepHistory, uniqueTaskQueue } from '../support/temporal';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('wf');
let specialist: TestUser;
let manager: TestUser;
let salesOps: TestUser;

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
  specialist = await createUser(db.pool, 'specialist');
  manager = await createUser(db.pool, 'manager', { approvalLimit: '1000.00' });
  salesOps = await createUser(db.pool, 'ops', { team: 'SALES_OPS' });
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await db?.drop();
});

async function openCase(disputedAmount = '150.00'): Promise<{ handle: WorkflowHandle<typeof disputeWorkflow>; input: DisputeInput }> {
  const fixture = pricingDispute();
  await importRecords(db.pool, fixture.records);
  const { handle, input } = await startCase(env.client, taskQueue, fixture, specialist, {
    disputedAmount,
    openedAt: new Date(await nowMs()).toISOString(),
  });
  return { handle, input };
}

async function nowMs(): Promise<number> {
  return env.currentTimeMs();
}

/** Polls until `check` holds: the workflow's activities write the read model after a timer or update returns. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function waitForStage(handle: WorkflowHandle<typeof disputeWorkflow>, stage: Stage): Promise<void> {
  return eventually(`the case is in ${stage}`, async () => (await handle.query(viewQuery)).stage === stage);
}

async function countEvents(caseId: string, type: string): Promise<number> {
  return (await eventTypes(caseId)).filter((t) => t === type).length;
}

async function eventTypes(caseId: string): Promise<string[]> {
  const { rows } = await db.pool.query('SELECT type FROM case_events WHERE case_id = $1 ORDER BY seq', [caseId]);
  return rows.map((r) => r.type);
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return (err.cause as { type?: string }).type;
    throw err;
  }
  return undefined;
}

async function toApproval(handle: WorkflowHandle<typeof disputeWorkflow>, amount: string): Promise<void> {
  await waitForStage(handle, 'INVESTIGATION');
  const view = await handle.query(viewQuery);
  await handle.executeUpdate(completeTaskUpdate, {
    args: [{ actor: salesOps, taskId: view.openTaskIds[0]!, outcome: 'CONFIRMED', note: 'contract says 90.00', amount: null }],
  });
  await handle.executeUpdate(proposeResolutionUpdate, {
    args: [{ actor: specialist, type: 'CREDIT', amount, rootCause: 'pricing setup', note: null }],
  });
}

describe('disputeWorkflow', () => {
  it('runs the whole life to exactly one credit memo', async () => {
    const { handle, input } = await openCase();
    await waitForStage(handle, 'INVESTIGATION');
    const { rows: findings } = await db.pool.query('SELECT code, team, amount_minor FROM findings WHERE case_id = $1', [input.caseId]);
    expect(findings).toEqual([{ code: 'PRICE_VARIANCE', team: 'SALES_OPS', amount_minor: '10000' }]);

    await toApproval(handle, '100.00');
    expect(await refusal(handle.executeUpdate(decideUpdate, { args: [{ actor: { ...manager, id: specialist.id }, decision: 'APPROVE', comment: null }] }))).toBe('Forbidden');
    const decided = await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: 'ok' }] });
    expect(decided.stage).toBe('CREDIT_MEMO');

    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    const { rows: memos } = await db.pool.query(
      `SELECT m.amount_minor, i.open_balance_minor FROM credit_memos m JOIN invoices i ON i.number = m.invoice_number WHERE m.case_id = $1`,
      [input.caseId],
    );
    expect(memos).toEqual([{ amount_minor: '10000', open_balance_minor: '90000' }]);
    expect(await eventTypes(input.caseId)).toEqual([
      'CASE_OPENED',
      'STAGE_ENTERED',
      'EVIDENCE_COLLECTED',
      'STAGE_ENTERED',
      'TASK_CREATED',
      'TASK_COMPLETED',
      'STAGE_ENTERED',
      'RESOLUTION_PROPOSED',
      'STAGE_ENTERED',
      'RESOLUTION_DECIDED',
      'STAGE_ENTERED',
      'CREDIT_MEMO_ISSUED',
      'STAGE_ENTERED',
      'CASE_CLOSED',
    ]);
    const { rows: verify } = await db.pool.query('SELECT * FROM verify_case_trail($1)', [input.caseId]);
    expect(verify).toEqual([]);
    const { rows: cases } = await db.pool.query('SELECT status, stage, closed_at FROM cases WHERE id = $1', [input.caseId]);
    expect(cases[0]).toMatchObject({ status: 'CLOSED', stage: 'DONE' });
    expect(cases[0].closed_at).toBeInstanceOf(Date);
    await keepHistory(handle, 'whole-life');
  });

  it('goes back to RESOLUTION on reject and issues one memo for the re-proposed amount', async () => {
    const { handle, input } = await openCase();
    await toApproval(handle, '100.00');
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'REJECT', comment: 'check again' }] });
    expect((await handle.query(viewQuery)).stage).toBe('RESOLUTION');
    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'CREDIT', amount: '60.00', rootCause: 'pricing setup', note: 'partial' }],
    });
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: null }] });
    await handle.result();
    const { rows } = await db.pool.query('SELECT amount_minor FROM credit_memos WHERE case_id = $1', [input.caseId]);
    expect(rows).toEqual([{ amount_minor: '6000' }]);
    const { rows: approvals } = await db.pool.query('SELECT decision FROM approvals WHERE case_id = $1 ORDER BY decided_at, decision DESC', [input.caseId]);
    expect(approvals.map((a) => a.decision).sort()).toEqual(['APPROVE', 'REJECT']);
    await keepHistory(handle, 'reject-and-repropose');
  });

  it.each<Stage>(['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL'])('cancels in %s', async (stage) => {
    const { handle, input } = await openCase();
    if (stage !== 'EVIDENCE') await waitForStage(handle, 'INVESTIGATION');
    if (stage === 'RESOLUTION' || stage === 'APPROVAL') {
      const view = await handle.query(viewQuery);
      await handle.executeUpdate(completeTaskUpdate, {
        args: [{ actor: salesOps, taskId: view.openTaskIds[0]!, outcome: 'NOT_CONFIRMED', note: 'n/a', amount: null }],
      });
    }
    if (stage === 'APPROVAL') {
      await handle.executeUpdate(proposeResolutionUpdate, {
        args: [{ actor: specialist, type: 'CREDIT', amount: '10.00', rootCause: 'x', note: null }],
      });
    }
    const result = await handle.executeUpdate(cancelUpdate, { args: [{ actor: manager, reason: 'customer withdrew' }] });
    expect(result).toEqual({ status: 'CANCELLED', stage: 'DONE' });
    expect(await handle.result()).toEqual({ status: 'CANCELLED', stage: 'DONE' });
    const { rows } = await db.pool.query(
      `SELECT c.status, c.closed_at IS NOT NULL AS closed, (SELECT count(*)::int FROM tasks t WHERE t.case_id = c.id AND t.status = 'OPEN') AS open_tasks,
              (SELECT count(*)::int FROM credit_memos m WHERE m.case_id = c.id) AS memos
         FROM cases c WHERE c.id = $1`,
      [input.caseId],
    );
    expect(rows[0]).toEqual({ status: 'CANCELLED', closed: true, open_tasks: 0, memos: 0 });
    expect((await eventTypes(input.caseId)).slice(-1)).toEqual(['CASE_CANCELLED']);
    await keepHistory(handle, `cancel-in-${stage.toLowerCase()}`);
  });

  it('escalates an overdue task once and still takes the late completion once', async () => {
    const { handle, input } = await openCase();
    await waitForStage(handle, 'INVESTIGATION');
    await env.sleep('47 hours');
    expect(await eventTypes(input.caseId)).not.toContain('TASK_ESCALATED');
    await env.sleep('2 hours');
    await eventually('the task is escalated', async () => (await countEvents(input.caseId, 'TASK_ESCALATED')) === 1);
    await env.sleep('5 days');
    expect(await countEvents(input.caseId, 'TASK_ESCALATED')).toBe(1);
    const { rows } = await db.pool.query('SELECT escalated_at FROM tasks WHERE case_id = $1', [input.caseId]);
    expect(rows[0].escalated_at).toBeInstanceOf(Date);

    const view = await handle.query(viewQuery);
    const first = handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor: salesOps, taskId: view.openTaskIds[0]!, outcome: 'CONFIRMED', note: 'late', amount: null }],
      updateId: 'late-completion',
    });
    const again = handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor: salesOps, taskId: view.openTaskIds[0]!, outcome: 'CONFIRMED', note: 'late', amount: null }],
      updateId: 'late-completion',
    });
    expect(await first).toEqual(await again);
    expect(await countEvents(input.caseId, 'TASK_COMPLETED')).toBe(1);
    expect((await handle.query(viewQuery)).stage).toBe('RESOLUTION');
    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'NO_CREDIT', amount: null, rootCause: 'customer error', note: null }],
    });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    await keepHistory(handle, 'task-escalation');
  });

  it('escalates a waiting approval once after its SLA', async () => {
    const { handle, input } = await openCase();
    await toApproval(handle, '100.00');
    await env.sleep('25 hours');
    await eventually('the approval is escalated', async () => (await countEvents(input.caseId, 'APPROVAL_ESCALATED')) === 1);
    await env.sleep('3 days');
    expect(await countEvents(input.caseId, 'APPROVAL_ESCALATED')).toBe(1);
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: 'late' }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    await keepHistory(handle, 'approval-escalation');
  });
});
