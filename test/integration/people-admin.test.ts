// People administration as the application role runs it: users listed a page at a time, changed field by field
// under the rules of their role (each refusal names its field and writes nothing), deactivated and reactivated
// (the token refused and taken back at once), delegations between managers, and the administration trail that
// records every change in the change's own transaction and that the application role cannot rewrite.
import { randomUUID } from 'node:crypto';
import { ensureBootstrapAdmin } from '../../api/auth';
import { startApiAsAppRole, type ApiResponse, type AppRoleApiHarness } from '../support/api';
import { sqlOutcome } from '../support/database';
import type { TestUser } from '../../testkit/fixtures';

const SYSTEM_ID = '00000000-0000-0000-0000-000000000001';
const DAY = 86_400_000;

let api: AppRoleApiHarness;
let admin: TestUser;
let auditor: TestUser;

beforeAll(async () => {
  api = await startApiAsAppRole();
  [admin, auditor] = await Promise.all([api.user('admin'), api.user('auditor')]);
}, 60_000);

afterAll(() => api?.close());

/** A user made through the API, with their token. */
async function create(body: Record<string, unknown>) {
  const res = await api.request('POST', '/api/users', { token: admin.token, body: { name: `${body.role} ${randomUUID().slice(0, 8)}`, ...body } });
  expect({ status: res.status, body: res.status === 201 ? null : res.body }).toEqual({ status: 201, body: null });
  return res.body as { id: string; name: string; token: string; role: string };
}

const patch = (id: string, body: unknown, token = admin.token) => api.request('PATCH', `/api/users/${id}`, { token, body });
const named = (res: { body: { error?: { details?: { field: string }[] } } }) => [...new Set(res.body.error?.details?.map((d) => d.field))];

/** Everything a refused request could have written. */
const written = async () =>
  (await api.db.pool.query(`SELECT (SELECT json_agg(u ORDER BY id) FROM (SELECT id, name, team, approval_limit_minor, lead, active, revoked_at FROM users) u) AS users,
    (SELECT json_agg(l ORDER BY user_id, currency) FROM approval_limits l) AS limits,
    (SELECT count(*) FROM admin_events)::int AS events, (SELECT count(*) FROM delegations)::int AS delegations`)).rows[0];

async function trail(query: string, token = auditor.token) {
  const res = await api.request('GET', `/api/admin-events?${query}`, { token });
  expect(res.status).toBe(200);
  return res.body.items as { seq: number; type: string; subjectId: string; actor: { id: string; name: string }; data: Record<string, unknown> }[];
}

describe('creating people', () => {
  it('gives a manager limits per currency (the base one stays approvalLimit) and an ops user the lead, and records both', async () => {
    const manager = await create({ role: 'manager', approvalLimit: '5000', approvalLimits: { EUR: '4000.00', GBP: '0' } });
    expect(manager).toMatchObject({ approvalLimit: '5000.00', approvalLimits: { EUR: '4000.00', GBP: '0.00', USD: '5000.00' }, lead: false, active: true });
    const me = await api.request('GET', '/api/me', { token: manager.token });
    expect(me.body).toEqual({ id: manager.id, name: manager.name, role: 'manager', team: null, approvalLimit: '5000.00',
      approvalLimits: { EUR: '4000.00', GBP: '0.00', USD: '5000.00' }, lead: false, active: true });
    const onlyByMap = await create({ role: 'manager', approvalLimits: { USD: '10.00', EUR: '9.00' } });
    expect(onlyByMap).toMatchObject({ approvalLimit: '10.00', approvalLimits: { USD: '10.00', EUR: '9.00' } });
    const lead = await create({ role: 'ops', team: 'SALES_OPS', lead: true });
    expect(lead).toMatchObject({ lead: true, approvalLimits: {} });

    const [created] = await trail(`subjectId=${manager.id}`);
    expect(created).toMatchObject({ type: 'USER_CREATED', actor: { id: admin.id, name: admin.name },
      data: { name: manager.name, role: 'manager', approvalLimits: { EUR: '4000.00', GBP: '0.00', USD: '5000.00' } } });
    expect(JSON.stringify(created)).not.toContain(manager.token);
  });

  it('refuses limits that disagree, are not ISO 4217 or too many, and a lead that is not ops, writing nothing', async () => {
    const before = await written();
    const refusals: [Record<string, unknown>, number, string][] = [
      [{ role: 'manager', approvalLimit: '200.00', approvalLimits: { USD: '100.00' } }, 422, 'approvalLimits.USD'],
      [{ role: 'manager', approvalLimit: null, approvalLimits: { USD: '100.00' } }, 422, 'approvalLimits.USD'],
      [{ role: 'manager', approvalLimits: { eur: '1.00' } }, 400, 'approvalLimits'],
      [{ role: 'manager', approvalLimits: { EUR: '-1.00' } }, 400, 'approvalLimits.EUR'],
      [{ role: 'manager', approvalLimits: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`A${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`, '1.00'])) }, 422, 'approvalLimits'],
      [{ role: 'specialist', approvalLimits: { EUR: '1.00' } }, 400, 'approvalLimits'],
      [{ role: 'manager', lead: true }, 400, 'lead'],
    ];
    for (const [body, status, field] of refusals) {
      const res = await api.request('POST', '/api/users', { token: admin.token, body: { name: 'Refused', ...body } });
      expect({ field, status: res.status, named: named(res).some((f) => f.startsWith(field)) }).toEqual({ field, status, named: true });
    }
    expect(await written()).toEqual(before);
  });
});

describe('the list of users', () => {
  it('pages through everyone by name with the filters, never a token', async () => {
    const team = 'ORDER_MANAGEMENT';
    const ops = await Promise.all(Array.from({ length: 5 }, () => create({ role: 'ops', team })));
    // The longest name, in a script of three bytes a character: its page still ends in a cursor the query takes.
    ops.push(await create({ role: 'ops', team, name: '€'.repeat(200) }));
    await patch(ops[0].id, { active: false });
    const seen: { id: string; name: string; active: boolean; team: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: ApiResponse = await api.request('GET', `/api/users?role=ops&team=${team}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.token });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toMatch(/token|hash/i);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(new Set(seen.map((u) => u.id)).size).toBe(seen.length);
    const onePage = (await api.request('GET', `/api/users?role=ops&team=${team}&limit=200`, { token: admin.token })).body.items;
    expect(seen.map((u) => u.id)).toEqual(onePage.map((u: { id: string }) => u.id));
    expect(seen.map((u) => u.id)).toEqual(expect.arrayContaining(ops.map((u) => u.id)));
    expect(seen.every((u) => u.team === team)).toBe(true);

    const active = (await api.request('GET', `/api/users?role=ops&team=${team}&active=true&limit=200`, { token: admin.token })).body.items;
    const inactive = (await api.request('GET', `/api/users?active=false&limit=200`, { token: admin.token })).body.items;
    expect(active.map((u: { id: string }) => u.id)).not.toContain(ops[0].id);
    expect(inactive.map((u: { id: string }) => u.id)).toEqual([ops[0].id]);
    const everyone = (await api.request('GET', '/api/users?limit=200', { token: admin.token })).body.items;
    expect(everyone.map((u: { id: string }) => u.id)).not.toContain(SYSTEM_ID);

    expect((await api.request('GET', '/api/users', { token: auditor.token })).status).toBe(403);
    const badCursor = await api.request('GET', '/api/users?cursor=abc', { token: admin.token });
    expect({ status: badCursor.status, named: named(badCursor) }).toEqual({ status: 422, named: ['cursor'] });
    const badFlag = await api.request('GET', '/api/users?active=yes', { token: admin.token });
    expect({ status: badFlag.status, named: named(badFlag) }).toEqual({ status: 400, named: ['active'] });
  });
});

describe('changing a user', () => {
  it('refuses each field the role does not take, naming it, and writes nothing', async () => {
    const bootstrap = await ensureBootstrapAdmin(api.db.pool, randomUUID());
    const [ops, specialist, manager] = [await create({ role: 'ops', team: 'SALES_OPS' }), await create({ role: 'specialist' }), await create({ role: 'manager', approvalLimit: '10.00' })];
    const before = await written();
    const refusals: [string, unknown, number, string | null][] = [
      [manager.id, {}, 422, null],
      [ops.id, { team: 'NOWHERE' }, 422, 'team'],
      [ops.id, { team: null }, 422, 'team'],
      [specialist.id, { approvalLimit: '1.00' }, 422, 'approvalLimit'],
      [specialist.id, { approvalLimits: { EUR: '1.00' } }, 422, 'approvalLimits'],
      [manager.id, { lead: true }, 422, 'lead'],
      [manager.id, { approvalLimit: '2.00', approvalLimits: { USD: '1.00' } }, 422, 'approvalLimits.USD'],
      [manager.id, { name: 'Promoted', role: 'admin' }, 400, 'role'],
      [manager.id, { name: ' ' }, 400, 'name'],
      [randomUUID(), { name: 'Nobody' }, 404, null],
      ['not-a-uuid', { name: 'Nobody' }, 404, null],
      [bootstrap.id, { name: 'Renamed admin' }, 409, null],
      [SYSTEM_ID, { name: 'Renamed system' }, 409, null],
      [admin.id, { active: false }, 409, null],
    ];
    for (const [id, body, status, field] of refusals) {
      const res = await patch(id, body);
      expect({ body, status: res.status, named: field ? named(res) : [] }).toEqual({ body, status, named: field ? [field] : [] });
    }
    expect((await patch(manager.id, { name: 'x' }, auditor.token)).status).toBe(403);
    expect(await written()).toEqual(before);
  });

  it('changes name, team, lead and limits (approvalLimits replaces the set), recording before and after of what changed', async () => {
    const manager = await create({ role: 'manager', approvalLimit: '100.00', approvalLimits: { EUR: '50.00' } });
    const replaced = await patch(manager.id, { approvalLimits: { GBP: '70.00', USD: '120.00' } });
    expect({ status: replaced.status, approvalLimit: replaced.body.approvalLimit, approvalLimits: replaced.body.approvalLimits })
      .toEqual({ status: 200, approvalLimit: '120.00', approvalLimits: { GBP: '70.00', USD: '120.00' } });
    const baseOnly = await patch(manager.id, { approvalLimit: null });
    expect(baseOnly.body).toMatchObject({ approvalLimit: null, approvalLimits: { GBP: '70.00' } });
    const [second, first] = await trail(`subjectId=${manager.id}&type=USER_CHANGED`);
    expect(first.data).toEqual({
      before: { approvalLimit: '100.00', approvalLimits: { EUR: '50.00', USD: '100.00' } },
      after: { approvalLimit: '120.00', approvalLimits: { GBP: '70.00', USD: '120.00' } },
    });
    expect(second.data).toEqual({ before: { approvalLimit: '120.00', approvalLimits: { GBP: '70.00', USD: '120.00' } }, after: { approvalLimit: null, approvalLimits: { GBP: '70.00' } } });

    const ops = await create({ role: 'ops', team: 'SALES_OPS' });
    const moved = await patch(ops.id, { name: 'Lead of Order Management', team: 'ORDER_MANAGEMENT', lead: true });
    expect(moved.body).toMatchObject({ name: 'Lead of Order Management', team: 'ORDER_MANAGEMENT', lead: true });
    const [changed] = await trail(`subjectId=${ops.id}&type=USER_CHANGED`);
    expect(changed.data).toEqual({
      before: { name: ops.name, team: 'SALES_OPS', lead: false },
      after: { name: 'Lead of Order Management', team: 'ORDER_MANAGEMENT', lead: true },
    });
    // The same values again change nothing, and the trail says nothing.
    const events = (await written()).events;
    expect((await patch(ops.id, { lead: true })).status).toBe(200);
    expect((await written()).events).toBe(events);
  });

  it("refuses a deactivated user's token at once, and takes it back on reactivation", async () => {
    const leaving = await create({ role: 'specialist' });
    expect((await api.request('GET', '/api/me', { token: leaving.token })).status).toBe(200);
    const off = await patch(leaving.id, { active: false });
    expect(off.body).toMatchObject({ id: leaving.id, active: false });
    expect((await api.request('GET', '/api/me', { token: leaving.token })).status).toBe(401);
    expect((await api.request('GET', '/api/disputes', { token: leaving.token })).status).toBe(401);
    const people = (await api.request('GET', '/api/people?role=specialist', { token: auditor.token })).body.items;
    expect(people.map((p: { id: string }) => p.id)).not.toContain(leaving.id);
    expect((await patch(leaving.id, { active: true })).body).toMatchObject({ active: true });
    const back = await api.request('GET', '/api/me', { token: leaving.token });
    expect({ status: back.status, active: back.body.active }).toEqual({ status: 200, active: true });
    const [on, offEvent] = await trail(`subjectId=${leaving.id}&type=USER_CHANGED`);
    expect([offEvent.data, on.data]).toEqual([{ before: { active: true }, after: { active: false } }, { before: { active: false }, after: { active: true } }]);
  });

  it('records a revocation once, however often it is sent', async () => {
    const revoked = await create({ role: 'auditor' });
    for (let i = 0; i < 2; i++) expect((await api.request('POST', `/api/users/${revoked.id}/revoke`, { token: admin.token })).status).toBe(200);
    expect((await trail(`subjectId=${revoked.id}&type=USER_REVOKED`)).map((e) => e.type)).toEqual(['USER_REVOKED']);
    expect((await api.request('GET', '/api/me', { token: revoked.token })).status).toBe(401);
  });
});

describe('delegations', () => {
  it('lets a manager, or an admin, hand his approvals to another active manager for a period, and shows them', async () => {
    const [away, standIn, gone] = [await create({ role: 'manager' }), await create({ role: 'manager' }), await create({ role: 'manager' })];
    const specialist = await create({ role: 'specialist' });
    await patch(gone.id, { active: false });
    const now = Date.now();
    const from = new Date(now - DAY).toISOString();
    const until = new Date(now + 7 * DAY).toISOString();

    const own = await api.request('POST', `/api/users/${away.id}/delegations`, { token: away.token, body: { delegateId: standIn.id, from, until } });
    expect(own.status).toBe(201);
    expect(own.body).toEqual({ id: expect.any(String), managerId: away.id, managerName: away.name, delegateId: standIn.id, delegateName: standIn.name,
      from, until, createdBy: { id: away.id, name: away.name }, createdAt: expect.any(String) });
    const later = { delegateId: standIn.id, from: new Date(now + 30 * DAY).toISOString(), until: new Date(now + 40 * DAY).toISOString() };
    const byAdmin = await api.request('POST', `/api/users/${away.id}/delegations`, { token: admin.token, body: later });
    expect({ status: byAdmin.status, createdBy: byAdmin.body.createdBy }).toEqual({ status: 201, createdBy: { id: admin.id, name: admin.name } });

    const before = await written();
    const refusals: [string, TestUser | { token: string }, unknown, number, string | null][] = [
      [standIn.id, away, { delegateId: away.id, from, until }, 403, null],
      [randomUUID(), admin, { delegateId: standIn.id, from, until }, 404, null],
      [specialist.id, admin, { delegateId: standIn.id, from, until }, 422, 'id'],
      [gone.id, admin, { delegateId: standIn.id, from, until }, 422, 'id'],
      [away.id, away, { delegateId: away.id, from, until }, 422, 'delegateId'],
      [away.id, away, { delegateId: specialist.id, from, until }, 422, 'delegateId'],
      [away.id, away, { delegateId: gone.id, from, until }, 422, 'delegateId'],
      [away.id, away, { delegateId: randomUUID(), from, until }, 422, 'delegateId'],
      [away.id, away, { delegateId: standIn.id, from: until, until: from }, 422, 'until'],
      [away.id, away, { delegateId: standIn.id, from: until, until }, 422, 'until'],
      [away.id, away, { delegateId: standIn.id, from: '2020-01-01', until: '2020-01-05' }, 422, 'until'],
      [away.id, away, { delegateId: standIn.id, from, until: new Date(now + 400 * DAY).toISOString() }, 422, 'until'],
      [away.id, away, { delegateId: standIn.id, from: 'tomorrow', until }, 400, 'from'],
    ];
    for (const [id, user, body, status, field] of refusals) {
      const res = await api.request('POST', `/api/users/${id}/delegations`, { token: user.token, body });
      expect({ body, status: res.status, named: field ? named(res) : [] }).toEqual({ body, status, named: field ? [field] : [] });
    }
    expect(await written()).toEqual(before);

    const history = await api.request('GET', `/api/users/${away.id}/delegations`, { token: auditor.token });
    expect(history.body.items.map((d: { id: string }) => d.id)).toEqual([byAdmin.body.id, own.body.id]);
    expect((await api.request('GET', `/api/users/${away.id}/delegations`, { token: away.token })).status).toBe(200);
    expect((await api.request('GET', `/api/users/${away.id}/delegations`, { token: standIn.token })).status).toBe(403);
    expect((await api.request('GET', `/api/users/${randomUUID()}/delegations`, { token: admin.token })).status).toBe(404);
    const mine = await api.request('GET', '/api/me/delegations', { token: away.token });
    expect({ given: mine.body.given.map((d: { id: string }) => d.id), received: mine.body.received }).toEqual({ given: [own.body.id, byAdmin.body.id], received: [] });
    const theirs = await api.request('GET', '/api/me/delegations', { token: standIn.token });
    expect({ given: theirs.body.given, received: theirs.body.received.map((d: { id: string }) => d.id) }).toEqual({ given: [], received: [own.body.id, byAdmin.body.id] });

    const events = await trail(`subjectId=${away.id}&type=DELEGATION_CREATED`);
    expect(events.map((e) => [e.actor.id, e.data])).toEqual([
      [admin.id, { delegationId: byAdmin.body.id, delegateId: standIn.id, delegateName: standIn.name, from: later.from, until: later.until }],
      [away.id, { delegationId: own.body.id, delegateId: standIn.id, delegateName: standIn.name, from, until }],
    ]);
  });
});

describe('the administration trail', () => {
  it('is read by admins and auditors, newest first, a page at a time, by type or subject', async () => {
    const all: number[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await api.request('GET', `/api/admin-events?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.token });
      expect(res.status).toBe(200);
      all.push(...res.body.items.map((e: { seq: number }) => e.seq));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(all.length).toBe((await written()).events);
    expect(all).toEqual([...all].sort((a, b) => b - a));
    expect((await trail('type=USER_REVOKED')).every((e) => e.type === 'USER_REVOKED')).toBe(true);
    for (const role of ['specialist', 'manager', 'ops', 'cash'] as const) {
      const user = await api.user(role, role === 'ops' ? { team: 'SALES_OPS' } : {});
      expect((await api.request('GET', '/api/admin-events', { token: user.token })).status).toBe(403);
    }
    const bad = await api.request('GET', '/api/admin-events?type=SOMETHING_ELSE', { token: auditor.token });
    expect({ status: bad.status, named: named(bad) }).toEqual({ status: 400, named: ['type'] });
  });

  it('cannot be changed by the application role', async () => {
    const app = api.appRole.pool;
    expect(await sqlOutcome(app, `UPDATE admin_events SET data = '{}'`)).toBe('42501: permission denied for table admin_events');
    expect(await sqlOutcome(app, 'DELETE FROM admin_events')).toBe('42501: permission denied for table admin_events');
    expect(await sqlOutcome(app, 'TRUNCATE admin_events')).toMatch(/^42501: permission denied/);
    expect(await sqlOutcome(app, `UPDATE delegations SET ends_at = now()`)).toBe('42501: permission denied for table delegations');
    // Nor by the owner, whom the triggers refuse.
    expect(await sqlOutcome(api.db.pool, 'DELETE FROM admin_events')).toMatch(/^\w+: /);
    expect((await written()).events).toBeGreaterThan(0);
  });
});
