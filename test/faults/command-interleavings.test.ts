// F8 business order. Any interleaving of human commands (right and wrong people, valid and invalid amounts), timers
// and ledger answers: a memo-issuing stage is only reached right after an eligible APPROVE; every refusal is typed
// and changes nothing; the events always rebuild the state; a closed case accepts nothing. First thousands of random
// sequences over the pure DisputeState, checked against a reference model of the contract's rules written here;
// then random scripts against the real workflow on the time-skipping server, ending with the database invariants.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { REFUSALS, type RefusalType } from '../../domain/errors';
import type { CaseEvent } from '../../domain/events';
import { cancelUpdate, completeTaskUpdate, decideUpdate, type CommandActor, type CommandResult } from '../../domain/messages';
import { parseMoney } from '../../domain/money';
import { DisputeState } from '../../workflows/dispute-state';
import type { CaseStatus, Stage, Team } from '../../domain/types';
import type { Analysis, Finding } from '../../contract';
import {
  createFaultWorld,
  decide,
  expectInvariants,
  inStage,
  openCases as startCases,
  proposeCredit,
  proposeNoCredit,
  type FaultWorld,
  type StartedCase,
} from '../support/faults';
import { pricingDispute } from '../../testkit/fixtures';

const HOUR = 3_600_000;
const SLA = { taskHours: 48, resolutionHours: 72, approvalHours: 24 };

// ---------------------------------------------------------------- the contract's rules, written independently

type Decision = 'APPROVE' | 'REJECT';
type Human =
  | { k: 'complete'; actor: CommandActor; taskId: string }
  | { k: 'propose'; actor: CommandActor; type: 'CREDIT' | 'NO_CREDIT'; amount: string | null }
  | { k: 'decide'; actor: CommandActor; decision: Decision }
  | { k: 'cancel'; actor: CommandActor }
  | { k: 'retryEvidence'; actor: CommandActor };

interface RuleTask {
  id: string;
  team: Team;
  status: 'OPEN' | 'DONE' | 'CANCELLED';
}

/** What the API contract says a case does, as plainly as possible: the oracle both properties compare against. */
class Rules {
  status: CaseStatus = 'OPEN';
  stage: Stage;
  parked = false;
  tasks: RuleTask[] = [];
  proposal: { type: 'CREDIT' | 'NO_CREDIT'; amount: bigint | null; proposer: string } | null = null;
  approved: bigint | null = null;

  constructor(readonly disputed: bigint, stage: Stage = 'EVIDENCE') {
    this.stage = stage;
  }

  get closed(): boolean {
    return this.status !== 'OPEN';
  }

  /** The refusal a command must get, or null when it must be accepted. */
  refusal(cmd: Human): RefusalType | null {
    const { role, team, id, approvalLimit } = cmd.actor;
    switch (cmd.k) {
      case 'complete': {
        const task = this.tasks.find((t) => t.id === cmd.taskId);
        if (!task) return 'NotFound';
        if (role !== 'ops' || team !== task.team) return 'Forbidden';
        return task.status === 'OPEN' ? null : 'Conflict';
      }
      case 'propose': {
        if (role !== 'specialist') return 'Forbidden';
        if (this.closed || this.stage !== 'RESOLUTION') return 'Conflict';
        if (cmd.type === 'NO_CREDIT') return cmd.amount === null ? null : 'Unprocessable';
        if (cmd.amount === null) return 'Unprocessable';
        const amount = parseMoney(cmd.amount);
        return amount > 0n && amount <= this.disputed ? null : 'Unprocessable';
      }
      case 'decide': {
        if (role !== 'manager') return 'Forbidden';
        if (this.closed || this.stage !== 'APPROVAL' || !this.proposal) return 'Conflict';
        if (id === this.proposal.proposer) return 'Forbidden';
        // A limit binds approvals only: over it, a manager may still reject.
        if (cmd.decision === 'APPROVE' && approvalLimit !== null && this.proposal.amount! > parseMoney(approvalLimit)) return 'Forbidden';
        return null;
      }
      case 'cancel':
        if (role !== 'specialist' && role !== 'manager') return 'Forbidden';
        return this.closed || this.stage === 'CREDIT_MEMO' ? 'Conflict' : null;
      case 'retryEvidence':
        if (role !== 'specialist' && role !== 'manager') return 'Forbidden';
        return this.parked && !this.closed ? null : 'Conflict';
    }
  }

  /** Applies an accepted command. */
  accept(cmd: Human): void {
    switch (cmd.k) {
      case 'complete':
        this.tasks.find((t) => t.id === cmd.taskId)!.status = 'DONE';
        if (this.stage === 'INVESTIGATION' && this.tasks.every((t) => t.status !== 'OPEN')) this.stage = 'RESOLUTION';
        return;
      case 'propose':
        this.proposal = { type: cmd.type, amount: cmd.amount === null ? null : parseMoney(cmd.amount), proposer: cmd.actor.id };
        if (cmd.type === 'CREDIT') this.stage = 'APPROVAL';
        else this.close('CLOSED');
        return;
      case 'decide':
        if (cmd.decision === 'REJECT') {
          this.proposal = null;
          this.stage = 'RESOLUTION';
        } else {
          this.approved = this.proposal!.amount;
          this.stage = 'CREDIT_MEMO';
        }
        return;
      case 'cancel':
        for (const t of this.tasks) if (t.status === 'OPEN') t.status = 'CANCELLED';
        this.close('CANCELLED');
        return;
      case 'retryEvidence':
        this.parked = false;
    }
  }

  collected(tasks: RuleTask[]): void {
    this.tasks = tasks;
    this.stage = tasks.length ? 'INVESTIGATION' : 'RESOLUTION';
  }

  memoIssued(): void {
    this.close('CLOSED');
  }

  memoRefused(): void {
    this.approved = null;
    this.proposal = null;
    this.stage = 'RESOLUTION';
  }

  private close(status: 'CLOSED' | 'CANCELLED'): void {
    this.status = status;
    this.stage = 'DONE';
  }
}

// ---------------------------------------------------------------- part 1: the pure state machine

const person = (id: string, role: CommandActor['role'], extra: Partial<CommandActor> = {}): CommandActor => ({
  id,
  name: id,
  role,
  team: null,
  approvalLimit: null,
  ...extra,
});

const PEOPLE = {
  specialist: person('u-spec', 'specialist'),
  specialist2: person('u-spec2', 'specialist'),
  manager: person('u-mgr', 'manager'),
  limited50: person('u-mgr50', 'manager', { approvalLimit: '50.00' }),
  limited100: person('u-mgr100', 'manager', { approvalLimit: '100.00' }),
  salesOps: person('u-so', 'ops', { team: 'SALES_OPS' }),
  orderMgmt: person('u-om', 'ops', { team: 'ORDER_MANAGEMENT' }),
  auditor: person('u-aud', 'auditor'),
  admin: person('u-adm', 'admin'),
};
type PersonKey = keyof typeof PEOPLE | 'proposerAsManager';
const ROLE_OF = new Map(Object.values(PEOPLE).map((p) => [p.id, p]));
const DISPUTED = '150.00';
const T0 = Date.parse('2026-03-02T09:00:00.000Z');

type Step =
  | { k: 'collect'; teams: Team[] }
  | { k: 'poison' }
  | { k: 'memoIssued' }
  | { k: 'memoRefused' }
  | { k: 'time'; hours: number }
  | { k: 'staleEscalation' }
  | { k: 'retryEvidence'; who: PersonKey; fit: boolean }
  | { k: 'complete'; who: PersonKey; task: number; outcome: 'CONFIRMED' | 'NOT_CONFIRMED'; fit: boolean }
  | { k: 'propose'; who: PersonKey; type: 'CREDIT' | 'NO_CREDIT'; amount: string | null; fit: boolean }
  | { k: 'decide'; who: PersonKey; decision: Decision; fit: boolean }
  | { k: 'cancel'; who: PersonKey; fit: boolean };

const who = fc.constantFrom<PersonKey>(...(Object.keys(PEOPLE) as PersonKey[]), 'proposerAsManager');
const amount = fc.constantFrom(null, '-1.00', '0.00', '0.01', '49.99', '50.00', '50.01', '100.00', '100.01', '149.99', '150.00', '150.01', '900.00');
// `fit`: the command comes from the person the stage waits for (random otherwise), so runs get deep into the life.
const fit = fc.boolean();
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('collect' as const), teams: fc.subarray(['ORDER_MANAGEMENT', 'SALES_OPS']) }) },
  { weight: 4, arbitrary: fc.constant({ k: 'poison' as const }) },
  { weight: 8, arbitrary: fc.constant({ k: 'memoIssued' as const }) },
  { weight: 4, arbitrary: fc.constant({ k: 'memoRefused' as const }) },
  { weight: 8, arbitrary: fc.record({ k: fc.constant('time' as const), hours: fc.constantFrom(1, 23, 25, 47, 49, 71, 73, 200) }) },
  { weight: 4, arbitrary: fc.constant({ k: 'staleEscalation' as const }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('retryEvidence' as const), who, fit }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('complete' as const),
      who: fc.constantFrom<PersonKey>('salesOps', 'orderMgmt', 'specialist', 'manager'),
      task: fc.nat(2),
      outcome: fc.constantFrom('CONFIRMED' as const, 'NOT_CONFIRMED' as const),
      fit,
    }),
  },
  { weight: 16, arbitrary: fc.record({ k: fc.constant('propose' as const), who, type: fc.constantFrom('CREDIT' as const, 'CREDIT' as const, 'CREDIT' as const, 'NO_CREDIT' as const), amount, fit }) },
  { weight: 20, arbitrary: fc.record({ k: fc.constant('decide' as const), who, decision: fc.constantFrom<Decision>('APPROVE', 'APPROVE', 'REJECT'), fit }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), who, fit: fc.constantFrom(false, false, false, true) }) },
);

/** A fitting step: the person the stage waits for, with a command they may give (the stage may still refuse it). */
function fitted(step: Extract<Step, { who: PersonKey }>, state: DisputeState): Extract<Step, { who: PersonKey }> {
  if (!step.fit) return step;
  switch (step.k) {
    case 'complete': {
      const open = state.data.tasks.findIndex((t) => t.status === 'OPEN');
      if (open < 0) return step;
      return { ...step, task: open, who: state.data.tasks[open].team === 'SALES_OPS' ? 'salesOps' : 'orderMgmt' };
    }
    case 'propose':
      return { ...step, who: step.who === 'specialist2' ? 'specialist2' : 'specialist', amount: step.type === 'NO_CREDIT' ? null : (['0.01', '50.00', '100.00', '150.00'].find((a) => a === step.amount) ?? '100.00') };
    case 'decide':
      return { ...step, who: step.who === 'limited100' || step.who === 'limited50' ? step.who : 'manager' };
    case 'cancel':
    case 'retryEvidence':
      return { ...step, who: step.who === 'manager' ? 'manager' : 'specialist' };
  }
}

function refusalTypeOf(run: () => unknown): { type: string | null; value?: unknown } {
  try {
    return { type: null, value: run() };
  } catch (err) {
    if (err instanceof ApplicationFailure && err.nonRetryable && err.type && err.type in REFUSALS) return { type: err.type };
    throw err; // anything else (a TypeError, an untyped failure) is itself a bug
  }
}

const FINDING_OF: Record<string, Finding> = {
  SALES_OPS: { code: 'PRICE_VARIANCE', team: 'SALES_OPS', invoiceNumber: 'INV-1', lineNo: 1, expected: '90.00', actual: '100.00', amount: '100.00' },
  ORDER_MANAGEMENT: { code: 'QUANTITY_OVER_PO', team: 'ORDER_MANAGEMENT', invoiceNumber: 'INV-1', lineNo: 2, expected: '1', actual: '2', amount: '50.00' },
};

/** Rebuilds a case from its events alone and refuses any event that does not follow from the ones before. */
class Projection {
  stage: Stage | null = null;
  status: CaseStatus = 'OPEN';
  tasks = new Map<string, { status: string; escalated: boolean }>();
  pending: { id: string; type: string; amount: string | null; proposer: string } | null = null;
  approval: { id: string; amount: string; issued: boolean } | null = null;
  escalatedSince = new Set<string>();
  last: CaseEvent | null = null;

  apply(e: CaseEvent, stageEnteredAt: string): void {
    assert.equal(this.status, 'OPEN', `${e.type} after the case was ${this.status}`);
    switch (e.type) {
      case 'STAGE_ENTERED':
        if (e.data.stage === 'CREDIT_MEMO') {
          // Business order: the memo stage comes right after an eligible APPROVE, and from nowhere else.
          const prev = this.last;
          assert.ok(prev?.type === 'RESOLUTION_DECIDED' && prev.data.decision === 'APPROVE', 'CREDIT_MEMO not right after an APPROVE');
          assert.equal(this.stage, 'APPROVAL');
        }
        this.stage = e.data.stage;
        break;
      case 'EVIDENCE_FAILED':
      case 'EVIDENCE_RETRY_REQUESTED':
        assert.equal(this.stage, 'EVIDENCE');
        break;
      case 'TASK_CREATED':
        assert.ok(!this.tasks.has(e.data.taskId));
        this.tasks.set(e.data.taskId, { status: 'OPEN', escalated: false });
        break;
      case 'TASK_COMPLETED':
      case 'TASK_CANCELLED': {
        const task = this.tasks.get(e.data.taskId);
        assert.equal(task?.status, 'OPEN', `${e.type} of a task that is not open`);
        task!.status = e.type === 'TASK_COMPLETED' ? 'DONE' : 'CANCELLED';
        break;
      }
      case 'TASK_ESCALATED': {
        const task = this.tasks.get(e.data.taskId);
        assert.ok(task?.status === 'OPEN' && !task.escalated, 'TASK_ESCALATED twice or for a closed task');
        task!.escalated = true;
        break;
      }
      case 'RESOLUTION_PROPOSED':
        assert.equal(this.stage, 'RESOLUTION');
        assert.equal(ROLE_OF.get(e.actor.id)?.role, 'specialist');
        this.pending = { id: e.data.resolutionId, type: e.data.type, amount: e.data.amount, proposer: e.actor.id };
        break;
      case 'RESOLUTION_DECIDED': {
        const decider = ROLE_OF.get(e.actor.id);
        assert.equal(this.stage, 'APPROVAL');
        assert.equal(e.data.resolutionId, this.pending?.id);
        assert.equal(e.data.amount, this.pending?.amount);
        assert.equal(decider?.role, 'manager', 'decided by someone who is not a manager');
        assert.notEqual(e.actor.id, this.pending?.proposer, 'decided by the proposer');
        assert.equal(e.data.approverLimit, decider?.approvalLimit ?? null);
        if (e.data.decision === 'APPROVE' && e.data.approverLimit !== null) assert.ok(parseMoney(e.data.amount!) <= parseMoney(e.data.approverLimit), 'over the limit');
        assert.ok(parseMoney(e.data.amount!) > 0n && parseMoney(e.data.amount!) <= parseMoney(DISPUTED));
        if (e.data.decision === 'APPROVE') this.approval = { id: e.data.approvalId, amount: e.data.amount!, issued: false };
        this.pending = null;
        break;
      }
      case 'CREDIT_MEMO_ISSUED':
        assert.equal(this.stage, 'CREDIT_MEMO');
        assert.ok(this.approval && !this.approval.issued && this.approval.id === e.data.approvalId, 'a memo without its approval');
        assert.equal(e.data.amount, this.approval.amount);
        this.approval.issued = true;
        break;
      case 'ADJUSTMENTS_ISSUED':
        assert.equal(this.stage, 'CREDIT_MEMO');
        assert.ok(this.approval && !this.approval.issued && this.approval.id === e.data.approvalId, 'documents without their approval');
        assert.equal(e.data.documents.reduce((sum, d) => sum + parseMoney(d.amount), 0n), parseMoney(this.approval.amount));
        this.approval.issued = true;
        break;
      case 'CREDIT_MEMO_REFUSED':
        assert.equal(this.stage, 'CREDIT_MEMO');
        assert.equal(e.data.approvalId, this.approval?.id);
        this.approval = null;
        break;
      case 'RESOLUTION_ESCALATED':
      case 'APPROVAL_ESCALATED':
        assert.equal(this.stage, e.type === 'RESOLUTION_ESCALATED' ? 'RESOLUTION' : 'APPROVAL');
        assert.equal(e.data.since, stageEnteredAt);
        assert.ok(!this.escalatedSince.has(e.data.since), `${e.type} twice for one wait`);
        this.escalatedSince.add(e.data.since);
        break;
      case 'CASE_CLOSED':
        assert.equal(this.stage, 'DONE');
        if (e.data.outcome !== 'NO_CREDIT') assert.ok(this.approval?.issued, `closed as ${e.data.outcome} without its documents`);
        else assert.equal(this.approval, null);
        this.status = 'CLOSED';
        break;
      case 'CASE_CANCELLED':
        assert.equal(this.stage, 'DONE');
        assert.ok(!this.approval, 'cancelled after an approval');
        this.status = 'CANCELLED';
        break;
      case 'CASE_OPENED':
      case 'EVIDENCE_COLLECTED':
        break;
    }
    this.last = e;
  }
}

interface Coverage {
  ends: Record<string, number>;
  runs: number;
  steps: number;
  creditMemo: number;
  refusedMemo: number;
  cancelled: number;
  closedAfterReject: number;
}

function runSequence(steps: Step[], coverage: Coverage): void {
  let now = T0;
  const iso = () => new Date(now).toISOString();
  const state = DisputeState.opened('case-1', DISPUTED, iso());
  const rules = new Rules(parseMoney(DISPUTED));
  const projection = new Projection();
  projection.apply({ type: 'STAGE_ENTERED', actor: { id: 'system', name: 'system' }, data: { stage: 'EVIDENCE' } }, iso());
  let ids = 0;
  let rejected = false;
  const actorFor = (key: PersonKey): CommandActor =>
    key === 'proposerAsManager' ? { ...PEOPLE.manager, id: state.data.resolution?.proposedBy ?? PEOPLE.specialist.id } : PEOPLE[key];

  for (const step of steps) {
    const before = JSON.parse(JSON.stringify(state.data)) as typeof state.data;
    const wasClosed = state.isClosed;
    let events: CaseEvent[] = [];
    const collecting = state.stage === 'EVIDENCE' && !state.isClosed && !state.data.evidenceFailed;
    switch (step.k) {
      // ---- what the workflow does on its own, only where its loop would do it
      case 'collect': {
        if (!collecting) continue;
        const findings = step.teams.map((t) => FINDING_OF[t]);
        const analysis: Analysis = { findings, overbilled: '150.00', recommendedCredit: '150.00' };
        const tasks = [...step.teams].sort().map((team) => ({
          id: `t-${++ids}`,
          team,
          title: `Confirm ${team}`,
          dueAt: new Date(now + SLA.taskHours * HOUR).toISOString(),
          findingCodes: [FINDING_OF[team].code],
        }));
        events = state.startInvestigation(analysis, tasks, iso());
        rules.collected(tasks.map((t) => ({ id: t.id, team: t.team, status: 'OPEN' })));
        break;
      }
      case 'poison':
        if (!collecting) continue;
        events = state.evidenceFailed('invoice INV-1 is malformed: lines.0.quantity: at most 3 decimals');
        rules.parked = true;
        break;
      case 'memoIssued':
      case 'memoRefused': {
        if (state.stage !== 'CREDIT_MEMO' || state.isClosed) continue;
        const credit = state.data.approvedCredit!;
        if (step.k === 'memoIssued') {
          events = [
            { type: 'CREDIT_MEMO_ISSUED', actor: { id: 'system', name: 'system' }, data: { number: 'CM-1', amount: credit.amount, approvalId: credit.approvalId, invoiceNumber: 'INV-1' } },
            ...state.creditMemoIssued(iso()),
          ];
          rules.memoIssued();
          coverage.creditMemo++;
          if (rejected) coverage.closedAfterReject++;
        } else {
          events = state.creditMemoRefused('the open balance moved', iso());
          rules.memoRefused();
          coverage.refusedMemo++;
        }
        break;
      }
      case 'time': {
        now += step.hours * HOUR;
        if (state.stage === 'INVESTIGATION') events = state.escalateOverdueTasks(iso());
        if (state.stage === 'RESOLUTION' || state.stage === 'APPROVAL') {
          const hours = state.stage === 'RESOLUTION' ? SLA.resolutionHours : SLA.approvalHours;
          const due = Date.parse(state.data.stageEnteredAt) + hours * HOUR;
          events = now >= due ? state.escalateStage(state.stage, state.data.stageEnteredAt) : [];
          if (now >= due && !state.isClosed) assert.ok(state.data.stageEscalated, 'a wait past its SLA was not escalated');
        }
        break;
      }
      case 'staleEscalation':
        // A timer of an earlier wait (or of another stage) firing late must change nothing.
        assert.deepEqual(state.escalateStage(state.stage, new Date(T0 - HOUR).toISOString()), []);
        assert.deepEqual(state.escalateStage(state.stage === 'RESOLUTION' ? 'APPROVAL' : 'RESOLUTION', state.data.stageEnteredAt), []);
        assert.deepEqual(state.data, before);
        continue;

      // ---- people: the validator and the handler must agree with each other and with the rules
      default: {
        const human = fitted(step, state);
        const cmd = toHuman(human, actorFor(human.who), state);
        const expected = rules.refusal(cmd);
        const checked = refusalTypeOf(() => check(state, cmd));
        const applied = refusalTypeOf(() => apply(state, cmd, `id-${++ids}`, iso()));
        assert.equal(checked.type, applied.type, `validator and handler disagree on ${show(step)}`);
        assert.equal(applied.type, expected, `${show(step)} in ${rules.stage}: expected ${expected ?? 'acceptance'}, got ${applied.type ?? 'acceptance'}`);
        if (applied.type !== null) {
          assert.deepEqual(state.data, before, `a refused ${step.k} changed the state`);
          continue;
        }
        if (wasClosed) assert.fail(`a closed case accepted ${show(step)}`);
        events = applied.value as CaseEvent[];
        rules.accept(cmd);
        if (cmd.k === 'decide' && cmd.decision === 'REJECT') rejected = true;
        if (cmd.k === 'cancel') coverage.cancelled++;
      }
    }

    if (wasClosed) assert.deepEqual(events, [], `a closed case produced ${events.map((e) => e.type).join(', ')}`);
    for (const e of events) projection.apply(e, state.data.stageEnteredAt);

    // The state, the rules and the events tell the same story.
    assert.equal(state.stage, rules.stage, `after ${show(step)}`);
    assert.equal(state.data.status, rules.status);
    assert.equal(projection.stage, state.stage);
    assert.equal(projection.status, state.data.status);
    assert.equal(state.data.status === 'OPEN', state.stage !== 'DONE');
    assert.deepEqual(
      state.openTasks.map((t) => t.id),
      [...projection.tasks].filter(([, t]) => t.status === 'OPEN').map(([id]) => id),
    );
    assert.deepEqual(state.openTasks.map((t) => t.id), rules.tasks.filter((t) => t.status === 'OPEN').map((t) => t.id));
    if (['RESOLUTION', 'APPROVAL', 'CREDIT_MEMO'].includes(state.stage)) assert.equal(state.openTasks.length, 0);
    assert.equal(state.view().pendingResolutionId, state.stage === 'APPROVAL' ? projection.pending?.id : null);
    if (state.stage === 'CREDIT_MEMO') {
      const credit = state.data.approvedCredit;
      assert.ok(credit && credit.approvalId === projection.approval?.id && credit.amount === projection.approval.amount);
      assert.equal(parseMoney(credit.amount), rules.approved);
    }
  }
  coverage.runs++;
  coverage.steps += steps.length;
  const end = `${state.data.status}/${state.stage}`;
  coverage.ends[end] = (coverage.ends[end] ?? 0) + 1;
}

function toHuman(step: Extract<Step, { who: PersonKey }>, actor: CommandActor, state: DisputeState): Human {
  switch (step.k) {
    case 'complete':
      return { k: 'complete', actor, taskId: state.data.tasks[step.task]?.id ?? 'no-such-task' };
    case 'propose':
      return { k: 'propose', actor, type: step.type, amount: step.amount };
    case 'decide':
      return { k: 'decide', actor, decision: step.decision };
    case 'cancel':
      return { k: 'cancel', actor };
    case 'retryEvidence':
      return { k: 'retryEvidence', actor };
  }
}

function check(state: DisputeState, cmd: Human): void {
  switch (cmd.k) {
    case 'complete':
      return void state.checkCompleteTask({ actor: cmd.actor, taskId: cmd.taskId, outcome: 'CONFIRMED', note: 'n', amount: null });
    case 'propose':
      return state.checkProposeResolution({ actor: cmd.actor, type: cmd.type, amount: cmd.amount, rootCause: 'OTHER', note: null });
    case 'decide':
      return void state.checkDecide({ actor: cmd.actor, decision: cmd.decision, comment: null }, 'USD', new Date(0).toISOString());
    case 'cancel':
      return state.checkCancel({ actor: cmd.actor, reason: 'withdrawn' });
    case 'retryEvidence':
      return state.checkRetryEvidence({ actor: cmd.actor });
  }
}

function apply(state: DisputeState, cmd: Human, id: string, now: string): CaseEvent[] {
  switch (cmd.k) {
    case 'complete':
      return state.completeTask({ actor: cmd.actor, taskId: cmd.taskId, outcome: 'CONFIRMED', note: 'n', amount: null }, now);
    case 'propose':
      return state.proposeResolution({ actor: cmd.actor, type: cmd.type, amount: cmd.amount, rootCause: 'OTHER', note: null }, id, now);
    case 'decide':
      return state.decide({ actor: cmd.actor, decision: cmd.decision, comment: null }, 'USD', id, now);
    case 'cancel':
      return state.cancel({ actor: cmd.actor, reason: 'withdrawn' }, now);
    case 'retryEvidence':
      return state.requestEvidenceRetry({ actor: cmd.actor });
  }
}

const show = (step: Step) => JSON.stringify(step);

describe('F8 business order', () => {
  it('holds for any sequence of commands, timers and ledger answers on the pure state (thousands of runs)', () => {
    const coverage: Coverage = { ends: {}, runs: 0, steps: 0, creditMemo: 0, refusedMemo: 0, cancelled: 0, closedAfterReject: 0 };
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 60, size: 'max' }), (steps) => runSequence(steps, coverage)),
      { numRuns: 3_000 },
    );
    // Not vacuous: the runs reached the memo, the ledger's refusal, cancellation and reject-then-approve.
    expect(coverage.creditMemo).toBeGreaterThan(coverage.runs / 25);
    expect(coverage.refusedMemo).toBeGreaterThan(0);
    expect(coverage.cancelled).toBeGreaterThan(0);
    expect(coverage.closedAfterReject).toBeGreaterThan(0);
    process.stdout.write(`F8 pure: ${JSON.stringify(coverage)}\n`);
  });

  // ---------------------------------------------------------------- part 2: the real workflow

  describe('on the time-skipping server', () => {
    let world: FaultWorld;
    const spare: StartedCase[] = [];
    const used: StartedCase[] = [];
    const tally: Record<string, number> = {};

    beforeAll(async () => {
      world = await createFaultWorld({ timeSkipping: true });
      await world.startWorker();
    });

    afterAll(() => world?.close());

    async function openCases(n: number): Promise<StartedCase[]> {
      const openedAt = new Date(await world.env!.currentTimeMs()).toISOString();
      const cases = await startCases(world, Array.from({ length: n }, () => pricingDispute()), { disputedAmount: DISPUTED, openedAt });
      await Promise.all(cases.map((c) => inStage(world.db.pool, c, ['INVESTIGATION'])));
      return cases;
    }

    async function taskOf(c: StartedCase): Promise<string> {
      const { rows } = await world.db.pool.query('SELECT id FROM tasks WHERE case_id = $1', [c.input.caseId]);
      return rows[0].id;
    }

    // `fit` (most steps): the command the case's stage is waiting for, from the right person; the rest are random.
    type WStep =
      | { k: 'fit'; decision: Decision; credit: boolean }
      | { k: 'complete'; who: 'salesOps' | 'orderMgmt' }
      | { k: 'propose'; type: 'CREDIT' | 'NO_CREDIT'; amount: string }
      | { k: 'decide'; who: 'manager' | 'manager2' | 'limitedManager' | 'proposer' | 'specialist'; decision: Decision }
      | { k: 'cancel'; who: 'specialist' | 'manager' | 'salesOps' }
      | { k: 'sleep'; hours: 25 | 49 | 73 };
    const wstep: fc.Arbitrary<WStep> = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          k: fc.constant('fit' as const),
          decision: fc.constantFrom<Decision>('APPROVE', 'APPROVE', 'REJECT'),
          credit: fc.constantFrom(true, true, true, false),
        }),
      },
      { weight: 3, arbitrary: fc.record({ k: fc.constant('complete' as const), who: fc.constantFrom('salesOps' as const, 'salesOps' as const, 'orderMgmt' as const) }) },
      {
        weight: 3,
        arbitrary: fc.record({
          k: fc.constant('propose' as const),
          type: fc.constantFrom('CREDIT' as const, 'CREDIT' as const, 'NO_CREDIT' as const),
          amount: fc.constantFrom('10.00', '50.00', '100.00', '150.00', '150.01'),
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          k: fc.constant('decide' as const),
          who: fc.constantFrom('manager' as const, 'manager2' as const, 'limitedManager' as const, 'proposer' as const, 'specialist' as const),
          decision: fc.constantFrom<Decision>('APPROVE', 'APPROVE', 'REJECT'),
        }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), who: fc.constantFrom('specialist' as const, 'manager' as const, 'salesOps' as const) }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('sleep' as const), hours: fc.constantFrom(25 as const, 49 as const, 73 as const) }) },
    );

    async function runScript(script: WStep[]): Promise<void> {
      const c = spare.shift() ?? (await openCases(1))[0];
      used.push(c);
      const taskId = await taskOf(c);
      const rules = new Rules(parseMoney(DISPUTED), 'INVESTIGATION');
      rules.tasks = [{ id: taskId, team: 'SALES_OPS', status: 'OPEN' }];
      const actor = (key: string): CommandActor =>
        key === 'proposer' ? { ...world.cast.manager, id: world.cast.specialist.id } : (world.cast as unknown as Record<string, CommandActor>)[key];

      for (const drawn of script) {
        if (rules.closed) break;
        const step: Exclude<WStep, { k: 'fit' }> =
          drawn.k !== 'fit'
            ? drawn
            : rules.stage === 'INVESTIGATION'
              ? { k: 'complete', who: 'salesOps' }
              : rules.stage === 'RESOLUTION'
                ? { k: 'propose', type: drawn.credit ? 'CREDIT' : 'NO_CREDIT', amount: '100.00' }
                : { k: 'decide', who: drawn.decision === 'APPROVE' ? 'manager2' : 'manager', decision: drawn.decision };
        if (step.k === 'sleep') {
          await world.env!.sleep(`${step.hours} hours`);
          tally.sleep = (tally.sleep ?? 0) + 1;
          continue;
        }
        const cmd: Human =
          step.k === 'complete'
            ? { k: 'complete', actor: actor(step.who), taskId }
            : step.k === 'propose'
              ? { k: 'propose', actor: world.cast.specialist, type: step.type, amount: step.type === 'CREDIT' ? step.amount : null }
              : step.k === 'decide'
                ? { k: 'decide', actor: actor(step.who), decision: step.decision }
                : { k: 'cancel', actor: actor(step.who) };
        const expected = rules.refusal(cmd);
        let result: CommandResult | undefined;
        let refusal: string | null = null;
        try {
          result = await send(c, cmd);
        } catch (err) {
          refusal = (err as { cause?: { type?: string } }).cause?.type ?? String(err);
        }
        expect({ step, refusal }).toEqual({ step, refusal: expected });
        tally[refusal ?? `accepted ${step.k}`] = (tally[refusal ?? `accepted ${step.k}`] ?? 0) + 1;
        if (refusal !== null) continue;
        rules.accept(cmd);
        expect(result!.status).toBe(rules.status);
        // The approving update answers once its decision is on the trail; the memo may already be out by then.
        expect(rules.stage === 'CREDIT_MEMO' ? ['CREDIT_MEMO', 'DONE'] : [rules.stage]).toContain(result!.stage);
        if (rules.stage === 'CREDIT_MEMO') {
          await inStage(world.db.pool, c, ['DONE']);
          rules.memoIssued();
        }
      }
      if (rules.closed) {
        await inStage(world.db.pool, c, ['DONE']);
        const { rows } = await world.db.pool.query('SELECT status, (SELECT count(*)::int FROM credit_memos m WHERE m.case_id = c.id) AS memos FROM cases c WHERE id = $1', [c.input.caseId]);
        expect(rows[0]).toEqual({ status: rules.status, memos: rules.approved !== null ? 1 : 0 });
        // A closed case accepts nothing.
        const before = (await world.db.pool.query('SELECT count(*)::int AS n FROM case_events WHERE case_id = $1', [c.input.caseId])).rows[0].n;
        await expect(send(c, { k: 'cancel', actor: world.cast.manager })).rejects.toThrow();
        await expect(send(c, { k: 'decide', actor: world.cast.manager, decision: 'APPROVE' })).rejects.toThrow();
        expect((await world.db.pool.query('SELECT count(*)::int AS n FROM case_events WHERE case_id = $1', [c.input.caseId])).rows[0].n).toBe(before);
      }
    }

    function send(c: StartedCase, cmd: Human): Promise<CommandResult> {
      switch (cmd.k) {
        case 'complete':
          return c.handle.executeUpdate(completeTaskUpdate, { args: [{ actor: cmd.actor, taskId: cmd.taskId, outcome: 'CONFIRMED', note: 'n', amount: null }] });
        case 'propose':
          return cmd.type === 'CREDIT' ? proposeCredit(c.handle, world.cast.specialist, cmd.amount!) : proposeNoCredit(c.handle, world.cast.specialist);
        case 'decide':
          return c.handle.executeUpdate(decideUpdate, { args: [{ actor: cmd.actor, decision: cmd.decision, comment: null }] });
        case 'cancel':
          return c.handle.executeUpdate(cancelUpdate, { args: [{ actor: cmd.actor, reason: 'withdrawn' }] });
        default:
          throw new Error(`not sent to the workflow: ${cmd.k}`);
      }
    }

    it('keeps the order and the invariants under random scripts, with 24 cases in flight', async () => {
      spare.push(...(await openCases(24)));
      await fc.assert(fc.asyncProperty(fc.array(wstep, { minLength: 4, maxLength: 12, size: 'max' }), runScript), { numRuns: 12 });

      // Everything still open (the untouched cases and the scripts that stopped half-way) is finished now.
      const all = [...used, ...spare];
      const { rows: open } = await world.db.pool.query(`SELECT id, stage FROM cases WHERE status = 'OPEN'`);
      expect(open.length).toBeGreaterThanOrEqual(10);
      const byId = new Map(all.map((c) => [c.input.caseId, c]));
      await Promise.all(
        open.map(async ({ id, stage }) => {
          const c = byId.get(id)!;
          if (stage === 'INVESTIGATION') {
            await c.handle.executeUpdate(completeTaskUpdate, { args: [{ actor: world.cast.salesOps, taskId: await taskOf(c), outcome: 'CONFIRMED', note: 'n', amount: null }] });
          }
          if (stage === 'INVESTIGATION' || stage === 'RESOLUTION') await proposeCredit(c.handle, world.cast.specialist, '100.00');
          if (stage !== 'CREDIT_MEMO') await decide(c.handle, world.cast.manager, 'APPROVE');
        }),
      );
      // One result() at a time: the time-skipping server's lock count breaks under concurrent result() calls.
      await Promise.all(all.map((c) => inStage(world.db.pool, c, ['DONE'])));
      for (const c of all) await c.handle.result();
      const report = await expectInvariants(world.db.pool, { temporal: world.client, allClosed: true, workflowIds: all.map((c) => c.input.opened.workflowId) });
      process.stdout.write(`F8 workflow: ${used.length} scripted cases, ${open.length} finished afterwards; ${JSON.stringify(tally)}; ${JSON.stringify({ ...report, violations: undefined, problems: undefined })}\n`);
      await expectEscalationsMatchTheirSlas();
    }, 180_000);

    /** Each wait past its SLA was escalated (once: the invariant check), and no wait within it was. */
    async function expectEscalationsMatchTheirSlas(): Promise<void> {
      const { rows } = await world.db.pool.query(`SELECT case_id, seq, at, type, data FROM case_events ORDER BY case_id, seq`);
      const problems: string[] = [];
      const byCase = new Map<string, typeof rows>();
      for (const r of rows) byCase.set(r.case_id, [...(byCase.get(r.case_id) ?? []), r]);
      for (const [caseId, events] of byCase) {
        const entries = events.filter((e) => e.type === 'STAGE_ENTERED');
        entries.forEach((entry, i) => {
          const stage = entry.data.stage as Stage;
          if (stage !== 'RESOLUTION' && stage !== 'APPROVAL') return;
          const since = (entry.at as Date).toISOString();
          const left = entries[i + 1] ? (entries[i + 1].at as Date).getTime() : Infinity;
          const waited = left - (entry.at as Date).getTime();
          const sla = (stage === 'RESOLUTION' ? SLA.resolutionHours : SLA.approvalHours) * HOUR;
          const escalated = events.some((e) => e.type === `${stage}_ESCALATED` && e.data.since === since);
          if (Math.abs(waited - sla) < 60_000) return; // a timer and a command in the same minute may go either way
          if (escalated !== waited > sla) problems.push(`case ${caseId}: ${stage} entered ${since}, left after ${waited / HOUR} h, escalated ${escalated}`);
        });
      }
      // A task is escalated when it was still open at its due time, and only then.
      const { rows: tasks } = await world.db.pool.query(
        `SELECT t.id, t.due_at, t.escalated_at, coalesce(t.completed_at, c.closed_at) AS ended
           FROM tasks t JOIN cases c ON c.id = t.case_id`,
      );
      for (const t of tasks) {
        const late = (t.ended as Date).getTime() - (t.due_at as Date).getTime();
        if (Math.abs(late) < 60_000) continue;
        if ((t.escalated_at !== null) !== late > 0) problems.push(`task ${t.id}: ended ${late / HOUR} h after its due time, escalated ${t.escalated_at}`);
      }
      expect(problems).toEqual([]);
    }
  });
});
