// The dispute's state machine. Pure: every transition checks its preconditions (throwing a typed refusal),
// changes the state synchronously and returns the events that describe the change. The workflow records the
// events; validators call the same checks, so an accepted command can never be half-applied.
import { appliedLimit, approvalRefusal } from '../domain/approval';
import { refuse } from '../domain/errors';
import { SYSTEM_ACTOR, type Actor, type CaseEvent, type ProposedAdjustment } from '../domain/events';
import type {
  AddDeductionCommand,
  AssignCommand,
  AwaitCustomerCommand,
  CancelCommand,
  CommandActor,
  CommandResult,
  CompleteTaskCommand,
  DecideCommand,
  DisputeView,
  ProposeResolutionCommand,
  RefreshEvidenceCommand,
  ResumeCommand,
  RetryEvidenceCommand,
} from '../domain/messages';
import { formatMoney, parseMoney } from '../domain/money';
import type { CaseStatus, MoneyString, ResolutionType, Stage, TaskStatus, Team } from '../domain/types';
import type { Analysis } from '../contract';

export interface TaskState {
  id: string;
  team: Team;
  title: string;
  dueAt: string;
  status: TaskStatus;
  escalated: boolean;
  findingCodes: string[];
  /** The routing version the task was made under; absent from tasks of runs whose activity did not answer one. */
  routingVersion?: number;
}

export interface ResolutionState {
  id: string;
  type: ResolutionType;
  amount: MoneyString | null;
  proposedBy: string;
  /** Absent from proposals made before adjustments (a CREDIT of `amount` on the case's invoice). */
  adjustments?: ProposedAdjustment[];
}

export interface ApprovedCredit {
  approvalId: string;
  resolutionId: string;
  /** The sum of the adjustments. */
  amount: MoneyString;
  approver: Actor;
  /** As on the resolution; absent from approvals of proposals made before adjustments. */
  type?: ResolutionType;
  adjustments?: ProposedAdjustment[];
}

export interface DisputeStateData {
  caseId: string;
  status: CaseStatus;
  stage: Stage;
  disputedAmount: MoneyString;
  stageEnteredAt: string;
  /** Whether the current wait on people (resolution or approval) has been escalated since the stage began. */
  stageEscalated: boolean;
  evidenceFailed: boolean;
  evidenceRetryRequested: boolean;
  /**
   * Set when an event could not be stored as sent (it was written with its text replaced): the case then takes no
   * command but cancel. Absent from states handed over by runs from before it existed.
   */
  parkedError?: string | null;
  /**
   * SHA-256 of the evidence and findings the case holds, as the evidence activity answered it: a decision sent with
   * another is refused. Absent from states handed over by runs from before it existed, and null for evidence
   * collected before it existed (both: no hash is current until a refresh).
   */
  evidenceHash?: string | null;
  tasks: TaskState[];
  resolution: ResolutionState | null;
  approvedCredit: ApprovedCredit | null;
  /** The deductions that joined the case since it opened; absent from states handed over before deductions. */
  deductionIds?: string[];
  /** The case's owner (a user id; null: none). Absent from states handed over before owners: the opening's. */
  ownerId?: string | null;
  /** The owner's wait on the customer, while it lasts; absent from states handed over before customer waits. */
  customerWait?: { reason: string; until: string | null; startedAt: string } | null;
  /** How long the customer held the stage entered at `enteredAt`: its SLA runs that much later. */
  stagePaused?: { enteredAt: string; ms: number } | null;
}

const CANCELLABLE: readonly Stage[] = ['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL'];

const REFRESHABLE: readonly Stage[] = ['INVESTIGATION', 'RESOLUTION'];

/** Where a clock runs that a customer wait can stop: the tasks', the proposal's and the approval's. */
const AWAITABLE: readonly Stage[] = ['INVESTIGATION', 'RESOLUTION', 'APPROVAL'];

const HOUR_MS = 3_600_000;

/**
 * What the evidence activity answers: the analysis planned from, the hash of what it stored, and the routing version
 * that gave the findings their teams (absent from answers recorded before routing was data).
 */
export type CollectedAnalysis = Analysis & { evidenceHash?: string; routingVersion?: number };

export class DisputeState {
  /**
   * A refresh of the evidence is under way (its activity runs): no proposal nor a second refresh meanwhile. Not
   * handed over by continue-as-new, which waits for every handler, so none is under way then.
   */
  private refreshing = false;

  constructor(readonly data: DisputeStateData) {}

  static opened(caseId: string, disputedAmount: MoneyString, openedAt: string): DisputeState {
    return new DisputeState({
      caseId,
      status: 'OPEN',
      stage: 'EVIDENCE',
      disputedAmount,
      stageEnteredAt: openedAt,
      stageEscalated: false,
      evidenceFailed: false,
      evidenceRetryRequested: false,
      parkedError: null,
      evidenceHash: null,
      tasks: [],
      resolution: null,
      approvedCredit: null,
    });
  }

  get stage(): Stage {
    return this.data.stage;
  }

  get isClosed(): boolean {
    return this.data.status !== 'OPEN';
  }

  /** Parked: the case waits for a person to cancel it, and takes no other command (see park). */
  get isParked(): boolean {
    return Boolean(this.data.parkedError);
  }

  get openTasks(): TaskState[] {
    return this.data.tasks.filter((t) => t.status === 'OPEN');
  }

  result(): CommandResult {
    return { status: this.data.status, stage: this.data.stage };
  }

  view(): DisputeView {
    return {
      ...this.result(),
      caseId: this.data.caseId,
      openTaskIds: this.openTasks.map((t) => t.id),
      pendingResolutionId: this.data.stage === 'APPROVAL' ? (this.data.resolution?.id ?? null) : null,
    };
  }

  // ---- transitions driven by the workflow itself ----

  enter(stage: Stage, now: string): CaseEvent[] {
    this.data.stage = stage;
    this.data.stageEnteredAt = now;
    this.data.stageEscalated = false;
    return [{ type: 'STAGE_ENTERED', actor: SYSTEM_ACTOR, data: { stage } }];
  }

  evidenceFailed(error: string): CaseEvent[] {
    this.data.evidenceFailed = true;
    this.data.evidenceRetryRequested = false;
    return [{ type: 'EVIDENCE_FAILED', actor: SYSTEM_ACTOR, data: { error } }];
  }

  /**
   * An event of this case could not be stored as sent and was written with its text replaced (the trail has no
   * gap). What was asked for did happen, but not with the words given: a person must look at it, and may cancel.
   */
  park(error: string): CaseEvent[] {
    if (this.isClosed || this.isParked) return [];
    this.data.parkedError = error;
    return [{ type: 'CASE_PARKED', actor: SYSTEM_ACTOR, data: { error } }];
  }

  private checkNotParked(): void {
    if (this.isParked) throw refuse('Conflict', `the case is parked (${this.data.parkedError}); it takes no command but cancel`);
  }

  /**
   * A deduction may join while the case can still take a resolution or its approval (a credit once approved is
   * already on its way), on an invoice the case disputes. One that joined already is taken again as done.
   */
  checkAddDeduction(cmd: AddDeductionCommand, invoices: readonly string[]): void {
    if (this.data.deductionIds?.includes(cmd.deductionId)) return;
    this.checkNotParked();
    if (!CANCELLABLE.includes(this.data.stage)) {
      throw refuse('Conflict', `a deduction can only join a case before its credit is issued; the case is in ${this.data.stage}`);
    }
    if (!invoices.includes(cmd.invoiceNumber)) throw refuse('Unprocessable', `invoiceNumber: the case does not dispute invoice ${cmd.invoiceNumber}`);
    if (parseMoney(cmd.amount) <= 0n) throw refuse('Unprocessable', 'amount: must be greater than 0.00');
  }

  addDeduction(cmd: AddDeductionCommand, invoices: readonly string[]): CaseEvent[] {
    if (this.data.deductionIds?.includes(cmd.deductionId)) return [];
    this.checkAddDeduction(cmd, invoices);
    this.data.disputedAmount = formatMoney(parseMoney(this.data.disputedAmount) + parseMoney(cmd.amount));
    this.data.deductionIds = [...(this.data.deductionIds ?? []), cmd.deductionId];
    const { deductionId, invoiceNumber, amount } = cmd;
    return [{ type: 'DEDUCTION_ADDED', actor: actorOf(cmd.actor), data: { deductionId, invoiceNumber, amount, disputedAmount: this.data.disputedAmount } }];
  }

  checkRetryEvidence(cmd: RetryEvidenceCommand): void {
    this.checkNotParked();
    if (cmd.actor.role !== 'specialist' && cmd.actor.role !== 'manager') {
      throw refuse('Forbidden', 'only a specialist or a manager can retry the evidence');
    }
    if (!this.data.evidenceFailed || this.isClosed) {
      throw refuse('Conflict', 'the evidence can only be retried while the case is parked on a malformed record');
    }
  }

  requestEvidenceRetry(cmd: RetryEvidenceCommand): CaseEvent[] {
    this.checkRetryEvidence(cmd);
    this.data.evidenceRetryRequested = true;
    this.data.evidenceFailed = false;
    return [{ type: 'EVIDENCE_RETRY_REQUESTED', actor: actorOf(cmd.actor), data: {} }];
  }

  /** After the analysis: one task per team with findings, or straight to resolution. */
  startInvestigation(analysis: CollectedAnalysis, tasks: Omit<TaskState, 'status' | 'escalated'>[], now: string): CaseEvent[] {
    // Runs whose activity answered before the hash existed hold none.
    this.data.evidenceHash = analysis.evidenceHash ?? null;
    if (analysis.findings.length === 0) return this.enter('RESOLUTION', now);
    this.data.tasks = tasks.map((t) => ({ ...t, status: 'OPEN', escalated: false }));
    return [
      ...this.enter('INVESTIGATION', now),
      ...this.data.tasks.map(
        (t): CaseEvent => ({
          type: 'TASK_CREATED',
          actor: SYSTEM_ACTOR,
          data: {
            taskId: t.id,
            team: t.team,
            title: t.title,
            dueAt: t.dueAt,
            findingCodes: t.findingCodes,
            ...(t.routingVersion === undefined ? {} : { routingVersion: t.routingVersion }),
          },
        }),
      ),
    ];
  }

  /** The open tasks not escalated yet whose due time has passed. */
  overdueTasks(now: string): TaskState[] {
    const nowMs = Date.parse(now);
    return this.openTasks.filter((t) => !t.escalated && Date.parse(t.dueAt) <= nowMs);
  }

  /**
   * Escalates, once each, the open tasks whose due time has passed; with `leads` (by team; runs from before leads
   * have none), each goes to its team's lead, or to nobody when the team has none.
   */
  escalateOverdueTasks(now: string, leads?: ReadonlyMap<string, Actor | null>): CaseEvent[] {
    return this.overdueTasks(now).map((t): CaseEvent => {
      t.escalated = true;
      const assignee = leads ? { assignee: leads.get(t.team) ?? null } : {};
      return { type: 'TASK_ESCALATED', actor: SYSTEM_ACTOR, data: { taskId: t.id, team: t.team, dueAt: t.dueAt, ...assignee } };
    });
  }

  /** The proposal an escalation of the approval now would offer to covering managers, or null when there is none. */
  approvalToOffer(stage: Stage, enteredAt: string): (ResolutionState & { amount: MoneyString }) | null {
    const current = this.data.stage === stage && this.data.stageEnteredAt === enteredAt;
    const resolution = this.data.resolution;
    if (!current || this.data.stageEscalated || this.isClosed || stage !== 'APPROVAL' || !resolution || resolution.amount === null) return null;
    return { ...resolution, amount: resolution.amount };
  }

  /**
   * Escalates a human wait (resolution or approval) once per stage entry, if it is still the current one; an approval's
   * escalation names the managers it is offered to (`offeredTo`; runs from before offers have none).
   */
  escalateStage(stage: Stage, enteredAt: string, offeredTo?: Actor[]): CaseEvent[] {
    const current = this.data.stage === stage && this.data.stageEnteredAt === enteredAt;
    if (!current || this.data.stageEscalated || this.isClosed) return [];
    this.data.stageEscalated = true;
    const since = this.data.stageEnteredAt;
    if (this.data.stage === 'RESOLUTION') return [{ type: 'RESOLUTION_ESCALATED', actor: SYSTEM_ACTOR, data: { since } }];
    if (this.data.stage === 'APPROVAL' && this.data.resolution) {
      const offers = offeredTo ? { offeredTo } : {};
      return [
        { type: 'APPROVAL_ESCALATED', actor: SYSTEM_ACTOR, data: { resolutionId: this.data.resolution.id, since, ...offers } },
      ];
    }
    return [];
  }

  /** The approved documents are in the ledger: the case closes with the resolution's type as its outcome. */
  creditMemoIssued(now: string): CaseEvent[] {
    const outcome = this.data.approvedCredit?.type ?? 'CREDIT';
    return [...this.enter('DONE', now), ...this.close('CLOSED', { type: 'CASE_CLOSED', actor: SYSTEM_ACTOR, data: { outcome } })];
  }

  /** The ledger refused the memo (the open balance moved since approval): back to the specialist. */
  creditMemoRefused(reason: string, now: string): CaseEvent[] {
    const approvalId = this.data.approvedCredit?.approvalId ?? '';
    this.data.approvedCredit = null;
    this.data.resolution = null;
    return [
      { type: 'CREDIT_MEMO_REFUSED', actor: SYSTEM_ACTOR, data: { approvalId, reason } },
      ...this.enter('RESOLUTION', now),
    ];
  }

  // ---- commands from people: check*() are the update validators, the others apply ----

  checkRefreshEvidence(cmd: RefreshEvidenceCommand): void {
    this.checkNotParked();
    if (cmd.actor.role !== 'specialist') throw refuse('Forbidden', 'only a specialist can refresh the evidence');
    if (this.isClosed || !REFRESHABLE.includes(this.data.stage)) {
      throw refuse('Conflict', `the evidence can only be refreshed in INVESTIGATION or RESOLUTION; the case is in ${this.data.stage}`);
    }
    if (this.refreshing) throw refuse('Conflict', 'the evidence is being refreshed already');
  }

  /** The refresh's activity is about to run: until it answers, the case takes no proposal. */
  beginRefresh(cmd: RefreshEvidenceCommand): void {
    this.checkRefreshEvidence(cmd);
    this.refreshing = true;
  }

  /** A source record could not be read: the case keeps the evidence, findings and tasks it had. */
  evidenceRefreshFailed(error: string): CaseEvent {
    this.refreshing = false;
    return { type: 'EVIDENCE_REFRESH_FAILED', actor: SYSTEM_ACTOR, data: { error } };
  }

  /**
   * The evidence and findings were replaced (EVIDENCE_REFRESHED is on the trail): open tasks of teams left without
   * findings are cancelled; a team with findings, no open task and a finding code none of its done tasks
   * confirmed gets a task (of `planned`, one per team); the case is in INVESTIGATION while a task is open, else in
   * RESOLUTION.
   */
  evidenceRefreshed(
    analysis: CollectedAnalysis,
    planned: Omit<TaskState, 'status' | 'escalated'>[],
    cmd: RefreshEvidenceCommand,
    now: string,
  ): CaseEvent[] {
    this.refreshing = false;
    this.data.evidenceHash = analysis.evidenceHash ?? null;
    if (this.isClosed) return [];
    const teams = new Set(analysis.findings.map((f) => f.team));
    const cancelled = this.openTasks
      .filter((t) => !teams.has(t.team))
      .map((t): CaseEvent => {
        t.status = 'CANCELLED';
        return { type: 'TASK_CANCELLED', actor: actorOf(cmd.actor), data: { taskId: t.id, team: t.team } };
      });
    const created = planned
      .filter((p) => {
        const ofTeam = this.data.tasks.filter((t) => t.team === p.team);
        if (ofTeam.some((t) => t.status === 'OPEN')) return false;
        const confirmed = new Set(ofTeam.filter((t) => t.status === 'DONE').flatMap((t) => t.findingCodes));
        return p.findingCodes.some((code) => !confirmed.has(code));
      })
      .map((p): CaseEvent => {
        this.data.tasks.push({ ...p, status: 'OPEN', escalated: false });
        return {
          type: 'TASK_CREATED',
          actor: SYSTEM_ACTOR,
          data: {
            taskId: p.id,
            team: p.team,
            title: p.title,
            dueAt: p.dueAt,
            findingCodes: p.findingCodes,
            ...(p.routingVersion === undefined ? {} : { routingVersion: p.routingVersion }),
          },
        };
      });
    const next: Stage = this.openTasks.length ? 'INVESTIGATION' : 'RESOLUTION';
    return [...cancelled, ...created, ...(next === this.data.stage ? [] : this.enter(next, now))];
  }

  checkCompleteTask(cmd: CompleteTaskCommand): TaskState {
    this.checkNotParked();
    const task = this.data.tasks.find((t) => t.id === cmd.taskId);
    if (!task) throw refuse('NotFound', `task ${cmd.taskId} is not part of this case`);
    if (cmd.actor.role !== 'ops' || cmd.actor.team !== task.team) {
      throw refuse('Forbidden', `only ${task.team} can complete this task`);
    }
    if (task.status !== 'OPEN') throw refuse('Conflict', `the task is ${task.status}, not OPEN`);
    return task;
  }

  completeTask(cmd: CompleteTaskCommand, now: string): CaseEvent[] {
    const task = this.checkCompleteTask(cmd);
    task.status = 'DONE';
    const events: CaseEvent[] = [
      {
        type: 'TASK_COMPLETED',
        actor: actorOf(cmd.actor),
        data: {
          taskId: task.id,
          team: task.team,
          outcome: cmd.outcome,
          note: cmd.note,
          amount: cmd.amount,
          ...(cmd.findings ? { findings: cmd.findings } : {}),
        },
      },
    ];
    if (this.openTasks.length === 0 && this.data.stage === 'INVESTIGATION') events.push(...this.enter('RESOLUTION', now));
    return events;
  }

  checkProposeResolution(cmd: ProposeResolutionCommand): void {
    this.checkNotParked();
    if (cmd.actor.role !== 'specialist') throw refuse('Forbidden', 'only a specialist can propose a resolution');
    if (this.data.stage !== 'RESOLUTION') {
      throw refuse('Conflict', `a resolution can only be proposed in stage RESOLUTION; the case is in ${this.data.stage}`);
    }
    if (this.refreshing) throw refuse('Conflict', 'the evidence is being refreshed: propose on the refreshed findings');
    if (cmd.type === 'NO_CREDIT') {
      if (cmd.amount !== null || cmd.adjustments?.length) throw refuse('Unprocessable', 'amount: a NO_CREDIT resolution takes no amount');
      return;
    }
    if (cmd.amount === null) throw refuse('Unprocessable', `amount: a ${cmd.type} resolution needs an amount`);
    const amount = parseMoney(cmd.amount);
    if (amount <= 0n) throw refuse('Unprocessable', 'amount: must be greater than 0.00');
    // Without adjustments (a command of v1's API) the amount is one credit; with them, what lowers the balance is
    // held against the disputed amount here, and the API holds each invoice to its own (it knows the ledger).
    const adjustments = cmd.adjustments ?? null;
    if (adjustments === null && cmd.type !== 'CREDIT') throw refuse('Unprocessable', `adjustments: a ${cmd.type} resolution needs its adjustments`);
    let lowered = amount;
    if (adjustments !== null) {
      if (!adjustments.length) throw refuse('Unprocessable', 'adjustments: at least one is needed');
      const amounts = adjustments.map((a) => parseMoney(a.amount));
      const bad = amounts.findIndex((a) => a <= 0n);
      if (bad >= 0) throw refuse('Unprocessable', `adjustments.${bad}.amount: must be greater than 0.00`);
      if (amounts.reduce((x, y) => x + y, 0n) !== amount) throw refuse('Unprocessable', 'amount: must be the sum of the adjustments');
      lowered = adjustments.reduce((sum, a, i) => (a.kind === 'DEBIT' ? sum : sum + amounts[i]), 0n);
    }
    if (lowered > parseMoney(this.data.disputedAmount)) {
      throw refuse('Unprocessable', `amount: credits and write-offs of ${cmd.amount} are more than the disputed amount ${this.data.disputedAmount}`);
    }
  }

  proposeResolution(cmd: ProposeResolutionCommand, resolutionId: string, now: string): CaseEvent[] {
    this.checkProposeResolution(cmd);
    const adjustments = cmd.adjustments ? { adjustments: cmd.adjustments } : {};
    this.data.resolution = { id: resolutionId, type: cmd.type, amount: cmd.amount, proposedBy: cmd.actor.id, ...adjustments };
    const proposed: CaseEvent = {
      type: 'RESOLUTION_PROPOSED',
      actor: actorOf(cmd.actor),
      data: { resolutionId, type: cmd.type, amount: cmd.amount, rootCause: cmd.rootCause, note: cmd.note, ...adjustments },
    };
    if (cmd.type !== 'NO_CREDIT') return [proposed, ...this.enter('APPROVAL', now)];
    return [
      proposed,
      ...this.enter('DONE', now),
      ...this.close('CLOSED', { type: 'CASE_CLOSED', actor: actorOf(cmd.actor), data: { outcome: 'NO_CREDIT' } }),
    ];
  }

  /** `currency`: the case's, which the approver's limit is held in; `now`: when a delegation must run. */
  checkDecide(cmd: DecideCommand, currency: string, now: string): ResolutionState & { amount: MoneyString } {
    this.checkNotParked();
    if (cmd.actor.role !== 'manager') throw refuse('Forbidden', 'only a manager can decide on a resolution');
    const resolution = this.data.resolution;
    if (this.data.stage !== 'APPROVAL' || !resolution || resolution.amount === null) {
      throw refuse('Conflict', `a decision can only be made in stage APPROVAL; the case is in ${this.data.stage}`);
    }
    const proposal = { ...resolution, amount: resolution.amount };
    const refusal = approvalRefusal(cmd.actor, proposal, currency, cmd.decision, cmd.onBehalfOf ?? null, now);
    if (refusal) throw refuse('Forbidden', refusal);
    const current = this.data.evidenceHash ?? null;
    if (cmd.evidenceHash && cmd.evidenceHash !== current) {
      throw refuse(
        'Conflict',
        `the evidence changed since it was shown (evidenceHash ${cmd.evidenceHash} is not the current ${current ?? 'none'}): reload the case and decide on what it holds now`,
      );
    }
    return proposal;
  }

  decide(cmd: DecideCommand, currency: string, approvalId: string, now: string): CaseEvent[] {
    const proposal = this.checkDecide(cmd, currency, now);
    const onBehalfOf = cmd.onBehalfOf ?? null;
    const decided: CaseEvent = {
      type: 'RESOLUTION_DECIDED',
      actor: actorOf(cmd.actor),
      data: {
        approvalId,
        resolutionId: proposal.id,
        decision: cmd.decision,
        comment: cmd.comment,
        amount: proposal.amount,
        approverLimit: appliedLimit(cmd.actor, onBehalfOf, currency),
        evidenceHash: cmd.evidenceHash ?? this.data.evidenceHash ?? null,
        onBehalfOf: onBehalfOf && actorOf(onBehalfOf),
        policyVersion: cmd.policyVersion ?? null,
      },
    };
    if (cmd.decision === 'REJECT') {
      this.data.resolution = null;
      return [decided, ...this.enter('RESOLUTION', now)];
    }
    this.data.approvedCredit = {
      approvalId,
      resolutionId: proposal.id,
      amount: proposal.amount,
      approver: actorOf(cmd.actor),
      ...(proposal.adjustments ? { type: proposal.type, adjustments: proposal.adjustments } : {}),
    };
    return [decided, ...this.enter('CREDIT_MEMO', now)];
  }

  checkCancel(cmd: CancelCommand): void {
    if (cmd.actor.role !== 'specialist' && cmd.actor.role !== 'manager') {
      throw refuse('Forbidden', 'only a specialist or a manager can cancel a case');
    }
    if (!CANCELLABLE.includes(this.data.stage) || this.isClosed) {
      throw refuse('Conflict', `a case in stage ${this.data.stage} (${this.data.status}) cannot be cancelled`);
    }
  }

  cancel(cmd: CancelCommand, now: string): CaseEvent[] {
    this.checkCancel(cmd);
    const cancelledTasks = this.openTasks.map((t): CaseEvent => {
      t.status = 'CANCELLED';
      return { type: 'TASK_CANCELLED', actor: actorOf(cmd.actor), data: { taskId: t.id, team: t.team } };
    });
    return [
      ...cancelledTasks,
      ...this.enter('DONE', now),
      ...this.close('CANCELLED', { type: 'CASE_CANCELLED', actor: actorOf(cmd.actor), data: { reason: cmd.reason } }),
    ];
  }

  // ---- owners and customer waits ----

  get ownerId(): string | null {
    return this.data.ownerId ?? null;
  }

  get isWaitingOnCustomer(): boolean {
    return Boolean(this.data.customerWait) && !this.isClosed;
  }

  /** How much later than entered the current stage's SLA runs out: the time the customer held it. */
  get stagePausedMs(): number {
    const paused = this.data.stagePaused;
    return paused && paused.enteredAt === this.data.stageEnteredAt ? paused.ms : 0;
  }

  /** A manager assigns any case; its owner (a specialist) hands it to another. The API checked the new owner. */
  checkAssign(cmd: AssignCommand): void {
    const owns = cmd.actor.role === 'specialist' && cmd.actor.id === this.ownerId;
    if (cmd.actor.role !== 'manager' && !owns) throw refuse('Forbidden', 'only a manager or the case\'s owner can assign it');
    if (this.isClosed) throw refuse('Conflict', `the case is ${this.data.status} and takes no more commands`);
  }

  assign(cmd: AssignCommand): CaseEvent[] {
    this.checkAssign(cmd);
    const previousOwnerId = this.ownerId;
    if (previousOwnerId === cmd.owner.id) return [];
    this.data.ownerId = cmd.owner.id;
    return [{ type: 'CASE_ASSIGNED', actor: actorOf(cmd.actor), data: { ownerId: cmd.owner.id, ownerName: cmd.owner.name, previousOwnerId } }];
  }

  private checkOwner(actor: CommandActor, what: string): void {
    if (actor.id !== this.ownerId) throw refuse('Forbidden', `only the case's owner can ${what}`);
    if (this.isClosed) throw refuse('Conflict', `the case is ${this.data.status} and takes no more commands`);
    this.checkNotParked();
  }

  checkAwaitCustomer(cmd: AwaitCustomerCommand): void {
    this.checkOwner(cmd.actor, 'wait on the customer');
    if (this.data.customerWait) throw refuse('Conflict', 'the case already waits on the customer');
    if (!AWAITABLE.includes(this.data.stage)) {
      throw refuse('Conflict', `a case can wait on the customer in INVESTIGATION, RESOLUTION or APPROVAL; the case is in ${this.data.stage}`);
    }
  }

  awaitCustomer(cmd: AwaitCustomerCommand, now: string): CaseEvent[] {
    this.checkAwaitCustomer(cmd);
    this.data.customerWait = { reason: cmd.reason, until: cmd.until, startedAt: now };
    return [{ type: 'CUSTOMER_WAIT_STARTED', actor: actorOf(cmd.actor), data: { reason: cmd.reason, until: cmd.until } }];
  }

  checkResume(cmd: ResumeCommand): void {
    this.checkOwner(cmd.actor, 'resume the case');
    if (!this.data.customerWait) throw refuse('Conflict', 'the case does not wait on the customer');
  }

  /**
   * The wait ends (by the owner, or by the system when `until` passed): the open tasks fall due, and the current
   * stage's SLA runs out, as much later as the customer held them (a stage entered during the wait: since then).
   */
  endCustomerWait(actor: Actor, now: string): CaseEvent[] {
    const wait = this.data.customerWait;
    if (!wait || this.isClosed) return [];
    this.data.customerWait = null;
    const nowMs = Date.parse(now);
    const pausedMs = Math.max(0, nowMs - Date.parse(wait.startedAt));
    const dueAts = this.openTasks.map((t) => {
      t.dueAt = new Date(Date.parse(t.dueAt) + pausedMs).toISOString();
      return { taskId: t.id, dueAt: t.dueAt };
    });
    const stageMs = Math.max(0, nowMs - Math.max(Date.parse(wait.startedAt), Date.parse(this.data.stageEnteredAt)));
    this.data.stagePaused = { enteredAt: this.data.stageEnteredAt, ms: this.stagePausedMs + stageMs };
    return [{ type: 'CUSTOMER_WAIT_ENDED', actor, data: { pausedHours: pausedMs / HOUR_MS, dueAts } }];
  }

  resume(cmd: ResumeCommand, now: string): CaseEvent[] {
    this.checkResume(cmd);
    return this.endCustomerWait(actorOf(cmd.actor), now);
  }

  private close(status: Exclude<CaseStatus, 'OPEN'>, event: CaseEvent): CaseEvent[] {
    this.data.status = status;
    return [event];
  }
}

function actorOf(actor: CommandActor | Actor): Actor {
  return { id: actor.id, name: actor.name };
}
