// Source records (customers, contracts, POs, work orders, invoices) upserted by id in ONE transaction, in
// dependency order; child lines are replaced. A record the database refuses (unknown customer, a total below
// what was already credited) fails the whole import with a 422 naming it: nothing is written.
import type { Pool, PoolClient } from 'pg';
import { formatMoney, lineAmount, parseMoney, parseQuantity, sumBig } from '../../domain/money';
import type { RecordsImport } from '../../schemas/records';
import { isValueError, withTransaction } from '../../infra/postgres';
import { AppError } from '../errors';

export interface ImportCounts {
  customers: number;
  contracts: number;
  purchaseOrders: number;
  workOrders: number;
  invoices: number;
}

type Kind = keyof ImportCounts;

export async function importRecords(pool: Pool, records: RecordsImport): Promise<ImportCounts> {
  try {
    return await withTransaction(pool, async (client) => {
      await client.query(`SET LOCAL statement_timeout = '120s'`);
      const counts: ImportCounts = { customers: 0, contracts: 0, purchaseOrders: 0, workOrders: 0, invoices: 0 };
      for (const [i, c] of (records.customers ?? []).entries()) {
        await attributed('customers', i, c, () => upsertCustomer(client, c));
        counts.customers++;
      }
      for (const [i, c] of (records.contracts ?? []).entries()) {
        await attributed('contracts', i, c, () => upsertContract(client, c));
        counts.contracts++;
      }
      for (const [i, po] of (records.purchaseOrders ?? []).entries()) {
        await attributed('purchaseOrders', i, po, () => upsertPurchaseOrder(client, po));
        counts.purchaseOrders++;
      }
      for (const [i, wo] of (records.workOrders ?? []).entries()) {
        await attributed('workOrders', i, wo, () => upsertWorkOrder(client, wo));
        counts.workOrders++;
      }
      for (const [i, inv] of (records.invoices ?? []).entries()) {
        await attributed('invoices', i, inv, () => upsertInvoice(client, inv, i));
        counts.invoices++;
      }
      return counts;
    });
  } catch (err) {
    // Deferred checks (an invoice's total against its lines and memos) fire at COMMIT.
    const pg = pgError(err);
    if (pg && pg.code.startsWith('23')) {
      const message = "an invoice's total would disagree with its lines or its credit memos";
      throw new AppError(422, 'UNPROCESSABLE', `invoices: ${message}`, [{ field: 'invoices', message }], {}, { cause: err });
    }
    throw err;
  }
}

type Customer = NonNullable<RecordsImport['customers']>[number];
type Contract = NonNullable<RecordsImport['contracts']>[number];
type PurchaseOrder = NonNullable<RecordsImport['purchaseOrders']>[number];
type WorkOrder = NonNullable<RecordsImport['workOrders']>[number];
type Invoice = NonNullable<RecordsImport['invoices']>[number];

async function upsertCustomer(client: PoolClient, c: Customer): Promise<void> {
  await client.query(
    `INSERT INTO customers (id, name) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()`,
    [c.id, c.name],
  );
}

async function upsertContract(client: PoolClient, c: Contract): Promise<void> {
  await client.query(
    `INSERT INTO contracts (id, customer_id, currency, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, currency = EXCLUDED.currency,
       valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to, updated_at = now()`,
    [c.id, c.customerId, c.currency, utcDate(c.validFrom), c.validTo === null ? null : utcDate(c.validTo)],
  );
  await client.query('DELETE FROM contract_prices WHERE contract_id = $1', [c.id]);
  if (c.prices.length === 0) return;
  await client.query(
    `INSERT INTO contract_prices (contract_id, sku, unit_price_minor)
     SELECT $1, sku, price FROM unnest($2::text[], $3::bigint[]) AS p (sku, price)`,
    [c.id, c.prices.map((p) => p.sku), c.prices.map((p) => parseMoney(p.unitPrice).toString())],
  );
}

async function upsertPurchaseOrder(client: PoolClient, po: PurchaseOrder): Promise<void> {
  await client.query(
    `INSERT INTO purchase_orders (id, customer_id, contract_id, ordered_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, contract_id = EXCLUDED.contract_id,
       ordered_at = EXCLUDED.ordered_at, updated_at = now()`,
    [po.id, po.customerId, po.contractId ?? null, utcTimestamp(po.orderedAt)],
  );
  await client.query('DELETE FROM purchase_order_lines WHERE purchase_order_id = $1', [po.id]);
  await client.query(
    `INSERT INTO purchase_order_lines (purchase_order_id, line_no, sku, quantity_milli, unit_price_minor)
     SELECT $1, line_no, sku, q, p FROM unnest($2::int[], $3::text[], $4::bigint[], $5::bigint[]) AS l (line_no, sku, q, p)`,
    [
      po.id,
      po.lines.map((l) => l.lineNo),
      po.lines.map((l) => l.sku),
      po.lines.map((l) => parseQuantity(l.quantity).toString()),
      po.lines.map((l) => parseMoney(l.unitPrice).toString()),
    ],
  );
}

async function upsertWorkOrder(client: PoolClient, wo: WorkOrder): Promise<void> {
  await client.query(
    `INSERT INTO work_orders (id, purchase_order_id, status, completed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET purchase_order_id = EXCLUDED.purchase_order_id, status = EXCLUDED.status,
       completed_at = EXCLUDED.completed_at, updated_at = now()`,
    [wo.id, wo.purchaseOrderId, wo.status, wo.completedAt ? utcTimestamp(wo.completedAt) : null],
  );
  await client.query('DELETE FROM work_order_lines WHERE work_order_id = $1', [wo.id]);
  if (wo.lines.length === 0) return;
  await client.query(
    `INSERT INTO work_order_lines (work_order_id, sku, quantity_completed_milli)
     SELECT $1, sku, q FROM unnest($2::text[], $3::bigint[]) AS l (sku, q)`,
    [wo.id, wo.lines.map((l) => l.sku), wo.lines.map((l) => parseQuantity(l.quantityCompleted).toString())],
  );
}

async function upsertInvoice(client: PoolClient, inv: Invoice, index: number): Promise<void> {
  const total = sumBig(inv.lines.map((l) => lineAmount(parseQuantity(l.quantity), parseMoney(l.unitPrice))));
  // credited_minor belongs to the ledger: an import may change the lines, never what was credited.
  const { rows } = await client.query('SELECT credited_minor FROM invoices WHERE number = $1 FOR UPDATE', [inv.number]);
  const credited = rows[0] ? BigInt(rows[0].credited_minor) : 0n;
  if (total < credited) {
    throw AppError.unprocessable(
      `invoices.${index}.lines`,
      `invoice ${inv.number} would total ${formatMoney(total)}, less than the ${formatMoney(credited)} already credited`,
    );
  }
  await client.query(
    `INSERT INTO invoices (number, customer_id, purchase_order_id, issued_at, due_at, currency, total_minor)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (number) DO UPDATE SET customer_id = EXCLUDED.customer_id,
       purchase_order_id = EXCLUDED.purchase_order_id, issued_at = EXCLUDED.issued_at, due_at = EXCLUDED.due_at,
       currency = EXCLUDED.currency, total_minor = EXCLUDED.total_minor, updated_at = now()`,
    [inv.number, inv.customerId, inv.purchaseOrderId, utcTimestamp(inv.issuedAt), utcTimestamp(inv.dueAt), inv.currency, total],
  );
  await client.query('DELETE FROM invoice_lines WHERE invoice_number = $1', [inv.number]);
  await client.query(
    `INSERT INTO invoice_lines (invoice_number, line_no, sku, quantity_milli, unit_price_minor)
     SELECT $1, line_no, sku, q, p FROM unnest($2::int[], $3::text[], $4::bigint[], $5::bigint[]) AS l (line_no, sku, q, p)`,
    [
      inv.number,
      inv.lines.map((l) => l.lineNo),
      inv.lines.map((l) => l.sku),
      inv.lines.map((l) => parseQuantity(l.quantity).toString()),
      inv.lines.map((l) => parseMoney(l.unitPrice).toString()),
    ],
  );
}

/**
 * Runs one record's statements; a database refusal becomes an error naming the record (and field when known), in
 * our own words: what is missing is taken from the record itself, never from PostgreSQL's message, which quotes
 * values and names tables (errorMiddleware logs it as the error's cause).
 */
async function attributed(kind: Kind, index: number, record: object, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    const pg = pgError(err);
    if (!pg) throw err;
    const field = `${kind}.${index}${fieldOf(pg.constraint)}`;
    const refused = (message: string) => new AppError(422, 'UNPROCESSABLE', `${field}: ${message}`, [{ field, message }], {}, { cause: err });
    if (pg.code === '23503') {
      // Every reference an import can break is to a customer: the other records are written with their children.
      const customerId = 'customerId' in record ? record.customerId : undefined;
      throw refused(field.endsWith('.customerId') ? `no customer ${customerId} in the records` : 'refers to a record that does not exist');
    }
    if (pg.code.startsWith('23')) throw refused('breaks a rule of the records');
    // A value the document allows but PostgreSQL cannot hold (a total beyond what a bigint holds): a rule the
    // document cannot state, so a 422.
    if (isValueError(err)) throw refused('holds a value the records cannot hold');
    throw err;
  }
}

function fieldOf(constraint: string | undefined): string {
  if (!constraint) return '';
  if (constraint.endsWith('customer_id_fkey')) return '.customerId';
  if (constraint.includes('valid_to')) return '.validTo';
  if (constraint === 'open_balance_not_negative') return '.lines';
  return '';
}

/** A PostgreSQL error's SQLSTATE and constraint: all the API reads of it (its message is for the log). */
function pgError(err: unknown): { code: string; constraint?: string } | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; constraint?: string };
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? { code: e.code, constraint: e.constraint } : null;
}

/** A date or date-time as the UTC calendar date it falls on. */
function utcDate(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(value).toISOString().slice(0, 10);
}

/** A date (midnight UTC) or date-time as an absolute instant, so the session time zone never matters. */
function utcTimestamp(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}
