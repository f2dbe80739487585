// Workflow ids come from the business key, so a case's workflow can be found from its number alone.

const PREFIX = 'dispute:';

export function disputeWorkflowId(caseNumber: string): string {
  return `${PREFIX}${caseNumber}`;
}

export function formatCaseNumber(n: number | bigint): string {
  return `DSP-${String(n).padStart(6, '0')}`;
}

export function formatCreditMemoNumber(n: number | bigint): string {
  return formatDocumentNumber('CREDIT', n);
}

/** Each kind of ledger document has its own series: CM- credit memos, DM- debit memos, WO- write-offs. */
export const DOCUMENT_SERIES = { CREDIT: 'CM', DEBIT: 'DM', WRITE_OFF: 'WO' } as const;

export function formatDocumentNumber(kind: keyof typeof DOCUMENT_SERIES, n: number | bigint): string {
  return `${DOCUMENT_SERIES[kind]}-${String(n).padStart(6, '0')}`;
}
