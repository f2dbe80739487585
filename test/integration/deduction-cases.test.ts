// Deductions become disputes (issue 11) through the HTTP API, the API and the worker running as the application role:
// a deduction opens a case by the actor system with the customer's mapped reason, a second one on the same invoice
// joins it (its disputed amount grows), the case's credit clears them in order (CLEARED, PARTIAL) and NO_CREDIT marks
// them INVALID, collectible again; one below AUTO_WRITE_OFF_MAX is written off by rule; posting the same payments
// again opens nothing more.
import { startApiAsAppRole, type AppRoleApiHarness } from '../support/api';
import { caseViaApi, completeTasksViaApi, createCast, expectInvariants, importViaApi, type Cast } from '../support/faults';
import { pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';
import { SYSTEM_OPENER } from '../../domain/events';

let api: AppRoleApiHarness;
let cast: Cast;
let cash: TestUser;

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true, app: { deductionRules: { caseMinMinor: 100n, autoWriteOffMaxMinor: 500n } } });
  cast = await createCast(api.db.pool);
  cash = await api.user('cash');
}, 60_000);

afterAll(() => api?.close());

/** An invoice of 1,000.00, imported, its customer's code D-PRICE mapped to PRICING. */
async function invoiceOf1000() {
  const fixture = pricingDispute();
  await importViaApi(api, cast.specialist, [fixture]);
  const mapped = await api.request('PUT', `/api/reason-mappings/${fixture.customerId}`, {
    token: cast.specialist.token,
    body: { mappings: [{ code: 'D-PRICE', reasonCode: 'PRICING' }] },
  });
  expect(mapped.status).toBe(200);
  return fixture;
}

/** A payment of `paid` on the invoice with one deduction of `deducted` under the customer's code `code`. */
const payment = (invoiceNumber: string, paid: string, deducted: string, code = 'D-PRICE') => ({
  id: uniqueId('PAY'),
  receivedAt: '2026-12-01T10:00:00Z',
  currency: 'USD',
  amount: paid,
  remittance: [{ invoiceNumber, paid, deductions: [{ amount: deducted, reasonCode: code }] }],
});

const post = (...payments: unknown[]) => api.request('POST', '/api/payments', { token: cash.token, body: { payments } });

const deductionsOf = async (customerId: string) =>
  (await api.request('GET', `/api/deductions?customerId=${customerId}`, { token: cash.token })).body.items as {
    id: string;
    amount: string;
    status: string;
    caseId: string | null;
    reasonCode: string;
  }[];

const openItem = async (customerId: string) => (await api.request('GET', `/api/customers/${customerId}/open-items`, { token: cash.token })).body.items[0];

const decide = (caseId: string) =>
  api.request('POST', `/api/disputes/${caseId}/decision`, { token: cast.manager.token, body: { decision: 'APPROVE' } });

it('opens a case for a deduction by the actor system, joins a second one to it, and its credit clears them in order', async () => {
  const fixture = await invoiceOf1000();
  const first = await post(payment(fixture.invoiceNumber, '800.00', '100.00'));
  expect(first.status).toBe(200);
  expect(first.body).toEqual({ payments: 1, applied: 1, deductions: 1, casesOpened: 1, unapplied: 0 });
  const [opened] = await deductionsOf(fixture.customerId);
  expect(opened).toMatchObject({ amount: '100.00', reasonCode: 'PRICING', status: 'OPEN', caseId: expect.any(String) });
  const ref = { id: opened.caseId!, caseNumber: '' };
  const detail = await caseViaApi(api, cast.specialist, ref, 'opened', () => true);
  expect(detail).toMatchObject({ reasonCode: 'PRICING', disputedAmount: '100.00', openedBy: { id: SYSTEM_OPENER.id, name: 'system' } });
  // Counted in dispute when the answer comes: all that is open is disputed, dunning holds off.
  expect(await openItem(fixture.customerId)).toMatchObject({ openBalance: '200.00', inDispute: '100.00', collectible: '100.00', dunningHold: false });

  const second = await post(payment(fixture.invoiceNumber, '50.00', '50.00'));
  expect(second.body).toEqual({ payments: 1, applied: 1, deductions: 1, casesOpened: 0, unapplied: 0 });
  expect((await deductionsOf(fixture.customerId)).map((d) => d.caseId)).toEqual([opened.caseId, opened.caseId]);
  expect(await openItem(fixture.customerId)).toMatchObject({ openBalance: '150.00', inDispute: '150.00', collectible: '0.00', dunningHold: true });

  expect(await completeTasksViaApi(api, cast, ref)).toBe('RESOLUTION');
  const joined = await caseViaApi(api, cast.specialist, ref, 'joined', (d) => d.disputedAmount === '150.00');
  expect(joined.items).toEqual([expect.objectContaining({ invoiceNumber: fixture.invoiceNumber, disputedAmount: '150.00' })]);
  expect(joined.deductions.map((d: { amount: string; status: string }) => [d.amount, d.status])).toEqual([['100.00', 'OPEN'], ['50.00', 'OPEN']]);
  expect(joined.events.filter((e: { type: string }) => e.type === 'DEDUCTION_ADDED')).toEqual([
    expect.objectContaining({ actorName: 'system', data: expect.objectContaining({ amount: '50.00', disputedAmount: '150.00' }) }),
  ]);
  const proposed = await api.request('POST', `/api/disputes/${ref.id}/resolution`, {
    token: cast.specialist.token,
    body: { type: 'CREDIT', amount: '120.00', rootCause: 'PRICING_SETUP', note: 'price above contract' },
  });
  expect(proposed.status).toBe(200);
  expect((await decide(ref.id)).status).toBe(200);
  await caseViaApi(api, cast.specialist, ref, 'closed', (d) => d.status === 'CLOSED');

  // 120.00 credited: the first deduction (100.00) cleared, the second (50.00) cleared 20.00 of it.
  const ended = await deductionsOf(fixture.customerId);
  expect(ended.map((d) => [d.amount, d.status]).sort()).toEqual([['100.00', 'CLEARED'], ['50.00', 'PARTIAL']]);
  const { rows } = await api.db.pool.query('SELECT cleared_minor::int AS cleared FROM deductions WHERE case_id = $1 ORDER BY created_at', [ref.id]);
  expect(rows.map((r) => r.cleared)).toEqual([10000, 2000]);
  const closed = await caseViaApi(api, cast.specialist, ref, 'closed', () => true);
  expect(closed.deductions.map((d: { cleared: string; status: string }) => [d.cleared, d.status])).toEqual([['100.00', 'CLEARED'], ['20.00', 'PARTIAL']]);
  // What the credit did not clear is collectible again.
  expect(await openItem(fixture.customerId)).toMatchObject({ openBalance: '30.00', inDispute: '0.00', collectible: '30.00', dunningHold: false });
  await expectInvariants(api.db.pool, { deductionCaseMinMinor: 100n });
});

it('marks a deduction INVALID when its case closes with no credit, and it is collectible again', async () => {
  const fixture = await invoiceOf1000();
  expect((await post(payment(fixture.invoiceNumber, '900.00', '100.00', 'UNMAPPED'))).body.casesOpened).toBe(1);
  const [d] = await deductionsOf(fixture.customerId);
  expect(d.reasonCode).toBe('OTHER');
  const ref = { id: d.caseId!, caseNumber: '' };
  expect(await completeTasksViaApi(api, cast, ref)).toBe('RESOLUTION');
  const proposed = await api.request('POST', `/api/disputes/${ref.id}/resolution`, {
    token: cast.specialist.token,
    body: { type: 'NO_CREDIT', rootCause: 'CUSTOMER_ERROR', note: 'billed as ordered' },
  });
  expect(proposed.status).toBe(200);
  await caseViaApi(api, cast.specialist, ref, 'closed', (x) => x.status === 'CLOSED');
  expect((await deductionsOf(fixture.customerId)).map((x) => x.status)).toEqual(['INVALID']);
  expect(await openItem(fixture.customerId)).toMatchObject({ openBalance: '100.00', inDispute: '0.00', collectible: '100.00' });
});

it('writes off by rule deductions below AUTO_WRITE_OFF_MAX, under one rule version, and a repost does nothing more', async () => {
  const fixture = await invoiceOf1000();
  const small = payment(fixture.invoiceNumber, '996.00', '4.00');
  const res = await post(small);
  expect(res.body).toEqual({ payments: 1, applied: 1, deductions: 1, casesOpened: 0, unapplied: 0 });
  expect((await deductionsOf(fixture.customerId)).map((d) => [d.status, d.caseId])).toEqual([['CLEARED', null]]);
  const { rows } = await api.db.pool.query(
    `SELECT a.number, a.kind, a.approval_id, a.case_id, a.amount_minor::int AS amount, w.max_minor::int AS rule_max
       FROM adjustments a JOIN write_off_rules w ON w.version = a.rule_version WHERE a.invoice_number = $1`,
    [fixture.invoiceNumber],
  );
  expect(rows).toEqual([{ number: expect.stringMatching(/^WO-/), kind: 'WRITE_OFF', approval_id: null, case_id: null, amount: 400, rule_max: 500 }]);
  const invoice = (await api.request('GET', `/api/invoices/${fixture.invoiceNumber}`, { token: cash.token })).body;
  expect(invoice).toMatchObject({ paid: '996.00', writtenOff: '4.00', openBalance: '0.00' });
  expect(invoice.adjustments).toEqual([expect.objectContaining({ kind: 'WRITE_OFF', approvalId: null, caseId: null, ruleVersion: expect.any(Number) })]);

  const other = await invoiceOf1000();
  const tiny = payment(other.invoiceNumber, '999.50', '0.50');
  expect((await post(tiny)).body.casesOpened).toBe(0);
  expect((await deductionsOf(other.customerId)).map((d) => d.status)).toEqual(['CLEARED']);
  const versions = await api.db.pool.query('SELECT DISTINCT rule_version FROM adjustments WHERE rule_version IS NOT NULL');
  expect(versions.rows).toHaveLength(1);
  expect((await post(small, tiny)).body).toEqual({ payments: 0, applied: 0, deductions: 0, casesOpened: 0, unapplied: 0 });
  await expectInvariants(api.db.pool, { deductionCaseMinMinor: 100n });
});
