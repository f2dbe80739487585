// Invoices: one with its open balance and credit memos; a search by number or customer, keyset-paged; and the
// records around one, read exactly as the evidence activity will read them once a case is opened on it.
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { gatherRecords } from '../../records/evidence';
import { PostgresRecordsSource } from '../../records/source';
import { POISON_RECORD } from '../../domain/errors';
import { runsOf, type OtherInvoiceSummary } from '../../domain/evidence';
import { formatMoney, formatQuantity } from '../../domain/money';
import { adjustmentOf, adjustmentsJson } from '../../read-model/ledger';
import { IN_DISPUTE_SQL } from '../../read-model/invoices';
import { isoSql, preciseSql, sqlParams, encodeCursor, type Queryable } from '../../read-model/sql';
import type { Invoice } from '../../contract';
import { AppError } from '../errors';
import { evidencePage, windowLines } from '../evidence';
import type { evidenceOut, evidenceQuery, invoiceListQuery, invoiceListResponse, invoiceResponse } from '../../contract';
import { checkedCursor, isTimestamp, lineWindow } from '../paging';
import type { UseCaseContext } from './context';

export async function getInvoice(ctx: UseCaseContext, { number }: { number: string }): Promise<z.input<typeof invoiceResponse>> {
  const { rows } = await ctx.deps.pool.query(
    `SELECT i.number, i.customer_id, i.purchase_order_id, i.currency, i.total_minor::text, i.open_balance_minor::text,
            i.credited_minor::text, i.debited_minor::text, i.written_off_minor::text, i.paid_minor::text,
            ${adjustmentsJson('m.invoice_number = i.number')} AS adjustments,
            (${IN_DISPUTE_SQL})::text AS in_dispute_minor,
            ${isoSql('i.issued_at')} AS issued_at, ${isoSql('i.due_at')} AS due_at,
            (SELECT coalesce(json_agg(json_build_object('lineNo', l.line_no, 'sku', l.sku, 'q', l.quantity_milli::text,
                                                        'p', l.unit_price_minor::text, 'a', l.amount_minor::text)
                                      ORDER BY l.line_no), '[]')
               FROM invoice_lines l WHERE l.invoice_number = i.number) AS lines,
            (SELECT coalesce(json_agg(json_build_object('number', m.number, 'amount', m.amount_minor::text,
                                                        'caseId', m.case_id, 'issuedAt', ${isoSql('m.issued_at')})
                                      ORDER BY m.issued_at, m.number), '[]')
               FROM credit_memos m WHERE m.invoice_number = i.number) AS memos
       FROM invoices i WHERE i.number = $1`,
    [number],
  );
  const row = rows[0];
  if (!row) throw AppError.notFound(`no invoice ${number}`);
  return {
    number: row.number,
    customerId: row.customer_id,
    purchaseOrderId: row.purchase_order_id,
    total: formatMoney(BigInt(row.total_minor)),
    openBalance: formatMoney(BigInt(row.open_balance_minor)),
    ...disputeFigures(row),
    currency: row.currency,
    issuedAt: row.issued_at,
    dueAt: row.due_at,
    credited: formatMoney(BigInt(row.credited_minor)),
    debited: formatMoney(BigInt(row.debited_minor)),
    writtenOff: formatMoney(BigInt(row.written_off_minor)),
    paid: formatMoney(BigInt(row.paid_minor)),
    adjustments: row.adjustments.map(adjustmentOf),
    lines: row.lines.map((l: { lineNo: number; sku: string; q: string; p: string; a: string }) => ({
      lineNo: l.lineNo,
      sku: l.sku,
      quantity: formatQuantity(BigInt(l.q)),
      unitPrice: formatMoney(BigInt(l.p)),
      amount: formatMoney(BigInt(l.a)),
    })),
    creditMemos: row.memos.map((m: { number: string; amount: string; caseId: string; issuedAt: string }) => ({
      number: m.number,
      amount: formatMoney(BigInt(m.amount)),
      caseId: m.caseId,
      issuedAt: m.issuedAt,
    })),
  };
}

/** inDispute and collectible from a row with open_balance_minor and in_dispute_minor. */
function disputeFigures(row: { open_balance_minor: string; in_dispute_minor: string }): { inDispute: string; collectible: string } {
  const inDispute = BigInt(row.in_dispute_minor);
  return { inDispute: formatMoney(inDispute), collectible: formatMoney(BigInt(row.open_balance_minor) - inDispute) };
}

export async function listInvoices(
  ctx: UseCaseContext,
  { query }: { query: z.output<typeof invoiceListQuery> },
): Promise<z.input<typeof invoiceListResponse>> {
  const { values: params, add: param } = sqlParams();
  const where: string[] = [];
  // A prefix, with LIKE's wildcards taken literally.
  if (query.number) where.push(`i.number LIKE ${param(`${query.number.replace(/[\\%_]/g, '\\$&')}%`)}`);
  if (query.customer) {
    const customer = param(query.customer);
    where.push(`(i.customer_id = ${customer} OR strpos(lower(cu.name), lower(${customer})) > 0)`);
  }
  if (query.cursor) {
    const [at, number] = checkedCursor(query.cursor, (v) => v.length === 2 && isTimestamp(v[0]) && typeof v[1] === 'string');
    where.push(`(i.issued_at, i.number) < (${param(at)}::timestamptz, ${param(number)})`);
  }
  const { rows } = await ctx.deps.pool.query(
    `SELECT i.number, i.customer_id, cu.name AS customer_name, i.purchase_order_id, i.currency,
            i.total_minor::text AS total_minor, i.open_balance_minor::text AS open_balance_minor,
            (${IN_DISPUTE_SQL})::text AS in_dispute_minor,
            ${isoSql('i.issued_at')} AS issued_at, ${isoSql('i.due_at')} AS due_at, ${preciseSql('i.issued_at')} AS cursor_at
       FROM invoices i JOIN customers cu ON cu.id = i.customer_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY i.issued_at DESC, i.number DESC LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      number: r.number,
      customerId: r.customer_id,
      customerName: r.customer_name,
      purchaseOrderId: r.purchase_order_id,
      total: formatMoney(BigInt(r.total_minor)),
      openBalance: formatMoney(BigInt(r.open_balance_minor)),
      ...disputeFigures(r),
      currency: r.currency,
      issuedAt: r.issued_at,
      dueAt: r.due_at,
    })),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursor_at, last.number]) : null,
  };
}

/**
 * A page of the records around an invoice, as the evidence of a case opened on it would show them. Other invoices on
 * the PO are summarised here, in SQL, the lines matched as domain/evidence.ts matches them (the k-th line of a SKU and
 * quantity with the k-th): 40 invoices of 2,000 lines are 80,000 rows the API never loads.
 */
export async function getInvoiceEvidence(
  ctx: UseCaseContext,
  { number, query }: { number: string; query: z.output<typeof evidenceQuery> },
): Promise<z.input<typeof evidenceOut>> {
  const { pool } = ctx.deps;
  const window = lineWindow(query);
  const { rowCount } = await pool.query('SELECT 1 FROM invoices WHERE number = $1', [number]);
  if (!rowCount) throw AppError.notFound(`no invoice ${number}`);
  let records;
  try {
    records = await gatherRecords(new PostgresRecordsSource(pool), number);
  } catch (err) {
    // A record the evidence activity would refuse as well: a person must fix the source first.
    if (err instanceof ApplicationFailure && err.type === POISON_RECORD) throw AppError.unprocessable('records', err.message);
    throw err;
  }
  const { lines } = windowLines(records.invoice.lines, window);
  const otherInvoices = await otherInvoicesOn(pool, records.invoice, lines.map((l) => l.lineNo));
  return evidencePage({ version: 2, ...records, otherInvoices }, window);
}

/**
 * How many lines two invoices match is Σ over (SKU, quantity) of the lesser of their counts; which line matches which
 * needs ranks, and only for the SKUs and quantities of the page's lines.
 */
async function otherInvoicesOn(db: Queryable, invoice: Invoice, lineNos: number[]): Promise<OtherInvoiceSummary[]> {
  const { rows } = await db.query(
    `WITH own AS (
       SELECT line_no, sku, quantity_milli, row_number() OVER (PARTITION BY sku, quantity_milli ORDER BY line_no) AS k
         FROM invoice_lines WHERE invoice_number = $1),
     own_keys AS (SELECT sku, quantity_milli, count(*) AS n FROM own GROUP BY sku, quantity_milli),
     page_own AS (SELECT * FROM own WHERE line_no = ANY($3::int[])),
     others AS (SELECT number, issued_at, total_minor FROM invoices WHERE purchase_order_id = $2 AND number <> $1),
     other_keys AS (
       SELECT l.invoice_number, l.sku, l.quantity_milli, count(*) AS n
         FROM invoice_lines l JOIN others o ON o.number = l.invoice_number GROUP BY 1, 2, 3),
     counts AS (
       SELECT k.invoice_number, sum(k.n)::int AS line_count, sum(least(k.n, coalesce(w.n, 0)))::int AS matching_line_count
         FROM other_keys k LEFT JOIN own_keys w USING (sku, quantity_milli) GROUP BY 1),
     page_other AS (
       SELECT l.invoice_number, l.line_no, l.sku, l.quantity_milli, l.unit_price_minor,
              row_number() OVER (PARTITION BY l.invoice_number, l.sku, l.quantity_milli ORDER BY l.line_no) AS k
         FROM invoice_lines l JOIN others o ON o.number = l.invoice_number
        WHERE (l.sku, l.quantity_milli) IN (SELECT sku, quantity_milli FROM page_own)),
     page_matches AS (
       SELECT p.invoice_number,
              json_agg(json_build_array(p.line_no, w.line_no, p.unit_price_minor::text) ORDER BY p.line_no) AS matches
         FROM page_other p JOIN page_own w USING (sku, quantity_milli, k) GROUP BY 1)
     SELECT o.number, o.issued_at, o.total_minor::text AS total_minor, c.line_count, c.matching_line_count,
            coalesce(m.matches, '[]') AS matches
       FROM others o JOIN counts c ON c.invoice_number = o.number LEFT JOIN page_matches m ON m.invoice_number = o.number
      ORDER BY o.issued_at, o.number`,
    [invoice.number, invoice.purchaseOrderId, lineNos],
  );
  return rows.map((r) => ({
    number: r.number,
    issuedAt: (r.issued_at as Date).toISOString(),
    total: formatMoney(BigInt(r.total_minor)),
    lineCount: r.line_count,
    matchingLineCount: r.matching_line_count,
    matches: runsOf(r.matches.map(([lineNo, matchesLineNo, price]: [number, number, string]) => [lineNo, matchesLineNo, formatMoney(BigInt(price))])),
  }));
}
