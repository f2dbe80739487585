// The dispute workflow on Temporal's time-skipping test server, with the real activities against a fresh
// PostgreSQL database: the whole life, reject and re-propose, cancel in each stage, SLA escalation; text the
// database cannot store reaching the workflow around the API (F21): the case parks, visibly, after one attempt, and
// can be cancelled; and a retry loop is what the shared invariant check reports.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { recordEvents } from '../../activities/trail';
import { issueAdjustments, type IssueAdjustmentsInput } from '../../activities/ledger';
import { PostgresRecordsSource } from '../../records/source';
import { storeRecords } from '../../api/records-import';
import { SYSTEM_OPENER, type RecordedEvent } from '../../domain/events';
import {
  addDeductionUpdate,
  cancelUpdate,
  completeTaskUpdate,
  decideUpdate,
  proposeResolutionUpdate,
  refreshEvidenceUpdate,
  retryEvidenceUpdate,
  viewQuery,
  type DisputeInput,
} from '../../domain/messages';
import type { Stage, TaskOutcome } from '../../domain/types';
import { disputeWorkflow } from '../../workflows';
import { createUser, disputeInput, pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';
import { formatMoney, parseMoney } from '../../domain/money';
import { refusalOf } from '../support/faults';
import { checkInvariants } from '../../testkit/invariants';
import { keepHistory, uniqueTaskQueue } from '../support/temporal';
import { eventually, useWorkflowHarness, waitForStage } from '../support/workflow-harness';
import { LATEST_RESOLUTION } from '../../read-model/cases';

const h = useWorkflowHarness('wf');
let specialist: TestUser;
let manager: TestUser;
let salesOps: TestUser;

beforeAll(async () => {
  specialist = await createUser(h.db.pool, 'specialist');
  manager = await createUser(h.db.pool, 'manager', { approvalLimit: '1000.00' });
  salesOps = await createUser(h.db.pool, 'ops', { team: 'SALES_OPS' });
});

type Activities = ReturnType<typeof createActivities>;

/** A worker on a queue of its own whose activities are the real ones but for `overrides`. */
function workerWith(queue: string, overrides: Partial<Activities>): Promise<Worker> {
  return Worker.create({
    connection: h.env.nativeConnection,
    namespace: h.env.namespace ?? 'default',
    taskQueue: queue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: { ...createActivities({ pool: h.db.pool, records: new PostgresRecordsSource(h.db.pool) }), ...overrides },
  });
}

function openCase(
  disputedAmount = '150.00',
  opts: { description?: string; taskQueue?: string; completedQty?: number } = {},
): Promise<{ handle: WorkflowHandle<typeof disputeWorkflow>; input: DisputeInput; fixture: ReturnType<typeof pricingDispute> }> {
  return h.openCase(specialist, { disputedAmount, ...opts });
}

async function nowMs(): Promise<number> {
  return h.env.currentTimeMs();
}

async function countEvents(caseId: string, type: string): Promise<number> {
  return (await eventTypes(caseId)).filter((t) => t === type).length;
}

async function eventTypes(caseId: string): Promise<string[]> {
  const { rows } = await h.db.pool.query('SELECT type FROM case_events WHERE case_id = $1 ORDER BY seq', [caseId]);
  return rows.map((r) => r.type);
}

/** Sales Ops completes the case's first open task. */
async function completeFirstTask(handle: WorkflowHandle<typeof disputeWorkflow>, outcome: TaskOutcome, note: string): Promise<void> {
  const view = await handle.query(viewQuery);
  await handle.executeUpdate(completeTaskUpdate, { args: [{ actor: salesOps, taskId: view.openTaskIds[0]!, outcome, note, amount: null }] });
}

async function toApproval(handle: WorkflowHandle<typeof disputeWorkflow>, amount: string): Promise<void> {
  await waitForStage(handle, 'INVESTIGATION');
  await completeFirstTask(handle, 'CONFIRMED', 'contract says 90.00');
  await handle.executeUpdate(proposeResolutionUpdate, {
    args: [{ actor: specialist, type: 'CREDIT', amount, rootCause: 'PRICING_SETUP', note: null }],
  });
}

describe('disputeWorkflow', () => {
  it('runs the whole life to exactly one credit memo', async () => {
    const { handle, input } = await openCase();
    await waitForStage(handle, 'INVESTIGATION');
    const { rows: findings } = await h.db.pool.query('SELECT code, team, amount_minor FROM findings WHERE case_id = $1', [input.caseId]);
    expect(findings).toEqual([{ code: 'PRICE_VARIANCE', team: 'SALES_OPS', amount_minor: '10000' }]);

    await toApproval(handle, '100.00');
    expect(await refusalOf(handle.executeUpdate(decideUpdate, { args: [{ actor: { ...manager, id: specialist.id }, decision: 'APPROVE', comment: null }] }))).toBe('Forbidden');
    const decided = await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: 'ok' }] });
    expect(decided.stage).toBe('CREDIT_MEMO');

    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    const { rows: memos } = await h.db.pool.query(
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
      'ADJUSTMENTS_ISSUED',
      'STAGE_ENTERED',
      'CASE_CLOSED',
    ]);
    const { rows: verify } = await h.db.pool.query('SELECT * FROM verify_case_trail($1)', [input.caseId]);
    expect(verify).toEqual([]);
    const { rows: cases } = await h.db.pool.query('SELECT status, stage, closed_at FROM cases WHERE id = $1', [input.caseId]);
    expect(cases[0]).toMatchObject({ status: 'CLOSED', stage: 'DONE' });
    expect(cases[0].closed_at).toBeInstanceOf(Date);
    await keepHistory(handle, 'whole-life');
  });

  it('takes a PARTIAL completion: its finding confirmed in part, the recommendation and the memo follow it', async () => {
    const { handle, input } = await openCase('150.00');
    await waitForStage(handle, 'INVESTIGATION');
    const { rows: [finding] } = await h.db.pool.query('SELECT id FROM findings WHERE case_id = $1', [input.caseId]);
    const view = await handle.query(viewQuery);
    const confirmations = [{ id: finding.id, confirmedAmount: '40.00' }];
    await handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor: salesOps, taskId: view.openTaskIds[0]!, outcome: 'PARTIAL', note: 'four visits at 90.00', amount: null, findings: confirmations }],
    });
    const { rows: [after] } = await h.db.pool.query(
      `SELECT f.confirmed_minor, c.recommended_credit_minor, e.data->'findings' AS event_findings
         FROM findings f JOIN cases c ON c.id = f.case_id JOIN case_events e ON e.case_id = c.id AND e.type = 'TASK_COMPLETED'
        WHERE f.case_id = $1`,
      [input.caseId],
    );
    expect(after).toEqual({ confirmed_minor: '4000', recommended_credit_minor: '4000', event_findings: confirmations });
    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'CREDIT', amount: '40.00', rootCause: 'pricing setup', note: null }],
    });
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: 'ok' }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    await keepHistory(handle, 'partial-completion');
  });

  it('goes back to RESOLUTION on reject and issues one memo for the re-proposed amount', async () => {
    const { handle, input } = await openCase();
    await toApproval(handle, '100.00');
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'REJECT', comment: 'check again' }] });
    expect((await handle.query(viewQuery)).stage).toBe('RESOLUTION');
    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'CREDIT', amount: '60.00', rootCause: 'PRICING_SETUP', note: 'partial' }],
    });
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: null }] });
    await handle.result();
    const { rows } = await h.db.pool.query('SELECT amount_minor FROM credit_memos WHERE case_id = $1', [input.caseId]);
    expect(rows).toEqual([{ amount_minor: '6000' }]);
    const { rows: approvals } = await h.db.pool.query('SELECT decision FROM approvals WHERE case_id = $1 ORDER BY decided_at, decision DESC', [input.caseId]);
    expect(approvals.map((a) => a.decision).sort()).toEqual(['APPROVE', 'REJECT']);
    await keepHistory(handle, 'reject-and-repropose');
  });

  it('issues a credit memo and a debit memo for one approval of an ADJUST, each in its series', async () => {
    const { handle, input } = await openCase();
    await waitForStage(handle, 'INVESTIGATION');
    await completeFirstTask(handle, 'CONFIRMED', 'price and freight');
    const invoiceNumber = input.opened.invoiceNumber;
    const adjustments = [
      { kind: 'CREDIT' as const, invoiceNumber, lineNo: null, amount: '100.00' },
      { kind: 'DEBIT' as const, invoiceNumber, lineNo: 1, amount: '25.00' },
    ];
    // The amount is the sum, debits included; it must be.
    expect(
      await refusalOf(
        handle.executeUpdate(proposeResolutionUpdate, {
          args: [{ actor: specialist, type: 'ADJUST', amount: '100.00', rootCause: 'PRICING_SETUP', note: null, adjustments }],
        }),
      ),
    ).toBe('Unprocessable');
    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'ADJUST', amount: '125.00', rootCause: 'PRICING_SETUP', note: 'freight unbilled', adjustments }],
    });
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: null }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    const { rows: docs } = await h.db.pool.query(
      `SELECT left(m.number, 3) AS series, m.kind, m.amount_minor, array_agg(l.line_no || ':' || l.amount_minor ORDER BY l.line_no) AS lines
         FROM adjustments m JOIN adjustment_lines l ON l.adjustment_number = m.number WHERE m.case_id = $1
        GROUP BY m.number ORDER BY m.kind`,
      [input.caseId],
    );
    expect(docs).toEqual([
      { series: 'CM-', kind: 'CREDIT', amount_minor: '10000', lines: ['1:10000'] },
      { series: 'DM-', kind: 'DEBIT', amount_minor: '2500', lines: ['1:2500'] },
    ]);
    const { rows: invoice } = await h.db.pool.query(
      'SELECT credited_minor, debited_minor, written_off_minor, open_balance_minor FROM invoices WHERE number = $1',
      [invoiceNumber],
    );
    expect(invoice).toEqual([{ credited_minor: '10000', debited_minor: '2500', written_off_minor: '0', open_balance_minor: '92500' }]);
    expect(await countEvents(input.caseId, 'ADJUSTMENTS_ISSUED')).toBe(1);
    const { rows: closed } = await h.db.pool.query(`SELECT data->>'outcome' AS outcome FROM case_events WHERE case_id = $1 AND type = 'CASE_CLOSED'`, [input.caseId]);
    expect(closed).toEqual([{ outcome: 'ADJUST' }]);
    await keepHistory(handle, 'adjust-credit-and-debit');
  });

  it('writes off what is left without admitting an error', async () => {
    const { handle, input } = await openCase();
    await waitForStage(handle, 'INVESTIGATION');
    await completeFirstTask(handle, 'NOT_CONFIRMED', 'billed as agreed');
    const adjustments = [{ kind: 'WRITE_OFF' as const, invoiceNumber: input.opened.invoiceNumber, lineNo: null, amount: '40.00' }];
    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'WRITE_OFF', amount: '40.00', rootCause: 'CUSTOMER_ERROR', note: 'goodwill', adjustments }],
    });
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: null }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    const { rows } = await h.db.pool.query(
      `SELECT left(m.number, 3) AS series, i.written_off_minor, i.credited_minor, i.open_balance_minor
         FROM adjustments m JOIN invoices i ON i.number = m.invoice_number WHERE m.case_id = $1`,
      [input.caseId],
    );
    expect(rows).toEqual([{ series: 'WO-', written_off_minor: '4000', credited_minor: '0', open_balance_minor: '96000' }]);
    await keepHistory(handle, 'write-off');
  });

  it.each<Stage>(['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL'])('cancels in %s', async (stage) => {
    const { handle, input } = await openCase();
    if (stage !== 'EVIDENCE') await waitForStage(handle, 'INVESTIGATION');
    if (stage === 'RESOLUTION' || stage === 'APPROVAL') {
      await completeFirstTask(handle, 'NOT_CONFIRMED', 'n/a');
    }
    if (stage === 'APPROVAL') {
      await handle.executeUpdate(proposeResolutionUpdate, {
        args: [{ actor: specialist, type: 'CREDIT', amount: '10.00', rootCause: 'OTHER', note: null }],
      });
    }
    const result = await handle.executeUpdate(cancelUpdate, { args: [{ actor: manager, reason: 'customer withdrew' }] });
    expect(result).toEqual({ status: 'CANCELLED', stage: 'DONE' });
    expect(await handle.result()).toEqual({ status: 'CANCELLED', stage: 'DONE' });
    const { rows } = await h.db.pool.query(
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
    await h.env.sleep('47 hours');
    expect(await eventTypes(input.caseId)).not.toContain('TASK_ESCALATED');
    await h.env.sleep('2 hours');
    await eventually('the task is escalated', async () => (await countEvents(input.caseId, 'TASK_ESCALATED')) === 1);
    await h.env.sleep('5 days');
    expect(await countEvents(input.caseId, 'TASK_ESCALATED')).toBe(1);
    const { rows } = await h.db.pool.query('SELECT escalated_at FROM tasks WHERE case_id = $1', [input.caseId]);
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
      args: [{ actor: specialist, type: 'NO_CREDIT', amount: null, rootCause: 'CUSTOMER_ERROR', note: null }],
    });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    await keepHistory(handle, 'task-escalation');
  });

  it('escalates a waiting approval once after its SLA', async () => {
    const { handle, input } = await openCase();
    await toApproval(handle, '100.00');
    await h.env.sleep('25 hours');
    await eventually('the approval is escalated', async () => (await countEvents(input.caseId, 'APPROVAL_ESCALATED')) === 1);
    await h.env.sleep('3 days');
    expect(await countEvents(input.caseId, 'APPROVAL_ESCALATED')).toBe(1);
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: 'late' }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    await keepHistory(handle, 'approval-escalation');
  });
});

describe('a case over several invoices and lines', () => {
  /**
   * Invoices of one customer (the pricing fixture's: contract 90.00, PO 10 at 100.00), each `lines` long; on the
   * fixture's PO, or each but the first on a PO of its own that is not in the records.
   */
  async function invoicesOfOneCustomer(count: number, lines: number, posOfTheirOwn = false): Promise<{ customerId: string; numbers: string[] }> {
    const fixture = pricingDispute();
    const invoice = fixture.records.invoices![0]!;
    const invoices = Array.from({ length: count }, (_, n) => ({
      ...invoice,
      number: n === 0 ? invoice.number : uniqueId('INV'),
      purchaseOrderId: posOfTheirOwn && n > 0 ? uniqueId('PO') : invoice.purchaseOrderId,
      issuedAt: `2026-02-${String(10 + (n % 15)).padStart(2, '0')}T00:00:${String(n % 60).padStart(2, '0')}Z`,
      lines: Array.from({ length: lines }, (_, i) => ({ lineNo: i + 1, sku: 'SKU-A', quantity: 1 + (n % 3), unitPrice: '100.00' })),
    }));
    await storeRecords(h.db.pool, { ...fixture.records, invoices });
    return { customerId: fixture.customerId, numbers: invoices.map((i) => i.number) };
  }

  async function openOnItems(customerId: string, items: NonNullable<DisputeInput['opened']['items']>) {
    const first = items[0]!;
    const base = disputeInput({
      invoiceNumber: first.invoiceNumber,
      customerId,
      openedBy: specialist,
      disputedAmount: formatMoney(items.reduce((sum, i) => sum + parseMoney(i.disputedAmount), 0n)),
      openedAt: new Date(await nowMs()).toISOString(),
    });
    const input: DisputeInput = { ...base, opened: { ...base.opened, items } };
    const handle = await h.env.client.workflow.start(disputeWorkflow, { workflowId: input.opened.workflowId, taskQueue: h.taskQueue, args: [input] });
    return { handle, input };
  }

  it('analyses a whole invoice and a line of another, plans one task over both, and closes', async () => {
    const { customerId, numbers } = await invoicesOfOneCustomer(2, 2);
    const { handle, input } = await openOnItems(customerId, [
      { invoiceNumber: numbers[0]!, disputedAmount: '30.00' },
      { invoiceNumber: numbers[1]!, lineNo: 2, disputedAmount: '50.00' },
    ]);
    await waitForStage(handle, 'INVESTIGATION');
    await eventually('its task is projected', async () => (await countEvents(input.caseId, 'TASK_CREATED')) === 1);
    const { rows: items } = await h.db.pool.query(
      'SELECT invoice_number, line_no, recommended_credit_minor FROM case_items WHERE case_id = $1 ORDER BY ordinal',
      [input.caseId],
    );
    // Invoice 1: two lines of 1 at 100.00 against 90.00, 20.00 overbilled; invoice 2's line 2: 2 at 100.00, 20.00.
    expect(items).toEqual([
      { invoice_number: numbers[0], line_no: null, recommended_credit_minor: '2000' },
      { invoice_number: numbers[1], line_no: 2, recommended_credit_minor: '2000' },
    ]);
    const { rows: tasks } = await h.db.pool.query('SELECT team, title FROM tasks WHERE case_id = $1', [input.caseId]);
    expect(tasks).toEqual([{ team: 'SALES_OPS', title: `Confirm PRICE_VARIANCE on invoices ${numbers[0]}, ${numbers[1]}` }]);
    await completeFirstTask(handle, 'NOT_CONFIRMED', 'agreed price');
    await handle.executeUpdate(proposeResolutionUpdate, { args: [{ actor: specialist, type: 'NO_CREDIT', amount: null, rootCause: 'none', note: null }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    await keepHistory(handle, 'two-invoice-case');
  });

  it('keeps every history event under 256 KB for 50 invoices of 200 lines', async () => {
    const { customerId, numbers } = await invoicesOfOneCustomer(50, 200, true);
    const { handle, input } = await openOnItems(
      customerId,
      numbers.map((invoiceNumber) => ({ invoiceNumber, disputedAmount: '1.00' })),
    );
    await waitForStage(handle, 'INVESTIGATION');
    const { rows } = await h.db.pool.query('SELECT count(*)::int AS n FROM findings WHERE case_id = $1', [input.caseId]);
    expect(rows[0].n).toBeGreaterThanOrEqual(50 * 200);
    const history = await handle.fetchHistory();
    const sizes = (history.events ?? []).map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length);
    expect(Math.max(...sizes)).toBeLessThan(256 * 1024);
    await handle.executeUpdate(cancelUpdate, { args: [{ actor: specialist, reason: 'done measuring' }] });
  }, 120_000);
});

describe('evidence frozen for the decision', () => {
  it('refreshes after ops fixed a work order: the finding and its task go, the case moves to RESOLUTION, a stale decision is refused', async () => {
    const orderManagement = await createUser(h.db.pool, 'ops', { team: 'ORDER_MANAGEMENT' });
    const { handle, input, fixture } = await openCase('150.00', { completedQty: 8 });
    await eventually('both tasks are on the case', async () => (await countEvents(input.caseId, 'TASK_CREATED')) === 2);
    const held = async () =>
      (await h.db.pool.query('SELECT evidence_hash, recommended_credit_minor FROM cases WHERE id = $1', [input.caseId])).rows[0];
    const before = await held();
    expect(before.evidence_hash).toMatch(/^[0-9a-f]{64}$/);
    const { rows: tasks } = await h.db.pool.query('SELECT id, team FROM tasks WHERE case_id = $1 ORDER BY team', [input.caseId]);
    expect(tasks.map((t) => t.team)).toEqual(['ORDER_MANAGEMENT', 'SALES_OPS']);
    const [omTask, salesTask] = tasks;
    await handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor: salesOps, taskId: salesTask.id, outcome: 'CONFIRMED', note: 'contract says 90.00', amount: null }],
    });
    expect((await handle.query(viewQuery)).stage).toBe('INVESTIGATION');

    // Ops finds the work order was completed in full after all, and the source is fixed.
    const [workOrder] = fixture.records.workOrders!;
    await storeRecords(h.db.pool, { workOrders: [{ ...workOrder, lines: [{ sku: 'SKU-A', quantityCompleted: 10 }] }] });
    expect(await refusalOf(handle.executeUpdate(refreshEvidenceUpdate, { args: [{ actor: manager }] }))).toBe('Forbidden');
    const refreshed = await handle.executeUpdate(refreshEvidenceUpdate, { args: [{ actor: specialist }], updateId: 'refresh-once' });
    expect(refreshed).toEqual({ status: 'OPEN', stage: 'RESOLUTION' });
    expect(await handle.executeUpdate(refreshEvidenceUpdate, { args: [{ actor: specialist }], updateId: 'refresh-once' })).toEqual(refreshed);

    const after = await held();
    expect(after.evidence_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(after.evidence_hash).not.toBe(before.evidence_hash);
    expect(after.recommended_credit_minor).toBe('10000');
    const { rows: findings } = await h.db.pool.query('SELECT code FROM current_findings WHERE case_id = $1', [input.caseId]);
    expect(findings).toEqual([{ code: 'PRICE_VARIANCE' }]);
    const { rows: statuses } = await h.db.pool.query('SELECT id, status FROM tasks WHERE case_id = $1', [input.caseId]);
    expect(Object.fromEntries(statuses.map((t) => [t.id, t.status]))).toEqual({ [omTask.id]: 'CANCELLED', [salesTask.id]: 'DONE' });
    const { rows: events } = await h.db.pool.query(
      `SELECT type, actor_id, data FROM case_events WHERE case_id = $1 AND seq > (SELECT max(seq) FROM case_events WHERE case_id = $1 AND type = 'TASK_COMPLETED') ORDER BY seq`,
      [input.caseId],
    );
    expect(events.map((e) => e.type)).toEqual(['EVIDENCE_REFRESHED', 'TASK_CANCELLED', 'STAGE_ENTERED']);
    expect(events[0].actor_id).toBe(specialist.id);
    expect(events[0].data.previousFindings.map((f: { code: string }) => f.code).sort()).toEqual(['PRICE_VARIANCE', 'SERVICE_NOT_COMPLETED']);
    expect(events[0].data.findings.map((f: { code: string }) => f.code)).toEqual(['PRICE_VARIANCE']);
    expect(events[0].data).toMatchObject({ evidenceHash: after.evidence_hash, previousEvidenceHash: before.evidence_hash });
    expect(events[1].data).toEqual({ taskId: omTask.id, team: 'ORDER_MANAGEMENT' });
    expect(await refusalOf(handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor: orderManagement, taskId: omTask.id, outcome: 'CONFIRMED', note: 'late', amount: null }],
    }))).toBe('Conflict');

    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'CREDIT', amount: '100.00', rootCause: 'pricing setup', note: null }],
    });
    expect(await refusalOf(handle.executeUpdate(refreshEvidenceUpdate, { args: [{ actor: specialist }] }))).toBe('Conflict');
    const stale = { actor: manager, decision: 'APPROVE' as const, comment: null, evidenceHash: before.evidence_hash };
    expect(await refusalOf(handle.executeUpdate(decideUpdate, { args: [stale] }))).toBe('Conflict');
    expect(await countEvents(input.caseId, 'RESOLUTION_DECIDED')).toBe(0);
    await handle.executeUpdate(decideUpdate, { args: [{ ...stale, evidenceHash: after.evidence_hash }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    const { rows: approvals } = await h.db.pool.query('SELECT evidence_hash FROM approvals WHERE case_id = $1', [input.caseId]);
    expect(approvals).toEqual([{ evidence_hash: after.evidence_hash }]);
    const { rows: verify } = await h.db.pool.query('SELECT * FROM verify_case_trail($1)', [input.caseId]);
    expect(verify).toEqual([]);
    await keepHistory(handle, 'refresh-evidence');
  });

  it('gives a team with new findings a task, back in INVESTIGATION, and records the current hash on a decision sent without one', async () => {
    const { handle, input, fixture } = await openCase();
    await eventually('its task is on the case', async () => (await countEvents(input.caseId, 'TASK_CREATED')) === 1);
    await completeFirstTask(handle, 'CONFIRMED', 'ok');
    const [workOrder] = fixture.records.workOrders!;
    await storeRecords(h.db.pool, { workOrders: [{ ...workOrder, lines: [{ sku: 'SKU-A', quantityCompleted: 7 }] }] });
    expect(await handle.executeUpdate(refreshEvidenceUpdate, { args: [{ actor: specialist }] })).toEqual({ status: 'OPEN', stage: 'INVESTIGATION' });
    const { rows: open } = await h.db.pool.query(`SELECT team, finding_codes FROM tasks WHERE case_id = $1 AND status = 'OPEN'`, [input.caseId]);
    expect(open).toEqual([{ team: 'ORDER_MANAGEMENT', finding_codes: ['SERVICE_NOT_COMPLETED'] }]);
    const omOps = await createUser(h.db.pool, 'ops', { team: 'ORDER_MANAGEMENT' });
    const [openTaskId] = (await handle.query(viewQuery)).openTaskIds;
    await handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor: omOps, taskId: openTaskId!, outcome: 'CONFIRMED', note: '3 visits missing', amount: null }],
    });
    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'CREDIT', amount: '150.00', rootCause: 'service execution', note: null }],
    });
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: null }] });
    await handle.result();
    const { rows } = await h.db.pool.query(
      'SELECT a.evidence_hash = c.evidence_hash AS current FROM approvals a JOIN cases c ON c.id = a.case_id WHERE a.case_id = $1',
      [input.caseId],
    );
    expect(rows).toEqual([{ current: true }]);
  });
  it('keeps what a done task confirmed of a finding found again unchanged, and the hash of unchanged evidence', async () => {
    const { handle, input } = await openCase();
    await eventually('its task is on the case', async () => (await countEvents(input.caseId, 'TASK_CREATED')) === 1);
    await completeFirstTask(handle, 'NOT_CONFIRMED', 'price agreed by phone');
    const held = async () =>
      (
        await h.db.pool.query(
          `SELECT c.evidence_hash, c.recommended_credit_minor, array_agg(f.confirmed_minor) AS confirmed
             FROM cases c JOIN current_findings f ON f.case_id = c.id WHERE c.id = $1 GROUP BY c.id`,
          [input.caseId],
        )
      ).rows[0];
    const before = await held();
    expect(before).toMatchObject({ recommended_credit_minor: '0', confirmed: ['0'] });
    expect(await handle.executeUpdate(refreshEvidenceUpdate, { args: [{ actor: specialist }] })).toEqual({ status: 'OPEN', stage: 'RESOLUTION' });
    expect(await held()).toEqual(before);
    expect(await countEvents(input.caseId, 'TASK_CREATED')).toBe(1);
    await handle.executeUpdate(cancelUpdate, { args: [{ actor: specialist, reason: 'done checking' }] });
  });
});

describe('an approved credit the ledger cannot post', () => {
  it('is refused back to RESOLUTION, after one attempt, when the invoice is not in the ledger', async () => {
    // The schema keeps a case's invoice (a foreign key): the ledger is asked for another, as if it had vanished.
    const ledgerQueue = uniqueTaskQueue('wf-ledger');
    const vanished = `${uniqueId('INV')}-vanished`;
    const ledgerWorker = await workerWith(ledgerQueue, {
      issueAdjustments: (arg: IssueAdjustmentsInput) =>
        issueAdjustments(h.db.pool, { ...arg, adjustments: arg.adjustments.map((a) => ({ ...a, invoiceNumber: vanished })) }),
    });
    await ledgerWorker.runUntil(async () => {
      const { handle, input } = await openCase('150.00', { taskQueue: ledgerQueue });
      await toApproval(handle, '100.00');
      await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: null }] });
      const refused = ['RESOLUTION_DECIDED', 'STAGE_ENTERED', 'CREDIT_MEMO_REFUSED', 'STAGE_ENTERED'].join();
      await eventually('the credit is refused', async () => (await eventTypes(input.caseId)).slice(-4).join() === refused);
      expect((await handle.query(viewQuery)).stage).toBe('RESOLUTION');
      const { rows } = await h.db.pool.query(
        `SELECT data->>'reason' AS reason FROM case_events WHERE case_id = $1 AND type = 'CREDIT_MEMO_REFUSED'`,
        [input.caseId],
      );
      expect(rows).toEqual([{ reason: `invoice ${vanished} vanished from the ledger` }]);
      // The read model shows no approved proposal standing once the ledger refused it.
      const { rows: latest } = await h.db.pool.query(`SELECT ${LATEST_RESOLUTION} AS resolution FROM cases c WHERE c.id = $1`, [input.caseId]);
      expect(latest).toEqual([{ resolution: null }]);
      const history = await handle.fetchHistory();
      const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
      expect(new Set(attempts)).toEqual(new Set([1]));

      expect(await handle.executeUpdate(cancelUpdate, { args: [{ actor: manager, reason: 'the invoice is gone' }] })).toEqual({
        status: 'CANCELLED',
        stage: 'DONE',
      });
      expect(await handle.result()).toEqual({ status: 'CANCELLED', stage: 'DONE' });
      await keepHistory(handle, 'credit-refused-on-vanished-invoice');
    });
  });
});

describe('text the database cannot store, sent around the API', () => {
  /** The case's row and trail, and how its recordEvents activities ended. */
  async function parkedCase(caseId: string, handle: WorkflowHandle<typeof disputeWorkflow>) {
    const { rows } = await h.db.pool.query('SELECT status, stage, description, parked_error FROM cases WHERE id = $1', [caseId]);
    const history = await handle.fetchHistory();
    const failures = (history.events ?? []).flatMap((e) => (e.activityTaskFailedEventAttributes ? [e.activityTaskFailedEventAttributes] : []));
    const started = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 0] : []));
    return { row: rows[0], failures, attempts: Math.max(...started) };
  }

  /** The retry loops the shared invariant check finds in this case's workflow (nothing else of this file's cases). */
  async function retryLoops(input: DisputeInput): Promise<string[]> {
    const report = await checkInvariants(h.db.pool, { temporal: h.env.client, workflowIds: [input.opened.workflowId] });
    return report.violations.retryLoops.filter((p) => p.includes(input.opened.caseNumber) || p.includes(input.opened.workflowId));
  }

  it('parks a case opened with a lone surrogate in its description, after one attempt, and cancels it', async () => {
    const { handle, input } = await openCase('150.00', { description: 'x\ud800y' });
    await eventually('the case is parked', async () => (await countEvents(input.caseId, 'CASE_PARKED')) === 1);
    expect(await eventTypes(input.caseId)).toEqual(['CASE_OPENED', 'STAGE_ENTERED', 'CASE_PARKED']);
    const parked = await parkedCase(input.caseId, handle);
    expect(parked.row).toEqual({
      status: 'OPEN',
      stage: 'EVIDENCE',
      description: 'x\ufffdy',
      parked_error: expect.stringMatching(/^description: holds an unpaired UTF-16 surrogate .*\(event 1, CASE_OPENED\)$/),
    });
    expect(parked.failures.map((f) => f.retryState)).toEqual([temporal.api.enums.v1.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE]);
    expect(parked.attempts).toBe(1);
    expect(await retryLoops(input)).toEqual([]);

    // Nothing moves on its own, no command but cancel is taken, and cancel closes it.
    await h.env.sleep('3 days');
    expect(await countEvents(input.caseId, 'EVIDENCE_COLLECTED')).toBe(0);
    expect(await refusalOf(handle.executeUpdate(retryEvidenceUpdate, { args: [{ actor: specialist }] }))).toBe('Conflict');
    expect(await handle.executeUpdate(cancelUpdate, { args: [{ actor: manager, reason: 'opened with a broken description' }] })).toEqual({
      status: 'CANCELLED',
      stage: 'DONE',
    });
    expect(await handle.result()).toEqual({ status: 'CANCELLED', stage: 'DONE' });
    expect((await eventTypes(input.caseId)).slice(-1)).toEqual(['CASE_CANCELLED']);
    const { rows: verify } = await h.db.pool.query('SELECT * FROM verify_case_trail($1)', [input.caseId]);
    expect(verify).toEqual([]);
    await keepHistory(handle, 'parked-on-unstorable-opening');
  });

  it('parks on a NUL in the description too', async () => {
    const { handle, input } = await openCase('150.00', { description: 'a\u0000b' });
    await eventually('the case is parked', async () => (await countEvents(input.caseId, 'CASE_PARKED')) === 1);
    expect((await parkedCase(input.caseId, handle)).row).toMatchObject({ description: 'a\ufffdb', parked_error: expect.stringMatching(/^description: holds a NUL/) });
    await handle.executeUpdate(cancelUpdate, { args: [{ actor: specialist, reason: 'x' }] });
    expect(await handle.result()).toEqual({ status: 'CANCELLED', stage: 'DONE' });
  });

  it('answers a task completion whose note ends in half an emoji with the refusal, parks the case, and cancels it with its other task', async () => {
    // Billed 10, completed 9: a task for Sales Ops (the price) and one for Order Management (the quantity).
    const { handle, input } = await openCase('150.00', { completedQty: 9 });
    await eventually('both tasks are in', async () => (await countEvents(input.caseId, 'TASK_CREATED')) === 2);
    const { rows: teams } = await h.db.pool.query('SELECT id, team FROM tasks WHERE case_id = $1 ORDER BY team', [input.caseId]);
    expect(teams.map((t) => t.team)).toEqual(['ORDER_MANAGEMENT', 'SALES_OPS']);
    const completing = handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor: salesOps, taskId: teams[1].id, outcome: 'CONFIRMED', note: 'checked \ud83d', amount: null }],
    });
    const err = await completing.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('Unprocessable');
    expect(cause.message).toMatch(/^note: holds an unpaired UTF-16 surrogate .*the case is parked: it takes no command but cancel$/);

    // The completion happened, with U+FFFD for the half emoji; the case shows why it waits.
    expect(await eventTypes(input.caseId)).toEqual([
      'CASE_OPENED',
      'STAGE_ENTERED',
      'EVIDENCE_COLLECTED',
      'STAGE_ENTERED',
      'TASK_CREATED',
      'TASK_CREATED',
      'TASK_COMPLETED',
      'CASE_PARKED',
    ]);
    const taskStates = async () => (await h.db.pool.query('SELECT team, status, note FROM tasks WHERE case_id = $1 ORDER BY team', [input.caseId])).rows;
    expect(await taskStates()).toEqual([
      { team: 'ORDER_MANAGEMENT', status: 'OPEN', note: null },
      { team: 'SALES_OPS', status: 'DONE', note: 'checked \ufffd' },
    ]);
    const parked = await parkedCase(input.caseId, handle);
    expect(parked.row).toMatchObject({ status: 'OPEN', stage: 'INVESTIGATION', parked_error: expect.stringMatching(/^note: /) });
    expect(parked.attempts).toBe(1);
    expect(await retryLoops(input)).toEqual([]);

    // Past every SLA nothing is escalated; the other team cannot complete its task; cancel closes the case and it.
    await h.env.sleep('4 days');
    expect(await countEvents(input.caseId, 'TASK_ESCALATED')).toBe(0);
    const orderMgmt = await createUser(h.db.pool, 'ops', { team: 'ORDER_MANAGEMENT' });
    expect(
      await refusalOf(handle.executeUpdate(completeTaskUpdate, { args: [{ actor: orderMgmt, taskId: teams[0].id, outcome: 'CONFIRMED', note: 'ok', amount: null }] })),
    ).toBe('Conflict');
    await handle.executeUpdate(cancelUpdate, { args: [{ actor: manager, reason: 'withdrawn' }] });
    expect(await handle.result()).toEqual({ status: 'CANCELLED', stage: 'DONE' });
    expect(await taskStates()).toEqual([
      { team: 'ORDER_MANAGEMENT', status: 'CANCELLED', note: null },
      { team: 'SALES_OPS', status: 'DONE', note: 'checked \ufffd' },
    ]);
    expect((await eventTypes(input.caseId)).slice(-3)).toEqual(['TASK_CANCELLED', 'STAGE_ENTERED', 'CASE_CANCELLED']);
    await keepHistory(handle, 'parked-on-unstorable-note');
  });

  it('is what the invariant check reports as a retry loop when an activity retries what never succeeds', async () => {
    // The worker of before: a write the database refuses for ever, retried for ever.
    const loopQueue = uniqueTaskQueue('wf-loop');
    const looping = await workerWith(loopQueue, {
      recordEvents: async (arg: { caseId: string; events: RecordedEvent[] }) => {
        if (arg.events.some((e) => e.type === 'TASK_CREATED')) throw new Error('Unicode low surrogate must follow a high surrogate');
        return recordEvents(h.db.pool, arg);
      },
    });
    await looping.runUntil(async () => {
      const { handle, input } = await openCase('150.00', { taskQueue: loopQueue });
      await eventually('the evidence is in', async () => (await countEvents(input.caseId, 'EVIDENCE_COLLECTED')) === 1);
      await h.env.sleep('10 minutes');
      expect(await retryLoops(input)).toEqual([
        expect.stringMatching(new RegExp(`^case ${input.opened.caseNumber}: recordEvents attempted \\d+ times \\(still pending\\), more than 5$`)),
      ]);
      await handle.terminate('a retry loop, on purpose');
    });
  });
});

describe('deductions joining a case', () => {
  it('grows the disputed amount once per deduction, on an invoice of the case, until the credit is approved', async () => {
    const { handle, input, fixture } = await openCase('150.00');
    await eventually('its task is on the case', async () => (await countEvents(input.caseId, 'TASK_CREATED')) === 1);
    const deduction = { actor: SYSTEM_OPENER, deductionId: randomUUID(), invoiceNumber: fixture.invoiceNumber, amount: '100.00' };
    expect(await handle.executeUpdate(addDeductionUpdate, { args: [deduction] })).toEqual({ status: 'OPEN', stage: 'INVESTIGATION' });
    // The same deduction again (a posting retried) changes nothing; another invoice is not the case's.
    await handle.executeUpdate(addDeductionUpdate, { args: [deduction] });
    expect(await refusalOf(handle.executeUpdate(addDeductionUpdate, { args: [{ ...deduction, deductionId: randomUUID(), invoiceNumber: 'INV-ELSEWHERE' }] }))).toBe(
      'Unprocessable',
    );
    expect(await countEvents(input.caseId, 'DEDUCTION_ADDED')).toBe(1);
    const { rows } = await h.db.pool.query(
      'SELECT c.disputed_minor::int AS case_minor, i.disputed_minor::int AS item_minor FROM cases c JOIN case_items i ON i.case_id = c.id WHERE c.id = $1',
      [input.caseId],
    );
    expect(rows).toEqual([{ case_minor: 25000, item_minor: 25000 }]);

    await completeFirstTask(handle, 'CONFIRMED', 'price above contract');
    // 200.00 is more than the 150.00 opened, within the 250.00 the case now disputes.
    await handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: specialist, type: 'CREDIT', amount: '200.00', rootCause: 'pricing setup', note: null }],
    });
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: null }] });
    expect(await handle.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
    await keepHistory(handle, 'deduction-added');
  });
});
