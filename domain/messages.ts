// Every message of the dispute workflow, declared once with one object argument.
// Imported by the API (client side) and by the workflow bundle; side-effect free.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor, CaseOpenedData, FindingConfirmation, ProposedAdjustment } from './events';
import type { Decision, MoneyString, ResolutionType, Role, Stage, CaseStatus, TaskOutcome, Team } from './types';

/** The authenticated user behind a command, as the API saw it. */
export interface CommandActor extends Actor {
  role: Role;
  team: Team | null;
  /** null: no limit. Only meaningful for managers. */
  approvalLimit: MoneyString | null;
  /**
   * Managers' limits by currency (the base currency's included). Absent from commands sent before limits per
   * currency, whose approvalLimit held in every currency.
   */
  approvalLimits?: Record<string, MoneyString>;
}

export interface DisputeSlas {
  taskHours: number;
  resolutionHours: number;
  approvalHours: number;
}

export interface DisputeInput {
  caseId: string;
  opened: CaseOpenedData;
  openedBy: Actor;
  openedAt: string;
  slas: DisputeSlas;
}

export interface CompleteTaskCommand {
  actor: CommandActor;
  taskId: string;
  outcome: TaskOutcome;
  note: string;
  amount: MoneyString | null;
  /** PARTIAL only, checked by the API against the task's findings before it is sent. */
  findings?: FindingConfirmation[];
}

export interface ProposeResolutionCommand {
  actor: CommandActor;
  type: ResolutionType;
  /** The sum of the adjustments, debits included: what a manager's limit is held against. */
  amount: MoneyString | null;
  rootCause: string;
  note: string | null;
  /** What the resolution issues once approved; absent from v1's commands (a CREDIT of `amount`). */
  adjustments?: ProposedAdjustment[];
}

export interface DecideCommand {
  actor: CommandActor;
  decision: Decision;
  comment: string | null;
  /** The evidence the manager decided on: another than the case's current one is refused. Absent from older APIs' updates. */
  evidenceHash?: string | null;
  /**
   * The absent manager whose authority the actor approves with, under their delegation (the API resolves it when the
   * actor's own limit does not cover); null or absent: the actor's own.
   */
  onBehalfOf?: OnBehalfOf | null;
  /** The policy the decision is made under (policy_versions, resolved by the API); absent from older APIs' updates. */
  policyVersion?: number | null;
}

/** An absent manager, with the limits and the delegation a delegate decides under. */
export interface OnBehalfOf extends Actor {
  approvalLimit: MoneyString | null;
  approvalLimits?: Record<string, MoneyString>;
  /** [from, until): held against the workflow's time when the decision is made. */
  delegation: { id: string; from: string; until: string };
}

export interface CancelCommand {
  actor: CommandActor;
  reason: string;
}

export interface RetryEvidenceCommand {
  actor: CommandActor;
}

export interface RefreshEvidenceCommand {
  actor: CommandActor;
}

/** A deduction on an invoice the case disputes joins it (sent by the API as the actor system, never by a person). */
export interface AddDeductionCommand {
  actor: Actor;
  deductionId: string;
  invoiceNumber: string;
  amount: MoneyString;
}

/** A case goes to another owner, a specialist the API found active (sent by a manager or by the owner). */
export interface AssignCommand {
  actor: CommandActor;
  owner: Actor;
}

/** The owner waits on the customer: `until` (in the future) ends the wait by itself; null waits for resume. */
export interface AwaitCustomerCommand {
  actor: CommandActor;
  reason: string;
  until: string | null;
}

export interface ResumeCommand {
  actor: CommandActor;
}

/** What every command answers once its change is on the trail. */
export interface CommandResult {
  status: CaseStatus;
  stage: Stage;
}

export interface DisputeView extends CommandResult {
  caseId: string;
  openTaskIds: string[];
  pendingResolutionId: string | null;
}

export const completeTaskUpdate = defineUpdate<CommandResult, [CompleteTaskCommand]>('completeTask');
export const proposeResolutionUpdate = defineUpdate<CommandResult, [ProposeResolutionCommand]>('proposeResolution');
export const decideUpdate = defineUpdate<CommandResult, [DecideCommand]>('decide');
export const cancelUpdate = defineUpdate<CommandResult, [CancelCommand]>('cancel');
/** After a malformed source record was fixed, a person asks the parked case to pull its evidence again. */
export const retryEvidenceUpdate = defineUpdate<CommandResult, [RetryEvidenceCommand]>('retryEvidence');
/** A person pulls the records again (a source record was fixed): findings, tasks and the evidence hash follow. */
export const refreshEvidenceUpdate = defineUpdate<CommandResult, [RefreshEvidenceCommand]>('refreshEvidence');
/** A customer's deduction on one of the case's invoices: the case disputes that much more. */
export const addDeductionUpdate = defineUpdate<CommandResult, [AddDeductionCommand]>('addDeduction');
export const assignUpdate = defineUpdate<CommandResult, [AssignCommand]>('assign');
export const awaitCustomerUpdate = defineUpdate<CommandResult, [AwaitCustomerCommand]>('awaitCustomer');
export const resumeUpdate = defineUpdate<CommandResult, [ResumeCommand]>('resume');
export const viewQuery = defineQuery<DisputeView>('view');
