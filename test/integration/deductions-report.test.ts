// The deductions report (issue 11) through the HTTP API, running as the application role: payments posted with
// deductions, matched lines and lines left unapplied, one applied later from the worklist by a person; deductions
// resolved CLEARED, PARTIAL and INVALID as their cases would (written as the owner: no API clears them yet), and
// older ones written with their dates. Exact counts, amounts per currency, DDO and the share of lines applied
// without a person, for the default period (the 90 days up to now) and for a past month (open at its end, a date
// `to` including its whole day); bad periods refused naming the field; and its SQL served by indexes.
import { randomUUID } from 'node:crypto';
import { deductionsReportQuery } from '../../contract';
import { deductionsReport } from '../../read-model/reports';
import { startApiAsAppRole, type AppRoleApiHarness } from '../support/api';
import { twoSkuDesk, uniqueId, type TestUser } from '../../testkit/fixtures';

let api: AppRoleApiHarness;
let cash: TestUser;
let manager: TestUser;
let auditor: TestUser;

// Four USD invoices and one EUR invoice of 5 × SKU-A at 100.00: 500.00 each.
const usd = twoSkuDesk({ quantityA: 20, invoices: Array.from({ length: 4 }, () => [['SKU-A', 5, '100.00']]) });
const eur = twoSkuDesk({ quantityA: 5, currency: 'EUR', invoices: [[['SKU-A', 5, '100.00']]] });
const [usd1, usd2, usd3, usd4] = usd.numbers;
const [eur1] = eur.numbers;
const ids = { p1: uniqueId('PAY'), p2: uniqueId('PAY'), p3: uniqueId('PAY'), p4: uniqueId('PAY') };

const deduction = (amount: string) => ({ amount, reasonCode: 'SHORT' });
const payment = (id: string, customerId: string, currency: string, amount: string, remittance: unknown[]) => ({
  id,
  customerId,
  receivedAt: '2026-12-01T10:00:00Z',
  currency,
  amount,
  remittance,
});

beforeAll(async () => {
  api = await startApiAsAppRole();
  const specialist = await api.user('specialist');
  cash = await api.user('cash');
  manager = await api.user('manager');
  auditor = await api.user('auditor');
  for (const desk of [usd, eur]) {
    expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: desk.records })).status).toBe(200);
  }
  const posted = await api.request('POST', '/api/payments', {
    token: cash.token,
    body: {
      payments: [
        // Three lines matched: 3 applications; deductions 50.00 and 100.00.
        payment(ids.p1, usd.customerId, 'USD', '1350.00', [
          { invoiceNumber: usd1, paid: '450.00', deductions: [deduction('50.00')] },
          { invoiceNumber: usd2, paid: '400.00', deductions: [deduction('100.00')] },
          { invoiceNumber: usd3, paid: '500.00' },
        ]),
        // One matched (deduction 80.00), one naming no invoice of ours: 1 application, 1 unapplied item.
        payment(ids.p2, usd.customerId, 'USD', '300.00', [
          { invoiceNumber: usd4, paid: '200.00', deductions: [deduction('80.00')] },
          { invoiceNumber: 'INV-NOBODY-KNOWS', paid: '100.00' },
        ]),
        payment(ids.p3, eur.customerId, 'EUR', '470.00', [{ invoiceNumber: eur1, paid: '470.00', deductions: [deduction('30.00')] }]),
        // Nothing matched: 1 unapplied item.
        payment(ids.p4, usd.customerId, 'USD', '60.00', [{ invoiceNumber: 'INV-NOBODY-EITHER', paid: '60.00' }]),
      ],
    },
  });
  expect(posted.body).toEqual({ payments: 4, applied: 5, deductions: 4, casesOpened: 4, unapplied: 2 });
  // A person applies part of p2's unapplied cash: an application with a person, which the share leaves out.
  const item = (await api.request('GET', `/api/unapplied-cash?customerId=${usd.customerId}`, { token: cash.token })).body.items.find(
    (i: { paymentId: string }) => i.paymentId === ids.p2,
  );
  const applied = await api.request('POST', `/api/unapplied-cash/${item.id}/apply`, { token: cash.token, body: { invoiceNumber: usd4, amount: '50.00' } });
  expect(applied.status).toBe(200);

  // The ends their cases would give them (status_says_what_was_cleared), now.
  const resolve = (paymentId: string, ordinal: number, status: string, cleared: string) =>
    api.db.pool.query(
      `UPDATE deductions SET status = $3, cleared_minor = $4, resolved_at = now() WHERE payment_id = $1 AND ordinal = $2`,
      [paymentId, ordinal, status, cleared],
    );
  await resolve(ids.p1, 0, 'CLEARED', '5000');
  await resolve(ids.p1, 1, 'PARTIAL', '6000');
  await resolve(ids.p3, 0, 'INVALID', '0');

  // Older deductions, with the dates they would have had.
  const older = [
    // Resolved at the first instant after February 2025: open at its end.
    [usd1, 20000, '2025-01-10T00:00:00Z', 'CLEARED', 20000, '2025-03-01T00:00:00Z'],
    // Resolved in February's last hour.
    [usd2, 12000, '2025-01-20T00:00:00Z', 'INVALID', 0, '2025-02-28T23:30:00Z'],
    // Resolved before February: in none of its figures.
    [eur1, 7000, '2025-01-05T00:00:00Z', 'PARTIAL', 2500, '2025-01-31T23:59:59Z'],
    // Open since February 2025: open at its end and now.
    [usd4, 4000, '2025-02-05T00:00:00Z', 'OPEN', 0, null],
  ] as const;
  for (const [i, [invoiceNumber, amount, createdAt, status, cleared, resolvedAt]] of older.entries()) {
    await api.db.pool.query(
      `INSERT INTO deductions (id, payment_id, invoice_number, ordinal, amount_minor, customer_code, status, cleared_minor, created_at, resolved_at)
       VALUES ($1, $2, $3, $4, $5, 'SHORT', $6, $7, $8, $9)`,
      [randomUUID(), invoiceNumber === eur1 ? ids.p3 : ids.p1, invoiceNumber, 10 + i, amount, status, cleared, createdAt, resolvedAt],
    );
  }
}, 60_000);

afterAll(() => api?.close());

const report = (query = '', token = manager.token) => api.request('GET', `/api/reports/deductions${query}`, { token });

it('counts the last 90 days: open now, cleared (PARTIAL with its cleared part), invalid (and the rest of PARTIAL), DDO per currency, lines applied without a person', async () => {
  const res = await report('', auditor.token);
  expect(res.status).toBe(200);
  const { from, to, ...figures } = res.body;
  expect(Date.parse(to) + 1 - Date.parse(from)).toBe(90 * 86_400_000);
  expect(Math.abs(Date.parse(to) - Date.now())).toBeLessThan(60_000);
  expect(figures).toEqual({
    days: 90,
    currencies: [
      {
        currency: 'EUR',
        open: { count: 0, amount: '0.00' },
        cleared: { count: 0, amount: '0.00', partialCount: 0 },
        invalid: { count: 1, amount: '30.00' },
        // Nothing open: 0 days, however little was resolved.
        ddoDays: 0,
      },
      {
        currency: 'USD',
        // 80.00 posted today, 40.00 open since February 2025.
        open: { count: 2, amount: '120.00' },
        // 50.00 cleared whole and 60.00 of the PARTIAL 100.00.
        cleared: { count: 2, amount: '110.00', partialCount: 1 },
        // The 40.00 the PARTIAL one did not clear; no deduction resolved INVALID.
        invalid: { count: 0, amount: '40.00' },
        // 150.00 resolved in 90 days is 1.67 a day: 120.00 open is 72 days of it.
        ddoDays: 72,
      },
    ],
    // 5 lines applied by the matcher, 2 items left for a person; the person's application is neither.
    remittance: { appliedByMatcher: 5, leftForAPerson: 2, shareWithoutPerson: 0.7143 },
  });
});

it('counts a past month: what was open at its end, what it resolved, a date `to` including its whole day', async () => {
  const february = await report('?from=2025-02-01&to=2025-02-28');
  expect(february.status).toBe(200);
  expect(february.body).toEqual({
    from: '2025-02-01T00:00:00.000Z',
    to: '2025-02-28T23:59:59.999Z',
    days: 28,
    // No EUR: its deduction was resolved before February, today's were posted after it.
    currencies: [
      {
        currency: 'USD',
        // 200.00 resolved on March 1st and 40.00 still open.
        open: { count: 2, amount: '240.00' },
        cleared: { count: 0, amount: '0.00', partialCount: 0 },
        invalid: { count: 1, amount: '120.00' },
        // 120.00 resolved in 28 days: 240.00 open is 56 days of it.
        ddoDays: 56,
      },
    ],
    remittance: { appliedByMatcher: 0, leftForAPerson: 0, shareWithoutPerson: null },
  });

  // Ending before the INVALID one was resolved: it is open at the end, and nothing resolved gives no DDO.
  const earlier = await report('?from=2025-02-01T00:00:00Z&to=2025-02-28T23:29:59Z');
  expect(earlier.status).toBe(200);
  expect(earlier.body.to).toBe('2025-02-28T23:29:59.000Z');
  expect(earlier.body.currencies).toEqual([
    {
      currency: 'USD',
      open: { count: 3, amount: '360.00' },
      cleared: { count: 0, amount: '0.00', partialCount: 0 },
      invalid: { count: 0, amount: '0.00' },
      ddoDays: null,
    },
  ]);
});

it('refuses bad periods naming the field, and roles other than manager and auditor', async () => {
  for (const [query, status, field] of [
    ['?from=yesterday', 400, 'from'],
    ['?to=2025-02-30', 422, 'to'],
    ['?from=2025-03-01&to=2025-02-01', 422, 'to'],
    // Without `to` the period ends now: a `from` after it names `from`.
    ['?from=2999-01-01', 422, 'from'],
    ['?currency=USD', 400, 'currency'],
  ] as const) {
    const res = await report(query);
    expect({ query, status: res.status, fields: [...new Set(res.body.error.details.map((d: { field: string }) => d.field))] }).toEqual({ query, status, fields: [field] });
  }
  // One day is a period: from and to the same date.
  expect((await report('?from=2025-02-28&to=2025-02-28')).body.days).toBe(1);
  for (const role of ['cash', 'specialist'] as const) {
    expect((await report('', (await api.user(role)).token)).status).toBe(403);
  }
});

it('reads deductions, payments and their lines through indexes, never a scan of the table', async () => {
  const statements: { text: string; values: unknown[] }[] = [];
  const recorder = {
    query: (text: string, values: unknown[]) => {
      statements.push({ text, values });
      return api.db.pool.query(text, values);
    },
  } as unknown as Parameters<typeof deductionsReport>[0];
  await deductionsReport(recorder, deductionsReportQuery.parse({ from: '2025-02-01', to: '2025-02-28' }));
  expect(statements).toHaveLength(2);
  const client = await api.db.pool.connect();
  try {
    // With scans priced out, the planner still scans a table when no index serves the condition.
    await client.query('SET enable_seqscan = off');
    for (const { text, values } of statements) {
      const plan = JSON.stringify((await client.query(`EXPLAIN (FORMAT JSON) ${text}`, values)).rows[0]['QUERY PLAN']);
      const scanned = [...plan.matchAll(/"Node Type":"Seq Scan"[^}]*?"Relation Name":"(\w+)"/g)].map((m) => m[1]);
      expect(scanned).toEqual([]);
    }
  } finally {
    client.release();
  }
});
