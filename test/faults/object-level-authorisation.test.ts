// F12 object-level authorisation, generated from the route table: every route that takes an id, for every role and
// for ops of each team, against a case (by id and by case number), task, invoice or user of each team's: a role the
// route does not admit gets 403, ops get 404 for a case without a task of their team's (403 for another team's task),
// and none of these answers carries the object's data, changes anything or calls Temporal; whoever may see the object
// gets it. The lists never show ops another team's case. 20 more cases are in flight throughout and finish after.
// (Roles per route, and 401s: test/integration/api-authz.test.ts.)
import { z } from 'zod';
import { routes } from '../../api/routes';
import type { Route } from '../../api/route';
import { startApi, type ApiHarness } from '../support/api';
import {
  caseViaApi,
  cleanDispute,
  createCast,
  driveToMemoViaApi,
  expectInvariants,
  mapLimit,
  openCasesViaApi,
  recordTemporalCalls,
  type Cast,
  type HttpCase,
} from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

const USERS = ['admin', 'specialist', 'manager', 'auditor', 'salesOps', 'orderMgmt'] as const;
type UserKey = (typeof USERS)[number];
const TEAM_OF: Partial<Record<UserKey, string>> = { salesOps: 'SALES_OPS', orderMgmt: 'ORDER_MANAGEMENT' };

/** What an id in a path names, by the route's path: a new kind of id needs its targets here. */
const KINDS: [RegExp, TargetKey[]][] = [
  [/^\/api\/disputes\/:id/, ['caseSO#id', 'caseSO#number', 'caseOM#id', 'caseOM#number', 'caseNone#id', 'caseNone#number']],
  [/^\/api\/tasks\/:id/, ['taskSO', 'taskOM']],
  [/^\/api\/invoices\/:number/, ['invoiceSO', 'invoiceOM']],
  [/^\/api\/users\/:id/, ['user']],
  [/^\/api\/unapplied-cash\/:id/, ['unapplied']],
  [/^\/api\/customers\/:id/, ['customerSO', 'customerOM']],
  [/^\/api\/reason-mappings\/:customerId/, ['customerSO', 'customerOM']],
];
type TargetKey =
  | `${'caseSO' | 'caseOM' | 'caseNone'}#${'id' | 'number'}`
  | 'taskSO' | 'taskOM' | 'invoiceSO' | 'invoiceOM' | 'user' | 'unapplied' | 'customerSO' | 'customerOM';

/** A body each POST route accepts, so that a refusal is about who asks, not what they sent. */
const VALID_BODIES: Record<string, unknown> = {
  '/api/disputes/:id/comments': { body: 'a note' },
  '/api/disputes/:id/resolution': { type: 'NO_CREDIT', rootCause: 'CUSTOMER_ERROR' },
  '/api/disputes/:id/decision': { decision: 'APPROVE' },
  '/api/disputes/:id/cancel': { reason: 'withdrawn' },
  '/api/disputes/:id/retry-evidence': {},
  '/api/disputes/:id/refresh-evidence': {},
  '/api/disputes/:id/assign': { userId: '00000000-0000-4000-8000-000000000000' },
  '/api/disputes/:id/await-customer': { reason: 'asked for the delivery note' },
  '/api/disputes/:id/resume': {},
  '/api/tasks/:id/complete': { outcome: 'CONFIRMED', note: 'checked' },
  '/api/unapplied-cash/:id/apply': { invoiceNumber: 'INV-NONE', amount: '1.00' },
  '/api/reason-mappings/:customerId': { mappings: [{ code: 'SHORT', reasonCode: 'QUANTITY' }] },
  '/api/users/:id': { name: 'Renamed' },
  '/api/users/:id/delegations': { delegateId: '00000000-0000-4000-8000-000000000000', from: '2030-01-01', until: '2030-01-02' },
};
/** Routes a role reaches only for itself: on anyone else's id it gets 403 (a manager's delegations). */
const OWN_ONLY: Partial<Record<UserKey, RegExp>> = { manager: /^\/api\/users\/:id\/delegations$/ };

let api: ApiHarness;
let cast: Cast;
const users = {} as Record<UserKey, TestUser>;
interface Target {
  path: string;
  /** The teams whose ops may see it; null: not a team-scoped object. */
  teams: string[] | null;
  /** Its data: none of it may appear in a refusal. */
  secrets: string[];
  caseId: string | null;
}
const targets = {} as Record<TargetKey, Target>;
let inFlight: HttpCase[];

/** A pricing dispute (Sales Ops), a quantity over the PO (Order Management), or a clean one (no task at all). */
function fixtureFor(team: 'SO' | 'OM' | 'None') {
  if (team === 'SO') return pricingDispute();
  const clean = cleanDispute();
  if (team === 'None') return clean;
  clean.records.invoices![0].lines[0].quantity = 12;
  return clean;
}

describe('F12 object-level authorisation', () => {
  beforeAll(async () => {
    api = await startApi({ worker: true });
    cast = await createCast(api.db.pool);
    Object.assign(users, { ...cast, admin: await api.user('admin'), auditor: await api.user('auditor') });

    const [so, om, none, ...rest] = await openCasesViaApi(api, cast.specialist, [fixtureFor('SO'), fixtureFor('OM'), fixtureFor('None'), ...Array.from({ length: 20 }, (_, i) => fixtureFor(i % 2 ? 'SO' : 'OM'))]);
    inFlight = rest;
    const settled = (c: HttpCase) => caseViaApi(api, cast.specialist, c, 'past EVIDENCE', (d) => d.stage !== 'EVIDENCE');
    const [dso, dom, dnone] = await Promise.all([so, om, none].map(settled));
    expect([dso, dom, dnone].map((d) => d.tasks.map((t: { team: string }) => t.team))).toEqual([['SALES_OPS'], ['ORDER_MANAGEMENT'], []]);
    const caseTargets = { SO: [so, dso, ['SALES_OPS']], OM: [om, dom, ['ORDER_MANAGEMENT']], None: [none, dnone, []] } as const;
    for (const [key, [c, detail, teams]] of Object.entries(caseTargets)) {
      const secrets = [c.fixture.invoiceNumber, c.fixture.customerId, ...detail.tasks.map((t: { id: string }) => t.id)];
      targets[`case${key}#id` as TargetKey] = { path: c.id, teams: [...teams], secrets: [...secrets, c.caseNumber], caseId: c.id };
      targets[`case${key}#number` as TargetKey] = { path: c.caseNumber, teams: [...teams], secrets: [...secrets, c.id], caseId: c.id };
    }
    targets.taskSO = { path: dso.tasks[0].id, teams: ['SALES_OPS'], secrets: [so.caseNumber, so.id, so.fixture.invoiceNumber], caseId: so.id };
    targets.taskOM = { path: dom.tasks[0].id, teams: ['ORDER_MANAGEMENT'], secrets: [om.caseNumber, om.id, om.fixture.invoiceNumber], caseId: om.id };
    targets.invoiceSO = { path: so.fixture.invoiceNumber, teams: null, secrets: [so.fixture.customerId], caseId: null };
    targets.invoiceOM = { path: om.fixture.invoiceNumber, teams: null, secrets: [om.fixture.customerId], caseId: null };
    const victim = await api.user('specialist');
    targets.user = { path: victim.id, teams: null, secrets: [victim.name], caseId: null };
    targets.customerSO = { path: so.fixture.customerId, teams: null, secrets: [so.fixture.invoiceNumber], caseId: null };
    targets.customerOM = { path: om.fixture.customerId, teams: null, secrets: [om.fixture.invoiceNumber], caseId: null };
    for (const customerId of [so.fixture.customerId, om.fixture.customerId]) {
      const mapped = await api.request('PUT', `/api/reason-mappings/${customerId}`, { token: cast.specialist.token, body: VALID_BODIES['/api/reason-mappings/:customerId'] });
      expect(mapped.status).toBe(200);
    }
    const paymentId = `PAY-${so.caseNumber}`;
    const posted = await api.request('POST', '/api/payments', {
      token: cast.specialist.token,
      body: { payments: [{ id: paymentId, customerId: so.fixture.customerId, receivedAt: '2026-12-01T00:00:00Z', currency: 'USD', amount: '1.00', remittance: [] }] },
    });
    expect(posted.body.unapplied).toBe(1);
    const [cash] = (await api.request('GET', `/api/unapplied-cash?customerId=${so.fixture.customerId}`, { token: cast.specialist.token })).body.items;
    targets.unapplied = { path: cash.id, teams: null, secrets: [paymentId, so.fixture.customerId], caseId: null };
  }, 60_000);

  afterAll(() => api?.close());

  const idRoutes = routes.filter((r) => r.path.includes('/:'));
  const kindOf = (route: Route) => KINDS.find(([pattern]) => pattern.test(route.path))?.[1];

  it('knows what the id of every id-taking route names, and a valid body for each of them that takes one', () => {
    expect(idRoutes.filter((r) => !kindOf(r)).map((r) => r.path)).toEqual([]);
    expect(idRoutes.filter((r) => r.body && !(r.path in VALID_BODIES)).map((r) => r.path)).toEqual([]);
  });

  const matrix = idRoutes.flatMap((route) => (kindOf(route) ?? []).flatMap((target) => USERS.map((user) => ({ route, target, user }))));

  describe.each(idRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r]))('%s', (_name, route) => {
    it.each(matrix.filter((m) => m.route === route).map((m) => [m.user, m.target, m]))('as %s, on %s', async (_u, _t, { user, target }) => {
      const t = targets[target];
      const u = users[user];
      const admitted = (route.roles as readonly string[]).includes(u.role);
      const team = TEAM_OF[user];
      const ownOnly = OWN_ONLY[user]?.test(route.path) ?? false;
      const visible = admitted && !ownOnly && (team === undefined || t.teams === null || t.teams.includes(team));
      const path = route.path.replace(/:(\w+)/, encodeURIComponent(t.path));

      if (!visible) {
        const before = t.caseId ? await caseCounts(t.caseId) : null;
        const calls = recordTemporalCalls(api.temporal);
        let res;
        try {
          res = await api.request(route.method, path, { token: u.token, body: route.body ? VALID_BODIES[route.path] : undefined });
        } finally {
          jest.restoreAllMocks();
        }
        const expected = !admitted || ownOnly ? 403 : route.path.startsWith('/api/tasks/') ? 403 : 404;
        expect({ status: res.status, leaked: t.secrets.filter((s) => JSON.stringify(res.body).includes(s)) }).toEqual({ status: expected, leaked: [] });
        expect(calls).toEqual([]);
        if (t.caseId) expect(await caseCounts(t.caseId)).toEqual(before);
        return;
      }
      if (route.method === 'get') {
        const res = await api.request('GET', path, { token: u.token });
        expect(res.status).toBe(200);
        return;
      }
      // Admitted and visible: a body the route refuses shows the request got past every check of who may ask.
      const res = await api.request(route.method, path, { token: u.token, body: route.body ? { notAField: true } : undefined });
      expect([401, 403, 404]).not.toContain(res.status);
    });
  });

  async function caseCounts(caseId: string) {
    const { rows } = await api.db.pool.query(
      `SELECT (SELECT count(*) FROM case_events WHERE case_id = $1)::int AS events,
            (SELECT count(*) FROM case_comments WHERE case_id = $1)::int AS comments,
            (SELECT count(*) FROM tasks WHERE case_id = $1 AND status <> 'OPEN')::int AS closed_tasks`,
      [caseId],
    );
    return rows[0];
  }

  describe('lists', () => {
    const lists = routes.filter((r) => r.method === 'get' && !r.path.includes('/:') && (r.roles as readonly string[]).includes('ops'));

    it.each(lists.flatMap((r) => (['salesOps', 'orderMgmt'] as const).map((user) => [`${r.path} as ${user}`, r, user] as const)))(
      '%s shows no case without a task of the team',
      async (_name, route, user) => {
        const team = TEAM_OF[user]!;
        const res = await api.request('GET', route.path, { token: users[user].token });
        expect(res.status).toBe(200);
        const text = JSON.stringify(res.body);
        const hidden = Object.values(targets).filter((t) => t.teams !== null && !t.teams.includes(team));
        expect(hidden.flatMap((t) => t.secrets.filter((s) => text.includes(s)))).toEqual([]);
        if (route.query instanceof z.ZodObject && 'team' in route.query.shape) {
          const other = team === 'SALES_OPS' ? 'ORDER_MANAGEMENT' : 'SALES_OPS';
          expect((await api.request('GET', `${route.path}?team=${other}`, { token: users[user].token })).status).toBe(403);
        }
      },
    );
  });

  it('finishes the cases that were in flight, and every invariant holds', async () => {
    await mapLimit(inFlight, 10, (c) => driveToMemoViaApi(api, cast, c));
    await expectInvariants(api.db.pool, { temporal: api.temporal });
  }, 60_000);
});
