// A payment as the ledger takes it: one shape whether it came as a JSON body (POST /api/payments) or as a credit
// transaction of a camt.054 notification (records/camt054), so that one use case matches and posts both.
// Plain types, no zod: the boundaries (contract/payments.ts, records/camt054) check what they read into it.

/** A deduction the customer took on a referred document, with its own reason code (mapped to ours later). */
export interface DeductionInput {
  amountMinor: bigint;
  /** The customer's (or the bank's `Rsn`) code, as given. */
  customerCode: string;
  reference: string | null;
  note: string | null;
}

/** A document the remittance refers to, as the customer named it (not yet matched to an invoice of ours). */
export interface RemittanceLine {
  documentNumber: string;
  /** What the customer says it pays of that document; null where the remittance did not say (camt: one document, the transaction's amount). */
  paidMinor: bigint | null;
  deductions: DeductionInput[];
}

export interface PaymentInput {
  /** The payment's id: the JSON body's, or the camt.054 transaction's by CONTRACT.md's rule. Idempotent by it. */
  id: string;
  /** Given in a JSON body; from a bank file, null: the customer is that of the invoices it matches. */
  customerId: string | null;
  receivedAt: string;
  currency: string;
  amountMinor: bigint;
  remittance: RemittanceLine[];
  /** Free text searched for invoice numbers (camt: `Ustrd`, `CdtrRefInf/Ref`); a JSON body has none. */
  searchTexts: string[];
  /** The debtor's name (camt `RltdPties/Dbtr/Nm`): shown to a person as a hint, never used to match. */
  debtorName: string | null;
  /** Where it came from: a JSON body or a camt.054 file, with the file's SHA-256 when it is one. */
  source: { kind: 'json' } | { kind: 'camt054'; version: '001.02' | '001.04' | '001.08'; fileSha256: string };
}

/** When a deduction becomes a dispute (DEDUCTION_CASE_MIN) and when it is written off by rule instead (AUTO_WRITE_OFF_MAX). */
export interface DeductionRules {
  caseMinMinor: bigint;
  /** Deductions strictly below it are written off; null: none is. */
  autoWriteOffMaxMinor: bigint | null;
}

/** Every deduction of a cent or more is a dispute, none is written off: what a service configured with nothing does. */
export const DEFAULT_DEDUCTION_RULES: DeductionRules = { caseMinMinor: 1n, autoWriteOffMaxMinor: null };
