// One dispute case, from evidence to credit memo, as one durable workflow (id: dispute:<caseNumber>).
import {
  ActivityFailure,
  ApplicationFailure,
  type ActivityOptions,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { teamsWithFindings } from '../domain/analysis';
import {
  INSUFFICIENT_OPEN_BALANCE,
  INVOICE_VANISHED,
  LINE_OVER_CREDITED,
  POISON_RECORD,
  UNSTORABLE_EVENT,
  refuse,
} from '../domain/errors';
import {
  addDeductionUpdate,
  assignUpdate,
  awaitCustomerUpdate,
  cancelUpdate,
  completeTaskUpdate,
  decideUpdate,
  proposeResolutionUpdate,
  refreshEvidenceUpdate,
  resumeUpdate,
  retryEvidenceUpdate,
  viewQuery,
  type CommandResult,
  type DisputeInput,
  type RefreshEvidenceCommand,
} from '../domain/messages';
import { SYSTEM_ACTOR, openedItems, openingOwner, type CaseEvent } from '../domain/events';
import type { Stage, Team } from '../domain/types';
import { DisputeState, type CollectedAnalysis, type DisputeStateData, type TaskState } from './dispute-state';
import { Trail, type TrailSlot } from './trail';

type Activities = ReturnType<typeof createActivities>;

const HOUR_MS = 3_600_000;

// Retried for as long as it takes (an outage must not fail a case), but not in a way that looks like a loop: the
// intervals grow threefold (1, 3, 9, 27 s, then every 30 or 60 s), so five attempts span 40 s, longer than the
// 30 s database outage the chaos run injects, and a sixth attempt means something retries what cannot succeed
// (the shared invariant check flags any activity attempted more than five times). What fails for good is typed and
// never retried. Replay compares an activity's type and place, not its retry options: changing these needs no
// patch (every recorded history still replays).
const GROWING_THREEFOLD = { initialInterval: '1 second', backoffCoefficient: 3 } as const;

/**
 * Writes to our own database: short. An event the database can never store is final (the case parks), and so is
 * the ledger's refusal of a credit (the credit goes back to the specialist).
 */
const DATABASE_WRITES = {
  startToCloseTimeout: '10 seconds',
  retry: {
    ...GROWING_THREEFOLD,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: [INSUFFICIENT_OPEN_BALANCE, INVOICE_VANISHED, LINE_OVER_CREDITED, UNSTORABLE_EVENT],
  },
} satisfies ActivityOptions;

/** Reads from the records source (an ERP behind an interface): slower, and a malformed record is final. */
const RECORDS_SOURCE_READS = {
  startToCloseTimeout: '2 minutes',
  retry: {
    ...GROWING_THREEFOLD,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [POISON_RECORD],
  },
} satisfies ActivityOptions;

/** Who an escalation goes to, read from the users: short, and retried like a write (nothing in it is final). */
const PEOPLE_READS = {
  startToCloseTimeout: '10 seconds',
  retry: { ...GROWING_THREEFOLD, maximumInterval: '30 seconds' },
} satisfies ActivityOptions;

const { recordEvents, issueCreditMemo, issueAdjustments } = proxyActivities<Activities>(DATABASE_WRITES);
const { coveringApprovers, teamLead } = proxyActivities<Activities>(PEOPLE_READS);
const { collectEvidence } = proxyActivities<Activities>(RECORDS_SOURCE_READS);

/** What a run hands to the next when the history grows long: the state, and where the trail's numbering stands. */
export interface ContinuedDispute {
  state: DisputeStateData;
  trailSeq: number;
}

export async function disputeWorkflow(input: DisputeInput & { continued?: ContinuedDispute }): Promise<CommandResult> {
  const { continued, ...opening } = input;
  const state = continued ? new DisputeState(continued.state) : DisputeState.opened(input.caseId, input.opened.disputedAmount, input.openedAt);
  // States from before owners hold none: the opening names it.
  if (state.data.ownerId === undefined) state.data.ownerId = openingOwner(input.opened, input.openedBy);
  // Runs from before a case could park on an event the database cannot store never met one (only today's activity
  // fails that way): the patch is checked where such a failure is met, so every other run replays as recorded.
  const parksOnUnstorable = (err: unknown): err is ActivityFailure =>
    isActivityFailureOfType(err, UNSTORABLE_EVENT) && patched('park-on-unstorable-events');
  // Runs from before items gathered the first invoice whole, and titled their tasks by it.
  const byItems = (): boolean => patched('case-items');
  const trail = new Trail(input.caseId, recordEvents, continued?.trailSeq ?? 0, parksOnUnstorable);
  const now = (): string => new Date().toISOString();
  // Runs started before continue-as-new existed never continue, so their replay issues the commands it always did.
  const mayContinueAsNew = patched('continue-as-new');
  const historyIsLong = (): boolean => mayContinueAsNew && workflowInfo().continueAsNewSuggested;
  const recordOpening = () =>
    trail.record([{ type: 'CASE_OPENED', actor: input.openedBy, data: input.opened }, ...state.enter('EVIDENCE', input.openedAt)]);
  // A command admitted before the first workflow task ran (the worker was down) is handed over by setHandler below,
  // which runs its handler at once: the case must be opened, and its first events numbered, before that.
  // Runs from before this order replay as they were recorded.
  const openedBeforeHandlers = !continued && patched('open-before-handlers') ? recordOpening() : undefined;

  /**
   * A command's update handler: applies it and waits for its events on the trail. A command whose events cannot be
   * stored as sent is answered with the refusal, the case parked. (The handler awaits the trail as handlers always
   * did, no promise more: the order of the commands a workflow task emits depends on it, and replay checks it.)
   */
  const command =
    <C>(apply: (cmd: C) => CaseEvent[]) =>
    async (cmd: C): Promise<CommandResult> => {
      try {
        await trail.record(apply(cmd));
      } catch (err) {
        throw await parkOn(err);
      }
      return state.result();
    };

  setHandler(viewQuery, () => state.view());
  setHandler(
    completeTaskUpdate,
    command((cmd) => state.completeTask(cmd, now())),
    { validator: (cmd) => void state.checkCompleteTask(cmd) },
  );
  setHandler(
    proposeResolutionUpdate,
    command((cmd) => state.proposeResolution(cmd, uuid4(), now())),
    { validator: (cmd) => state.checkProposeResolution(cmd) },
  );
  // The marker is written where a run first takes a decision for an absent manager: a history without one never did.
  const currency = input.opened.currency;
  setHandler(
    decideUpdate,
    command((cmd) => {
      if (cmd.onBehalfOf) patched('delegated-decisions');
      return state.decide(cmd, currency, uuid4(), now());
    }),
    { validator: (cmd) => void state.checkDecide(cmd, currency, now()) },
  );
  setHandler(cancelUpdate, command((cmd) => state.cancel(cmd, now())), { validator: (cmd) => state.checkCancel(cmd) });
  setHandler(
    retryEvidenceUpdate,
    command((cmd) => state.requestEvidenceRetry(cmd)),
    { validator: (cmd) => state.checkRetryEvidence(cmd) },
  );
  setHandler(refreshEvidenceUpdate, refreshEvidence, { validator: (cmd) => state.checkRefreshEvidence(cmd) });
  // The marker is written where a run first takes a deduction: a history without one never met this handler.
  const caseInvoices = openedItems(input.opened).map((i) => i.invoiceNumber);
  setHandler(
    addDeductionUpdate,
    command((cmd) => {
      patched('deductions');
      return state.addDeduction(cmd, caseInvoices);
    }),
    { validator: (cmd) => state.checkAddDeduction(cmd, caseInvoices) },
  );
  // As for deductions, each marker is written where a run first takes the update.
  setHandler(
    assignUpdate,
    command((cmd) => {
      patched('owners');
      return state.assign(cmd);
    }),
    { validator: (cmd) => state.checkAssign(cmd) },
  );
  setHandler(
    awaitCustomerUpdate,
    command((cmd) => {
      patched('customer-waits');
      return state.awaitCustomer(cmd, now());
    }),
    { validator: (cmd) => state.checkAwaitCustomer(cmd) },
  );
  setHandler(
    resumeUpdate,
    command((cmd) => {
      patched('customer-waits');
      return state.resume(cmd, now());
    }),
    { validator: (cmd) => state.checkResume(cmd) },
  );

  if (!continued) {
    try {
      await (openedBeforeHandlers ?? recordOpening());
      const analysis = state.isClosed ? null : await collectEvidenceUntilReadable();
      if (analysis && !state.isClosed) {
        await trail.record(state.startInvestigation(analysis, plannedTasks(analysis), now()));
      }
    } catch (err) {
      await parkOn(err);
    }
  }

  while (!state.isClosed) {
    if (historyIsLong()) {
      // Between stages nothing is in flight but handlers; once they have written their events the state is whole.
      await condition(allHandlersFinished);
      log.info('dispute continues as new', { caseId: input.caseId, stage: state.stage, trailSeq: trail.seq });
      return continueAsNew<typeof disputeWorkflow>({ ...opening, continued: { state: state.data, trailSeq: trail.seq } });
    }
    // Parked, the case waits to be cancelled; a credit already approved is still issued (an approval cannot be
    // cancelled, and each ends in a memo or in the ledger's refusal).
    if (state.isParked && state.stage !== 'CREDIT_MEMO') {
      await condition(() => state.isClosed || historyIsLong());
      continue;
    }
    try {
      switch (state.stage) {
        case 'INVESTIGATION':
          await investigate();
          break;
        case 'RESOLUTION':
        case 'APPROVAL':
          await waitForPeople(state.stage);
          break;
        case 'CREDIT_MEMO':
          await issueApprovedCredit();
          break;
        default:
          throw ApplicationFailure.nonRetryable(`an open case cannot be in stage ${state.stage}`);
      }
    } catch (err) {
      await parkOn(err);
    }
  }

  // Updates accepted just before closing must have their events written before the run ends.
  await condition(allHandlersFinished);
  log.info('dispute finished', { caseId: input.caseId, status: state.data.status });
  return state.result();

  /**
   * After a write to the trail failed: one the database can never take as sent (written again with its text
   * replaced, see Trail) parks the case visibly, CASE_PARKED on the trail and parkedError on the case, and answers
   * the refusal for the command that made it. Any other failure is thrown on, as before.
   */
  async function parkOn(err: unknown): Promise<ApplicationFailure> {
    if (!parksOnUnstorable(err)) throw err;
    const error = err.cause instanceof Error ? err.cause.message : 'an event the database cannot store';
    log.warn('an event could not be stored as sent: the case is parked', { caseId: input.caseId, error });
    await trail.record(state.park(error));
    const parked = state.isClosed ? '' : ', and the case is parked: it takes no command but cancel';
    return refuse('Unprocessable', `${error}; it was recorded with U+FFFD in place of what cannot be stored${parked}`);
  }

  /** What the evidence activity is asked for: the case's invoices (its items, for runs that have them), at a slot. */
  function evidenceRequest(slot: TrailSlot) {
    return {
      caseId: input.caseId,
      invoiceNumber: input.opened.invoiceNumber,
      disputedAmount: input.opened.disputedAmount,
      ...(byItems() ? { items: openedItems(input.opened) } : {}),
      slot,
    };
  }

  /** Pulls the evidence; a malformed source record parks the case until a person asks for a retry. */
  async function collectEvidenceUntilReadable(): Promise<CollectedAnalysis | null> {
    for (;;) {
      const { slot, done } = trail.recordWith((slot) => collectEvidence(evidenceRequest(slot)));
      try {
        return await done;
      } catch (err) {
        if (!isActivityFailureOfType(err, POISON_RECORD)) throw err;
        const message = err.cause instanceof Error ? err.cause.message : 'malformed source record';
        log.warn('evidence refused: poison record', { caseId: input.caseId, error: message });
        const [failed] = state.evidenceFailed(message);
        await trail.recordAt(slot, failed);
        await condition(() => state.data.evidenceRetryRequested || state.isClosed);
        if (state.isClosed) return null;
      }
    }
  }

  /**
   * Pulls the records again; the activity replaces the evidence and findings and writes EVIDENCE_REFRESHED (with the
   * findings it replaced, which stay in PostgreSQL, never in this history) at its slot; then the tasks and the stage
   * follow the new findings. A malformed record refuses the refresh and leaves the case as it was.
   */
  async function refreshEvidence(cmd: RefreshEvidenceCommand): Promise<CommandResult> {
    // Only runs of this code take the update; the marker lets a later change to how a refresh runs tell them apart.
    patched('refresh-evidence');
    state.beginRefresh(cmd);
    const { slot, done } = trail.recordWith((slot) =>
      collectEvidence({ ...evidenceRequest(slot), refreshedBy: { id: cmd.actor.id, name: cmd.actor.name } }),
    );
    let collected: CollectedAnalysis;
    try {
      collected = await done;
    } catch (err) {
      if (!isActivityFailureOfType(err, POISON_RECORD)) throw err;
      const message = err.cause instanceof Error ? err.cause.message : 'malformed source record';
      log.warn('evidence refresh refused: poison record', { caseId: input.caseId, error: message });
      await trail.recordAt(slot, state.evidenceRefreshFailed(message));
      throw refuse('Unprocessable', `the evidence cannot be refreshed, the case keeps what it had: ${message}`);
    }
    try {
      await trail.record(state.evidenceRefreshed(collected, plannedTasks(collected), cmd, now()));
    } catch (err) {
      throw await parkOn(err);
    }
    return state.result();
  }

  /** What a task asks about: the case's invoices (the answer keeps one finding per team and code, not where each is). */
  function invoicesOf(): string {
    if (!byItems()) return `invoice ${input.opened.invoiceNumber}`;
    const all = [...new Set(openedItems(input.opened).map((i) => i.invoiceNumber))];
    return all.length === 1 ? `invoice ${all[0]}` : `invoices ${all.join(', ')}`;
  }

  /**
   * One task per team the findings are routed to, under the routing version the activity answered: an answer
   * recorded before routing was data has none, and neither have its tasks (nor their events), so it replays as it was.
   */
  function plannedTasks({ findings, routingVersion }: CollectedAnalysis): Omit<TaskState, 'status' | 'escalated'>[] {
    const dueAt = new Date(Date.now() + input.slas.taskHours * HOUR_MS).toISOString();
    return teamsWithFindings(findings).map((team: Team) => {
      const codes = [...new Set(findings.filter((f) => f.team === team).map((f) => f.code))];
      const title = `Confirm ${codes.join(', ')} on ${invoicesOf()}`;
      return { id: uuid4(), team, title, dueAt, findingCodes: codes, ...(routingVersion === undefined ? {} : { routingVersion }) };
    });
  }

  /**
   * While the case waits on the customer no clock runs: it waits for the owner to resume, or for `until` to pass,
   * when it resumes by itself (actor system). Answers when the wait is over or `moved` (then the caller's wait
   * starts again, on the due times the resumption moved).
   */
  async function waitOnCustomer(moved: () => boolean): Promise<void> {
    const over = () => moved() || !state.isWaitingOnCustomer;
    const until = state.data.customerWait?.until;
    if (!until) {
      await condition(over);
      return;
    }
    const left = Date.parse(until) - Date.now();
    if (left > 0 && (await condition(over, left))) return;
    await trail.record(state.endCustomerWait(SYSTEM_ACTOR, now()));
  }

  /** Waits for every task, escalating each overdue task once when its due time passes. */
  async function investigate(): Promise<void> {
    const pending = state.openTasks.filter((t) => !t.escalated).map((t) => Date.parse(t.dueAt));
    const left = pending.length ? Math.min(...pending) - Date.now() : undefined;
    const stopped = () => state.stage !== 'INVESTIGATION' || state.isClosed || state.isParked || historyIsLong();
    if (state.isWaitingOnCustomer) return waitOnCustomer(stopped);
    // A customer wait beginning stops the task clocks: the wait above takes over.
    const moved = () => stopped() || state.isWaitingOnCustomer;
    if (left === undefined) {
      await condition(moved);
    } else if (left > 0 && (await condition(moved, left))) {
      return;
    } else {
      await escalateOverdueTasks();
    }
  }

  /**
   * Escalates the overdue tasks, each to its team's lead (read when it is escalated). Runs from before leads escalate
   * without an assignee: the patch is checked only where there is something to escalate.
   */
  async function escalateOverdueTasks(): Promise<void> {
    const at = now();
    const teams = [...new Set(state.overdueTasks(at).map((t) => t.team))];
    if (!teams.length || !patched('escalate-to-lead')) {
      await trail.record(state.escalateOverdueTasks(at));
      return;
    }
    const leads = new Map(await Promise.all(teams.map(async (team) => [team, await teamLead({ team })] as const)));
    await trail.record(state.escalateOverdueTasks(at, leads));
  }

  /**
   * Escalates a wait on people; an approval's is offered to the managers who may approve it, read when it is
   * escalated. Runs from before offers escalate without them: the patch is checked only where an approval escalates.
   */
  async function escalateStage(stage: Stage, enteredAt: string): Promise<void> {
    const proposal = state.approvalToOffer(stage, enteredAt);
    if (!proposal || !patched('escalation-offers')) {
      await trail.record(state.escalateStage(stage, enteredAt));
      return;
    }
    const offeredTo = await coveringApprovers({ currency: input.opened.currency, amount: proposal.amount, proposedBy: proposal.proposedBy });
    await trail.record(state.escalateStage(stage, enteredAt, offeredTo));
  }

  /** Waits for a proposal (RESOLUTION) or a decision (APPROVAL); past its SLA the wait is escalated once. */
  async function waitForPeople(stage: Stage): Promise<void> {
    const enteredAt = state.data.stageEnteredAt;
    const stopped = () =>
      state.stage !== stage || state.data.stageEnteredAt !== enteredAt || state.isClosed || state.isParked || historyIsLong();
    if (state.isWaitingOnCustomer) return waitOnCustomer(stopped);
    // A customer wait beginning stops the SLA clock: the wait above takes over, and its end moves the SLA later.
    const moved = () => stopped() || state.isWaitingOnCustomer;
    if (state.data.stageEscalated) {
      await condition(moved);
      return;
    }
    const slaHours = stage === 'RESOLUTION' ? input.slas.resolutionHours : input.slas.approvalHours;
    const left = Date.parse(enteredAt) + slaHours * HOUR_MS + state.stagePausedMs - Date.now();
    if (left > 0 && (await condition(moved, left))) return;
    await escalateStage(stage, enteredAt);
  }

  /**
   * Exactly one set of documents per approval: the ledger activity is keyed by the approval id. Runs from before the
   * ledger had debits and write-offs issue their credit memo as recorded.
   */
  async function issueApprovedCredit(): Promise<void> {
    const credit = state.data.approvedCredit;
    if (!credit) throw ApplicationFailure.nonRetryable('stage CREDIT_MEMO without an approved credit');
    if (patched('adjustments')) {
      // An approval of a v1 proposal carries no adjustments: it was one credit on the case's invoice.
      const adjustments = credit.adjustments ?? [{ kind: 'CREDIT', invoiceNumber: input.opened.invoiceNumber, lineNo: null, amount: credit.amount }];
      const { slot, done } = trail.recordWith((slot) => issueAdjustments({ caseId: input.caseId, approvalId: credit.approvalId, adjustments, slot }));
      try {
        const { documents } = await done;
        log.info('adjustments issued', { caseId: input.caseId, documents: documents.map((d) => d.number) });
        await trail.record(state.creditMemoIssued(now()));
      } catch (err) {
        if (!isActivityFailureOfType(err, INSUFFICIENT_OPEN_BALANCE) && !isActivityFailureOfType(err, LINE_OVER_CREDITED) && !isActivityFailureOfType(err, INVOICE_VANISHED)) {
          throw err;
        }
        await refused(slot, err);
      }
      return;
    }
    const { slot, done } = trail.recordWith((slot) =>
      issueCreditMemo({
        caseId: input.caseId,
        approvalId: credit.approvalId,
        invoiceNumber: input.opened.invoiceNumber,
        amount: credit.amount,
        slot,
      }),
    );
    try {
      const memo = await done;
      log.info('credit memo issued', { caseId: input.caseId, memo: memo.number, amount: memo.amount });
      await trail.record(state.creditMemoIssued(now()));
    } catch (err) {
      if (!refusedByLedger(err)) throw err;
      await refused(slot, err);
    }
  }

  /** The ledger refused the approved documents, once and for good: the refusal at their slot, back to resolution. */
  async function refused(slot: { seq: number; at: string }, err: ActivityFailure): Promise<void> {
    const reason = err.cause instanceof Error ? err.cause.message : 'refused by the ledger';
    const [refusal, ...rest] = state.creditMemoRefused(reason, now());
    await trail.recordAt(slot, refusal);
    await trail.record(rest);
  }
}

/** The ledger's refusals of an approved credit: the open balance is too small, or the invoice is not there. */
function refusedByLedger(err: unknown): err is ActivityFailure {
  // Runs from before the ledger refused on a vanished invoice retried it for ever, and never met this failure: the
  // patch is checked where it is met, so every other run replays as recorded.
  return (
    isActivityFailureOfType(err, INSUFFICIENT_OPEN_BALANCE) ||
    (isActivityFailureOfType(err, INVOICE_VANISHED) && patched('refuse-credit-on-vanished-invoice'))
  );
}

function isActivityFailureOfType(err: unknown, type: string): err is ActivityFailure {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === type;
}
