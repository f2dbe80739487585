// Where the evidence comes from. The engine sees the order-to-cash records only through this interface:
// PostgreSQL (records imported through the API) now, an ERP connector later. Implementations return the
// contract's record shapes unvalidated; records/evidence.ts checks them.
import type { Pool } from 'pg';
import { formatMoney, formatQuantity } from '../domain/money';

export interface RecordsSource {
  invoice(number: string): Promise<unknown | null>;
  purchaseOrder(id: string): Promise<unknown | null>;
  /** The contract in force on `onDate` for the customer and currency; the PO's own contract first. */
  contractInForce(query: {
    customerId: string;
    currency: string;
    onDate: string;
    preferredContractId: string | null;
  }): Promise<unknown | null>;
  workOrdersOf(purchaseOrderId: string): Promise<unknown[]>;
  invoicesOn(purchaseOrderId: string): Promise<unknown[]>;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const isoDate = (d: Date | null): string | null => (d === null ? null : d.toISOString().slice(0, 10));

export class PostgresRecordsSource implements RecordsSource {
  constructor(private readonly pool: Pool) {}

  async invoice(number: string): Promise<unknown | null> {
    const [invoice] = await this.invoices('i.number = $1', [number]);
    return invoice ?? null;
  }

  invoicesOn(purchaseOrderId: string): Promise<unknown[]> {
    return this.invoices('i.purchase_order_id = $1', [purchaseOrderId]);
  }

  async purchaseOrder(id: string): Promise<unknown | null> {
    const { rows } = await this.pool.query(
      `SELECT po.id, po.customer_id, po.contract_id, po.ordered_at,
              coalesce(json_agg(json_build_object('lineNo', l.line_no, 'sku', l.sku, 'q', l.quantity_milli::text,
                                                  'p', l.unit_price_minor::text) ORDER BY l.line_no)
                       FILTER (WHERE l.line_no IS NOT NULL), '[]') AS lines
         FROM purchase_orders po LEFT JOIN purchase_order_lines l ON l.purchase_order_id = po.id
        WHERE po.id = $1 GROUP BY po.id`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      customerId: row.customer_id,
      contractId: row.contract_id,
      orderedAt: iso(row.ordered_at),
      lines: row.lines.map(orderLine),
    };
  }

  async contractInForce(query: {
    customerId: string;
    currency: string;
    onDate: string;
    preferredContractId: string | null;
  }): Promise<unknown | null> {
    const { rows } = await this.pool.query(
      `SELECT c.id, c.customer_id, c.currency, c.valid_from, c.valid_to,
              coalesce(json_agg(json_build_object('sku', p.sku, 'p', p.unit_price_minor::text) ORDER BY p.sku)
                       FILTER (WHERE p.sku IS NOT NULL), '[]') AS prices
         FROM contracts c LEFT JOIN contract_prices p ON p.contract_id = c.id
        WHERE c.customer_id = $1 AND c.currency = $2
          AND c.valid_from <= $3::timestamptz::date AND (c.valid_to IS NULL OR c.valid_to >= $3::timestamptz::date)
        GROUP BY c.id
        ORDER BY (c.id = $4) DESC, c.valid_from DESC, c.id
        LIMIT 1`,
      [query.customerId, query.currency, query.onDate, query.preferredContractId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      customerId: row.customer_id,
      currency: row.currency,
      validFrom: isoDate(row.valid_from),
      validTo: isoDate(row.valid_to),
      prices: row.prices.map((p: { sku: string; p: string }) => ({ sku: p.sku, unitPrice: formatMoney(BigInt(p.p)) })),
    };
  }

  async workOrdersOf(purchaseOrderId: string): Promise<unknown[]> {
    const { rows } = await this.pool.query(
      `SELECT w.id, w.purchase_order_id, w.status, w.completed_at,
              coalesce(json_agg(json_build_object('sku', l.sku, 'q', l.quantity_completed_milli::text) ORDER BY l.sku)
                       FILTER (WHERE l.sku IS NOT NULL), '[]') AS lines
         FROM work_orders w LEFT JOIN work_order_lines l ON l.work_order_id = w.id
        WHERE w.purchase_order_id = $1 GROUP BY w.id ORDER BY w.id`,
      [purchaseOrderId],
    );
    return rows.map((row) => ({
      id: row.id,
      purchaseOrderId: row.purchase_order_id,
      status: row.status,
      completedAt: iso(row.completed_at),
      lines: row.lines.map((l: { sku: string; q: string }) => ({
        sku: l.sku,
        quantityCompleted: formatQuantity(BigInt(l.q)),
      })),
    }));
  }

  private async invoices(where: string, params: unknown[]): Promise<unknown[]> {
    const { rows } = await this.pool.query(
      `SELECT i.number, i.customer_id, i.purchase_order_id, i.issued_at, i.due_at, i.currency,
              json_agg(json_build_object('lineNo', l.line_no, 'sku', l.sku, 'q', l.quantity_milli::text,
                                         'p', l.unit_price_minor::text) ORDER BY l.line_no) AS lines
         FROM invoices i JOIN invoice_lines l ON l.invoice_number = i.number
        WHERE ${where} GROUP BY i.number ORDER BY i.issued_at, i.number`,
      params,
    );
    return rows.map((row) => ({
      number: row.number,
      customerId: row.customer_id,
      purchaseOrderId: row.purchase_order_id,
      issuedAt: iso(row.issued_at),
      dueAt: iso(row.due_at),
      currency: row.currency,
      lines: row.lines.map(orderLine),
    }));
  }
}

function orderLine(l: { lineNo: number; sku: string; q: string; p: string }) {
  return { lineNo: l.lineNo, sku: l.sku, quantity: formatQuantity(BigInt(l.q)), unitPrice: formatMoney(BigInt(l.p)) };
}
