// F17 trail tampering. The API and the worker run as a login of ar_dispute_app (migrations/0003_app_role.sql), the
// role the application is given in production, while 24 cases go through their lives over HTTP: every route of the
// table answers with that role's grants alone. For that role UPDATE, DELETE and TRUNCATE on the trail (and on the
// other append-only tables) fail for want of the privilege, and so does anything that would switch the triggers
// off. The tables' owner is refused by the triggers, but can disable them — which is why the application must not
// be the owner — and what it does around them is caught: verify_case_trail() names the edited or removed row, the
// invariant check the removed last row, and nothing else is reported.
import { AppMetrics } from '../../api/observability';
import { routes } from '../../api/routes';
import { startApiAsAppRole, type AppRoleApiHarness } from '../support/api';
import { APP_ROLE, sqlOutcome } from '../support/database';
import {
  caseViaApi,
  completeTasksViaApi,
  createCast,
  driveToMemoViaApi,
  mapLimit,
  importViaApi,
  openParkedCaseViaApi,
  openCasesViaApi,
  routesAnswered,
  type Cast,
  type HttpCase,
} from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { checkInvariants } from '../../testkit/invariants';
import { camt054Fixture } from '../support/camt054-fixtures';

const metrics = new AppMetrics();

let api: AppRoleApiHarness;
let cast: Cast;
let admin: TestUser;
let auditor: TestUser;

describe('F17 trail tampering', () => {
  beforeAll(async () => {
    api = await startApiAsAppRole({ worker: true, app: { metrics } });
    cast = await createCast(api.db.pool);
    [admin, auditor] = await Promise.all([api.user('admin'), api.user('auditor')]);
  }, 60_000);

  afterAll(() => api?.close());

  let finished: HttpCase[];
  let inFlight: HttpCase[];

  it('runs every route of the table, and the whole life of a case, as the application role', async () => {
    const { rows } = await api.appRole.pool.query(`SELECT current_user AS me, pg_has_role(current_user, $1, 'MEMBER') AS member,
      (SELECT tableowner FROM pg_tables WHERE tablename = 'case_events') AS owner`, [APP_ROLE]);
    expect(rows[0]).toEqual({ me: api.appRole.login, member: true, owner: expect.not.stringMatching(api.appRole.login) });

    // A case parked on a malformed record: retry-evidence is accepted (and parks it again) until the record is fixed.
    const parkedFixture = pricingDispute();
    const parked = await openParkedCaseViaApi(api, cast.specialist, parkedFixture);

    const cases = await openCasesViaApi(api, cast.specialist, Array.from({ length: 25 }, () => pricingDispute()));
    const cancelled = cases.pop()!;
    finished = cases.slice(0, 10);
    inFlight = cases.slice(10);
    await mapLimit(finished, 10, (c) => driveToMemoViaApi(api, cast, c));
    await mapLimit(inFlight, 10, (c) => caseViaApi(api, cast.specialist, c, 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION'));

    // Reads, each by a role the route lets in.
    const c = finished[0];
    const gets: [string, TestUser][] = [
      ['/health', admin],
      ['/openapi.json', admin],
      ['/api/me', auditor],
      ['/api/config', cast.salesOps],
      ['/api/teams', cast.salesOps],
      ['/api/people?role=manager', cast.specialist],
      ['/api/routing', auditor],
      [`/api/invoices/${c.fixture.invoiceNumber}`, auditor],
      [`/api/invoices/${c.fixture.invoiceNumber}/evidence`, auditor],
      [`/api/invoices?number=${c.fixture.invoiceNumber}`, auditor],
      ['/api/disputes?status=CLOSED', auditor],
      [`/api/disputes/${c.caseNumber}`, cast.salesOps],
      [`/api/disputes/${c.caseNumber}/evidence`, cast.salesOps],
      ['/api/tasks?status=OPEN', cast.salesOps],
      ['/api/reports/cycle-time?groupBy=team', cast.manager],
      ['/api/reports/overview', auditor],
      ['/api/reports/deductions', auditor],
      ['/api/records/imports', auditor],
      ['/api/people?role=specialist', cast.manager],
    ];
    for (const [path, user] of gets) {
      const res = await api.request('GET', path, { token: user.token });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }

    // Writes the lives above did not need.
    const post = async (path: string, user: TestUser, body: unknown, status = 200) => {
      const res = await api.request('POST', path, { token: user.token, body });
      expect({ path, status: res.status, body: res.status === status ? null : res.body }).toEqual({ path, status, body: null });
      return res.body;
    };
    await post(`/api/disputes/${inFlight[0].id}/comments`, cast.salesOps, { body: 'price list checked' }, 201);
    expect((await api.request('GET', `/api/disputes/${inFlight[0].id}/comments`, { token: auditor.token })).status).toBe(200);
    expect((await api.request('GET', `/api/disputes/${inFlight[0].id}/notifications`, { token: auditor.token })).status).toBe(200);
    const created = await post('/api/users', admin, { name: 'Temp Specialist', role: 'specialist' }, 201);
    await post(`/api/users/${created.id}/revoke`, admin, undefined);
    // People administration: a change, a delegation between managers, the lists and the administration trail.
    const standIn = await api.user('manager');
    const changed = await api.request('PATCH', `/api/users/${standIn.id}`, { token: admin.token, body: { approvalLimits: { USD: '500.00', EUR: '400.00' } } });
    expect(changed.status).toBe(200);
    await post(`/api/users/${cast.manager.id}/delegations`, cast.manager, { delegateId: standIn.id, from: new Date().toISOString(), until: new Date(Date.now() + 86_400_000).toISOString() }, 201);
    for (const [path, user] of [
      ['/api/users', admin], [`/api/users/${cast.manager.id}/delegations`, auditor], ['/api/me/delegations', standIn],
      ['/api/admin-events', auditor], ['/api/people?role=manager', cast.salesOps],
    ] as const) {
      expect({ path, status: (await api.request('GET', path, { token: user.token })).status }).toEqual({ path, status: 200 });
    }
    await post(`/api/disputes/${cancelled.id}/cancel`, cast.manager, { reason: 'customer withdrew' });
    // Its owner waits on the customer and resumes; a manager hands the case on.
    await post(`/api/disputes/${inFlight[1].id}/await-customer`, cast.specialist, { reason: 'asked for the delivery note' });
    await post(`/api/disputes/${inFlight[1].id}/resume`, cast.specialist, {});
    await post(`/api/disputes/${inFlight[1].id}/assign`, cast.manager, { userId: cast.specialist2.id });

    await post(`/api/disputes/${parked.id}/retry-evidence`, cast.specialist, {});
    await caseViaApi(api, cast.specialist, parked, 'parked again', (d) => d.evidenceError !== null);
    await importViaApi(api, cast.specialist, [parkedFixture]);
    await post(`/api/disputes/${parked.id}/retry-evidence`, cast.manager, {});
    inFlight.push(parked);
    await caseViaApi(api, cast.specialist, parked, 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION');
    // A refresh adds a set of findings, and removes none.
    await post(`/api/disputes/${parked.id}/refresh-evidence`, cast.specialist, {});
    await caseViaApi(api, cast.specialist, parked, 'refreshed', (d) => d.events.some((e: { type: string }) => e.type === 'EVIDENCE_REFRESHED'));

    // Money: a payment part-applied and part left, that cash applied, the lists and a customer's open items.
    const cashier = await api.user('cash');
    const payer = inFlight[0].fixture;
    const paid = await post('/api/payments', cashier, {
      payments: [{ id: `PAY-${payer.invoiceNumber}`, customerId: payer.customerId, receivedAt: '2026-12-01T00:00:00Z', currency: 'USD', amount: '10.00',
                   remittance: [{ invoiceNumber: payer.invoiceNumber, paid: '4.00', deductions: [{ amount: '1.00', reasonCode: 'SHORT' }] }] }],
    });
    expect(paid).toEqual({ payments: 1, applied: 1, deductions: 1, casesOpened: 0, unapplied: 1 });
    const [cash] = (await api.request('GET', `/api/unapplied-cash?customerId=${payer.customerId}`, { token: cashier.token })).body.items;
    await post(`/api/unapplied-cash/${cash.id}/apply`, cashier, { invoiceNumber: payer.invoiceNumber, amount: '6.00' });
    const bankFile = camt054Fixture('official/camt054.v8.xml');
    const camt = await api.request('POST', '/api/payments/camt054', { token: cashier.token, rawBody: bankFile, headers: { 'content-type': 'application/xml' } });
    expect({ status: camt.status, body: camt.body }).toEqual({ status: 200, body: { payments: 3, applied: 0, deductions: 0, casesOpened: 0, unapplied: 3 } });
    const mapped = await api.request('PUT', `/api/reason-mappings/${payer.customerId}`, { token: cast.specialist.token, body: { mappings: [{ code: 'SHORT', reasonCode: 'QUANTITY' }] } });
    expect(mapped.status).toBe(200);
    for (const path of ['/api/deductions', `/api/customers/${payer.customerId}/open-items`, `/api/reason-mappings/${payer.customerId}`]) {
      expect({ path, status: (await api.request('GET', path, { token: auditor.token })).status }).toEqual({ path, status: 200 });
    }

    const routed = await api.request('PUT', '/api/routing', { token: admin.token, body: { rules: [{ findingCode: 'UNDERBILLED', team: 'SALES_OPS' }] } });
    expect(routed.status).toBe(200);

    const answered = await routesAnswered(metrics, (status) => status < 300);
    const unanswered = routes.filter((r) => !answered.has(`${r.method.toUpperCase()} ${r.path}`));
    expect(unanswered.map((r) => `${r.method.toUpperCase()} ${r.path}`)).toEqual([]);
  }, 120_000);

  it('refuses the application role any change to the trail and the ledger, and detects what the owner does around the triggers', async () => {
    const app = api.appRole.pool;
    const appendOnly = ['case_events', 'adjustments', 'case_comments', 'approvals', 'resolutions'];
    // ---- the application role: no privilege to change a row, and no ownership to switch a trigger off
    for (const table of appendOnly) {
      for (const sql of [`UPDATE ${table} SET case_id = case_id`, `DELETE FROM ${table}`]) {
        expect(await sqlOutcome(app, sql)).toBe(`42501: permission denied for table ${table}`);
      }
      expect(await sqlOutcome(app, `TRUNCATE ${table} CASCADE`)).toMatch(/^42501: permission denied for table/);
    }
    // The money tables: written once by the application; what moves (an invoice's paid figure, what is applied of
    // unapplied cash, a payment's customer) moves by the ledger's triggers alone.
    for (const table of ['payments', 'payment_applications', 'unapplied_cash', 'deductions']) {
      for (const sql of [`UPDATE ${table} SET ${table === 'payments' ? 'id = id' : 'payment_id = payment_id'}`, `DELETE FROM ${table}`]) {
        expect(await sqlOutcome(app, sql)).toBe(`42501: permission denied for table ${table}`);
      }
    }
    // A reason mapping's versions are kept: a change is the next version, never an edit.
    for (const sql of ['UPDATE reason_mappings SET version = version', 'DELETE FROM reason_mappings']) {
      expect(await sqlOutcome(app, sql)).toBe('42501: permission denied for table reason_mappings');
    }
    // Findings are append-only, a set per evidence version: a task's completion sets what it confirmed of each, and
    // a refresh of the evidence adds a set (the one before stays). Nothing else.
    expect(await sqlOutcome(app, 'UPDATE findings SET amount_minor = amount_minor')).toBe('42501: permission denied for table findings');
    expect(await sqlOutcome(app, 'UPDATE findings SET case_id = case_id')).toBe('42501: permission denied for table findings');
    expect(await sqlOutcome(app, 'UPDATE findings SET evidence_seq = evidence_seq')).toBe('42501: permission denied for table findings');
    expect(await sqlOutcome(app, 'DELETE FROM findings')).toBe('42501: permission denied for table findings');
    const refreshed = inFlight[inFlight.length - 1].id;
    const { rows: sets } = await app.query('SELECT DISTINCT evidence_seq FROM findings WHERE case_id = $1', [refreshed]);
    expect(sets).toHaveLength(2);
    expect(await sqlOutcome(app, 'TRUNCATE findings CASCADE')).toMatch(/^42501: permission denied for table/);
    for (const sql of [
      'ALTER TABLE case_events DISABLE TRIGGER case_events_append_only',
      'ALTER TABLE case_events DISABLE TRIGGER ALL',
      'DROP TRIGGER case_events_append_only ON case_events',
      'ALTER FUNCTION verify_case_trail(uuid) RENAME TO verify_case_trail_old',
      'CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
      'DROP TABLE case_events',
      'SET session_replication_role = replica',
    ]) {
      expect({ sql, refusal: await sqlOutcome(app, sql) }).toEqual({ sql, refusal: expect.stringMatching(/^42501: /) });
    }

    // ---- the owner (the migrations' role) is refused by the triggers
    const owner = api.db.pool;
    for (const table of ['case_events', 'adjustments', 'case_comments']) {
      expect(await sqlOutcome(owner, `UPDATE ${table} SET case_id = case_id`)).toMatch(/^42501: .* append-only/);
      expect(await sqlOutcome(owner, `DELETE FROM ${table}`)).toMatch(/^42501: .* append-only/);
      expect(await sqlOutcome(owner, `TRUNCATE ${table} CASCADE`)).toMatch(/^42501: .* append-only/);
    }
    for (const sql of ['UPDATE payments SET amount_minor = amount_minor + 1', 'DELETE FROM payment_applications',
                       'UPDATE unapplied_cash SET applied_minor = 0', 'UPDATE deductions SET amount_minor = amount_minor + 1',
                       'DELETE FROM deductions', 'TRUNCATE payments CASCADE', 'UPDATE reason_mappings SET mappings = $$[]$$',
                       'DELETE FROM reason_mappings', 'TRUNCATE reason_mappings']) {
      expect({ sql, refusal: await sqlOutcome(owner, sql) }).toEqual({ sql, refusal: expect.stringMatching(/^42501: .*append-only/) });
    }
    expect((await checkInvariants(owner)).problems).toEqual([]);

    // ---- the owner goes around the triggers, each time in one transaction, while the other cases are in flight
    const client = await owner.connect();
    const around = async (sql: string, params: unknown[]) => {
      await client.query('BEGIN');
      await client.query('ALTER TABLE case_events DISABLE TRIGGER case_events_append_only');
      const { rowCount } = await client.query(sql, params);
      await client.query('ALTER TABLE case_events ENABLE TRIGGER case_events_append_only');
      await client.query('COMMIT');
      expect(rowCount).toBe(1);
    };
    const seqOf = async (caseId: string, type: string) =>
      (await owner.query('SELECT seq FROM case_events WHERE case_id = $1 AND type = $2', [caseId, type])).rows[0].seq as number;
    const trailOf = async (caseId: string) => (await app.query('SELECT seq, problem FROM verify_case_trail($1)', [caseId])).rows;
    const [edited, rehashed, removed, truncated] = finished.map((c) => c.id);
    try {
      // 1. the approved amount rewritten in place
      const proposed = await seqOf(edited, 'RESOLUTION_PROPOSED');
      await around(`UPDATE case_events SET data = jsonb_set(data, '{amount}', '"1.00"') WHERE case_id = $1 AND seq = $2`, [edited, proposed]);
      // 2. the decider swapped, and the row's own hash recomputed to match its new content
      const decided = await seqOf(rehashed, 'RESOLUTION_DECIDED');
      await around('UPDATE case_events SET actor_id = $3 WHERE case_id = $1 AND seq = $2', [rehashed, decided, cast.manager2.id]);
      await around('UPDATE case_events e SET hash = case_event_digest(e.prev_hash, e) WHERE case_id = $1 AND seq = $2', [rehashed, decided]);
      // 3. a row in the middle removed
      const completed = await seqOf(removed, 'TASK_COMPLETED');
      await around('DELETE FROM case_events WHERE case_id = $1 AND seq = $2', [removed, completed]);
      // 4. the last row (CASE_CLOSED) removed: no successor whose chain breaks, the invariant check has to notice
      const closing = await seqOf(truncated, 'CASE_CLOSED');
      await around('DELETE FROM case_events WHERE case_id = $1 AND seq = $2', [truncated, closing]);

      expect(await trailOf(edited)).toEqual([{ seq: proposed, problem: 'row content changed' }]);
      expect(await trailOf(rehashed)).toEqual([{ seq: decided + 1, problem: 'chain broken before this row' }]);
      expect(await trailOf(removed)).toEqual([{ seq: completed + 1, problem: 'chain broken before this row' }]);
      expect(await trailOf(truncated)).toEqual([]);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
    expect(await sqlOutcome(owner, 'DELETE FROM case_events')).toMatch(/append-only/);

    // ---- the cases in flight finish (the worker as the application role); the check names exactly the tampering
    await mapLimit(inFlight, 10, async (c, i) => {
      if (i % 2 === 0) return driveToMemoViaApi(api, cast, c);
      await completeTasksViaApi(api, cast, c);
      const res = await api.request('POST', `/api/disputes/${c.id}/resolution`, {
        token: cast.specialist.token,
        body: { type: 'NO_CREDIT', rootCause: 'CUSTOMER_ERROR' },
      });
      expect(res.status).toBe(200);
    });
    const check = await checkInvariants(owner, { temporal: api.temporal, allClosed: true });
    const numberOf = new Map(finished.map((c) => [c.id, c.caseNumber]));
    const named = new Set(check.problems.flatMap((p) => p.match(/DSP-\d+/g) ?? []));
    expect([...named].sort()).toEqual([edited, rehashed, removed, truncated].map((id) => numberOf.get(id)).sort());
    const about = (id: string, ...parts: string[]) =>
      check.problems.some((p) => p.includes(`case ${numberOf.get(id)}`) && parts.every((part) => p.includes(part)));
    expect(about(edited, 'row content changed')).toBe(true);
    expect(about(rehashed, 'chain broken before this row')).toBe(true);
    expect(about(rehashed, 'approval', 'does not match the trail')).toBe(true);
    expect(about(removed, 'chain broken before this row')).toBe(true);
    expect(about(removed, 'task', 'does not match the trail')).toBe(true);
    expect(about(truncated, '(CLOSED/DONE)', '0 closed')).toBe(true);
    expect(check).toMatchObject({ open: 0, memos: 10 + Math.ceil(inFlight.length / 2) });
  }, 120_000);

  it('chains whatever the application role INSERTs, over a hash it chose; a row after the close is reported', async () => {
    // INSERT is the one way in, and the role that writes the trail must keep it: an inserted row is chained like any
    // other, so the chain proves that nothing was edited or removed, not that a row is genuine.
    const app = api.appRole.pool;
    const c = inFlight[0];
    const { rows: last } = await app.query(
      'SELECT max(seq) AS seq, (array_agg(hash ORDER BY id DESC))[1] AS hash FROM case_events WHERE case_id = $1',
      [c.id],
    );
    const { rows: inserted } = await app.query(
      `INSERT INTO case_events (case_id, seq, at, actor_id, actor_name, type, data, hash, prev_hash)
     VALUES ($1, $2, now(), 'someone', 'someone', 'NOTE', '{}', '\\x00', '\\x00') RETURNING prev_hash, hash`,
      [c.id, Number(last[0].seq) + 1],
    );
    expect(inserted[0].prev_hash).toEqual(last[0].hash);
    expect(inserted[0].hash).not.toEqual(Buffer.from([0]));
    expect((await app.query('SELECT * FROM verify_case_trail($1)', [c.id])).rows).toEqual([]);
    const check = await checkInvariants(api.db.pool);
    expect(check.problems.filter((p) => p.startsWith(`case ${c.caseNumber} `))).toEqual([
      expect.stringMatching(/\(CLOSED\/DONE\): .* last NOTE/),
    ]);
  });
});
