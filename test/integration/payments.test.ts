// Money in (issue 11) through the HTTP API, running as the application role: payments applied in full, in part and
// over the balance (the rest unapplied), posted again (nothing), under a used id with other content (422, nothing
// written), to unknown and other customers' invoices (unapplied); the worklist applied and refused; deductions
// listed; open items with the dunning hold; role cash; and the balance formula on every invoice read.
import { randomUUID } from 'node:crypto';
import { startApiAsAppRole, type AppRoleApiHarness } from '../support/api';
import { expectInvariants } from '../support/faults';
import { checkInvariants } from '../../testkit/invariants';
import { pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';
import { formatMoney, parseMoney } from '../../domain/money';

let api: AppRoleApiHarness;
let cash: TestUser;
let specialist: TestUser;

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true });
  cash = await api.user('cash');
  specialist = await api.user('specialist');
}, 60_000);

afterAll(() => api?.close());

/** A customer with `n` invoices of 1,000.00 each on one PO, imported. */
async function customerWith(n: number) {
  const fixture = pricingDispute();
  const [first] = fixture.records.invoices!;
  const invoices = [first, ...Array.from({ length: n - 1 }, () => ({ ...first, number: uniqueId('INV') }))];
  const res = await api.request('POST', '/api/records/import', { token: specialist.token, body: { ...fixture.records, invoices } });
  expect(res.status).toBe(200);
  return { customerId: fixture.customerId, numbers: invoices.map((i) => i.number) };
}

const post = (body: unknown, token = cash.token, key?: string) =>
  api.request('POST', '/api/payments', { token, body, headers: key ? { 'idempotency-key': key } : {} });

const payment = (over: Record<string, unknown>) => ({
  id: uniqueId('PAY'),
  receivedAt: '2026-12-01T10:00:00Z',
  currency: 'USD',
  amount: '1000.00',
  remittance: [],
  ...over,
});

/** The invoice as read, after checking openBalance = total − credited + debited − writtenOff − paid. */
async function invoice(number: string) {
  const res = await api.request('GET', `/api/invoices/${number}`, { token: cash.token });
  expect(res.status).toBe(200);
  const i = res.body;
  const m = (s: string) => parseMoney(s);
  expect(i.openBalance).toBe(formatMoney(m(i.total) - m(i.credited) + m(i.debited) - m(i.writtenOff) - m(i.paid)));
  return i as { paid: string; openBalance: string; collectible: string };
}

const counts = async () =>
  (
    await api.db.pool.query(
      `SELECT (SELECT count(*) FROM payments)::int AS payments, (SELECT count(*) FROM payment_applications)::int AS applications,
              (SELECT count(*) FROM unapplied_cash)::int AS unapplied, (SELECT count(*) FROM deductions)::int AS deductions`,
    )
  ).rows[0];

it('applies payments in full, in part and over the balance (the rest unapplied); posted again changes nothing', async () => {
  const { customerId, numbers: [a, b, c] } = await customerWith(3);
  const body = {
    payments: [
      payment({ customerId, remittance: [{ invoiceNumber: a, paid: '1000.00' }] }),
      payment({ customerId, amount: '400.00', remittance: [{ invoiceNumber: b, paid: '400' }] }),
      payment({ amount: '1500.00', remittance: [{ invoiceNumber: c.toLowerCase(), paid: '1500.00' }] }),
    ],
  };
  const key = randomUUID();
  const first = await post(body, cash.token, key);
  expect(first.status).toBe(200);
  expect(first.body).toEqual({ payments: 3, applied: 3, deductions: 0, casesOpened: 0, unapplied: 1 });
  expect(first.headers.get('idempotency-key')).toBe(key);
  expect((await invoice(a)).openBalance).toBe('0.00');
  expect(await invoice(b)).toEqual(expect.objectContaining({ paid: '400.00', openBalance: '600.00' }));
  expect(await invoice(c)).toEqual(expect.objectContaining({ paid: '1000.00', openBalance: '0.00' }));
  const worklist = await api.request('GET', `/api/unapplied-cash?customerId=${customerId}`, { token: cash.token });
  expect(worklist.body.items).toEqual([expect.objectContaining({ paymentId: body.payments[2].id, customerId, amount: '500.00', currency: 'USD' })]);

  // The same key again: the first answer. Another key: nothing newly done.
  expect((await post(body, cash.token, key)).body).toEqual(first.body);
  const before = await counts();
  const again = await post(body);
  expect(again.body).toEqual({ payments: 0, applied: 0, deductions: 0, casesOpened: 0, unapplied: 0 });
  expect(await counts()).toEqual(before);
  expect((await invoice(b)).paid).toBe('400.00');
  await expectInvariants(api.db.pool);
});

it('refuses the whole body, naming payments.N.id, when an id was posted with other content', async () => {
  const { customerId, numbers: [a] } = await customerWith(1);
  const posted = payment({ customerId, amount: '100.00', remittance: [{ invoiceNumber: a, paid: '100.00' }] });
  expect((await post({ payments: [posted] })).status).toBe(200);
  const before = await counts();
  const res = await post({ payments: [payment({ customerId }), { ...posted, amount: '200.00' }] });
  expect(res.status).toBe(422);
  expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'payments.1.id' })]);
  expect(await counts()).toEqual(before);
  expect((await invoice(a)).paid).toBe('100.00');
});

it("leaves unapplied what matches no invoice, or another customer's, and refuses bad fields by name with nothing written", async () => {
  const mine = await customerWith(1);
  const theirs = await customerWith(1);
  const res = await post({
    payments: [
      payment({ customerId: mine.customerId, amount: '50.00', remittance: [{ invoiceNumber: 'INV-NOT-OURS', paid: '50.00' }] }),
      payment({ customerId: mine.customerId, amount: '70.00', remittance: [{ invoiceNumber: theirs.numbers[0], paid: '70.00' }] }),
    ],
  });
  expect(res.body).toEqual({ payments: 2, applied: 0, deductions: 0, casesOpened: 0, unapplied: 2 });
  expect((await invoice(theirs.numbers[0])).paid).toBe('0.00');
  const before = await counts();
  for (const [bad, field] of [
    [{ payments: [] }, 'payments'],
    [{ payments: [payment({ amount: '0.00' })] }, 'payments.0.amount'],
    [{ payments: [payment({ currency: 'usd' })] }, 'payments.0.currency'],
    [{ payments: [payment({ receivedAt: '0235-03-01T04:47:07.343739+20:42' })] }, 'payments.0.receivedAt'],
    [{ payments: [payment({ remittance: [{ invoiceNumber: 'X', paid: '1.234' }] })] }, 'payments.0.remittance.0.paid'],
    [{ payments: [payment({ customerId: 'NO-SUCH-CUSTOMER' })] }, 'payments.0.customerId'],
  ] as const) {
    const refused = await post(bad);
    expect({ field, refused: [400, 422].includes(refused.status) }).toEqual({ field, refused: true });
    expect(refused.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  }
  expect(await counts()).toEqual(before);
});

it('applies unapplied cash from the worklist: more than left is a 409, another customer or currency a 422', async () => {
  const { customerId, numbers: [a, b] } = await customerWith(2);
  const other = await customerWith(1);
  const paymentId = uniqueId('PAY');
  await post({ payments: [payment({ id: paymentId, customerId, amount: '500.00', remittance: [{ invoiceNumber: 'nothing', paid: '500.00' }] })] });
  const item = (await api.request('GET', `/api/unapplied-cash?customerId=${customerId}`, { token: cash.token })).body.items[0];
  expect(item).toEqual(expect.objectContaining({ paymentId, amount: '500.00' }));
  const apply = (body: unknown, token = cash.token) => api.request('POST', `/api/unapplied-cash/${item.id}/apply`, { token, body });
  expect((await apply({ invoiceNumber: a, amount: '500.01' })).status).toBe(409);
  const foreign = await apply({ invoiceNumber: other.numbers[0], amount: '1.00' });
  expect(foreign.status).toBe(422);
  expect(foreign.body.error.details[0].field).toBe('invoiceNumber');
  const applied = await apply({ invoiceNumber: a, amount: '200.00' });
  expect(applied.status).toBe(200);
  expect(applied.body.amount).toBe('300.00');
  expect((await invoice(a)).paid).toBe('200.00');
  expect((await apply({ invoiceNumber: b, amount: '300.00' }, specialist.token)).status).toBe(200);
  expect((await apply({ invoiceNumber: b, amount: '0.01' })).status).toBe(409);
  const left = await api.request('GET', `/api/unapplied-cash?customerId=${customerId}`, { token: cash.token });
  expect(left.body.items).toEqual([]);
  await expectInvariants(api.db.pool);
});

it('records deductions on matched invoices and lists them', async () => {
  const { customerId, numbers: [a] } = await customerWith(1);
  const res = await post({
    payments: [
      payment({
        customerId,
        amount: '900.00',
        remittance: [{ invoiceNumber: a, paid: '900.00', deductions: [{ amount: '100.00', reasonCode: 'SHORT', note: 'two missing' }] }],
      }),
    ],
  });
  // Its case opens (no worker needed: the start is durable) before the answer comes.
  expect(res.body).toEqual({ payments: 1, applied: 1, deductions: 1, casesOpened: 1, unapplied: 0 });
  const list = await api.request('GET', `/api/deductions?customerId=${customerId}&status=OPEN`, { token: cash.token });
  expect(list.body.items).toEqual([
    expect.objectContaining({ invoiceNumber: a, amount: '100.00', customerCode: 'SHORT', reasonCode: 'OTHER', mappingVersion: null, status: 'OPEN', caseId: expect.any(String) }),
  ]);
  expect((await invoice(a)).openBalance).toBe('100.00');
});

it("answers a customer's open items, with the dunning hold while a case disputes all that is open", async () => {
  const { customerId, numbers: [a, b] } = await customerWith(2);
  await post({ payments: [payment({ customerId, amount: '600.00', remittance: [{ invoiceNumber: a, paid: '600.00' }] })] });
  const { rows } = await api.db.pool.query(
    `INSERT INTO cases (id, case_number, workflow_id, invoice_number, customer_id, currency, disputed_minor, reason_code,
                        opened_by, opened_at, stage_entered_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, 'USD', 40000, 'PRICING', $5, now(), now()) RETURNING id`,
    [`DSP-${randomUUID()}`, `dispute:${randomUUID()}`, a, customerId, specialist.id],
  );
  await api.db.pool.query(`INSERT INTO case_items (case_id, ordinal, invoice_number, disputed_minor) VALUES ($1, 0, $2, 40000)`, [rows[0].id, a]);
  const res = await api.request('GET', `/api/customers/${customerId}/open-items`, { token: cash.token });
  expect(res.status).toBe(200);
  expect(res.body.items).toEqual(
    expect.arrayContaining([
      { invoiceNumber: a, currency: 'USD', openBalance: '400.00', inDispute: '400.00', collectible: '0.00', dunningHold: true },
      { invoiceNumber: b, currency: 'USD', openBalance: '1000.00', inDispute: '0.00', collectible: '1000.00', dunningHold: false },
    ]),
  );
  expect(res.body.items).toHaveLength(2);
  expect((await api.request('GET', `/api/customers/NO-SUCH/open-items`, { token: cash.token })).status).toBe(404);
});

it('role cash posts payments and reads invoices, but not disputes', async () => {
  expect((await api.request('GET', '/api/disputes', { token: cash.token })).status).toBe(403);
  expect((await api.request('GET', `/api/disputes/${randomUUID()}`, { token: cash.token })).status).toBe(403);
  expect((await api.request('POST', '/api/records/import', { token: cash.token, body: {} })).status).toBe(403);
  expect((await api.request('GET', '/api/invoices', { token: cash.token })).status).toBe(200);
});

it('the database refuses a paid figure that is not its applications, to the application role', async () => {
  const { numbers: [a] } = await customerWith(1);
  const outcome = await api.appRole.pool
    .query('UPDATE invoices SET paid_minor = 100 WHERE number = $1', [a])
    .then(() => 'ok', (err: { code?: string }) => err.code);
  expect(outcome).toBe('23514');
  const direct = await api.appRole.pool
    .query(`UPDATE payments SET amount_minor = 1`)
    .then(() => 'ok', (err: { code?: string }) => err.code);
  expect(direct).toBe('42501');
});

it('applies a body posted twice at once, and two bodies sharing payments in other orders, once each', async () => {
  const { customerId, numbers } = await customerWith(4);
  const payments = numbers.map((n) => payment({ customerId, amount: '250.00', remittance: [{ invoiceNumber: n, paid: '250.00' }] }));
  const answers = await Promise.all([post({ payments }), post({ payments }), post({ payments: [...payments].reverse() })]);
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
  expect(answers.reduce((n, a) => n + a.body.payments, 0)).toBe(4);
  expect(answers.reduce((n, a) => n + a.body.applied, 0)).toBe(4);
  for (const n of numbers) expect((await invoice(n)).paid).toBe('250.00');
  // The whole check would also see the bare case the open-items test wrote: the money rules only.
  const { violations } = await checkInvariants(api.db.pool);
  expect({ payments: violations.paymentMismatches, balances: violations.balanceMismatches }).toEqual({ payments: [], balances: [] });
});

it('locks a paid invoice against an import that would change it, as a case does', async () => {
  const fixture = pricingDispute();
  expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: fixture.records })).status).toBe(200);
  const paid = payment({ customerId: fixture.customerId, amount: '10.00', remittance: [{ invoiceNumber: fixture.invoiceNumber, paid: '10.00' }] });
  expect((await post({ payments: [paid] })).body.applied).toBe(1);
  const [inv] = fixture.records.invoices!;
  const changed = await api.request('POST', '/api/records/import', {
    token: specialist.token,
    body: { invoices: [{ ...inv, lines: [{ ...inv.lines[0], unitPrice: '90.00' }] }] },
  });
  expect(changed.status).toBe(422);
  expect(changed.body.error.code).toBe('INVOICE_LOCKED');
  expect(changed.body.error.message).toContain(`payment ${paid.id}`);
});

it('applies unapplied cash once when two people apply more than is left between them at once', async () => {
  const { customerId, numbers: [a, b] } = await customerWith(2);
  await post({ payments: [payment({ customerId, amount: '500.00', remittance: [] })] });
  const [item] = (await api.request('GET', `/api/unapplied-cash?customerId=${customerId}`, { token: cash.token })).body.items;
  const answers = await Promise.all(
    [a, b].map((invoiceNumber, i) =>
      api.request('POST', `/api/unapplied-cash/${item.id}/apply`, { token: [cash, specialist][i].token, body: { invoiceNumber, amount: '300.00' } }),
    ),
  );
  expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
  const paid = [(await invoice(a)).paid, (await invoice(b)).paid].sort();
  expect(paid).toEqual(['0.00', '300.00']);
});

it('keeps the instant a payment was received whatever offset it was written with (schemathesis found +20:42 a 400)', async () => {
  const id = uniqueId('PAY');
  const res = await post({ payments: [payment({ id, amount: '5.00', receivedAt: '2026-03-01T04:47:07.5+20:42' })] });
  expect(res.status).toBe(200);
  const { rows } = await api.db.pool.query(`SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at FROM payments WHERE id = $1`, [id]);
  expect(rows).toEqual([{ at: '2026-02-28T08:05:07.500' }]);
});
