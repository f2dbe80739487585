// F13 mass assignment, generated from the route table: every route that takes a body gets a body it accepts plus one
// field it does not (status, approvedBy, amount on a decision, ids, roles, a prototype key…; nested in the records of
// an import): 400 naming that field, nothing written, no Temporal call. Each target is in the stage where the body
// without the extra field is accepted, as the last request shows, so an ignored field would have changed something.
// 20 cases are in flight throughout and finish after.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
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
  openParkedCaseViaApi,
  openCasesViaApi,
  recordTemporalCalls,
  type Cast,
  type CaseRef,
  type HttpCase,
} from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

const PRIVILEGED = [
  'status', 'stage', 'approvedBy', 'approvalId', 'decidedBy', 'proposedBy', 'openedBy', 'actor', 'id', 'caseId',
  'caseNumber', 'workflowId', 'role', 'team', 'approvalLimit', 'amount', 'openBalance', 'creditMemos', 'createdAt',
  'revokedAt', 'tokenHash', 'isBootstrap', '__proto__', 'constructor',
];

let api: ApiHarness;
let cast: Cast;
let admin: TestUser;
let cases: HttpCase[];
let parked: HttpCase;
const parkedFixture = pricingDispute();

interface Request {
  path: string;
  user: TestUser;
  body: Record<string, unknown>;
}
/** For each body route: a request it accepts, against a target in the stage that accepts it. */
let accepted: Record<string, Request>;

describe('F13 mass assignment', () => {
  beforeAll(async () => {
    api = await startApi({ worker: true });
    cast = await createCast(api.db.pool);
    admin = await api.user('admin');
    cases = await openCasesViaApi(api, cast.specialist, Array.from({ length: 20 }, () => pricingDispute()));
    const [toDecide, toPropose, toCancel, withTask, toAssign, toAwait, toResume] = cases;
    const unopened = pricingDispute();
    await importViaApi(api, cast.specialist, [unopened]);
    parked = await openParkedCaseViaApi(api, cast.specialist, parkedFixture);
    await mapLimit(cases, 10, (c) => caseViaApi(api, cast.specialist, c, 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION'));
    await completeTasksViaApi(api, cast, toPropose);
    await completeTasksViaApi(api, cast, toDecide);
    const proposed = await api.request('POST', `/api/disputes/${toDecide.id}/resolution`, {
      token: cast.specialist.token,
      body: { type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP' },
    });
    expect(proposed.status).toBe(200);
    const task = (await caseViaApi(api, cast.specialist, withTask, 'its task', (d) => d.tasks.length > 0)).tasks[0];
    const waiting = await api.request('POST', `/api/disputes/${toResume.id}/await-customer`, { token: cast.specialist.token, body: { reason: 'asked' } });
    expect(waiting.status).toBe(200);
    const customer = pricingDispute().records.customers![0];
    // Money: cash left unapplied on the unopened invoice's customer, to apply a cent of per accepted request.
    const paying = { customerId: unopened.customerId, receivedAt: '2026-12-01T00:00:00Z', currency: 'USD', remittance: [] };
    const left = await api.request('POST', '/api/payments', { token: cast.specialist.token, body: { payments: [{ ...paying, id: `PAY-${unopened.invoiceNumber}`, amount: '10.00' }] } });
    expect(left.body.unapplied).toBe(1);
    const [cash] = (await api.request('GET', `/api/unapplied-cash?customerId=${unopened.customerId}`, { token: cast.specialist.token })).body.items;
    const renamed = await api.user('specialist');
    const standIn = await api.user('manager');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    accepted = {
      '/api/users': { path: '/api/users', user: admin, body: { name: 'New Specialist', role: 'specialist' } },
      '/api/records/import': { path: '/api/records/import', user: cast.specialist, body: { customers: [customer] } },
      '/api/disputes': { path: '/api/disputes', user: cast.specialist, body: { invoiceNumber: unopened.invoiceNumber, disputedAmount: '150.00', reasonCode: 'PRICING' } },
      '/api/disputes/:id/resolution': { path: `/api/disputes/${toPropose.id}/resolution`, user: cast.specialist, body: { type: 'CREDIT', amount: '100.00', rootCause: 'OTHER' } },
      '/api/disputes/:id/decision': { path: `/api/disputes/${toDecide.id}/decision`, user: cast.manager, body: { decision: 'APPROVE' } },
      '/api/disputes/:id/cancel': { path: `/api/disputes/${toCancel.id}/cancel`, user: cast.manager, body: { reason: 'withdrawn' } },
      '/api/disputes/:id/retry-evidence': { path: `/api/disputes/${parked.id}/retry-evidence`, user: cast.specialist, body: {} },
      '/api/disputes/:id/refresh-evidence': { path: `/api/disputes/${withTask.id}/refresh-evidence`, user: cast.specialist, body: {} },
      '/api/disputes/:id/comments': { path: `/api/disputes/${withTask.id}/comments`, user: cast.salesOps, body: { body: 'a note' } },
      '/api/disputes/:id/assign': { path: `/api/disputes/${toAssign.id}/assign`, user: cast.manager, body: { userId: cast.specialist2.id } },
      '/api/disputes/:id/await-customer': { path: `/api/disputes/${toAwait.id}/await-customer`, user: cast.specialist, body: { reason: 'asked' } },
      '/api/disputes/:id/resume': { path: `/api/disputes/${toResume.id}/resume`, user: cast.specialist, body: {} },
      '/api/tasks/:id/complete': { path: `/api/tasks/${task.id}/complete`, user: cast.salesOps, body: { outcome: 'CONFIRMED', note: 'n' } },
      '/api/payments': { path: '/api/payments', user: cast.specialist, body: { payments: [{ ...paying, id: `PAY-2-${unopened.invoiceNumber}`, amount: '1.00' }] } },
      '/api/unapplied-cash/:id/apply': { path: `/api/unapplied-cash/${cash.id}/apply`, user: cast.specialist, body: { invoiceNumber: unopened.invoiceNumber, amount: '0.01' } },
      '/api/reason-mappings/:customerId': { path: `/api/reason-mappings/${unopened.customerId}`, user: cast.specialist, body: { mappings: [{ code: 'SHORT', reasonCode: 'QUANTITY' }] } },
      '/api/routing': { path: '/api/routing', user: admin, body: { rules: [{ findingCode: 'PRICE_VARIANCE', team: 'SALES_OPS' }] } },
      '/api/users/:id': { path: `/api/users/${renamed.id}`, user: admin, body: { name: 'Renamed Specialist' } },
      '/api/users/:id/delegations': {
        path: `/api/users/${cast.manager.id}/delegations`,
        user: cast.manager,
        body: { delegateId: standIn.id, from: new Date().toISOString(), until: tomorrow },
      },
    };
  }, 60_000);

  afterAll(() => api?.close());

  // Not applicable to an XML body (a bank's camt.054 file): it has no fields of ours to slip one into. Its XSD, which
  // the route checks first (test/integration/api-input.test.ts), says what it may hold, and the reader takes from it
  // only the elements records/camt054/map.ts names.
  const bodyRoutes = routes.filter((r) => r.body && r.bodyMedia !== 'xml');
  /** The fields a body schema takes: an object's keys, or those of any shape of a union (one shape per type or role). */
  function fieldsOf(schema: z.ZodType): string[] {
    if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
    if (schema instanceof z.ZodUnion) return [...new Set((schema.options as z.ZodType[]).flatMap(fieldsOf))];
    if (schema instanceof z.ZodPipe) return fieldsOf(schema.in as z.ZodType);
    throw new Error(`no fields known for a ${schema.constructor.name}: teach fieldsOf this schema`);
  }
  const acceptedKeys = (path: string) => fieldsOf(bodyRoutes.find((r) => r.path === path)!.body!);
  const methodOf = (path: string) => bodyRoutes.find((r) => r.path === path)!.method;

  /** What a request could change: the rows it would add, and the trail of the case it targets (others move on). */
  const snapshot = async (path: string) =>
    (await api.db.pool.query(
      `SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM case_comments)::int AS comments,
            (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM customers)::int AS customers,
            (SELECT count(*) FROM invoices)::int AS invoices, (SELECT count(*) FROM payments)::int AS payments,
            (SELECT count(*) FROM payment_applications)::int AS applications,
            (SELECT count(*) FROM reason_mappings)::int AS mappings, (SELECT count(*) FROM routing_versions)::int AS routing,
            (SELECT count(*) FROM delegations)::int AS delegations, (SELECT count(*) FROM admin_events)::int AS admin_events,
            (SELECT count(*) FROM users WHERE name = 'Renamed Specialist')::int AS renamed,
            (SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
                                                              WHERE $1 LIKE '/api/disputes/' || c.id || '/%') AS events`,
      [path],
    )).rows[0];

  it('has a request each body route accepts', () => {
    expect(bodyRoutes.map((r) => r.path).filter((p) => !(p in accepted))).toEqual([]);
  });

  describe.each(bodyRoutes.map((r) => [r.method.toUpperCase(), r.path]))('%s %s', (_method, path) => {
    it('refuses every field it does not take, naming it, and changes nothing', async () => {
      const request = accepted[path];
      const extras = PRIVILEGED.filter((f) => !acceptedKeys(path).includes(f));
      const bodies: [string, unknown][] = extras.map((field) => [field, { ...request.body, [field]: field === 'amount' ? '1.00' : randomUUID() }]);
      if (path === '/api/payments') {
        const [one] = request.body.payments as Record<string, unknown>[];
        bodies.push(['payments.0.status', { payments: [{ ...one, status: 'APPLIED' }] }]);
        bodies.push(['payments.0.remittance.0.applied', { payments: [{ ...one, remittance: [{ invoiceNumber: 'X', paid: '1.00', applied: '1.00' }] }] }]);
        bodies.push(['payments.0.remittance.0.deductions.0.status', {
          payments: [{ ...one, remittance: [{ invoiceNumber: 'X', paid: '1.00', deductions: [{ amount: '1.00', reasonCode: 'X', status: 'CLEARED' }] }] }],
        }]);
      }
      if (path === '/api/reason-mappings/:customerId') {
        bodies.push(['mappings.0.version', { mappings: [{ code: 'SHORT', reasonCode: 'QUANTITY', version: 1 }] }]);
      }
      if (path === '/api/routing') {
        bodies.push(['version', { ...request.body, version: 7 }]);
        bodies.push(['rules.0.isDefault', { rules: [{ findingCode: 'PRICE_VARIANCE', team: 'SALES_OPS', isDefault: false }] }]);
      }
      if (path === '/api/records/import') {
        const invoice = pricingDispute().records.invoices![0];
        bodies.push(['invoices.0.openBalance', { invoices: [{ ...invoice, openBalance: '0.00' }] }]);
        bodies.push(['invoices.0.creditMemos', { invoices: [{ ...invoice, creditMemos: [] }] }]);
        bodies.push(['customers.0.updatedAt', { customers: [{ ...(request.body.customers as object[])[0], updatedAt: '2020-01-01' }] }]);
      }
      const before = await snapshot(request.path);
      const calls = recordTemporalCalls(api.temporal);
      try {
        for (const [field, body] of bodies) {
          const res = await api.request(methodOf(path), request.path, { token: request.user.token, body });
          const named = res.body.error?.details?.map((d: { field: string }) => d.field) ?? [];
          expect({ field, status: res.status, named }).toEqual({ field, status: 400, named: expect.arrayContaining([field]) });
        }
      } finally {
        jest.restoreAllMocks();
      }
      expect(calls).toEqual([]);
      expect(await snapshot(request.path)).toEqual(before);
      // The same request without the extra field gets through.
      const res = await api.request(methodOf(path), request.path, { token: request.user.token, body: request.body });
      expect({ status: res.status, body: res.status < 300 ? null : res.body }).toEqual({ status: res.status < 300 ? res.status : 200, body: null });
    });
  });

  it('finishes the cases that were in flight, and every invariant holds', async () => {
    await importViaApi(api, cast.specialist, [parkedFixture]);
    await caseViaApi(api, cast.specialist, parked, 'parked again', (d) => d.evidenceError !== null);
    expect((await api.request('POST', `/api/disputes/${parked.id}/retry-evidence`, { token: cast.manager.token, body: {} })).status).toBe(200);
    const { rows: open } = await api.db.pool.query(`SELECT id, case_number AS "caseNumber" FROM cases WHERE status = 'OPEN'`);
    expect(open.length).toBeGreaterThanOrEqual(10);
    await mapLimit(open, 10, async (c: CaseRef) => {
      const { stage } = await caseViaApi(api, cast.specialist, c, 'past EVIDENCE', (d) => d.stage !== 'EVIDENCE');
      if (stage === 'APPROVAL') {
        expect((await api.request('POST', `/api/disputes/${c.id}/decision`, { token: cast.manager.token, body: { decision: 'APPROVE' } })).status).toBe(200);
      } else if (stage !== 'CREDIT_MEMO') {
        await driveToMemoViaApi(api, cast, c);
      }
      return caseViaApi(api, cast.specialist, c, 'CLOSED', (d) => d.status === 'CLOSED');
    });
    const report = await expectInvariants(api.db.pool, { temporal: api.temporal, allClosed: true });
    expect(report.memos).toBe(report.closed);
  }, 60_000);
});
