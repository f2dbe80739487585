// Record imports cannot rewrite history. Found: an invoice with a case awaiting approval for 70.00 was re-imported
// with a single 1.00 line, and the approval then ended in CREDIT_MEMO_REFUSED. Once a case or a memo refers to an
// invoice, its customer, currency, PO, issue date and lines (so its total) stay: a change is a 422 naming each field,
// the invoice sent again unchanged is accepted, and the database refuses the change too, to the application's role.
// Every import is kept: who, when, how many records, the SHA-256 of its body as received. The API and the worker run
// as a login of the application role throughout.
import { createHash } from 'node:crypto';
import { startApiAsAppRole, type AppRoleApiHarness } from '../support/api';
import { sqlOutcome } from '../support/database';
import { caseViaApi, completeTasksViaApi, createCast, importViaApi, openCaseViaApi, type Cast } from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

let api: AppRoleApiHarness;
let cast: Cast;
let admin: TestUser;
let auditor: TestUser;

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true });
  cast = await createCast(api.db.pool);
  [admin, auditor] = await Promise.all([api.user('admin'), api.user('auditor')]);
}, 60_000);

afterAll(() => api?.close());

const importsKept = async () => (await api.db.pool.query('SELECT count(*)::int AS n FROM record_imports')).rows[0].n as number;
const invoiceRow = async (number: string) =>
  (
    await api.db.pool.query(
      `SELECT i.customer_id, i.currency, i.purchase_order_id, i.issued_at, i.due_at, i.total_minor::text, i.locked_by,
              (SELECT json_agg(l ORDER BY l.line_no) FROM invoice_lines l WHERE l.invoice_number = i.number) AS lines
         FROM invoices i WHERE i.number = $1`,
      [number],
    )
  ).rows[0];

function importAs(user: TestUser, body: unknown) {
  return api.request('POST', '/api/records/import', { token: user.token, body });
}

/** A statement's outcome as the application role. */
const outcome = (sql: string, params?: unknown[]) => sqlOutcome(api.appRole.pool, sql, params);

it('refuses to rewrite an invoice whose case awaits approval (the finding); the approval then issues its memo', async () => {
  const fixture = pricingDispute();
  await importViaApi(api, cast.specialist, [fixture]);
  const c = await openCaseViaApi(api, cast.specialist, fixture);
  await completeTasksViaApi(api, cast, c);
  const proposed = await api.request('POST', `/api/disputes/${c.id}/resolution`, {
    token: cast.specialist.token,
    body: { type: 'CREDIT', amount: '70.00', rootCause: 'PRICING_SETUP' },
  });
  expect(proposed.body.stage).toBe('APPROVAL');

  const invoice = fixture.records.invoices![0];
  const rewritten = await importAs(cast.specialist, { invoices: [{ ...invoice, lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 1, unitPrice: '1.00' }] }] });
  expect(rewritten.status).toBe(422);
  expect(rewritten.body.error.code).toBe('INVOICE_LOCKED');
  expect(rewritten.body.error.details).toEqual([
    { field: 'invoices.0.lines', message: expect.stringContaining(`locked by case ${c.caseNumber}`) },
  ]);

  const approved = await api.request('POST', `/api/disputes/${c.id}/decision`, { token: cast.manager.token, body: { decision: 'APPROVE' } });
  expect(approved.status).toBe(200);
  const closed = await caseViaApi(api, cast.specialist, c, 'closed', (d) => d.status === 'CLOSED');
  expect(closed.creditMemos).toEqual([expect.objectContaining({ amount: '70.00' })]);
  expect(closed.events.map((e: { type: string }) => e.type)).not.toContain('CREDIT_MEMO_REFUSED');
  const read = await api.request('GET', `/api/invoices/${invoice.number}`, { token: auditor.token });
  expect(read.body).toEqual(expect.objectContaining({ total: '1000.00', openBalance: '930.00' }));
});

it('names each locked field it refuses and writes nothing; accepts the invoice sent again unchanged, its due date moved', async () => {
  const [fixture, other] = [pricingDispute(), pricingDispute()];
  await importViaApi(api, cast.specialist, [fixture, other]);
  const c = await openCaseViaApi(api, cast.specialist, fixture);
  // A cancelled case holds the lock as an open one does: the invoice was judged as it is.
  const cancelled = await api.request('POST', `/api/disputes/${c.id}/cancel`, { token: cast.specialist.token, body: { reason: 'withdrawn' } });
  expect(cancelled.body.status).toBe('CANCELLED');

  const invoice = fixture.records.invoices![0];
  const line = invoice.lines[0];
  const changes: [string, Record<string, unknown>][] = [
    ['customerId', { customerId: other.customerId }],
    ['currency', { currency: 'EUR' }],
    ['purchaseOrderId', { purchaseOrderId: other.poId }],
    ['issuedAt', { issuedAt: '2026-02-16T00:00:00Z' }],
    ['lines', { lines: [{ ...line, quantity: 9 }] }],
    ['lines', { lines: [{ ...line, unitPrice: '100.01' }] }],
    ['lines', { lines: [{ ...line, sku: 'SKU-B' }] }],
    ['lines', { lines: [line, { ...line, lineNo: 2 }] }],
  ];
  const before = { row: await invoiceRow(invoice.number), kept: await importsKept() };
  for (const [field, change] of changes) {
    const res = await importAs(admin, { customers: other.records.customers, invoices: [{ ...invoice, ...change }] });
    expect({ field, status: res.status, details: res.body.error?.details }).toEqual({
      field,
      status: 422,
      details: [{ field: `invoices.0.${field}`, message: expect.stringContaining(`locked by case ${c.caseNumber}`) }],
    });
  }
  const everything = await importAs(admin, { invoices: [{ ...invoice, ...Object.assign({}, ...changes.map(([, change]) => change)) }] });
  expect(everything.body.error.details.map((d: { field: string }) => d.field)).toEqual(
    ['customerId', 'currency', 'purchaseOrderId', 'issuedAt', 'lines'].map((f) => `invoices.0.${f}`),
  );
  expect({ row: await invoiceRow(invoice.number), kept: await importsKept() }).toEqual(before);

  // The same invoice again (its issue date spelled as a date: the same instant), the due date moved: accepted.
  const again = await importAs(admin, { invoices: [{ ...invoice, issuedAt: '2026-02-15', dueAt: '2026-04-15T00:00:00Z' }] });
  expect(again.status).toBe(200);
  expect(await invoiceRow(invoice.number)).toEqual({ ...before.row, due_at: new Date('2026-04-15T00:00:00Z') });
  expect(await importsKept()).toBe(before.kept + 1);

  // An invoice nothing refers to is free to change.
  const free = other.records.invoices![0];
  expect((await importAs(admin, { invoices: [{ ...free, lines: [{ ...free.lines[0], quantity: 2 }] }] })).status).toBe(200);
  expect((await invoiceRow(free.number)).total_minor).toBe('20000');
});

it('holds in the database too: the application role cannot change a locked invoice, nor its lines', async () => {
  const [fixture, free] = [pricingDispute(), pricingDispute()];
  await importViaApi(api, cast.specialist, [fixture, free]);
  const c = await openCaseViaApi(api, cast.specialist, fixture);
  const number = fixture.invoiceNumber;
  expect((await invoiceRow(number)).locked_by).toBe(`case ${c.caseNumber}`);
  const refused = (column: string) => `23000: invoice ${number} is locked by case ${c.caseNumber}: its ${column} cannot change`;
  for (const [set, column] of [
    [`customer_id = '${free.customerId}'`, 'customer_id'],
    [`currency = 'EUR'`, 'currency'],
    [`purchase_order_id = 'ELSEWHERE'`, 'purchase_order_id'],
    [`issued_at = issued_at + interval '1 day'`, 'issued_at'],
    ['total_minor = 100', 'total_minor'],
    ['locked_by = NULL', 'locked_by'],
  ]) {
    expect(await outcome(`UPDATE invoices SET ${set} WHERE number = $1`, [number])).toBe(refused(column));
  }
  // Lines are replaced, never updated in place: the role may only delete and insert them.
  const addLine = `INSERT INTO invoice_lines (invoice_number, line_no, sku, quantity_milli, unit_price_minor) VALUES ($1, 2, 'SKU-A', 1000, 0)`;
  expect(await outcome('DELETE FROM invoice_lines WHERE invoice_number = $1', [number])).toBe(refused('lines'));
  expect(await outcome(addLine, [number])).toBe(refused('lines'));
  expect(await outcome('UPDATE invoice_lines SET quantity_milli = 1000 WHERE invoice_number = $1', [number])).toBe(
    '42501: permission denied for table invoice_lines',
  );
  expect(await outcome(`UPDATE invoices SET due_at = due_at + interval '30 days' WHERE number = $1`, [number])).toBe('ok');
  expect(await outcome(addLine, [free.invoiceNumber])).toBe('ok');

  // The trail of imports: INSERT is all the application role may do; the owner is refused by its triggers.
  expect(await outcome('UPDATE record_imports SET sha256 = sha256')).toBe('42501: permission denied for table record_imports');
  expect(await outcome('DELETE FROM record_imports')).toBe('42501: permission denied for table record_imports');
  expect(await outcome('TRUNCATE record_imports')).toMatch(/^42501: permission denied for table record_imports/);
  for (const sql of ['UPDATE record_imports SET sha256 = sha256', 'DELETE FROM record_imports', 'TRUNCATE record_imports']) {
    await expect(api.db.pool.query(sql)).rejects.toThrow('record_imports is append-only');
  }
});

it('keeps every import (who, when, counts, the SHA-256 of the body as received) for admins and auditors, newest first', async () => {
  const fixtures = [pricingDispute(), pricingDispute(), pricingDispute()];
  const sent: { user: TestUser; raw: string }[] = [
    // As a client may send it: indented, keys in any order, a non-ASCII name.
    { user: admin, raw: JSON.stringify({ customers: [{ name: 'Café Nord', id: fixtures[0].customerId }] }, null, 2) },
    { user: cast.specialist, raw: JSON.stringify(fixtures[1].records) },
    { user: admin, raw: ` ${JSON.stringify({ customers: fixtures[2].records.customers, contracts: [] })}\n` },
  ];
  for (const { user, raw } of sent) {
    expect((await api.request('POST', '/api/records/import', { token: user.token, rawBody: raw })).status).toBe(200);
  }
  expect((await importAs(admin, { invoices: [{ ...fixtures[1].records.invoices![0], customerId: 'NOBODY' }] })).status).toBe(422);

  const seen: { id: string; at: string; actor: { id: string; name: string }; counts: Record<string, number>; sha256: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: typeof seen; nextCursor: string | null } } = await api.request('GET', `/api/records/imports?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: auditor.token });
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(2);
    seen.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(seen).toHaveLength(await importsKept());
  const ats = seen.map((i) => i.at);
  expect([...ats].sort().reverse()).toEqual(ats);

  const sha256 = (raw: string) => createHash('sha256').update(raw, 'utf8').digest('hex');
  const none = { customers: 0, contracts: 0, purchaseOrders: 0, workOrders: 0, invoices: 0 };
  expect(seen.slice(0, 3)).toEqual([
    { id: expect.any(String), at: expect.any(String), actor: { id: admin.id, name: admin.name }, counts: { ...none, customers: 1 }, sha256: sha256(sent[2].raw) },
    {
      id: expect.any(String),
      at: expect.any(String),
      actor: { id: cast.specialist.id, name: cast.specialist.name },
      counts: { customers: 1, contracts: 1, purchaseOrders: 1, workOrders: 1, invoices: 1 },
      sha256: sha256(sent[1].raw),
    },
    { id: expect.any(String), at: expect.any(String), actor: { id: admin.id, name: admin.name }, counts: { ...none, customers: 1 }, sha256: sha256(sent[0].raw) },
  ]);

  expect((await api.request('GET', '/api/records/imports', { token: admin.token })).status).toBe(200);
  for (const user of [cast.specialist, cast.manager, cast.salesOps]) {
    expect((await api.request('GET', '/api/records/imports', { token: user.token })).status).toBe(403);
  }
});
