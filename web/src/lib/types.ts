// The API's shapes as the UI reads them: the server's /openapi.json. Fields the
// UI does not read are left out.

export const ROLES = ['admin', 'specialist', 'ops', 'manager', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const DEFAULT_TEAMS = ['ORDER_MANAGEMENT', 'SALES_OPS'] as const;

export const REASON_CODES = ['PRICING', 'QUANTITY', 'PO_MISMATCH', 'SERVICE_NOT_COMPLETED', 'DUPLICATE_BILLING', 'OTHER'] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export const STAGES = ['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL', 'CREDIT_MEMO', 'DONE'] as const;
export type Stage = (typeof STAGES)[number];

export const STATUSES = ['OPEN', 'CLOSED', 'CANCELLED'] as const;
export type CaseStatus = (typeof STATUSES)[number];

export const TASK_STATUSES = ['OPEN', 'DONE', 'CANCELLED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export type TaskOutcome = 'CONFIRMED' | 'NOT_CONFIRMED';
export type ResolutionType = 'CREDIT' | 'NO_CREDIT';
export type Decision = 'APPROVE' | 'REJECT';

export const AGING_BUCKETS = ['0-7', '8-30', '31-60', '61-90', '>90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

export type GroupBy = 'reasonCode' | 'team' | 'customerId';

export interface Me {
  id: string;
  name: string;
  role: Role;
  team: string | null;
  approvalLimit: string | null;
}

/** GET /api/config: what the web needs to know about this deployment. */
export interface WebConfig {
  temporalUi: { url: string; namespace: string } | null;
}

export interface Actor {
  id: string;
  name: string;
}

export interface InvoiceLine {
  lineNo: number;
  sku: string;
  quantity: number;
  unitPrice: string;
  amount?: string;
}

export interface InvoiceAnswer {
  number: string;
  customerId: string;
  purchaseOrderId: string;
  total: string;
  openBalance: string;
  currency: string;
  issuedAt: string;
  dueAt: string;
  lines: InvoiceLine[];
  creditMemos: { number: string; amount: string; caseId: string; issuedAt: string }[];
}

/** GET /api/invoices: one row of a search. */
export interface InvoiceSummary {
  number: string;
  customerId: string;
  customerName: string;
  purchaseOrderId: string;
  total: string;
  openBalance: string;
  currency: string;
  issuedAt: string;
  dueAt: string;
}

// ---- evidence: the source records around an invoice, a page of its lines at a time

/** The records shown with a page of the invoice's lines: those of the page's SKUs; `…Count` says how many in all. */
export interface Contract {
  id: string;
  customerId: string;
  currency: string;
  validFrom: string;
  validTo: string | null;
  priceCount: number;
  prices: { sku: string; unitPrice: string }[];
}

export interface PurchaseOrder {
  id: string;
  customerId: string;
  contractId?: string | null;
  orderedAt: string;
  lineCount: number;
  lines: { lineNo: number; sku: string; quantity: number; unitPrice: string }[];
}

export interface WorkOrder {
  id: string;
  purchaseOrderId: string;
  status: 'OPEN' | 'PARTIAL' | 'COMPLETED' | 'CANCELLED';
  completedAt?: string | null;
  lineCount: number;
  lines: { sku: string; quantityCompleted: number }[];
}

export interface SourceInvoice {
  number: string;
  customerId: string;
  purchaseOrderId: string;
  issuedAt: string;
  dueAt: string;
  currency: string;
  total: string;
  lineCount: number;
  lines: InvoiceLine[];
}

/** Another invoice on the PO, with its lines that bill a SKU and quantity of a page's line (matchesLineNo) again. */
export interface OtherInvoice {
  number: string;
  issuedAt: string;
  total: string;
  lineCount: number;
  matchingLineCount: number;
  matchingLines: (InvoiceLine & { matchesLineNo: number })[];
}

export interface Evidence {
  invoice: SourceInvoice;
  purchaseOrder: PurchaseOrder | null;
  contract: Contract | null;
  workOrders: WorkOrder[];
  otherInvoices: OtherInvoice[];
  /** The next page of the invoice's lines; null on the last. */
  nextCursor: string | null;
}

/** GET /api/disputes/:id/evidence */
export interface CaseEvidencePage {
  evidence: Evidence;
  findings: Finding[];
}

// ---- cases

export interface DisputeSummary {
  id: string;
  caseNumber: string;
  workflowId: string;
  status: CaseStatus;
  stage: Stage;
  invoiceNumber: string;
  customerId: string;
  currency?: string;
  disputedAmount: string;
  reasonCode: ReasonCode;
  recommendedCredit?: string | null;
  openedAt: string;
  stageEnteredAt?: string;
  closedAt: string | null;
}

export interface Finding {
  code: string;
  team: string;
  lineNo?: number;
  expected: string;
  actual: string;
  amount: string;
}

export interface CaseTask {
  id: string;
  team: string;
  title: string;
  status: TaskStatus;
  findingCodes?: string[];
  createdAt?: string;
  dueAt: string;
  overdue?: boolean;
  escalated?: boolean;
  escalatedAt?: string | null;
  completedAt?: string | null;
  completedBy?: Actor | null;
  outcome?: TaskOutcome | null;
  note?: string | null;
  amount?: string | null;
}

export interface Resolution {
  id?: string;
  type: ResolutionType;
  amount: string | null;
  rootCause: string;
  note?: string | null;
  proposedBy?: Actor;
  proposedAt?: string;
  decision?: Decision | null;
}

export interface Approval {
  id?: string;
  resolutionId?: string;
  decision: Decision;
  comment?: string | null;
  amount?: string;
  decidedBy?: Actor;
  decidedAt?: string;
}

export interface CreditMemo {
  number: string;
  amount: string;
  currency?: string;
  issuedAt?: string;
}

export interface CaseEvent {
  seq?: number;
  at: string;
  /** The contract says actor; the server may send an id with actorName, or an {id, name} object. */
  actor: string | Actor;
  actorName?: string;
  type: string;
  data: Record<string, unknown>;
}

export interface DisputeDetail extends DisputeSummary {
  description?: string | null;
  openedBy?: Actor;
  overbilled?: string | null;
  evidenceError: string | null;
  /** Why the case takes no command but cancel: an event of its trail could not be stored as sent. */
  parkedError?: string | null;
  invoice: { total: string; openBalance: string };
  /** The invoice's own findings and those of the lines on the evidence's first page. */
  findings: Finding[];
  findingCount: number;
  tasks: CaseTask[];
  resolution: Resolution | null;
  approvals: Approval[];
  creditMemos: CreditMemo[];
  events: CaseEvent[];
  /** The records the case was analysed against, their first page; null until they are collected. */
  evidence: Evidence | null;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface TaskItem {
  id: string;
  disputeId: string;
  caseNumber: string;
  invoiceNumber?: string;
  team: string;
  title: string;
  status: TaskStatus;
  createdAt?: string;
  dueAt: string;
  overdue: boolean;
  escalated: boolean;
  completedAt: string | null;
  outcome: TaskOutcome | null;
  findings: Finding[];
}

// ---- reports

export interface CycleTimeReport {
  from?: string | null;
  to?: string;
  groupBy?: GroupBy;
  overall: {
    count: number;
    closedCount: number;
    openCount: number;
    cancelledCount?: number;
    medianHours: number | null;
    p90Hours: number | null;
  };
  groups: {
    key: string;
    count: number;
    closedCount?: number;
    medianHours: number | null;
    p90Hours: number | null;
    taskCount?: number;
    taskMedianHours?: number | null;
    taskP90Hours?: number | null;
  }[];
  stages: { stage: Stage; count?: number; medianHours: number | null; p90Hours: number | null }[];
  aging: { bucket: string; count: number; amount: string }[];
}

/** GET /api/reports/overview */
export interface Overview {
  openCases: { stage: Stage; bucket: AgingBucket; count: number; amount: string }[];
  tasks: { team: string; open: number; overdue: number; escalated: number }[];
  weeks: { weekStart: string; opened: number; closed: number; cancelled: number }[];
}

export interface ApiErrorDetail {
  field: string;
  message: string;
  in?: string;
}

export interface CaseComment {
  id: string;
  authorId?: string;
  authorName: string;
  body: string;
  createdAt: string;
}
