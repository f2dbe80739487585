// The dispute's vocabulary, shared by the API, the activities and the workflow bundle.
// Side-effect free and zod-free: the workflow bundle imports it.

export const ROLES = ['admin', 'specialist', 'ops', 'manager', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

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

export const FINDING_CODES = [
  'PRICE_VARIANCE',
  'CONTRACT_NOT_FOUND',
  'QUANTITY_OVER_PO',
  'SKU_NOT_ON_PO',
  'SERVICE_NOT_COMPLETED',
  'DUPLICATE_INVOICE',
  'PO_NOT_FOUND',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export const STAGES = ['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL', 'CREDIT_MEMO', 'DONE'] as const;
export type Stage = (typeof STAGES)[number];

export const STATUSES = ['OPEN', 'CLOSED', 'CANCELLED'] as const;
export type CaseStatus = (typeof STATUSES)[number];

export const TASK_STATUSES = ['OPEN', 'DONE', 'CANCELLED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_OUTCOMES = ['CONFIRMED', 'NOT_CONFIRMED'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

export const RESOLUTION_TYPES = ['CREDIT', 'NO_CREDIT'] as const;
export type ResolutionType = (typeof RESOLUTION_TYPES)[number];

export const DECISIONS = ['APPROVE', 'REJECT'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Money on the wire and in payloads: a decimal string with two decimals, e.g. "1250.00". */
export type MoneyString = string;

// ---- Source records (the shapes of POST /api/records/import) ----

export interface Customer {
  id: string;
  name: string;
}

export interface ContractPrice {
  sku: string;
  unitPrice: MoneyString;
}

export interface Contract {
  id: string;
  customerId: string;
  currency: string;
  validFrom: string;
  validTo: string | null;
  prices: ContractPrice[];
}

export interface PurchaseOrderLine {
  lineNo: number;
  sku: string;
  /** Up to 3 decimals. */
  quantity: number;
  unitPrice: MoneyString;
}

export interface PurchaseOrder {
  id: string;
  customerId: string;
  contractId?: string | null;
  orderedAt: string;
  lines: PurchaseOrderLine[];
}

export const WORK_ORDER_STATUSES = ['OPEN', 'PARTIAL', 'COMPLETED', 'CANCELLED'] as const;
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];

export interface WorkOrderLine {
  sku: string;
  quantityCompleted: number;
}

export interface WorkOrder {
  id: string;
  purchaseOrderId: string;
  status: WorkOrderStatus;
  completedAt?: string | null;
  lines: WorkOrderLine[];
}

export interface InvoiceLine {
  lineNo: number;
  sku: string;
  quantity: number;
  unitPrice: MoneyString;
}

export interface Invoice {
  number: string;
  customerId: string;
  purchaseOrderId: string;
  issuedAt: string;
  dueAt: string;
  currency: string;
  lines: InvoiceLine[];
}

/** Everything the analysis looks at, as pulled from the records source in the EVIDENCE stage. */
export interface Evidence {
  invoice: Invoice;
  /** null: the invoice's PO is not in the records (PO_NOT_FOUND). */
  purchaseOrder: PurchaseOrder | null;
  /** The contract in force on the invoice date; null when none (CONTRACT_NOT_FOUND). */
  contract: Contract | null;
  /** The work orders of the invoice's PO. */
  workOrders: WorkOrder[];
  /** Other invoices on the same PO (any issue date); the analysis picks the earlier ones. */
  otherInvoices: Invoice[];
}

// ---- Analysis results ----

export interface Finding {
  code: FindingCode;
  team: Team;
  /** Absent for invoice-level findings (PO_NOT_FOUND, CONTRACT_NOT_FOUND). */
  lineNo?: number;
  expected: string;
  actual: string;
  amount: MoneyString;
}

export interface Analysis {
  findings: Finding[];
  /** Sum of the lines' overbilling (the whole invoice when it is a duplicate). */
  overbilled: MoneyString;
  /** min(disputed amount, overbilled). */
  recommendedCredit: MoneyString;
}
