// The dispute's vocabulary, shared by the API, the activities and the workflow bundle; the shapes built from it
// are in contract/. Side-effect free and zod-free: the workflow bundle imports it.

export const ROLES = ['admin', 'specialist', 'ops', 'manager', 'auditor', 'cash'] as const;
export type Role = (typeof ROLES)[number];
/** Who may read cases, and who invoices and the money on them: the API's route table and the web's pages alike. */
export const CASE_READERS = ['specialist', 'manager', 'auditor', 'ops'] as const satisfies readonly Role[];
export const INVOICE_READERS = ['admin', 'specialist', 'manager', 'auditor', 'cash'] as const satisfies readonly Role[];
/** Who posts payments and reads the unapplied cash, and who applies it from the worklist. */
export const CASH_POSTERS = ['admin', 'specialist', 'cash'] as const satisfies readonly Role[];
export const CASH_APPLIERS = ['specialist', 'cash'] as const satisfies readonly Role[];

/** The currency of a manager's approvalLimit unless BASE_CURRENCY says otherwise. */
export const DEFAULT_BASE_CURRENCY = 'USD';

/** What the administration trail records (api/admin-trail.ts). */
export const ADMIN_EVENT_TYPES = ['USER_CREATED', 'USER_CHANGED', 'USER_REVOKED', 'DELEGATION_CREATED', 'ROUTING_CHANGED'] as const;
export type AdminEventType = (typeof ADMIN_EVENT_TYPES)[number];

export const DEFAULT_TEAMS = ['ORDER_MANAGEMENT', 'SALES_OPS'] as const;
/** Teams are configurable (TEAMS env); the two defaults are the ones findings route to. */
export type Team = string;

export const REASON_CODES = [
  'PRICING',
  'QUANTITY',
  'PO_MISMATCH',
  'SERVICE_NOT_COMPLETED',
  'DUPLICATE_BILLING',
  'OTHER',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export const DEDUCTION_STATUSES = ['OPEN', 'CLEARED', 'INVALID', 'PARTIAL'] as const;
export type DeductionStatus = (typeof DEDUCTION_STATUSES)[number];

export const FINDING_CODES = [
  'PRICE_VARIANCE',
  'CONTRACT_NOT_FOUND',
  'QUANTITY_OVER_PO',
  'SKU_NOT_ON_PO',
  'SERVICE_NOT_COMPLETED',
  'DUPLICATE_INVOICE',
  'PO_NOT_FOUND',
  'UNDERBILLED',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export const STAGES = ['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL', 'CREDIT_MEMO', 'DONE'] as const;
export type Stage = (typeof STAGES)[number];
/** The stages a case can be in while open (DONE is closed). */
export const OPEN_STAGES = ['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL', 'CREDIT_MEMO'] as const satisfies readonly Stage[];

/**
 * Whom an open case waits on, besides a team with an open task (the one due first, by its name): the case's owner
 * (evidence, resolution, a parked case), a manager (approval and the credit after it) or the customer (an owner's
 * customer wait, during which no SLA clock runs). Null once the case is closed.
 */
export const WAITING_SPECIALIST = 'SPECIALIST';
export const WAITING_APPROVER = 'APPROVER';
export const WAITING_CUSTOMER = 'CUSTOMER';
/** One of the three above, or a team. */
export type WaitingOn = string;

/** The ages of open cases the reports count them by, in days since opening. */
export const AGING_BUCKETS = ['0-7', '8-30', '31-60', '61-90', '>90'] as const;

export const STATUSES = ['OPEN', 'CLOSED', 'CANCELLED'] as const;
export type CaseStatus = (typeof STATUSES)[number];

export const TASK_STATUSES = ['OPEN', 'DONE', 'CANCELLED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** CONFIRMED: every finding of the task in full; NOT_CONFIRMED: none; PARTIAL: the amounts it lists, 0 for the rest. */
export const TASK_OUTCOMES = ['CONFIRMED', 'NOT_CONFIRMED', 'PARTIAL'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

/** ADJUST names its adjustments; CREDIT, DEBIT and WRITE_OFF are the shorthand for one on a one-invoice case. */
export const RESOLUTION_TYPES = ['ADJUST', 'CREDIT', 'DEBIT', 'WRITE_OFF', 'NO_CREDIT'] as const;
export type ResolutionType = (typeof RESOLUTION_TYPES)[number];

/** What a document of the ledger does to an invoice: lowers it (CREDIT, WRITE_OFF) or raises it (DEBIT). */
export const ADJUSTMENT_KINDS = ['CREDIT', 'DEBIT', 'WRITE_OFF'] as const;
export type AdjustmentKind = (typeof ADJUSTMENT_KINDS)[number];

/** Where in the order-to-cash chain the error began. Resolutions stored before these codes keep their text. */
export const ROOT_CAUSES = [
  'ORDER_ENTRY',
  'PRICING_SETUP',
  'CONTRACT_SETUP',
  'SERVICE_EXECUTION',
  'DELIVERY',
  'BILLING_OUTPUT',
  'DUPLICATE_BILLING',
  'CUSTOMER_ERROR',
  'OTHER',
] as const;
export type RootCause = (typeof ROOT_CAUSES)[number];

export const DECISIONS = ['APPROVE', 'REJECT'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Money on the wire and in payloads: a decimal string with two decimals, e.g. "1250.00". */
export type MoneyString = string;

export const WORK_ORDER_STATUSES = ['OPEN', 'PARTIAL', 'COMPLETED', 'CANCELLED'] as const;
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];
