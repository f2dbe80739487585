// The pure DisputeState's unit tests start from the same case: one pricing finding, one Sales Ops task due two days
// after opening.
import { ApplicationFailure } from '@temporalio/common';
import type { Analysis } from '../../contract';
import { DisputeState } from '../../workflows/dispute-state';

export const T0 = '2026-01-05T09:00:00.000Z';

export const analysis: Analysis = {
  findings: [{ code: 'PRICE_VARIANCE', team: 'SALES_OPS', invoiceNumber: 'INV-1', lineNo: 1, expected: '90.00', actual: '100.00', amount: '100.00' }],
  overbilled: '100.00',
  recommendedCredit: '100.00',
};

/** The type of the refusal `fn` throws, undefined if it does not. */
export function refusalType(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplicationFailure) return err.type ?? undefined;
    throw err;
  }
  return undefined;
}

/** A case in INVESTIGATION with task t1 open, owned by `ownerId` if given. */
export function inInvestigation(ownerId?: string): DisputeState {
  const s = DisputeState.opened('case-1', '1000.00', T0);
  if (ownerId) s.data.ownerId = ownerId;
  s.startInvestigation(analysis, [{ id: 't1', team: 'SALES_OPS', title: 'Confirm price', dueAt: '2026-01-07T09:00:00.000Z', findingCodes: ['PRICE_VARIANCE'] }], T0);
  return s;
}
