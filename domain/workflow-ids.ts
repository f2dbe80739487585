// Workflow ids come from the business key, so a case's workflow can be found from its number alone.

const PREFIX = 'dispute:';

export function disputeWorkflowId(caseNumber: string): string {
  return `${PREFIX}${caseNumber}`;
}

export function formatCaseNumber(n: number | bigint): string {
  return `DSP-${String(n).padStart(6, '0')}`;
}

export function formatCreditMemoNumber(n: number | bigint): string {
  return `CM-${String(n).padStart(6, '0')}`;
}
