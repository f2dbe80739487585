// Invoices: one with its open balance and credit memos; a search by number or customer, keyset-paged; and the
// records around one, read exactly as the evidence activity will read them once a case is opened on it.
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { z } from 'zod';
import { gatherEvidence } from '../../activities/evidence';
import { PostgresRecordsSource } from '../../activities/records-source';
import { POISON_RECORD } from '../../domain/errors';
import { formatMoney, formatQuantity } from '../../domain/money';
import { isoSql, preciseSql, sqlParams, encodeCursor, type Queryable } from '../db';
import { AppError } from '../errors';
import type { evidenceOut, invoiceListQuery, invoiceListResponse, invoiceResponse } from '../schemas';
import { checkedCursor, isTimestamp } from './disputes';

export async function getInvoice(db: Queryable, number: string): Promise<z.input<typeof invoiceResponse>> {
  const { rows } = await db.query(
    `SELECT i.number, i.customer_id, i.purchase_order_id, i.currency, i.total_minor::text, i.open_balance_minor::text,
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
    currency: row.currency,
    issuedAt: row.issued_at,
    dueAt: row.due_at,
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

export async function listInvoices(db: Queryable, query: z.output<typeof invoiceListQuery>): Promise<z.input<typeof invoiceListResponse>> {
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
  const { rows } = await db.query(
    `SELECT i.number, i.customer_id, cu.name AS customer_name, i.purchase_order_id, i.currency,
            i.total_minor::text AS total_minor, i.open_balance_minor::text AS open_balance_minor,
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
      currency: r.currency,
      issuedAt: r.issued_at,
      dueAt: r.due_at,
    })),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursor_at, last.number]) : null,
  };
}

export async function getInvoiceEvidence(pool: Pool, number: string): Promise<z.input<typeof evidenceOut>> {
  const { rowCount } = await pool.query('SELECT 1 FROM invoices WHERE number = $1', [number]);
  if (!rowCount) throw AppError.notFound(`no invoice ${number}`);
  try {
    return await gatherEvidence(new PostgresRecordsSource(pool), number);
  } catch (err) {
    // A record the evidence activity would refuse as well: a person must fix the source first.
    if (err instanceof ApplicationFailure && err.type === POISON_RECORD) throw AppError.unprocessable('records', err.message);
    throw err;
  }
}
