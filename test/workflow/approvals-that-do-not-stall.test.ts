// Approvals that do not stall, on Temporal's time-skipping test server with the real activities against a fresh
// PostgreSQL database: a delegate decides for an absent manager only while the delegation runs (held against the
// workflow's own clock, opening and closing mid-wait), within the absent manager's limit, and a manager over the limit
// may still reject; an approval past its SLA is offered to the managers whose limits cover it, by name; an overdue task
// goes to its team's lead, whose inbox shows it.
import { DEFAULT_DEDUCTION_RULES } from '../../domain/payments';
import { listDisputes } from '../../api/use-cases/disputes';
import { listTasks } from '../../api/use-cases/tasks';
import type { RouteDeps } from '../../api/route';
import { userFromRow, USER_COLUMNS, type AuthUser } from '../../api/auth';
import { disputeListQuery, taskListQuery } from '../../contract';
import {
  completeTaskUpdate,
  decideUpdate,
  proposeResolutionUpdate,
  viewQuery,
  type OnBehalfOf,
} from '../../domain/messages';
import { createUser, type TestUser } from '../../testkit/fixtures';
import { refusalOf, type DisputeHandle } from '../support/faults';
import { keepHistory } from '../support/temporal';
import { eventually, useWorkflowHarness, waitForStage } from '../support/workflow-harness';

const h = useWorkflowHarness('stall');
let specialist: TestUser;
let salesOps: TestUser;
let lead: TestUser;
let delegate: TestUser;
let absent: TestUser;
let unlimited: TestUser;
let small: TestUser;
let euroOnly: TestUser;

const HOUR_MS = 3_600_000;

beforeAll(async () => {
  specialist = await createUser(h.db.pool, 'specialist');
  salesOps = await createUser(h.db.pool, 'ops', { team: 'SALES_OPS' });
  lead = await createUser(h.db.pool, 'ops', { team: 'SALES_OPS', lead: true, name: 'Lena Lead' });
  delegate = await createUser(h.db.pool, 'manager', { approvalLimits: { USD: '50.00' }, name: 'Dana Delegate' });
  absent = await createUser(h.db.pool, 'manager', { approvalLimits: { USD: '1000.00', EUR: '800.00' }, name: 'Abe Absent' });
  unlimited = await createUser(h.db.pool, 'manager', { approvalLimits: {}, name: 'Una Unlimited' });
  small = await createUser(h.db.pool, 'manager', { approvalLimits: { USD: '10.00' }, name: 'Sid Small' });
  euroOnly = await createUser(h.db.pool, 'manager', { approvalLimits: { EUR: '5000.00' }, name: 'Eve Euro' });
});

async function eventsOf(caseId: string, type: string): Promise<{ data: Record<string, unknown>; at: Date }[]> {
  const { rows } = await h.db.pool.query('SELECT data, at FROM case_events WHERE case_id = $1 AND type = $2 ORDER BY seq', [caseId, type]);
  return rows;
}

async function openCase(): Promise<{ handle: DisputeHandle; caseId: string }> {
  const { handle, input } = await h.openCase(specialist);
  return { handle, caseId: input.caseId };
}

async function toApproval(handle: DisputeHandle, amount: string): Promise<void> {
  await waitForStage(handle, 'INVESTIGATION');
  const view = await handle.query(viewQuery);
  await handle.executeUpdate(completeTaskUpdate, { args: [{ actor: salesOps, taskId: view.openTaskIds[0]!, outcome: 'CONFIRMED', note: 'n', amount: null }] });
  await handle.executeUpdate(proposeResolutionUpdate, { args: [{ actor: specialist, type: 'CREDIT', amount, rootCause: 'PRICING_SETUP', note: null }] });
}

/** A delegation from the absent manager to the delegate for [from, until), in the test server's time. */
async function delegation(fromHours: number, untilHours: number): Promise<OnBehalfOf> {
  const now = await h.env.currentTimeMs();
  const [from, until] = [new Date(now + fromHours * HOUR_MS).toISOString(), new Date(now + untilHours * HOUR_MS).toISOString()];
  const { rows } = await h.db.pool.query(
    'INSERT INTO delegations (manager_id, delegate_id, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4, $1) RETURNING id',
    [absent.id, delegate.id, from, until],
  );
  return { id: absent.id, name: absent.name, approvalLimit: absent.approvalLimit, approvalLimits: absent.approvalLimits, delegation: { id: rows[0].id, from, until } };
}

const approveFor = (handle: DisputeHandle, onBehalfOf: OnBehalfOf | null) =>
  handle.executeUpdate(decideUpdate, { args: [{ actor: delegate, decision: 'APPROVE', comment: null, onBehalfOf }] });

function deps(): RouteDeps {
  return { pool: h.db.pool, baseCurrency: 'USD', deductionRules: DEFAULT_DEDUCTION_RULES } as unknown as RouteDeps;
}

async function authUser(user: TestUser): Promise<AuthUser> {
  const { rows } = await h.db.pool.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [user.id]);
  return userFromRow(rows[0], 'USD');
}

describe('approvals that do not stall', () => {
  it('takes a delegate’s approval for the absent manager only once the delegation opens, within the absent manager’s limit', async () => {
    const { handle, caseId } = await openCase();
    await toApproval(handle, '100.00');
    const onBehalfOf = await delegation(2, 10);
    // Its own limit (50.00) does not cover 100.00, and the delegation has not begun.
    expect(await refusalOf(approveFor(handle, null))).toBe('Forbidden');
    expect(await refusalOf(approveFor(handle, onBehalfOf))).toBe('Forbidden');
    // Deciding on the proposer's behalf, or the proposer deciding, is refused whatever the window.
    expect(await refusalOf(approveFor(handle, { ...onBehalfOf, id: specialist.id }))).toBe('Forbidden');

    await h.env.sleep('3 hours');
    const decided = await approveFor(handle, onBehalfOf);
    expect(decided.stage).toBe('CREDIT_MEMO');
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    const [event] = await eventsOf(caseId, 'RESOLUTION_DECIDED');
    expect(event.data).toMatchObject({ decision: 'APPROVE', approverLimit: '1000.00', onBehalfOf: { id: absent.id, name: absent.name } });
    const { rows } = await h.db.pool.query('SELECT on_behalf_of, decided_by, approver_limit_minor FROM approvals WHERE case_id = $1', [caseId]);
    expect(rows).toEqual([{ on_behalf_of: absent.id, decided_by: delegate.id, approver_limit_minor: '100000' }]);
    const { rows: memos } = await h.db.pool.query('SELECT amount_minor FROM adjustments WHERE case_id = $1', [caseId]);
    expect(memos).toEqual([{ amount_minor: '10000' }]);
    await keepHistory(handle, 'delegated-approval');
  });

  it('refuses the delegate once the delegation has ended, and takes its rejection over its own limit', async () => {
    const { handle, caseId } = await openCase();
    await toApproval(handle, '100.00');
    const onBehalfOf = await delegation(-1, 2);
    await h.env.sleep('3 hours');
    expect(await refusalOf(approveFor(handle, onBehalfOf))).toBe('Forbidden');
    const rejected = await handle.executeUpdate(decideUpdate, { args: [{ actor: delegate, decision: 'REJECT', comment: 'too much', onBehalfOf: null }] });
    expect(rejected.stage).toBe('RESOLUTION');
    const { rows } = await h.db.pool.query('SELECT decision, on_behalf_of, approver_limit_minor, amount_minor FROM approvals WHERE case_id = $1', [caseId]);
    expect(rows).toEqual([{ decision: 'REJECT', on_behalf_of: null, approver_limit_minor: '5000', amount_minor: '10000' }]);
    await handle.executeUpdate(proposeResolutionUpdate, { args: [{ actor: specialist, type: 'NO_CREDIT', amount: null, rootCause: 'CUSTOMER_ERROR', note: null }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
  });

  it('offers an approval past its SLA to the managers whose limits cover it, by name, never to its proposer', async () => {
    const { handle, caseId } = await openCase();
    await toApproval(handle, '100.00');
    // The proposer became a manager since: still no approver of their own proposal.
    await h.db.pool.query(`UPDATE users SET role = 'manager' WHERE id = $1`, [specialist.id]);
    try {
      await h.env.sleep('25 hours');
      await eventually('the approval is escalated', async () => (await eventsOf(caseId, 'APPROVAL_ESCALATED')).length === 1);
      const [escalated] = await eventsOf(caseId, 'APPROVAL_ESCALATED');
      const offeredTo = escalated.data.offeredTo as { id: string; name: string }[];
      expect(offeredTo).toEqual(expect.arrayContaining([{ id: absent.id, name: absent.name }, { id: unlimited.id, name: unlimited.name }]));
      const ids = offeredTo.map((o) => o.id);
      for (const not of [delegate, small, euroOnly, specialist]) expect(ids).not.toContain(not.id);

      // The read model keeps the offer: each manager offered it sees it, the others do not.
      const list = async (user: TestUser) =>
        (await listDisputes({ deps: deps(), user: await authUser(user), touchCase: () => {} }, { query: disputeListQuery.parse({ offeredTo: 'me' }) })).items;
      expect((await list(absent)).map((c) => [c.id, c.offeredToMe, c.yourAuthority?.limit])).toEqual([[caseId, true, '1000.00']]);
      expect(await list(small)).toEqual([]);
      const asProposer = { ...unlimited, id: specialist.id, name: specialist.name };
      expect(await refusalOf(handle.executeUpdate(decideUpdate, { args: [{ actor: asProposer, decision: 'APPROVE', comment: null }] }))).toBe('Forbidden');

      await handle.executeUpdate(decideUpdate, { args: [{ actor: absent, decision: 'APPROVE', comment: 'offered to me' }] });
      expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
      expect(await list(absent)).toEqual([]);
      await keepHistory(handle, 'escalation-offered');
    } finally {
      await h.db.pool.query(`UPDATE users SET role = 'specialist' WHERE id = $1`, [specialist.id]);
    }
  });

  it("gives an overdue task to its team's lead, whose inbox shows it", async () => {
    const { handle, caseId } = await openCase();
    await waitForStage(handle, 'INVESTIGATION');
    await h.env.sleep('49 hours');
    await eventually('the task is escalated', async () => (await eventsOf(caseId, 'TASK_ESCALATED')).length === 1);
    const [escalated] = await eventsOf(caseId, 'TASK_ESCALATED');
    expect(escalated.data).toMatchObject({ team: 'SALES_OPS', assignee: { id: lead.id, name: 'Lena Lead' } });

    const inbox = async (user: TestUser) =>
      (await listTasks({ deps: deps(), user: await authUser(user), touchCase: () => {} }, { query: taskListQuery.parse({ assignee: 'me' }) })).items;
    const mine = await inbox(lead);
    expect(mine.map((t) => [t.disputeId, t.assigneeId, t.assigneeName])).toEqual([[caseId, lead.id, 'Lena Lead']]);
    expect(await inbox(salesOps)).toEqual([]);

    const view = await handle.query(viewQuery);
    await handle.executeUpdate(completeTaskUpdate, { args: [{ actor: lead, taskId: view.openTaskIds[0]!, outcome: 'CONFIRMED', note: 'late', amount: null }] });
    await handle.executeUpdate(proposeResolutionUpdate, { args: [{ actor: specialist, type: 'NO_CREDIT', amount: null, rootCause: 'CUSTOMER_ERROR', note: null }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    await keepHistory(handle, 'task-escalated-to-lead');
  });
});
