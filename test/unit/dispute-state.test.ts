import type { CommandActor } from '../../domain/messages';
import { DisputeState } from '../../workflows/dispute-state';
import { analysis, inInvestigation, refusalType, T0 } from '../support/dispute-state';

const specialist: CommandActor = { id: 'u-spec', name: 'Sam', role: 'specialist', team: null, approvalLimit: null };
const manager: CommandActor = { id: 'u-mgr', name: 'Mia', role: 'manager', team: null, approvalLimit: '500.00' };
const salesOps: CommandActor = { id: 'u-so', name: 'Sol', role: 'ops', team: 'SALES_OPS', approvalLimit: null };
const orderMgmt: CommandActor = { id: 'u-om', name: 'Oma', role: 'ops', team: 'ORDER_MANAGEMENT', approvalLimit: null };

function inApproval(amount = '250.00'): DisputeState {
  const s = inInvestigation();
  s.completeTask({ actor: salesOps, taskId: 't1', outcome: 'CONFIRMED', note: 'setup error', amount: null }, T0);
  s.proposeResolution({ actor: specialist, type: 'CREDIT', amount, rootCause: 'PRICING_SETUP', note: null }, 'r1', T0);
  return s;
}

describe('DisputeState', () => {
  it('goes straight to RESOLUTION when the analysis finds nothing', () => {
    const s = DisputeState.opened('case-1', '10.00', T0);
    const events = s.startInvestigation({ findings: [], overbilled: '0.00', recommendedCredit: '0.00' }, [], T0);
    expect(s.stage).toBe('RESOLUTION');
    expect(events.map((e) => e.type)).toEqual(['STAGE_ENTERED']);
  });

  it('opens one task per team and moves to RESOLUTION when the last one is done', () => {
    const s = inInvestigation();
    expect(s.stage).toBe('INVESTIGATION');
    expect(refusalType(() => s.checkCompleteTask({ actor: orderMgmt, taskId: 't1', outcome: 'CONFIRMED', note: '', amount: null }))).toBe('Forbidden');
    expect(refusalType(() => s.checkCompleteTask({ actor: salesOps, taskId: 'nope', outcome: 'CONFIRMED', note: '', amount: null }))).toBe('NotFound');
    const events = s.completeTask({ actor: salesOps, taskId: 't1', outcome: 'CONFIRMED', note: 'ok', amount: '100.00' }, T0);
    expect(events.map((e) => e.type)).toEqual(['TASK_COMPLETED', 'STAGE_ENTERED']);
    expect(s.stage).toBe('RESOLUTION');
    expect(refusalType(() => s.checkCompleteTask({ actor: salesOps, taskId: 't1', outcome: 'CONFIRMED', note: '', amount: null }))).toBe('Conflict');
  });

  it('refuses a proposal outside RESOLUTION, over the disputed amount, or from a non-specialist', () => {
    const s = inInvestigation();
    const credit = { actor: specialist, type: 'CREDIT' as const, amount: '10.00', rootCause: 'OTHER', note: null };
    expect(refusalType(() => s.checkProposeResolution(credit))).toBe('Conflict');
    s.completeTask({ actor: salesOps, taskId: 't1', outcome: 'CONFIRMED', note: '', amount: null }, T0);
    expect(refusalType(() => s.checkProposeResolution({ ...credit, amount: '1000.01' }))).toBe('Unprocessable');
    expect(refusalType(() => s.checkProposeResolution({ ...credit, amount: '0.00' }))).toBe('Unprocessable');
    expect(refusalType(() => s.checkProposeResolution({ ...credit, actor: manager }))).toBe('Forbidden');
    expect(refusalType(() => s.checkProposeResolution({ ...credit, amount: '1000.00' }))).toBeUndefined();
  });

  it('closes on NO_CREDIT without an approval', () => {
    const s = inInvestigation();
    s.completeTask({ actor: salesOps, taskId: 't1', outcome: 'NOT_CONFIRMED', note: 'price was right', amount: null }, T0);
    const events = s.proposeResolution({ actor: specialist, type: 'NO_CREDIT', amount: null, rootCause: 'CUSTOMER_ERROR', note: null }, 'r1', T0);
    expect(events.map((e) => e.type)).toEqual(['RESOLUTION_PROPOSED', 'STAGE_ENTERED', 'CASE_CLOSED']);
    expect(s.result()).toEqual({ status: 'CLOSED', stage: 'DONE' });
  });

  it('applies the approval rules: manager only, not the proposer, within the limit (limit itself passes)', () => {
    expect(refusalType(() => inApproval().checkDecide({ actor: specialist, decision: 'APPROVE', comment: null }, 'USD', T0))).toBe('Forbidden');
    expect(refusalType(() => inApproval('500.01').checkDecide({ actor: manager, decision: 'APPROVE', comment: null }, 'USD', T0))).toBe('Forbidden');
    expect(refusalType(() => inApproval('500.00').checkDecide({ actor: manager, decision: 'APPROVE', comment: null }, 'USD', T0))).toBeUndefined();
    const selfApproval = { ...manager, id: specialist.id };
    expect(refusalType(() => inApproval().checkDecide({ actor: selfApproval, decision: 'APPROVE', comment: null }, 'USD', T0))).toBe('Forbidden');
    const unlimited = { ...manager, approvalLimit: null };
    expect(refusalType(() => inApproval('300.00').checkDecide({ actor: unlimited, decision: 'APPROVE', comment: null }, 'USD', T0))).toBeUndefined();
  });

  it('goes back to RESOLUTION on REJECT and to CREDIT_MEMO on APPROVE', () => {
    const rejected = inApproval();
    rejected.decide({ actor: manager, decision: 'REJECT', comment: 'too much' }, 'USD', 'a1', T0);
    expect(rejected.stage).toBe('RESOLUTION');
    expect(rejected.data.resolution).toBeNull();
    expect(refusalType(() => rejected.checkDecide({ actor: manager, decision: 'APPROVE', comment: null }, 'USD', T0))).toBe('Conflict');

    const approved = inApproval();
    approved.decide({ actor: manager, decision: 'APPROVE', comment: null }, 'USD', 'a2', T0);
    expect(approved.stage).toBe('CREDIT_MEMO');
    expect(approved.data.approvedCredit).toMatchObject({ approvalId: 'a2', amount: '250.00' });
    expect(refusalType(() => approved.checkCancel({ actor: specialist, reason: 'late' }))).toBe('Conflict');
  });

  it('cancels in every open stage, cancelling the open tasks, and refuses once closed', () => {
    const s = inInvestigation();
    const events = s.cancel({ actor: manager, reason: 'customer withdrew' }, T0);
    expect(events.map((e) => e.type)).toEqual(['TASK_CANCELLED', 'STAGE_ENTERED', 'CASE_CANCELLED']);
    expect(s.result()).toEqual({ status: 'CANCELLED', stage: 'DONE' });
    expect(refusalType(() => s.checkCancel({ actor: manager, reason: 'again' }))).toBe('Conflict');
    expect(refusalType(() => inApproval().checkCancel({ actor: salesOps, reason: 'x' }))).toBe('Forbidden');
    expect(refusalType(() => DisputeState.opened('c', '1.00', T0).checkCancel({ actor: specialist, reason: 'x' }))).toBeUndefined();
  });

  it('escalates an overdue task once, and a stage wait only while it is still the current one', () => {
    const s = inInvestigation();
    expect(s.escalateOverdueTasks('2026-01-07T08:59:59.000Z')).toEqual([]);
    expect(s.escalateOverdueTasks('2026-01-07T09:00:00.000Z').map((e) => e.type)).toEqual(['TASK_ESCALATED']);
    expect(s.escalateOverdueTasks('2026-01-09T09:00:00.000Z')).toEqual([]);

    s.completeTask({ actor: salesOps, taskId: 't1', outcome: 'CONFIRMED', note: '', amount: null }, '2026-01-08T00:00:00.000Z');
    const enteredAt = s.data.stageEnteredAt;
    expect(s.escalateStage('APPROVAL', enteredAt)).toEqual([]);
    expect(s.escalateStage('RESOLUTION', enteredAt).map((e) => e.type)).toEqual(['RESOLUTION_ESCALATED']);
    expect(s.escalateStage('RESOLUTION', enteredAt)).toEqual([]);
  });

  it('returns to RESOLUTION when the ledger refuses the memo', () => {
    const s = inApproval();
    s.decide({ actor: manager, decision: 'APPROVE', comment: null }, 'USD', 'a1', T0);
    const events = s.creditMemoRefused('balance moved', T0);
    expect(events.map((e) => e.type)).toEqual(['CREDIT_MEMO_REFUSED', 'STAGE_ENTERED']);
    expect(s.stage).toBe('RESOLUTION');
    expect(s.data.approvedCredit).toBeNull();
  });

  it('retries the evidence only while parked on a malformed record, once per failure', () => {
    const s = DisputeState.opened('c', '10.00', T0);
    expect(refusalType(() => s.checkRetryEvidence({ actor: specialist }))).toBe('Conflict');
    s.evidenceFailed('invoice INV-1 is malformed: lines.0.quantity: at most 3 decimals');
    expect(refusalType(() => s.checkRetryEvidence({ actor: salesOps }))).toBe('Forbidden');
    expect(s.requestEvidenceRetry({ actor: specialist }).map((e) => e.type)).toEqual(['EVIDENCE_RETRY_REQUESTED']);
    expect(s.data.evidenceRetryRequested).toBe(true);
    expect(refusalType(() => s.checkRetryEvidence({ actor: specialist }))).toBe('Conflict');
  });

  it('parks once on an event the database cannot store: no command but cancel, and nothing to park once closed', () => {
    const s = inInvestigation();
    s.completeTask({ actor: salesOps, taskId: 't1', outcome: 'CONFIRMED', note: 'x\ud83d', amount: null }, T0);
    expect(s.park('note: holds an unpaired UTF-16 surrogate')).toEqual([
      { type: 'CASE_PARKED', actor: { id: 'system', name: 'system' }, data: { error: 'note: holds an unpaired UTF-16 surrogate' } },
    ]);
    expect(s.isParked).toBe(true);
    expect(s.park('another')).toEqual([]);
    expect(s.data.parkedError).toBe('note: holds an unpaired UTF-16 surrogate');
    const credit = { actor: specialist, type: 'CREDIT' as const, amount: '10.00', rootCause: 'OTHER', note: null };
    expect(refusalType(() => s.checkProposeResolution(credit))).toBe('Conflict');
    expect(refusalType(() => inApproval().checkCancel({ actor: specialist, reason: 'x' }))).toBeUndefined();
    expect(refusalType(() => s.checkCancel({ actor: specialist, reason: 'x' }))).toBeUndefined();
    s.cancel({ actor: specialist, reason: 'x' }, T0);
    expect(s.park('late')).toEqual([]);

    const approving = inApproval();
    approving.park('comment: holds a NUL character (U+0000)');
    expect(refusalType(() => approving.checkDecide({ actor: manager, decision: 'APPROVE', comment: null }, 'USD', T0))).toBe('Conflict');
    const evidence = DisputeState.opened('c', '10.00', T0);
    evidence.evidenceFailed('malformed');
    evidence.park('description: holds a NUL character (U+0000)');
    expect(refusalType(() => evidence.checkRetryEvidence({ actor: specialist }))).toBe('Conflict');
  });

  it('reads a state handed over by a run from before parking existed as not parked', () => {
    const { parkedError: _absent, ...older } = inInvestigation().data;
    expect(new DisputeState(older).isParked).toBe(false);
  });

  const H1 = '1'.repeat(64);
  const H2 = '2'.repeat(64);

  it('refuses a decision sent with another evidence hash than the current, and records the one decided on', () => {
    const s = DisputeState.opened('case-1', '1000.00', T0);
    s.startInvestigation({ ...analysis, evidenceHash: H1 }, [{ id: 't1', team: 'SALES_OPS', title: 'Confirm price', dueAt: T0, findingCodes: ['PRICE_VARIANCE'] }], T0);
    s.completeTask({ actor: salesOps, taskId: 't1', outcome: 'CONFIRMED', note: 'ok', amount: null }, T0);
    s.proposeResolution({ actor: specialist, type: 'CREDIT', amount: '100.00', rootCause: 'pricing setup', note: null }, 'r1', T0);
    expect(refusalType(() => s.checkDecide({ actor: manager, decision: 'APPROVE', comment: null, evidenceHash: H2 }, 'USD', T0))).toBe('Conflict');
    const [decided] = s.decide({ actor: manager, decision: 'APPROVE', comment: null }, 'USD', 'a1', T0);
    expect(decided).toMatchObject({ type: 'RESOLUTION_DECIDED', data: { evidenceHash: H1 } });
  });

  it('reads a state handed over by a run from before the hash existed as holding none: any hash sent is not the current', () => {
    const { evidenceHash: _absent, ...older } = inApproval().data;
    const s = new DisputeState(older);
    expect(refusalType(() => s.checkDecide({ actor: manager, decision: 'APPROVE', comment: null, evidenceHash: H1 }, 'USD', T0))).toBe('Conflict');
    // An older API sends no hash: the decision goes through, recorded as decided on no known hash.
    const [decided] = s.decide({ actor: manager, decision: 'APPROVE', comment: null }, 'USD', 'a1', T0);
    expect(decided).toMatchObject({ data: { evidenceHash: null } });
  });

  it('refreshes only in INVESTIGATION or RESOLUTION, by a specialist, one at a time, and takes no proposal meanwhile', () => {
    const s = inInvestigation();
    expect(refusalType(() => s.checkRefreshEvidence({ actor: manager }))).toBe('Forbidden');
    s.beginRefresh({ actor: specialist });
    expect(refusalType(() => s.checkRefreshEvidence({ actor: specialist }))).toBe('Conflict');
    s.completeTask({ actor: salesOps, taskId: 't1', outcome: 'CONFIRMED', note: 'ok', amount: null }, T0);
    expect(refusalType(() => s.checkProposeResolution({ actor: specialist, type: 'NO_CREDIT', amount: null, rootCause: 'x', note: null }))).toBe('Conflict');
    expect(s.evidenceRefreshed({ ...analysis, evidenceHash: H2 }, [], { actor: specialist }, T0)).toEqual([]);
    expect(s.data.evidenceHash).toBe(H2);
    expect(refusalType(() => s.checkProposeResolution({ actor: specialist, type: 'NO_CREDIT', amount: null, rootCause: 'x', note: null }))).toBeUndefined();
    expect(refusalType(() => inApproval().checkRefreshEvidence({ actor: specialist }))).toBe('Conflict');
  });

  it('records the routing version a task was made under, at the start and on a refresh; a task planned without one has none', () => {
    const s = DisputeState.opened('case-1', '1000.00', T0);
    const task = { title: 'Confirm', dueAt: T0, findingCodes: ['PRICE_VARIANCE'] };
    const started = s.startInvestigation(analysis, [{ id: 't1', team: 'SALES_OPS', ...task, routingVersion: 3 }], T0);
    expect(started.find((e) => e.type === 'TASK_CREATED')).toMatchObject({ data: { taskId: 't1', routingVersion: 3 } });
    expect(s.data.tasks[0].routingVersion).toBe(3);

    s.beginRefresh({ actor: specialist });
    const moved = { ...analysis, findings: [{ ...analysis.findings[0], team: 'BILLING' }] };
    const refreshed = s.evidenceRefreshed(moved, [{ id: 't2', team: 'BILLING', ...task, routingVersion: 4 }], { actor: specialist }, T0);
    expect(refreshed.map((e) => [e.type, e.data])).toEqual([
      ['TASK_CANCELLED', { taskId: 't1', team: 'SALES_OPS' }],
      ['TASK_CREATED', { taskId: 't2', team: 'BILLING', ...task, routingVersion: 4 }],
    ]);

    const [, older] = DisputeState.opened('case-2', '1000.00', T0).startInvestigation(analysis, [{ id: 't3', team: 'SALES_OPS', ...task }], T0);
    expect(older).toMatchObject({ type: 'TASK_CREATED' });
    expect(older.data).not.toHaveProperty('routingVersion');
  });
});
