// Owners and customer waits on Temporal's time-skipping test server, with the real activities against a fresh
// PostgreSQL database: an assignment on the trail and in the read model; a customer wait stopping a task's SLA and
// the approval's (each escalates the paused time later, none during the wait); `until` passing resumes the case.
import {
  assignUpdate,
  awaitCustomerUpdate,
  cancelUpdate,
  completeTaskUpdate,
  decideUpdate,
  proposeResolutionUpdate,
  resumeUpdate,
  viewQuery,
} from '../../domain/messages';
import { createUser, type TestUser } from '../../testkit/fixtures';
import { refusalOf, type DisputeHandle } from '../support/faults';
import { keepHistory } from '../support/temporal';
import { eventually, useWorkflowHarness, waitForStage } from '../support/workflow-harness';

const HOUR_MS = 3_600_000;

const h = useWorkflowHarness('owners');
let specialist: TestUser;
let other: TestUser;
let manager: TestUser;
let salesOps: TestUser;

beforeAll(async () => {
  specialist = await createUser(h.db.pool, 'specialist');
  other = await createUser(h.db.pool, 'specialist');
  manager = await createUser(h.db.pool, 'manager', { approvalLimit: '1000.00' });
  salesOps = await createUser(h.db.pool, 'ops', { team: 'SALES_OPS' });
});

async function openCase(): Promise<{ handle: DisputeHandle; caseId: string }> {
  const { handle, input } = await h.openCase(specialist);
  return { handle, caseId: input.caseId };
}

interface TrailRow {
  type: string;
  at: Date;
  actor_id: string;
  data: Record<string, unknown>;
}

async function events(caseId: string, type: string): Promise<TrailRow[]> {
  const { rows } = await h.db.pool.query('SELECT type, at, actor_id, data FROM case_events WHERE case_id = $1 AND type = $2 ORDER BY seq', [
    caseId,
    type,
  ]);
  return rows;
}

async function caseRow(caseId: string): Promise<{ owner_id: string | null; waiting_on: string | null }> {
  const { rows } = await h.db.pool.query('SELECT owner_id, waiting_on FROM cases WHERE id = $1', [caseId]);
  return rows[0];
}

describe('owners and customer waits', () => {
  it('assigns a case: a manager any case, its owner to another specialist, nobody else', async () => {
    const { handle, caseId } = await openCase();
    await waitForStage(handle, 'INVESTIGATION');
    expect((await caseRow(caseId)).owner_id).toBe(specialist.id);

    const to = (u: TestUser) => ({ id: u.id, name: u.name });
    expect(await refusalOf(handle.executeUpdate(assignUpdate, { args: [{ actor: other, owner: to(other) }] }))).toBe('Forbidden');
    expect(await refusalOf(handle.executeUpdate(assignUpdate, { args: [{ actor: salesOps, owner: to(other) }] }))).toBe('Forbidden');
    await handle.executeUpdate(assignUpdate, { args: [{ actor: specialist, owner: to(other) }] });
    // The new owner is the owner now: the first one no more.
    expect(await refusalOf(handle.executeUpdate(assignUpdate, { args: [{ actor: specialist, owner: to(specialist) }] }))).toBe('Forbidden');
    await handle.executeUpdate(assignUpdate, { args: [{ actor: manager, owner: to(specialist) }] });

    const assigned = await events(caseId, 'CASE_ASSIGNED');
    expect(assigned.map((e) => [e.actor_id, e.data])).toEqual([
      [specialist.id, { ownerId: other.id, ownerName: other.name, previousOwnerId: specialist.id }],
      [manager.id, { ownerId: specialist.id, ownerName: specialist.name, previousOwnerId: other.id }],
    ]);
    expect(await caseRow(caseId)).toEqual({ owner_id: specialist.id, waiting_on: 'SALES_OPS' });

    await handle.executeUpdate(cancelUpdate, { args: [{ actor: specialist, reason: 'done with it' }] });
    expect(await handle.result()).toEqual({ status: 'CANCELLED', stage: 'DONE' });
    expect(await caseRow(caseId)).toEqual({ owner_id: specialist.id, waiting_on: null });
    await keepHistory(handle, 'owner-assigned');
  });

  it("stops the task's and the approval's SLA while waiting on the customer, and resumes when until passes", async () => {
    const { handle, caseId } = await openCase();
    await eventually('the task is created', async () => (await events(caseId, 'TASK_CREATED')).length === 1);
    const [created] = await events(caseId, 'TASK_CREATED');

    const wait = { reason: 'asked for the signed delivery note', until: null };
    expect(await refusalOf(handle.executeUpdate(awaitCustomerUpdate, { args: [{ actor: other, ...wait }] }))).toBe('Forbidden');
    expect(await refusalOf(handle.executeUpdate(resumeUpdate, { args: [{ actor: specialist }] }))).toBe('Conflict');
    await handle.executeUpdate(awaitCustomerUpdate, { args: [{ actor: specialist, ...wait }] });
    expect(await refusalOf(handle.executeUpdate(awaitCustomerUpdate, { args: [{ actor: specialist, ...wait }] }))).toBe('Conflict');
    await eventually('the case waits on the customer', async () => (await caseRow(caseId)).waiting_on === 'CUSTOMER');

    // Past the task's 48-hour SLA, but the customer holds the case: no escalation.
    await h.env.sleep('60 hours');
    expect(await events(caseId, 'TASK_ESCALATED')).toEqual([]);
    await handle.executeUpdate(resumeUpdate, { args: [{ actor: specialist }] });
    const [ended] = await events(caseId, 'CUSTOMER_WAIT_ENDED');
    const pausedHours = ended.data.pausedHours as number;
    expect(pausedHours).toBeGreaterThanOrEqual(60);
    const [moved] = ended.data.dueAts as { taskId: string; dueAt: string }[];
    expect(moved.taskId).toBe(created.data.taskId);
    const dueAt = Date.parse(moved.dueAt);
    expect(Math.abs(dueAt - Date.parse(created.data.dueAt as string) - pausedHours * HOUR_MS)).toBeLessThan(2);
    const { rows: tasks } = await h.db.pool.query('SELECT due_at FROM tasks WHERE id = $1', [created.data.taskId]);
    expect(tasks[0].due_at.getTime()).toBe(dueAt);
    expect((await caseRow(caseId)).waiting_on).toBe('SALES_OPS');

    // The task escalates once, at its moved due time.
    await h.env.sleep('40 hours');
    await h.env.sleep('10 hours');
    await eventually('the task is escalated', async () => (await events(caseId, 'TASK_ESCALATED')).length === 1);
    const [escalated] = await events(caseId, 'TASK_ESCALATED');
    expect(escalated.at.getTime()).toBeGreaterThanOrEqual(dueAt);

    const view = await handle.query(viewQuery);
    await handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor: salesOps, taskId: view.openTaskIds[0]!, outcome: 'CONFIRMED', note: 'contract says 90.00', amount: null }],
    });
    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP', note: null }],
    });
    await eventually('the case waits on an approver', async () => (await caseRow(caseId)).waiting_on === 'APPROVER');

    // Waiting on the customer for 10 hours of the approval's 24: it escalates 34 hours after it began, not 24.
    const until = new Date((await h.env.currentTimeMs()) + 10 * HOUR_MS).toISOString();
    await handle.executeUpdate(awaitCustomerUpdate, { args: [{ actor: specialist, reason: 'customer to confirm the amount', until }] });
    await h.env.sleep('30 hours');
    await eventually('the wait ends by itself', async () => (await events(caseId, 'CUSTOMER_WAIT_ENDED')).length === 2);
    const resumedBySystem = (await events(caseId, 'CUSTOMER_WAIT_ENDED'))[1];
    expect(resumedBySystem.actor_id).toBe('system');
    expect(resumedBySystem.at.getTime()).toBeGreaterThanOrEqual(Date.parse(until));
    expect(await events(caseId, 'APPROVAL_ESCALATED')).toEqual([]);
    await h.env.sleep('6 hours');
    await eventually('the approval is escalated', async () => (await events(caseId, 'APPROVAL_ESCALATED')).length === 1);

    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: 'late' }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    const { rows: spans } = await h.db.pool.query('SELECT party, ended_at IS NULL AS open FROM case_waits WHERE case_id = $1 ORDER BY started_at', [caseId]);
    expect(spans).toEqual([
      { party: 'SPECIALIST', open: false },
      { party: 'SALES_OPS', open: false },
      { party: 'CUSTOMER', open: false },
      { party: 'SALES_OPS', open: false },
      { party: 'SPECIALIST', open: false },
      { party: 'APPROVER', open: false },
      { party: 'CUSTOMER', open: false },
      { party: 'APPROVER', open: false },
    ]);
    await keepHistory(handle, 'customer-wait');
  });
});
