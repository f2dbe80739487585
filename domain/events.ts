// The case trail: every change to a case is one of these events, numbered by the workflow (seq) so that
// writing an event is idempotent ((case_id, seq) is unique) and the trail's order is the workflow's order.
import type { AdjustmentKind, Decision, MoneyString, ReasonCode, ResolutionType, Stage, TaskOutcome, Team } from './types';
import type { Analysis, Finding } from '../contract';

export interface Actor {
  /** A user id, or "system" for what the workflow does on its own (timers, analysis). */
  id: string;
  name: string;
}

/** The records an invoice's evidence was drawn from. */
export interface EvidenceSources {
  purchaseOrderId: string | null;
  contractId: string | null;
  workOrderIds: string[];
}

export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'system' };

/** The user row (migration 0015) that opens the cases deductions start: a case's opener is always a user. */
export const SYSTEM_OPENER: Actor = { id: '00000000-0000-0000-0000-000000000001', name: 'system' };

/** What a case disputes: a whole invoice (no lineNo) or one of its lines. */
export interface OpenedItem {
  invoiceNumber: string;
  lineNo?: number;
  disputedAmount: MoneyString;
}

export interface CaseOpenedData {
  caseNumber: string;
  workflowId: string;
  /** The first item's. */
  invoiceNumber: string;
  customerId: string;
  currency: string;
  /** The sum of the items'. */
  disputedAmount: MoneyString;
  reasonCode: ReasonCode;
  description: string | null;
  /** Absent in cases opened before items: one whole invoice, invoiceNumber for disputedAmount. */
  items?: OpenedItem[];
  /**
   * Who owns the case: its opener, or for a case the system opened the specialist the owner rules name for the
   * customer (null: none). Absent from cases opened before owners, whose owner is their opener (none for the system).
   */
  ownerId?: string | null;
}

/** A case's first owner, as its opening names it (see CaseOpenedData.ownerId). */
export function openingOwner(opened: CaseOpenedData, openedBy: Actor): string | null {
  if (opened.ownerId !== undefined) return opened.ownerId;
  return openedBy.id === SYSTEM_OPENER.id ? null : openedBy.id;
}

/** The items of a case as opened (a case from before items disputes its one invoice whole). */
export function openedItems(opened: Pick<CaseOpenedData, 'invoiceNumber' | 'disputedAmount' | 'items'>): OpenedItem[] {
  return opened.items ?? [{ invoiceNumber: opened.invoiceNumber, disputedAmount: opened.disputedAmount }];
}

/** An adjustment as a resolution proposes it: `lineNo` null spreads it over the invoice's lines. */
export interface ProposedAdjustment {
  kind: AdjustmentKind;
  invoiceNumber: string;
  lineNo: number | null;
  amount: MoneyString;
}

/** A document of the ledger as issued. */
export interface IssuedDocument {
  number: string;
  kind: AdjustmentKind;
  invoiceNumber: string;
  amount: MoneyString;
  lines: { lineNo: number; amount: MoneyString }[];
}

/** What a task's completion says one of its findings amounts to. */
export interface FindingConfirmation {
  id: string;
  confirmedAmount: MoneyString;
}

/**
 * The records of the first item's invoice; `invoices`, on a case opened by items, those of each of its invoices;
 * recommendedDebit absent from events written before items; routingVersion, the version that gave the findings their
 * teams, absent from events written before routing was data (the defaults, version 0).
 */
type CollectedEvidenceData = Analysis &
  EvidenceSources & {
    recommendedDebit?: MoneyString;
    invoices?: (EvidenceSources & { invoiceNumber: string })[];
    routingVersion?: number;
  };

export interface EventPayloads {
  CASE_OPENED: CaseOpenedData;
  STAGE_ENTERED: { stage: Stage };
  /** evidenceHash: absent from events written before the hash existed. */
  EVIDENCE_COLLECTED: CollectedEvidenceData & { evidenceHash?: string };
  /** The records pulled again: the evidence and findings replaced, the ones they replaced kept here. */
  EVIDENCE_REFRESHED: CollectedEvidenceData & { evidenceHash: string; previousFindings: Finding[]; previousEvidenceHash: string | null };
  /** A refresh met a malformed source record: nothing was replaced, the case goes on with the evidence it had. */
  EVIDENCE_REFRESH_FAILED: { error: string };
  EVIDENCE_FAILED: { error: string };
  EVIDENCE_RETRY_REQUESTED: Record<string, never>;
  /** routingVersion: the routing the task was made under; absent from tasks made before routing was data (0). */
  TASK_CREATED: { taskId: string; team: Team; title: string; dueAt: string; findingCodes: string[]; routingVersion?: number };
  /** assignee: the team's lead, who takes the task (null: the team has none); absent from escalations before leads. */
  TASK_ESCALATED: { taskId: string; team: Team; dueAt: string; assignee?: Actor | null };
  /** `findings`: PARTIAL's confirmations (a finding it does not list counts 0); absent for the other outcomes. */
  TASK_COMPLETED: {
    taskId: string;
    team: Team;
    outcome: TaskOutcome;
    note: string;
    amount: MoneyString | null;
    findings?: FindingConfirmation[];
  };
  TASK_CANCELLED: { taskId: string; team: Team };
  RESOLUTION_PROPOSED: {
    resolutionId: string;
    type: ResolutionType;
    /** The sum of the adjustments (what a manager's limit is held against); null for NO_CREDIT. */
    amount: MoneyString | null;
    rootCause: string;
    note: string | null;
    /** Absent from proposals made before adjustments: a CREDIT then was one credit on the case's invoice. */
    adjustments?: ProposedAdjustment[];
  };
  RESOLUTION_ESCALATED: { since: string };
  /** offeredTo: the active managers whose limits cover it and who did not propose it; absent before offers. */
  APPROVAL_ESCALATED: { resolutionId: string; since: string; offeredTo?: Actor[] };
  RESOLUTION_DECIDED: {
    approvalId: string;
    resolutionId: string;
    decision: Decision;
    comment: string | null;
    amount: MoneyString | null;
    approverLimit: MoneyString | null;
    /** The evidence the approver saw (absent from decisions made before the hash existed). */
    evidenceHash?: string | null;
    /** The absent manager whose authority a delegate used (null: the approver's own); absent before delegation. */
    onBehalfOf?: Actor | null;
    /** The policy_versions row the decision was made under; absent (or null) from decisions before it existed. */
    policyVersion?: number | null;
  };
  CREDIT_MEMO_ISSUED: { number: string; amount: MoneyString; approvalId: string; invoiceNumber: string };
  /** Every document of one approval, written with them in one transaction. */
  ADJUSTMENTS_ISSUED: { approvalId: string; documents: IssuedDocument[] };
  CREDIT_MEMO_REFUSED: { approvalId: string; reason: string };
  CASE_CLOSED: { outcome: ResolutionType };
  CASE_CANCELLED: { reason: string };
  /** A deduction joined the case: its first item on the invoice, and the case, dispute that much more. */
  DEDUCTION_ADDED: { deductionId: string; invoiceNumber: string; amount: MoneyString; disputedAmount: MoneyString };
  /** An event could not be stored as sent and was written with its text replaced: only cancel is taken now. */
  CASE_PARKED: { error: string };
  CASE_ASSIGNED: { ownerId: string; ownerName: string; previousOwnerId: string | null };
  /** The owner waits on the customer until `until` (null: until resumed): no SLA clock runs meanwhile. */
  CUSTOMER_WAIT_STARTED: { reason: string; until: string | null };
  /**
   * The wait is over (actor system when `until` passed): the open tasks are due `pausedHours` later (`dueAts`, as
   * moved), and so is the SLA of the stage the case is in.
   */
  CUSTOMER_WAIT_ENDED: { pausedHours: number; dueAts: { taskId: string; dueAt: string }[] };
}

export type EventType = keyof EventPayloads;

export type CaseEvent = {
  [T in EventType]: { type: T; data: EventPayloads[T]; actor: Actor };
}[EventType];

/** An event as written: numbered and timed by the workflow. */
export type RecordedEvent = CaseEvent & { seq: number; at: string };
