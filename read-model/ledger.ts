// The ledger as the API and the ledger activity read it: the invoices of a case with what it disputes on each, each
// invoice's lines with what the documents did to them, and the documents themselves as the contract shows them.
import type { Adjustment } from '../contract';
import type { LedgerInvoice } from '../domain/allocation';
import { formatMoney } from '../domain/money';
import { isoSql, type Queryable, type Row } from './sql';

export interface CaseInvoice {
  invoiceNumber: string;
  disputed: bigint;
}

/** The invoices of a case, each with the amount the case disputes on it (its items on it, whole or by line), in the case's order. */
export async function caseInvoices(db: Queryable, caseId: string): Promise<CaseInvoice[]> {
  const { rows } = await db.query(
    `SELECT invoice_number, sum(disputed_minor)::text AS disputed_minor FROM case_items WHERE case_id = $1
      GROUP BY invoice_number ORDER BY min(ordinal)`,
    [caseId],
  );
  return rows.map((r) => ({ invoiceNumber: r.invoice_number, disputed: BigInt(r.disputed_minor) }));
}

/**
 * The invoices' open balances and lines as the ledger holds them (an invoice missing from the records is missing
 * here). `lock`: rows locked for update, in invoice order, so that writers on the same invoices queue, never deadlock.
 */
export async function ledgerOf(
  db: Queryable,
  numbers: readonly string[],
  lock: boolean,
): Promise<(Omit<LedgerInvoice, 'disputed'> & { currency: string })[]> {
  const sorted = [...new Set(numbers)].sort();
  const { rows: invoices } = await db.query(
    `SELECT number, currency, open_balance_minor::text AS open_balance_minor FROM invoices
      WHERE number = ANY($1::text[]) ORDER BY number ${lock ? 'FOR UPDATE' : ''}`,
    [sorted],
  );
  const { rows: lines } = await db.query(
    `SELECT l.invoice_number, l.line_no, l.amount_minor::text AS billed, l.credited_minor::text AS credited,
            coalesce(sum(al.amount_minor) FILTER (WHERE a.kind = 'DEBIT'), 0)::text AS debited,
            coalesce(sum(al.amount_minor) FILTER (WHERE a.kind = 'WRITE_OFF'), 0)::text AS written_off
       FROM invoice_lines l
       LEFT JOIN adjustment_lines al ON al.invoice_number = l.invoice_number AND al.line_no = l.line_no
       LEFT JOIN adjustments a ON a.number = al.adjustment_number
      WHERE l.invoice_number = ANY($1::text[])
      GROUP BY l.invoice_number, l.line_no ORDER BY l.invoice_number, l.line_no`,
    [sorted],
  );
  return invoices.map((i) => ({
    invoiceNumber: i.number,
    currency: i.currency,
    openBalance: BigInt(i.open_balance_minor),
    lines: lines
      .filter((l) => l.invoice_number === i.number)
      .map((l) => ({
        lineNo: l.line_no,
        billed: BigInt(l.billed),
        credited: BigInt(l.credited),
        debited: BigInt(l.debited),
        writtenOff: BigInt(l.written_off),
      })),
  }));
}

/** The documents (alias m) matching `where`, as one JSON array, oldest first. */
export const adjustmentsJson = (where: string): string => `
  (SELECT coalesce(json_agg(json_build_object('number', m.number, 'kind', m.kind, 'invoiceNumber', m.invoice_number,
            'amount', m.amount_minor::text, 'currency', m.currency, 'approvalId', m.approval_id, 'caseId', m.case_id,
            'ruleVersion', m.rule_version, 'deductionId', m.deduction_id,
            'issuedAt', ${isoSql('m.issued_at')},
            'lines', (SELECT coalesce(json_agg(json_build_object('lineNo', l.line_no, 'amount', l.amount_minor::text)
                                               ORDER BY l.line_no), '[]')
                        FROM adjustment_lines l WHERE l.adjustment_number = m.number))
            ORDER BY m.issued_at, m.number), '[]')
     FROM adjustments m WHERE ${where})`;

export function adjustmentOf(m: Row): Adjustment {
  return {
    number: m.number,
    kind: m.kind,
    invoiceNumber: m.invoiceNumber,
    amount: formatMoney(BigInt(m.amount)),
    currency: m.currency,
    lines: m.lines.map((l: Row) => ({ lineNo: l.lineNo, amount: formatMoney(BigInt(l.amount)) })),
    approvalId: m.approvalId,
    caseId: m.caseId,
    ruleVersion: m.ruleVersion,
    deductionId: m.deductionId,
    issuedAt: m.issuedAt,
  };
}
