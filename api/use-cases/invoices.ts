// An invoice with its open balance and the credit memos posted against it.
import type { z } from 'zod';
import { formatMoney, formatQuantity } from '../../domain/money';
import { isoSql, type Queryable } from '../db';
import { AppError } from '../errors';
import type { invoiceResponse } from '../schemas';

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
