// Source records (customers, contracts, POs, work orders, invoices) upserted by id in ONE transaction, in
// dependency order; child lines are replaced. A record the database refuses (unknown customer, an invoice a case
// or a memo refers to changed) fails the whole import with a 422 naming it: nothing is written. Every import that
// goes through is kept in record_imports, in the same transaction, with who sent it and the digest of what they sent.
import type { Pool, PoolClient } from 'pg';
import { lineAmount, parseMoney, parseQuantity, sumBig } from '../domain/money';
import type { RecordsImport } from '../contract';
import { isValueError, withTransaction } from '../infra/postgres';
import { AppError } from './errors';

export interface ImportCounts {
  customers: number;
  contracts: number;
  purchaseOrders: number;
  workOrders: number;
  invoices: number;
}

type Kind = keyof ImportCounts;

/** Who sent an import, and the SHA-256 (lowercase hex) of its body as received. */
export interface ImportReceipt {
  actorId: string;
  sha256: string;
}

/** `receipt`: every import through the API has one, and is kept; records seeded straight (tests, the bench) none. */
export async function storeRecords(pool: Pool, records: RecordsImport, receipt?: ImportReceipt): Promise<ImportCounts> {
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
      if (receipt) {
        await client.query('INSERT INTO record_imports (actor_id, counts, sha256) VALUES ($1, $2, $3)', [
          receipt.actorId,
          counts,
          receipt.sha256,
        ]);
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

/** What an invoice keeps once a case or a memo refers to it, by the import's field names (the total follows the lines). */
const LOCKED_FIELDS = ['customerId', 'currency', 'purchaseOrderId', 'issuedAt', 'lines'] as const;

async function upsertInvoice(client: PoolClient, inv: Invoice, index: number): Promise<void> {
  const total = sumBig(inv.lines.map((l) => lineAmount(parseQuantity(l.quantity), parseMoney(l.unitPrice))));
  const issuedAt = utcTimestamp(inv.issuedAt);
  const lines = [
    inv.lines.map((l) => l.lineNo),
    inv.lines.map((l) => l.sku),
    inv.lines.map((l) => parseQuantity(l.quantity).toString()),
    inv.lines.map((l) => parseMoney(l.unitPrice).toString()),
  ];
  // FOR UPDATE: a case being opened on the invoice meanwhile (its foreign key check takes a share lock) commits
  // first and locks the invoice, or waits for this import; either way the lock is seen.
  const { rows } = await client.query(
    `SELECT locked_by, customer_id <> $2 AS "customerId", currency <> $3 AS currency,
            purchase_order_id <> $4 AS "purchaseOrderId", issued_at <> $5::timestamptz AS "issuedAt",
            CASE WHEN locked_by IS NOT NULL THEN EXISTS (
              (SELECT line_no, sku, quantity_milli, unit_price_minor FROM invoice_lines WHERE invoice_number = $1
               EXCEPT SELECT * FROM unnest($6::int[], $7::text[], $8::bigint[], $9::bigint[]))
              UNION ALL
              (SELECT * FROM unnest($6::int[], $7::text[], $8::bigint[], $9::bigint[])
               EXCEPT SELECT line_no, sku, quantity_milli, unit_price_minor FROM invoice_lines WHERE invoice_number = $1))
            END AS lines
       FROM invoices WHERE number = $1 FOR UPDATE`,
    [inv.number, inv.customerId, inv.currency, inv.purchaseOrderId, issuedAt, ...lines],
  );
  const stored = rows[0];
  if (stored?.locked_by) {
    const changed = LOCKED_FIELDS.filter((field) => stored[field]);
    if (changed.length) {
      const why = `invoice ${inv.number} is locked by ${stored.locked_by}: its ${changed.join(', ')} cannot change`;
      throw new AppError(
        422,
        'INVOICE_LOCKED',
        why,
        changed.map((field) => ({ field: `invoices.${index}.${field}`, message: `cannot change: ${why}` })),
      );
    }
  }
  await client.query(
    `INSERT INTO invoices (number, customer_id, purchase_order_id, issued_at, due_at, currency, total_minor)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (number) DO UPDATE SET customer_id = EXCLUDED.customer_id,
       purchase_order_id = EXCLUDED.purchase_order_id, issued_at = EXCLUDED.issued_at, due_at = EXCLUDED.due_at,
       currency = EXCLUDED.currency, total_minor = EXCLUDED.total_minor, updated_at = now()`,
    [inv.number, inv.customerId, inv.purchaseOrderId, issuedAt, utcTimestamp(inv.dueAt), inv.currency, total],
  );
  // A locked invoice got here unchanged: its lines stay as they are (the database refuses to touch them).
  if (stored?.locked_by) return;
  await client.query('DELETE FROM invoice_lines WHERE invoice_number = $1', [inv.number]);
  await client.query(
    `INSERT INTO invoice_lines (invoice_number, line_no, sku, quantity_milli, unit_price_minor)
     SELECT $1, line_no, sku, q, p FROM unnest($2::int[], $3::text[], $4::bigint[], $5::bigint[]) AS l (line_no, sku, q, p)`,
    [inv.number, ...lines],
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
    const field = `${kind}.${index}${fieldOf(pg)}`;
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

/** The columns the invoice lock names, as import fields. */
const LOCKED_COLUMNS: Record<string, string> = {
  customer_id: '.customerId',
  currency: '.currency',
  purchase_order_id: '.purchaseOrderId',
  issued_at: '.issuedAt',
  total_minor: '.lines',
  lines: '.lines',
};

function fieldOf({ constraint, column }: PgError): string {
  if (column && LOCKED_COLUMNS[column]) return LOCKED_COLUMNS[column];
  if (!constraint) return '';
  if (constraint.endsWith('customer_id_fkey')) return '.customerId';
  if (constraint.includes('valid_to')) return '.validTo';
  if (constraint === 'open_balance_not_negative') return '.lines';
  return '';
}

/** A PostgreSQL error's SQLSTATE, constraint and column: all the API reads of it (its message is for the log). */
interface PgError {
  code: string;
  constraint?: string;
  column?: string;
}

function pgError(err: unknown): PgError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; constraint?: string; column?: string };
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? { code: e.code, constraint: e.constraint, column: e.column } : null;
}

/** A date or date-time as the UTC calendar date it falls on. */
function utcDate(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(value).toISOString().slice(0, 10);
}

/** A date (midnight UTC) or date-time as an absolute instant, so the session time zone never matters. */
function utcTimestamp(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}
