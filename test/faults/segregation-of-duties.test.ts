// F10 segregation of duties, with 24 cases waiting for approval. The proposer cannot approve, at each layer: the API
// (403), the workflow (an update naming the proposer as a manager is refused), the database (an approval by the
// proposer, a memo without an approving decision: refused by triggers). And no route issues a memo outside the
// workflow: every route of the table is called (each answers 2xx at least once, or the suite fails) and every
// command route by every role it admits against the waiting cases, while each SQL statement the API sends is
// recorded: none writes the ledger or the trail, and memos appear only after an eligible manager's approval, from the
// worker (which runs with a pool of its own). A delegate deciding for an absent manager: neither may have proposed it
// (workflow, approvals trigger, and the ledger's posting trigger on a forged approval); an escalation is never
// offered to the proposer.
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { coveringApprovers } from '../../activities/people';
import { AppMetrics } from '../../api/observability';
import { routes } from '../../api/routes';
import { decideUpdate } from '../../domain/messages';
import type { Role } from '../../domain/types';
import { createPool } from '../../infra/postgres';
import { startApi, type ApiHarness } from '../support/api';
import {
  caseViaApi,
  completeTasksViaApi,
  createCast,
  expectInvariants,
  mapLimit,
  openCasesViaApi,
  openParkedCaseViaApi,
  refusalOf,
  routesAnswered,
  type Cast,
  type HttpCase,
} from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { runDisputeWorker, type RunningWorker } from '../support/temporal';
import { freshUstrdFile } from '../support/camt054-fixtures';

const metrics = new AppMetrics();
let api: ApiHarness;
let workerPool: Pool;
let worker: RunningWorker | undefined;
let cast: Cast;
const users = {} as Record<Role, TestUser>;
const statements: string[] = [];

/** Records the text of every statement sent through the pool's clients. */
function recordSql(pool: Pool): void {
  const wrapped = new WeakSet<PoolClient>();
  pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      statements.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
      return query(...args);
    };
  });
}

describe('F10 segregation of duties', () => {
  beforeAll(async () => {
    api = await startApi({ app: { metrics } });
    workerPool = createPool(api.db.url, { max: 10, applicationName: 'f10 worker' });
    worker = await runDisputeWorker({ namespace: api.db.name, taskQueue: api.taskQueue, pool: workerPool });
    cast = await createCast(api.db.pool);
    Object.assign(users, { specialist: cast.specialist, manager: cast.manager, ops: cast.salesOps, admin: await api.user('admin'), auditor: await api.user('auditor'), cash: await api.user('cash') });
    recordSql(api.db.pool);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await workerPool?.end();
    await api?.close();
  });

  let cases: HttpCase[];

  it('refuses the proposer at the API, in the workflow and in the database', async () => {
    cases = await openCasesViaApi(api, cast.specialist, Array.from({ length: 24 }, () => pricingDispute()));
    await mapLimit(cases, 12, async (c) => {
      await completeTasksViaApi(api, cast, c);
      const res = await api.request('POST', `/api/disputes/${c.id}/resolution`, { token: cast.specialist.token, body: { type: 'CREDIT', amount: '100.00', rootCause: 'OTHER' } });
      expect(res.status).toBe(200);
    });
    const c = cases[0];
    const trail = async () => (await workerPool.query('SELECT count(*)::int AS n FROM case_events WHERE case_id = $1', [c.id])).rows[0].n;
    const before = await trail();

    // The API: a decision is a manager's, and the proposer is a specialist.
    for (const user of [cast.specialist, cast.specialist2]) {
      expect((await api.request('POST', `/api/disputes/${c.id}/decision`, { token: user.token, body: { decision: 'APPROVE' } })).status).toBe(403);
    }
    // The workflow: whoever calls it directly and claims the proposer is a manager is refused.
    const handle = api.temporal.workflow.getHandle(c.workflowId);
    const asProposer = { ...cast.manager, id: cast.specialist.id, name: cast.specialist.name };
    expect(await refusalOf(handle.executeUpdate(decideUpdate, { args: [{ actor: asProposer, decision: 'APPROVE', comment: null }] }))).toBe('Forbidden');
    expect(await refusalOf(handle.executeUpdate(decideUpdate, { args: [{ actor: { ...cast.specialist2, role: 'specialist' }, decision: 'APPROVE', comment: null }] }))).toBe('Forbidden');
    expect(await trail()).toBe(before);

    // The database: an approval by the proposer, by a non-manager, and memos without an approving decision.
    const { rows } = await workerPool.query('SELECT id, proposed_by FROM resolutions WHERE case_id = $1', [c.id]);
    const approve = (by: string) =>
      workerPool.query(
        `INSERT INTO approvals (id, case_id, resolution_id, decision, amount_minor, decided_by, decided_at) VALUES ($1, $2, $3, 'APPROVE', 10000, $4, now())`,
        [randomUUID(), c.id, rows[0].id, by],
      );
    await expect(approve(rows[0].proposed_by)).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/proposer .* cannot decide/) });
    await expect(approve(cast.specialist2.id)).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/only a manager/) });
    await expect(
      workerPool.query(
        `INSERT INTO adjustments (number, kind, case_id, approval_id, invoice_number, amount_minor, currency) VALUES ('CM-X', 'CREDIT', $1, $2, $3, 10000, 'USD')`,
        [c.id, randomUUID(), c.fixture.invoiceNumber],
      ),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^23/) });
    expect((await workerPool.query('SELECT count(*)::int AS n FROM adjustments')).rows[0].n).toBe(0);
  }, 60_000);

  it('binds both names when a delegate decides for an absent manager, and never offers an escalation to the proposer', async () => {
    const c = cases[0];
    const { rows: [resolution] } = await workerPool.query('SELECT id, proposed_by FROM resolutions WHERE case_id = $1', [c.id]);
    const trail = async () => (await workerPool.query('SELECT count(*)::int AS n FROM case_events WHERE case_id = $1', [c.id])).rows[0].n;
    const before = await trail();
    const handle = api.temporal.workflow.getHandle(c.workflowId);
    const now = Date.now();
    const window = { id: randomUUID(), from: new Date(now - 3_600_000).toISOString(), until: new Date(now + 3_600_000).toISOString() };
    const absent = { id: cast.manager2.id, name: cast.manager2.name, approvalLimit: null, approvalLimits: {}, delegation: window };
    const decideAs = (actor: TestUser, onBehalfOf: typeof absent) =>
      refusalOf(handle.executeUpdate(decideUpdate, { args: [{ actor, decision: 'APPROVE', comment: null, onBehalfOf }] }));
    // A delegate who proposed it; deciding on the proposer's behalf; an offered manager who proposed it.
    expect(await decideAs({ ...cast.manager, id: cast.specialist.id, name: cast.specialist.name }, absent)).toBe('Forbidden');
    expect(await decideAs(cast.manager, { ...absent, id: cast.specialist.id, name: cast.specialist.name })).toBe('Forbidden');
    expect(await trail()).toBe(before);
    const offered = await coveringApprovers(workerPool, 'USD', { currency: 'USD', amount: '100.00', proposedBy: cast.manager.id });
    expect(offered.map((o) => o.id)).toEqual(expect.arrayContaining([cast.manager2.id]));
    expect(offered.map((o) => o.id)).not.toContain(cast.manager.id);

    // The database: an approval on behalf of the proposer is refused; forged past the trigger, the ledger still refuses
    // to post on it (in a transaction rolled back: nothing stays).
    const forge = (client: Pool | PoolClient) =>
      client.query(
        `INSERT INTO approvals (id, case_id, resolution_id, decision, amount_minor, decided_by, decided_at, on_behalf_of)
         VALUES ($1, $2, $3, 'APPROVE', 10000, $4, now(), $5) RETURNING id`,
        [randomUUID(), c.id, resolution.id, cast.manager.id, resolution.proposed_by],
      );
    await expect(forge(workerPool)).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/cannot be decided for/) });
    const client = await workerPool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      const { rows: [forged] } = await forge(client);
      await client.query('SET LOCAL session_replication_role = origin');
      await expect(
        client.query(
          `INSERT INTO adjustments (number, kind, case_id, approval_id, invoice_number, amount_minor, currency) VALUES ('CM-FORGED', 'CREDIT', $1, $2, $3, 10000, 'USD')`,
          [c.id, forged.id, c.fixture.invoiceNumber],
        ),
      ).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/no approval of its case by a manager other than the proposer/) });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    expect((await workerPool.query('SELECT count(*)::int AS n FROM approvals WHERE case_id = $1', [c.id])).rows[0].n).toBe(0);
  }, 60_000);

  /** A body each POST or PUT route accepts (a string: an XML document); a new one needs one here. */
  let absent: TestUser;
  let standIn: TestUser;
  const BODIES: Record<string, (c: HttpCase) => unknown> = {
    '/api/users': () => ({ name: 'Someone New', role: 'auditor' }),
    '/api/users/:id/revoke': () => undefined,
    '/api/users/:id': () => ({ name: 'Renamed Auditor' }),
    // Between two managers of their own, so that no manager deciding below decides for another.
    '/api/users/:id/delegations': () => ({ delegateId: standIn.id, from: new Date().toISOString(), until: new Date(Date.now() + 86_400_000).toISOString() }),
    '/api/records/import': (c) => ({ customers: c.fixture.records.customers }),
    '/api/disputes': (c) => ({ invoiceNumber: c.fixture.invoiceNumber, disputedAmount: '1.00', reasonCode: 'OTHER' }),
    '/api/disputes/:id/resolution': () => ({ type: 'CREDIT', amount: '1.00', rootCause: 'OTHER' }),
    '/api/disputes/:id/decision': () => ({ decision: 'APPROVE' }),
    '/api/disputes/:id/cancel': () => ({ reason: 'withdrawn' }),
    '/api/disputes/:id/retry-evidence': () => ({}),
    '/api/disputes/:id/refresh-evidence': () => ({}),
    '/api/disputes/:id/comments': () => ({ body: 'a note' }),
    '/api/disputes/:id/assign': () => ({ userId: cast.specialist.id }),
    '/api/disputes/:id/await-customer': () => ({ reason: 'asked for the delivery note' }),
    '/api/disputes/:id/resume': () => ({}),
    '/api/tasks/:id/complete': () => ({ outcome: 'CONFIRMED', note: 'n' }),
    '/api/payments': (c) => ({
      payments: [{ id: `PAY-${randomUUID()}`, customerId: c.fixture.customerId, receivedAt: '2026-12-01T00:00:00Z', currency: 'USD', amount: '1.00', remittance: [] }],
    }),
    '/api/payments/camt054': () =>
      freshUstrdFile(),
    '/api/unapplied-cash/:id/apply': (c) => ({ invoiceNumber: c.fixture.invoiceNumber, amount: '0.01' }),
    '/api/reason-mappings/:customerId': () => ({ mappings: [{ code: 'SHORT', reasonCode: 'QUANTITY' }] }),
    '/api/routing': () => ({ rules: [{ findingCode: 'UNDERBILLED', team: 'SALES_OPS' }] }),
  };
  const bodyOf = (path: string, c: HttpCase) => {
    const body = BODIES[path](c);
    return typeof body === 'string' ? { rawBody: body, headers: { 'content-type': 'application/xml' } } : { body };
  };

  it('issues memos only from the workflow, after an eligible approval, whatever route anyone calls', async () => {
    expect(routes.filter((r) => r.method !== 'get' && !(r.path in BODIES)).map((r) => r.path)).toEqual([]);
    const { rows: taskRows } = await workerPool.query('SELECT id FROM tasks WHERE case_id = $1', [cases[1].id]);
    const victim = await api.user('auditor');
    [absent, standIn] = [await api.user('manager'), await api.user('manager')];
    const posted = await api.request('POST', '/api/payments', { token: cast.specialist.token, body: BODIES['/api/payments'](cases[1]) });
    expect(posted.body.unapplied).toBe(1);
    const [cash] = (await api.request('GET', `/api/unapplied-cash?customerId=${cases[1].fixture.customerId}`, { token: cast.specialist.token })).body.items;
    const fill = (path: string, c: HttpCase) =>
      path
        .replace(/^\/api\/unapplied-cash\/:id/, `/api/unapplied-cash/${cash.id}`)
        .replace(/^\/api\/customers\/:id/, `/api/customers/${c.fixture.customerId}`)
        .replace(/^\/api\/reason-mappings\/:customerId/, `/api/reason-mappings/${c.fixture.customerId}`)
        .replace(/^\/api\/disputes\/:id/, `/api/disputes/${c.id}`)
        .replace(/^\/api\/tasks\/:id/, `/api/tasks/${taskRows[0].id}`)
        .replace(/^\/api\/invoices\/:number/, `/api/invoices/${c.fixture.invoiceNumber}`)
        .replace(/^\/api\/users\/:id\/delegations/, `/api/users/${absent.id}/delegations`)
        .replace(/^\/api\/users\/:id/, `/api/users/${victim.id}`);

    // Every route, by every role it admits, against a case waiting for approval — except the decision of a manager.
    const waiting = cases[1];
    for (const route of routes) {
      const roles = route.roles === 'public' ? (['admin'] as const) : route.roles;
      for (const role of roles) {
        if (route.path === '/api/disputes/:id/decision' && role === 'manager') continue;
        const path = fill(route.path, waiting);
        expect(path).not.toContain('/:');
        const res = await api.request(route.method, path, { token: users[role].token, ...(route.method === 'get' ? {} : bodyOf(route.path, waiting)) });
        expect({ route: `${route.method} ${route.path}`, role, server: res.status >= 500 }).toEqual({ route: `${route.method} ${route.path}`, role, server: false });
      }
    }
    const parked = await openParkedCaseViaApi(api, cast.specialist, pricingDispute());
    expect((await api.request('POST', `/api/disputes/${parked.id}/retry-evidence`, { token: cast.manager.token, body: {} })).status).toBe(200);
    // A refresh is taken in INVESTIGATION only (the case above waits for approval): it changes findings and tasks, never the ledger.
    const [investigated] = await openCasesViaApi(api, cast.specialist, [pricingDispute()]);
    await caseViaApi(api, cast.specialist, investigated, 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION' && d.tasks.length > 0);
    expect((await api.request('POST', `/api/disputes/${investigated.id}/refresh-evidence`, { token: cast.specialist.token, body: {} })).status).toBe(200);
    // The case above was cancelled by the loop before it reached the commands on owners and waits: this one takes them.
    for (const [verb, user, body] of [
      ['await-customer', cast.specialist, { reason: 'asked for the delivery note' }],
      ['resume', cast.specialist, {}],
      ['assign', cast.manager, { userId: cast.specialist2.id }],
    ] as const) {
      expect({ verb, status: (await api.request('POST', `/api/disputes/${investigated.id}/${verb}`, { token: user.token, body })).status }).toEqual({ verb, status: 200 });
    }
    expect((await workerPool.query('SELECT count(*)::int AS n FROM credit_memos')).rows[0].n).toBe(0);

    // Eligible managers approve the others; each gets its memo from the worker.
    const approved = cases.slice(2);
    await mapLimit(approved, 11, async (c, i) => {
      const res = await api.request('POST', `/api/disputes/${c.id}/decision`, { token: (i % 2 ? cast.manager : cast.manager2).token, body: { decision: 'APPROVE' } });
      expect(res.status).toBe(200);
    });
    await mapLimit(approved, 11, (c) => caseViaApi(api, cast.specialist, c, 'its memo', (d) => d.status === 'CLOSED' && d.creditMemos.length === 1));

    // Every route answered at least once with success, and not one statement from the API wrote the ledger or the trail.
    const answered = await routesAnswered(metrics, (status) => status < 300);
    expect(routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).filter((r) => !answered.has(r))).toEqual([]);
    const writes = statements.filter((s) => /\b(insert\s+into|update|delete\s+from|truncate)\s+(adjustments|adjustment_lines|document_counters|credit_memos|credit_memo_counter|approvals|resolutions|case_events|findings|tasks)\b/i.test(s));
    expect(writes).toEqual([]);
    expect(statements.some((s) => /(credited|debited|written_off|paid)_minor\s*=/.test(s))).toBe(false);
    expect(statements.length).toBeGreaterThan(100);
    const report = await expectInvariants(api.db.pool, { temporal: api.temporal });
    expect(report.memos).toBe(approved.length);
  }, 90_000);
});
