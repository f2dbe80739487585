// F14 broken authentication, generated from the route table: every /api route, with no token, a malformed header, an
// unknown token, a near miss of a real one, and the token of a user revoked a moment before, answers 401 with
// WWW-Authenticate, writes nothing and makes no call at all to Temporal. With 20 cases in flight, a manager revoked
// while their cases wait for approval is refused at once; another manager finishes them.
import { randomUUID } from 'node:crypto';
import { routes } from '../../api/routes';
import { startApi, type ApiHarness } from '../support/api';
import {
  caseViaApi,
  completeTasksViaApi,
  createCast,
  expectInvariants,
  mapLimit,
  openCasesViaApi,
  recordTemporalCalls,
  type Cast,
  type HttpCase,
} from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let cast: Cast;
let admin: TestUser;
let revoked: TestUser;

describe('F14 broken authentication', () => {
  beforeAll(async () => {
    api = await startApi({ worker: true });
    cast = await createCast(api.db.pool);
    admin = await api.user('admin');
    revoked = await api.user('admin');
    expect((await api.request('GET', '/api/me', { token: revoked.token })).status).toBe(200);
    expect((await api.request('POST', `/api/users/${revoked.id}/revoke`, { token: admin.token })).status).toBe(200);
  }, 60_000);

  afterAll(() => api?.close());

  const apiRoutes = routes.filter((r) => r.roles !== 'public');
  const headersFor = (): Record<string, Record<string, string>> => ({
    'no header': {},
    'an empty bearer': { authorization: 'Bearer ' },
    'another scheme': { authorization: `Basic ${Buffer.from(`admin:${admin.token}`).toString('base64')}` },
    'the token alone': { authorization: admin.token },
    'an unknown token': { authorization: `Bearer ${randomUUID()}` },
    'a near miss': { authorization: `Bearer ${admin.token.slice(0, -1)}${admin.token.endsWith('A') ? 'B' : 'A'}` },
    'a token and more': { authorization: `Bearer ${admin.token} ${admin.token}` },
    'SQL for a token': { authorization: `Bearer ' OR '1'='1` },
    'a revoked token': { authorization: `Bearer ${revoked.token}` },
  });

  const snapshot = async () =>
    (await api.db.pool.query(
      `SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM users)::int AS users,
            (SELECT count(*) FROM users WHERE revoked_at IS NOT NULL)::int AS revoked,
            (SELECT count(*) FROM case_comments)::int AS comments, (SELECT count(*) FROM customers)::int AS customers`,
    )).rows[0];

  it.each(apiRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r]))('%s: 401 for every broken credential, nothing done', async (_name, route) => {
    const path = route.path.replace(/:(\w+)/g, () => randomUUID());
    const before = await snapshot();
    const calls = recordTemporalCalls(api.temporal);
    try {
      for (const [credential, headers] of Object.entries(headersFor())) {
        const res = await api.request(route.method, path, { headers, body: route.body ? {} : undefined });
        expect({ credential, status: res.status, code: res.body.error?.code, challenge: res.headers.get('www-authenticate') }).toEqual({
          credential,
          status: 401,
          code: 'UNAUTHORIZED',
          challenge: 'Bearer',
        });
      }
    } finally {
      jest.restoreAllMocks();
    }
    expect(calls).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a manager revoked while their cases wait for approval, at once and without asking Temporal', async () => {
    const leaving = await api.user('manager', { approvalLimit: null });
    const cases: HttpCase[] = await openCasesViaApi(api, cast.specialist, Array.from({ length: 20 }, () => pricingDispute()));
    await mapLimit(cases, 10, async (c) => {
      await completeTasksViaApi(api, cast, c);
      const res = await api.request('POST', `/api/disputes/${c.id}/resolution`, { token: cast.specialist.token, body: { type: 'CREDIT', amount: '100.00', rootCause: 'OTHER' } });
      expect(res.status).toBe(200);
    });
    // Half approved by the manager before they leave, the rest refused after.
    const [before, after] = [cases.slice(0, 10), cases.slice(10)];
    await mapLimit(before, 10, async (c) => {
      expect((await api.request('POST', `/api/disputes/${c.id}/decision`, { token: leaving.token, body: { decision: 'APPROVE' } })).status).toBe(200);
    });
    expect((await api.request('POST', `/api/users/${leaving.id}/revoke`, { token: admin.token })).status).toBe(200);

    const calls = recordTemporalCalls(api.temporal);
    try {
      for (const c of after) {
        const res = await api.request('POST', `/api/disputes/${c.id}/decision`, { token: leaving.token, body: { decision: 'APPROVE' } });
        expect(res.status).toBe(401);
      }
      expect((await api.request('GET', '/api/me', { token: leaving.token })).status).toBe(401);
    } finally {
      jest.restoreAllMocks();
    }
    expect(calls).toEqual([]);
    const { rows } = await api.db.pool.query(`SELECT count(*)::int AS n FROM cases WHERE id = ANY($1) AND stage = 'APPROVAL'`, [after.map((c) => c.id)]);
    expect(rows[0].n).toBe(10);

    await mapLimit(after, 10, async (c) => {
      expect((await api.request('POST', `/api/disputes/${c.id}/decision`, { token: cast.manager.token, body: { decision: 'APPROVE' } })).status).toBe(200);
    });
    await mapLimit(cases, 10, (c) => caseViaApi(api, cast.specialist, c, 'CLOSED', (d) => d.status === 'CLOSED'));
    const { rows: deciders } = await api.db.pool.query('SELECT decided_by, count(*)::int AS n FROM approvals GROUP BY decided_by ORDER BY n');
    expect(deciders).toEqual(expect.arrayContaining([{ decided_by: leaving.id, n: 10 }, { decided_by: cast.manager.id, n: 10 }]));
    await expectInvariants(api.db.pool, { temporal: api.temporal, allClosed: true });
  }, 60_000);
});
