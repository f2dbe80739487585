// Deductions as the API shows them: in the deductions list and on the case they opened or joined.
import type { z } from 'zod';
import type { deductionOut } from '../contract';
import { formatMoney } from '../domain/money';
import type { Row } from './sql';

/** The columns deductionOf reads, of deductions aliased d. */
export const DEDUCTION_COLUMNS = `d.id, d.payment_id, d.invoice_number, d.amount_minor::text AS amount_minor, d.cleared_minor::text AS cleared_minor,
  d.reason_code, d.customer_code, d.mapping_version, d.status, d.case_id`;

export function deductionOf(r: Row): z.input<typeof deductionOut> {
  return {
    id: r.id,
    paymentId: r.payment_id,
    invoiceNumber: r.invoice_number,
    amount: formatMoney(BigInt(r.amount_minor)),
    cleared: formatMoney(BigInt(r.cleared_minor)),
    reasonCode: r.reason_code,
    customerCode: r.customer_code,
    mappingVersion: r.mapping_version,
    status: r.status,
    caseId: r.case_id,
  };
}
