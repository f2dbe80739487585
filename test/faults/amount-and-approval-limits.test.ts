// F11 limits, through HTTP with 24 cases in flight. An approval of exactly the approver's limit passes (however the
// amount is written) and one cent over is refused, changing nothing; a zero limit approves nothing. Limits per
// currency: the case's currency's limit binds, a currency without one is refused, an unlimited manager approves any;
// a manager over the limit may still reject, or approve for an absent manager whose delegation and limit cover it. Zero, negative,
// more than 2 decimals, not a decimal string, above the disputed amount or above the invoice's open balance: refused
// with the field named, nothing written, nothing sent to Temporal. Two credits approved on one invoice for more than
// its open balance: the ledger issues the first, refuses the second back to the specialist; no balance goes negative.
import { startApi, type ApiHarness } from '../support/api';
import {
  caseViaApi,
  completeTasksViaApi,
  createCast,
  driveToMemoViaApi,
  expectInvariants,
  importViaApi,
  mapLimit,
  openCaseViaApi,
  openCasesViaApi,
  recordTemporalCalls,
  type Cast,
  type HttpCase,
} from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let cast: Cast;
let zeroLimit: TestUser;

describe('F11 limits', () => {
  beforeAll(async () => {
    api = await startApi({ worker: true });
    cast = await createCast(api.db.pool);
    zeroLimit = await api.user('manager', { approvalLimit: '0.00' });
  }, 60_000);

  afterAll(() => api?.close());

  const snapshot = async () =>
    (await api.db.pool.query(
      `SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM case_events)::int AS events,
            (SELECT count(*) FROM resolutions)::int AS resolutions, (SELECT count(*) FROM approvals)::int AS approvals,
            (SELECT count(*) FROM credit_memos)::int AS memos, (SELECT count(*) FROM tasks WHERE status = 'DONE')::int AS done`,
    )).rows[0];

  /** Sends each request, expecting each refused with its `status` naming `field`, with nothing written and no Temporal call. */
  async function refusedNaming(field: string, requests: { path: string; token: string; body: unknown; status: number }[]): Promise<void> {
    const before = await snapshot();
    const calls = recordTemporalCalls(api.temporal);
    try {
      for (const r of requests) {
        const res = await api.request('POST', r.path, { token: r.token, body: r.body });
        const fields = res.body.error?.details?.map((d: { field: string }) => d.field) ?? [];
        expect({ body: r.body, status: res.status, named: fields.includes(field) }).toEqual({ body: r.body, status: r.status, named: true });
      }
    } finally {
      jest.restoreAllMocks();
    }
    expect(calls).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }

  const BAD_AMOUNTS = ['0', '0.00', '-1.00', '-0.01', '1.001', '0.005', '1e2', ' 10.00', '10,00', '+10.00', '.50', '10.', '', 'NaN', 10, null, true];

  it('holds every limit on amounts and approvals, with 24 cases in flight', async () => {
    const cases = await openCasesViaApi(api, cast.specialist, Array.from({ length: 24 }, () => pricingDispute()));
    const invoice = cases[0].fixture.invoiceNumber;
    // Every case waiting on its task: nothing else writes while the refusals below are counted.
    await mapLimit(cases, 12, (c) => caseViaApi(api, cast.specialist, c, 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION'));

    // ---- opening: the disputed amount (open balance 1000.00)
    await refusedNaming('disputedAmount', [
      ...BAD_AMOUNTS.map((disputedAmount) => ({
        path: '/api/disputes',
        token: cast.specialist.token,
        body: { invoiceNumber: invoice, disputedAmount, reasonCode: 'PRICING' },
        status: 400,
      })),
      { path: '/api/disputes', token: cast.specialist.token, body: { invoiceNumber: invoice, disputedAmount: '1000.01', reasonCode: 'PRICING' }, status: 422 },
    ]);

    // ---- the investigation: a task's amount
    const detail = await caseViaApi(api, cast.specialist, cases[0], 'its task', (d) => d.tasks.length === 1);
    await refusedNaming(
      'amount',
      BAD_AMOUNTS.filter((a) => a !== null).map((amount) => ({
        path: `/api/tasks/${detail.tasks[0].id}/complete`,
        token: cast.salesOps.token,
        body: { outcome: 'CONFIRMED', note: 'n', amount },
        status: 400,
      })),
    );
    await mapLimit(cases, 12, (c) => completeTasksViaApi(api, cast, c));

    // ---- the proposal: disputed 150.00
    await refusedNaming('amount', [
      ...BAD_AMOUNTS.map((amount) => ({ path: `/api/disputes/${cases[0].id}/resolution`, token: cast.specialist.token, body: { type: 'CREDIT', amount, rootCause: 'OTHER' }, status: 400 })),
      { path: `/api/disputes/${cases[0].id}/resolution`, token: cast.specialist.token, body: { type: 'CREDIT', amount: '150.01', rootCause: 'OTHER' }, status: 422 },
      { path: `/api/disputes/${cases[0].id}/resolution`, token: cast.specialist.token, body: { type: 'NO_CREDIT', amount: '1.00', rootCause: 'OTHER' }, status: 400 },
    ]);

    // ---- the approver's limit (50.00): the limit itself passes, however written; a cent over does not
    const propose = async (c: HttpCase, amount: string) => {
      const res = await api.request('POST', `/api/disputes/${c.id}/resolution`, { token: cast.specialist.token, body: { type: 'CREDIT', amount, rootCause: 'OTHER' } });
      expect(res.status).toBe(200);
    };
    const decide = (c: HttpCase, manager: TestUser, decision = 'APPROVE') =>
      api.request('POST', `/api/disputes/${c.id}/decision`, { token: manager.token, body: { decision } });
    const [atLimit, overLimit] = [cases.slice(0, 12), cases.slice(12)];
    const written = ['50', '50.0', '50.00', '0050.00'];
    await mapLimit(atLimit, 12, async (c, i) => {
      await propose(c, written[i % written.length]);
      expect((await decide(c, cast.limitedManager)).status).toBe(200);
    });
    await mapLimit(overLimit, 12, async (c) => {
      await propose(c, '50.01');
      const events = async () => (await api.db.pool.query('SELECT count(*)::int AS n FROM case_events WHERE case_id = $1', [c.id])).rows[0].n;
      const before = await events();
      for (const [manager, decision] of [[cast.limitedManager, 'APPROVE'], [zeroLimit, 'APPROVE']] as const) {
        const res = await decide(c, manager, decision);
        expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
        expect(res.body.error.message).toMatch(/over your approval limit of (50|0)\.00/);
      }
      expect(await events()).toBe(before);
      expect((await decide(c, cast.manager)).status).toBe(200);
    });
    const memos = await mapLimit(cases, 12, (c) => caseViaApi(api, cast.specialist, c, 'its memo', (d) => d.status === 'CLOSED'));
    expect(memos.map((d) => d.creditMemos.map((m: { amount: string }) => m.amount))).toEqual([...Array(12).fill(['50.00']), ...Array(12).fill(['50.01'])]);
  }, 120_000);

  it("holds a manager's limits per currency: the case's currency's limit passes, a cent over and a currency without one are refused, rejecting is not", async () => {
    const inCurrency = (currency: string) => {
      const fixture = pricingDispute();
      for (const r of [...(fixture.records.contracts ?? []), ...(fixture.records.invoices ?? [])]) r.currency = currency;
      return fixture;
    };
    const euroManager = await api.user('manager', { approvalLimits: { USD: '1000.00', EUR: '50.00' } });
    const unlimited = await api.user('manager', { approvalLimits: {} });
    const [atEur, overEur, jpy, rejected] = await openCasesViaApi(api, cast.specialist, [inCurrency('EUR'), inCurrency('EUR'), inCurrency('JPY'), inCurrency('EUR')]);
    const proposed = async (c: HttpCase, amount: string) => {
      await completeTasksViaApi(api, cast, c);
      const res = await api.request('POST', `/api/disputes/${c.id}/resolution`, { token: cast.specialist.token, body: { type: 'CREDIT', amount, rootCause: 'OTHER' } });
      expect(res.status).toBe(200);
    };
    const decide = (c: HttpCase, manager: TestUser, decision = 'APPROVE') =>
      api.request('POST', `/api/disputes/${c.id}/decision`, { token: manager.token, body: { decision } });
    await Promise.all([proposed(atEur, '50.00'), proposed(overEur, '50.01'), proposed(jpy, '1.00'), proposed(rejected, '150.00')]);

    const before = await snapshot();
    const overLimit = await decide(overEur, euroManager);
    expect({ status: overLimit.status, message: overLimit.body.error?.message }).toEqual({
      status: 403,
      message: expect.stringMatching(/over your approval limit of 50\.00 EUR/),
    });
    const noLimit = await decide(jpy, euroManager);
    expect({ status: noLimit.status, message: noLimit.body.error?.message }).toEqual({ status: 403, message: expect.stringMatching(/none in JPY/) });
    expect(await snapshot()).toEqual(before);

    expect((await decide(atEur, euroManager)).status).toBe(200);
    expect((await decide(jpy, unlimited)).status).toBe(200);
    // Over its own limit, the manager approves for an absent manager whose delegation runs now and whose limit covers it.
    const absent = await api.user('manager', { approvalLimits: { EUR: '1000.00' } });
    await api.db.pool.query(
      `INSERT INTO delegations (manager_id, delegate_id, starts_at, ends_at, created_by) VALUES ($1, $2, now() - interval '1 hour', now() + interval '1 hour', $1)`,
      [absent.id, euroManager.id],
    );
    const listed = await api.request('GET', '/api/disputes?stage=APPROVAL&limit=200', { token: euroManager.token });
    expect(listed.body.items.find((i: { id: string }) => i.id === overEur.id).yourAuthority).toEqual({
      limit: '1000.00',
      onBehalfOf: { id: absent.id, name: absent.name },
      refusal: null,
    });
    expect((await decide(overEur, euroManager)).status).toBe(200);
    const { rows: delegated } = await api.db.pool.query('SELECT decided_by, on_behalf_of, approver_limit_minor FROM approvals WHERE case_id = $1', [overEur.id]);
    expect(delegated).toEqual([{ decided_by: euroManager.id, on_behalf_of: absent.id, approver_limit_minor: '100000' }]);
    // The case says both: who approved, and for whom.
    const shown = await api.request('GET', `/api/disputes/${overEur.id}`, { token: euroManager.token });
    expect(shown.body.approvals).toEqual([
      expect.objectContaining({ approverId: euroManager.id, decidedBy: { id: euroManager.id, name: euroManager.name }, onBehalfOf: { id: absent.id, name: absent.name } }),
    ]);
    const rejection = await decide(rejected, euroManager, 'REJECT');
    expect({ status: rejection.status, stage: rejection.body.stage }).toEqual({ status: 200, stage: 'RESOLUTION' });
    const { rows } = await api.db.pool.query(
      `SELECT a.decision, a.amount_minor, a.approver_limit_minor, p.policy->'limit' AS "limit"
         FROM approvals a JOIN policy_versions p ON p.version = a.policy_version WHERE a.case_id = $1`,
      [rejected.id],
    );
    expect(rows).toEqual([
      { decision: 'REJECT', amount_minor: '15000', approver_limit_minor: '5000', limit: { currency: 'EUR', amount: '50.00', whose: euroManager.id } },
    ]);
    const closing = await api.request('POST', `/api/disputes/${rejected.id}/resolution`, { token: cast.specialist.token, body: { type: 'NO_CREDIT', rootCause: 'OTHER' } });
    expect(closing.status).toBe(200);
    const closed = await mapLimit([atEur, overEur, jpy], 3, (c) => caseViaApi(api, cast.specialist, c, 'its memo', (d) => d.status === 'CLOSED'));
    expect(closed.map((d) => d.adjustments.map((m: { amount: string; currency: string }) => `${m.amount} ${m.currency}`))).toEqual([
      ['50.00 EUR'],
      ['50.01 EUR'],
      ['1.00 JPY'],
    ]);
  }, 120_000);

  it('never credits past the open balance: refused at the opening and at the proposal', async () => {
    // A 900.00 credit leaves 100.00 open. An invoice is in one open case at a time, so the next case comes after the
    // first is closed, and may dispute no more than is open; its credit no more than it disputes.
    const x = pricingDispute();
    await importViaApi(api, cast.specialist, [x]);
    const big = await openCaseViaApi(api, cast.specialist, x, '900.00');
    await driveToMemoViaApi(api, cast, big, '900.00');
    await refusedNaming('disputedAmount', [
      { path: '/api/disputes', token: cast.specialist.token, body: { invoiceNumber: x.invoiceNumber, disputedAmount: '100.01', reasonCode: 'PRICING' }, status: 422 },
    ]);
    const small = await openCaseViaApi(api, cast.specialist, x, '100.00');
    await completeTasksViaApi(api, cast, small);
    await refusedNaming('amount', [{ path: `/api/disputes/${small.id}/resolution`, token: cast.specialist.token, body: { type: 'CREDIT', amount: '100.01', rootCause: 'PRICING_SETUP' }, status: 422 }]);
    await driveToMemoViaApi(api, cast, small, '100.00');

    const { rows } = await api.db.pool.query('SELECT open_balance_minor::int AS open FROM invoices WHERE number = $1', [x.invoiceNumber]);
    expect(rows.map((r) => r.open)).toEqual([0]);
    await expectInvariants(api.db.pool, { temporal: api.temporal, allClosed: true });
  }, 120_000);
});
