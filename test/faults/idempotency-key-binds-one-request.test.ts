// F25 a reused Idempotency-Key with another body, on every command: 422, nothing applied. Found: propose with key K
// (50.00), reject, propose again with K (60.00, another root cause): 200 "stage":"APPROVAL", yet the case stayed in
// RESOLUTION showing the rejected proposal (Temporal answered the repeated update id with its first answer). Every
// command route of the table (generated from it, so a new command is covered or this test fails) is sent once
// without a key: it answers the key it was applied under; that key with another body (or, where the body cannot
// differ, another case) is a 422 that changes nothing; that key with the same body gets the first answer, applied
// once.
import { routes } from '../../api/routes';
import { startApi, type ApiHarness } from '../support/api';
import {
  caseViaApi,
  completeTasksViaApi,
  createCast,
  driveToMemoViaApi,
  expectInvariants,
  importViaApi,
  mapLimit,
  openCasesViaApi,
  openParkedCaseViaApi,
  type Cast,
  type HttpCase,
} from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { freshUstrdFile } from '../support/camt054-fixtures';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let api: ApiHarness;
let cast: Cast;
/** Cases that go on living while the keys are reused, and finish at the end. */
let inFlight: HttpCase[];

interface CommandCase {
  path: string;
  user: TestUser;
  /** A string is an XML document (a bank's camt.054 file). */
  body: Record<string, unknown> | string;
  /** Another request under the same key: another body, or the same body on another case. */
  other: { path?: string; body: Record<string, unknown> | string };
  /** Waits until what the accepted command set going has come to rest. */
  settle(answer: Record<string, unknown>): Promise<unknown>;
  /** What must not change once it has: compared before and after the reused key. */
  state(answer: Record<string, unknown>): Promise<unknown>;
}
let commands: Record<string, CommandCase>;

/** A bank file of two payments no invoice takes, under ids of its own. */
const camt054 = freshUstrdFile;

/** A case's trail, comments and stage, as the database has them. */
async function caseState(caseId: string) {
  const { rows } = await api.db.pool.query(
    `SELECT c.stage, c.status,
            (SELECT array_agg(e.type ORDER BY e.seq) FROM case_events e WHERE e.case_id = c.id) AS events,
            (SELECT array_agg(k.body ORDER BY k.created_at) FROM case_comments k WHERE k.case_id = c.id) AS comments,
            (SELECT array_agg(r.amount_minor ORDER BY r.proposed_at) FROM resolutions r WHERE r.case_id = c.id) AS resolutions,
            (SELECT array_agg(a.decision ORDER BY a.decided_at) FROM approvals a WHERE a.case_id = c.id) AS decisions
       FROM cases c WHERE c.id = $1`,
    [caseId],
  );
  return rows[0];
}

const detail = (c: HttpCase, what: string, done: (d: any) => boolean) => caseViaApi(api, cast.specialist, c, what, done); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('F25 a reused Idempotency-Key with another body', () => {
  beforeAll(async () => {
    api = await startApi({ worker: true });
    cast = await createCast(api.db.pool);
    const unopened = pricingDispute();
    await importViaApi(api, cast.specialist, [unopened]);
    const cases = await openCasesViaApi(api, cast.specialist, Array.from({ length: 20 }, () => pricingDispute()));
    const [toPropose, toDecide, toCancel, toComment, withTask, toRefresh, otherToRefresh, toAssign, toAwait, toResume, otherToResume] = cases;
    inFlight = cases.slice(7);
    await mapLimit(cases, 10, (c) => detail(c, 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION'));
    await completeTasksViaApi(api, cast, toPropose);
    await completeTasksViaApi(api, cast, toDecide);
    const proposed = await api.request('POST', `/api/disputes/${toDecide.id}/resolution`, {
      token: cast.specialist.token,
      body: { type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP' },
    });
    expect(proposed.status).toBe(200);
    const task = (await detail(withTask, 'its task', (d) => d.tasks.length > 0)).tasks[0];
    for (const waiting of [toResume, otherToResume]) {
      const res = await api.request('POST', `/api/disputes/${waiting.id}/await-customer`, { token: cast.specialist.token, body: { reason: 'asked' } });
      expect(res.status).toBe(200);
    }
    const [parked, otherParked] = [await openParkedCaseViaApi(api, cast.specialist, pricingDispute()), await openParkedCaseViaApi(api, cast.specialist, pricingDispute())];
    const parkedAgain = (c: HttpCase) => () =>
      detail(c, 'parked again', (d) => d.evidenceError !== null && d.events.filter((e: { type: string }) => e.type === 'EVIDENCE_FAILED').length === 2);

    // Money: a payment on the unopened invoice (400.00 of it, 100.00 left unapplied), and that cash to apply.
    const pay = (id: string, amount: string) => ({
      payments: [{ id, customerId: unopened.customerId, receivedAt: '2026-12-01T00:00:00Z', currency: 'USD', amount, remittance: [{ invoiceNumber: unopened.invoiceNumber, paid: '400.00' }] }],
    });
    const cashLeft = pay(`PAY-LEFT-${unopened.invoiceNumber}`, '500.00');
    expect((await api.request('POST', '/api/payments', { token: cast.specialist.token, body: cashLeft })).body.unapplied).toBe(1);
    const [unapplied] = (await api.request('GET', `/api/unapplied-cash?customerId=${unopened.customerId}`, { token: cast.specialist.token })).body.items;
    const money = async () =>
      (
        await api.db.pool.query(
          `SELECT (SELECT count(*) FROM payments)::int AS payments, (SELECT count(*) FROM payment_applications)::int AS applications,
                  (SELECT paid_minor::text FROM invoices WHERE number = $1) AS paid,
                  (SELECT applied_minor::text FROM unapplied_cash WHERE id = $2) AS unapplied_applied`,
          [unopened.invoiceNumber, unapplied.id],
        )
      ).rows[0];

    type OnCase = Omit<CommandCase, 'path' | 'state' | 'settle'> & { verb: string } & Partial<Pick<CommandCase, 'state' | 'settle'>>;
    const onCase = (c: HttpCase, rest: OnCase): CommandCase => ({
      path: `/api/disputes/${c.id}/${rest.verb}`,
      state: () => caseState(c.id),
      settle: async () => undefined,
      ...rest,
    });
    commands = {
      '/api/disputes': {
        path: '/api/disputes',
        user: cast.specialist,
        body: { invoiceNumber: unopened.invoiceNumber, disputedAmount: '150.00', reasonCode: 'PRICING' },
        other: { body: { invoiceNumber: unopened.invoiceNumber, disputedAmount: '140.00', reasonCode: 'PRICING' } },
        settle: (a) => detail(a as unknown as HttpCase, 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION'),
        state: async (a) => ({
          cases: (await api.db.pool.query('SELECT count(*)::int AS n FROM cases WHERE invoice_number = $1', [unopened.invoiceNumber])).rows[0].n,
          opened: await caseState(a.id as string),
        }),
      },
      '/api/disputes/:id/resolution': onCase(toPropose, {
        verb: 'resolution',
        user: cast.specialist,
        body: { type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP' },
        other: { body: { type: 'CREDIT', amount: '90.00', rootCause: 'CONTRACT_SETUP' } },
      }),
      '/api/disputes/:id/decision': onCase(toDecide, {
        verb: 'decision',
        user: cast.manager,
        body: { decision: 'APPROVE' },
        other: { body: { decision: 'REJECT' } },
        settle: () => detail(toDecide, 'closed with its memo', (d) => d.status === 'CLOSED'),
      }),
      '/api/disputes/:id/cancel': onCase(toCancel, {
        verb: 'cancel',
        user: cast.manager,
        body: { reason: 'customer withdrew' },
        other: { body: { reason: 'opened by mistake' } },
      }),
      '/api/disputes/:id/retry-evidence': onCase(parked, {
        verb: 'retry-evidence',
        user: cast.specialist,
        body: {},
        other: { path: `/api/disputes/${otherParked.id}/retry-evidence`, body: {} },
        settle: parkedAgain(parked),
        state: async () => [await caseState(parked.id), await caseState(otherParked.id)],
      }),
      '/api/disputes/:id/refresh-evidence': onCase(toRefresh, {
        verb: 'refresh-evidence',
        user: cast.specialist,
        body: {},
        other: { path: `/api/disputes/${otherToRefresh.id}/refresh-evidence`, body: {} },
        state: async () => [await caseState(toRefresh.id), await caseState(otherToRefresh.id)],
      }),
      '/api/disputes/:id/assign': onCase(toAssign, {
        verb: 'assign',
        user: cast.manager,
        body: { userId: cast.specialist2.id },
        other: { body: { userId: cast.specialist.id } },
      }),
      '/api/disputes/:id/await-customer': onCase(toAwait, {
        verb: 'await-customer',
        user: cast.specialist,
        body: { reason: 'asked for the delivery note' },
        other: { body: { reason: 'asked for the PO' } },
      }),
      '/api/disputes/:id/resume': onCase(toResume, {
        verb: 'resume',
        user: cast.specialist,
        body: {},
        other: { path: `/api/disputes/${otherToResume.id}/resume`, body: {} },
        state: async () => [await caseState(toResume.id), await caseState(otherToResume.id)],
      }),
      '/api/disputes/:id/comments': onCase(toComment, {
        verb: 'comments',
        user: cast.salesOps,
        body: { body: 'price list checked' },
        other: { body: { body: 'price list not checked' } },
      }),
      '/api/payments': {
        path: '/api/payments',
        user: cast.specialist,
        body: pay(`PAY-1-${unopened.invoiceNumber}`, '100.00'),
        other: { body: pay(`PAY-2-${unopened.invoiceNumber}`, '100.00') },
        settle: async () => undefined,
        state: money,
      },
      '/api/payments/camt054': {
        path: '/api/payments/camt054',
        user: cast.specialist,
        body: camt054(),
        other: { body: camt054() },
        settle: async () => undefined,
        state: money,
      },
      '/api/unapplied-cash/:id/apply': {
        path: `/api/unapplied-cash/${unapplied.id}/apply`,
        user: cast.specialist,
        body: { invoiceNumber: unopened.invoiceNumber, amount: '10.00' },
        other: { body: { invoiceNumber: unopened.invoiceNumber, amount: '20.00' } },
        settle: async () => undefined,
        state: money,
      },
      '/api/reason-mappings/:customerId': {
        path: `/api/reason-mappings/${unopened.customerId}`,
        user: cast.specialist,
        body: { mappings: [{ code: 'SHORT', reasonCode: 'QUANTITY' }] },
        other: { body: { mappings: [{ code: 'SHORT', reasonCode: 'PRICING' }] } },
        settle: async () => undefined,
        state: async () =>
          (await api.db.pool.query('SELECT version, mappings FROM reason_mappings WHERE customer_id = $1 ORDER BY version', [unopened.customerId])).rows,
      },
      '/api/tasks/:id/complete': {
        path: `/api/tasks/${task.id}/complete`,
        user: cast.salesOps,
        body: { outcome: 'CONFIRMED', note: 'billed above the contract' },
        other: { body: { outcome: 'NOT_CONFIRMED', note: 'billed as agreed' } },
        settle: async () => undefined,
        state: () => caseState(withTask.id),
      },
    };
  }, 120_000);

  afterAll(() => api?.close());

  const commandRoutes = routes.filter((r) => r.command);

  it('knows a request of every command', () => {
    expect(commandRoutes.map((r) => r.path).sort()).toEqual(Object.keys(commands).sort());
    expect(commandRoutes.filter((r) => r.method !== 'post').map((r) => `${r.method} ${r.path}`)).toEqual(['put /api/reason-mappings/:customerId']);
  });

  it.each(commandRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r]))(
    '%s: answers the key it applied a keyless request under; that key with another request is a 422 that changes nothing, with the same one the first answer',
    async (_name, route) => {
      const command = commands[route.path];
      const send = (path: string, body: unknown, key?: string) =>
        api.request(route.method, path, {
          token: command.user.token,
          ...(typeof body === 'string' ? { rawBody: body } : { body }),
          headers: { ...(typeof body === 'string' ? { 'content-type': 'application/xml' } : {}), ...(key ? { 'idempotency-key': key } : {}) },
        });

      const first = await send(command.path, command.body);
      expect(first.status).toBe(route.success.status);
      const key = first.headers.get('idempotency-key')!;
      expect(key).toMatch(UUID);
      await command.settle(first.body);
      const before = await command.state(first.body);

      const reused = await send(command.other.path ?? command.path, command.other.body, key);
      expect({ status: reused.status, error: reused.body.error }).toEqual({
        status: 422,
        error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String), details: [{ field: 'Idempotency-Key', message: expect.any(String), in: 'header' }] },
      });
      expect(reused.headers.get('idempotency-key')).toBe(key);
      expect(await command.state(first.body)).toEqual(before);

      const retried = await send(command.path, command.body, key);
      expect({ status: retried.status, body: retried.body }).toEqual({ status: first.status, body: first.body });
      expect(retried.headers.get('idempotency-key')).toBe(key);
      expect(await command.state(first.body)).toEqual(before);
    },
  );

  it('refuses a proposal sent again with its key and another body after a rejection (the finding), and applies nothing', async () => {
    const [c] = await openCasesViaApi(api, cast.specialist, [pricingDispute()]);
    await completeTasksViaApi(api, cast, c);
    const propose = (amount: string, rootCause: string, key: string) =>
      api.request('POST', `/api/disputes/${c.id}/resolution`, {
        token: cast.specialist.token,
        body: { type: 'CREDIT', amount, rootCause },
        headers: { 'idempotency-key': key },
      });
    expect((await propose('50.00', 'PRICING_SETUP', 'K')).body.stage).toBe('APPROVAL');
    const rejected = await api.request('POST', `/api/disputes/${c.id}/decision`, { token: cast.manager.token, body: { decision: 'REJECT' } });
    expect(rejected.body.stage).toBe('RESOLUTION');

    const again = await propose('60.00', 'CONTRACT_SETUP', 'K');
    expect({ status: again.status, code: again.body.error?.code }).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    const after = await detail(c, 'still in RESOLUTION', () => true);
    expect(after.stage).toBe('RESOLUTION');
    expect(after.resolution).toEqual(expect.objectContaining({ amount: '50.00', decision: 'REJECT' }));
    expect(after.events.filter((e: { type: string }) => e.type === 'RESOLUTION_PROPOSED')).toHaveLength(1);

    const fresh = await propose('60.00', 'CONTRACT_SETUP', 'K2');
    expect({ status: fresh.status, stage: fresh.body.stage }).toEqual({ status: 200, stage: 'APPROVAL' });
    expect((await detail(c, 'the new proposal', (d) => d.resolution?.amount === '60.00')).stage).toBe('APPROVAL');
  });

  it('binds a key to one request whatever the command: a key that posted a comment cannot cancel the case', async () => {
    const [c] = await openCasesViaApi(api, cast.specialist, [pricingDispute()]);
    const key = 'one-request';
    const commented = await api.request('POST', `/api/disputes/${c.id}/comments`, {
      token: cast.specialist.token,
      body: { body: 'called the customer' },
      headers: { 'idempotency-key': key },
    });
    expect(commented.status).toBe(201);
    const cancel = await api.request('POST', `/api/disputes/${c.id}/cancel`, {
      token: cast.specialist.token,
      body: { reason: 'customer withdrew' },
      headers: { 'idempotency-key': key },
    });
    expect({ status: cancel.status, code: cancel.body.error?.code }).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await caseState(c.id)).status).toBe('OPEN');
  });

  it('lets the cases in flight finish, once each, and the invariants hold', async () => {
    await mapLimit(inFlight, 10, async (c, i) => {
      if (i < 10) return driveToMemoViaApi(api, cast, c);
      const res = await api.request('POST', `/api/disputes/${c.id}/cancel`, { token: cast.manager.token, body: { reason: 'withdrawn' } });
      expect(res.status).toBe(200);
    });
    await expectInvariants(api.db.pool, { temporal: api.temporal });
  }, 60_000);
});
