// Owners and waits through the HTTP API, the API and the worker running as the application role: who may assign a
// case and to whom, owner=me, the owner's customer wait (who, when, until), waitingOn through a case's life with its
// spans, the cycle-time report's waitingOn, and the owner the routing version in force names for a case the system
// opens for a deduction.
import { randomUUID } from 'node:crypto';
import { startApiAsAppRole, type AppRoleApiHarness } from '../support/api';
import { caseViaApi, completeTasksViaApi, createCast, importViaApi, openCaseViaApi, type Cast } from '../support/faults';
import { pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';

let api: AppRoleApiHarness;
let cast: Cast;

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true, app: { deductionRules: { caseMinMinor: 100n, autoWriteOffMaxMinor: 500n } } });
  cast = await createCast(api.db.pool);
}, 60_000);

afterAll(() => api?.close());

async function openedCase() {
  const fixture = pricingDispute();
  await importViaApi(api, cast.specialist, [fixture]);
  return openCaseViaApi(api, cast.specialist, fixture);
}

const post = (user: TestUser, path: string, body: unknown) => api.request('POST', path, { token: user.token, body });
const fields = (res: { body: { error: { details: { field: string }[] } } }) => res.body.error.details.map((d) => d.field);
const ownedBy = async (user: TestUser, owner: string) =>
  ((await api.request('GET', `/api/disputes?owner=${owner}`, { token: user.token })).body.items as { id: string }[]).map((c) => c.id);

it('assigns a case: managers any case, its owner to another active specialist, nobody else; owner=me lists it', async () => {
  const c = await openedCase();
  const opened = await caseViaApi(api, cast.specialist, c, 'in INVESTIGATION', (d) => d.stage === 'INVESTIGATION');
  expect(opened).toMatchObject({ ownerId: cast.specialist.id, ownerName: cast.specialist.name });
  const path = `/api/disputes/${c.id}/assign`;

  expect((await post(cast.specialist2, path, { userId: cast.specialist2.id })).status).toBe(403);
  expect((await post(cast.salesOps, path, { userId: cast.specialist2.id })).status).toBe(403);
  const inactive = await api.user('specialist');
  await api.db.pool.query('UPDATE users SET active = false WHERE id = $1', [inactive.id]);
  for (const userId of [cast.manager.id, randomUUID(), inactive.id]) {
    const refused = await post(cast.specialist, path, { userId });
    expect({ userId, status: refused.status, fields: fields(refused) }).toEqual({ userId, status: 422, fields: ['userId'] });
  }
  expect((await post(cast.specialist, path, { userId: cast.specialist2.id, ownerId: cast.specialist.id })).status).toBe(400);

  const handed = await post(cast.specialist, path, { userId: cast.specialist2.id });
  expect(handed.status).toBe(200);
  expect(handed.body).toEqual({ id: c.id, caseNumber: c.caseNumber, workflowId: c.workflowId, status: 'OPEN', stage: 'INVESTIGATION' });
  expect(await ownedBy(cast.specialist2, 'me')).toContain(c.id);
  expect(await ownedBy(cast.specialist, 'me')).not.toContain(c.id);
  expect(await ownedBy(cast.manager, cast.specialist2.id)).toContain(c.id);
  // The former owner may still act on it, as any specialist may; assigning it is no longer theirs.
  expect((await post(cast.specialist, path, { userId: cast.specialist.id })).status).toBe(403);
  expect((await post(cast.manager, path, { userId: cast.specialist.id })).status).toBe(200);

  const detail = await caseViaApi(api, cast.manager, c, 'assigned back', (d) => d.ownerId === cast.specialist.id);
  expect(detail.events.filter((e: { type: string }) => e.type === 'CASE_ASSIGNED').map((e: { data: unknown }) => e.data)).toEqual([
    { ownerId: cast.specialist2.id, ownerName: cast.specialist2.name, previousOwnerId: cast.specialist.id },
    { ownerId: cast.specialist.id, ownerName: cast.specialist.name, previousOwnerId: cast.specialist2.id },
  ]);
});

it('waits on the customer for the owner only, and follows waitingOn through the case\'s life into the report', async () => {
  const c = await openedCase();
  await caseViaApi(api, cast.specialist, c, 'waiting on SALES_OPS', (d) => d.waitingOn === 'SALES_OPS');
  const wait = `/api/disputes/${c.id}/await-customer`;
  const resume = `/api/disputes/${c.id}/resume`;
  const reason = 'asked for the signed delivery note';

  expect((await post(cast.specialist2, wait, { reason })).status).toBe(403);
  const past = await post(cast.specialist, wait, { reason, until: new Date(Date.now() - 60_000).toISOString() });
  expect([past.status, fields(past)]).toEqual([422, ['until']]);
  const far = await post(cast.specialist, wait, { reason, until: new Date(Date.now() + 400 * 86_400_000).toISOString() });
  expect([far.status, fields(far)]).toEqual([422, ['until']]);
  expect((await post(cast.specialist, resume, {})).status).toBe(409);

  const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
  expect((await post(cast.specialist, wait, { reason, until })).status).toBe(200);
  const waiting = await caseViaApi(api, cast.specialist, c, 'waiting on the customer', (d) => d.waitingOn === 'CUSTOMER');
  expect(waiting.customerWait).toEqual({ reason, until, since: expect.any(String) });
  expect((await post(cast.specialist, wait, { reason })).status).toBe(409);
  expect((await post(cast.specialist2, resume, {})).status).toBe(403);
  expect((await post(cast.specialist, resume, {})).status).toBe(200);
  const resumed = await caseViaApi(api, cast.specialist, c, 'resumed', (d) => d.waitingOn === 'SALES_OPS');
  expect(resumed.customerWait).toBeNull();
  expect((await post(cast.specialist, resume, {})).status).toBe(409);

  expect(await completeTasksViaApi(api, cast, c)).toBe('RESOLUTION');
  await caseViaApi(api, cast.specialist, c, 'waiting on the specialist', (d) => d.waitingOn === 'SPECIALIST');
  const proposed = await post(cast.specialist, `/api/disputes/${c.id}/resolution`, { type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP' });
  expect(proposed.status).toBe(200);
  await caseViaApi(api, cast.specialist, c, 'waiting on an approver', (d) => d.waitingOn === 'APPROVER');
  expect((await post(cast.manager, `/api/disputes/${c.id}/decision`, { decision: 'APPROVE' })).status).toBe(200);
  const closed = await caseViaApi(api, cast.specialist, c, 'closed', (d) => d.status === 'CLOSED');
  expect(closed.waitingOn).toBeNull();
  expect((await post(cast.specialist, wait, { reason })).status).toBe(409);

  const { rows: spans } = await api.db.pool.query(
    'SELECT party, ended_at IS NOT NULL AS ended FROM case_waits WHERE case_id = $1 ORDER BY started_at',
    [c.id],
  );
  expect(spans.map((s) => s.party)).toEqual(['SPECIALIST', 'SALES_OPS', 'CUSTOMER', 'SALES_OPS', 'SPECIALIST', 'APPROVER']);
  expect(spans.every((s) => s.ended)).toBe(true);

  const report = await api.request('GET', '/api/reports/cycle-time', { token: cast.manager.token });
  expect(report.status).toBe(200);
  const parties = new Map((report.body.waitingOn as { party: string; totalHours: number; medianHours: number | null }[]).map((w) => [w.party, w]));
  for (const party of ['SPECIALIST', 'SALES_OPS', 'CUSTOMER', 'APPROVER']) {
    expect(parties.get(party)).toMatchObject({ totalHours: expect.any(Number), medianHours: expect.any(Number), p90Hours: expect.any(Number) });
  }
});

it("names the owner rule's specialist as the owner of a case the system opens for a deduction", async () => {
  const fixture = pricingDispute();
  await importViaApi(api, cast.specialist, [fixture]);
  expect(
    (await api.request('PUT', `/api/reason-mappings/${fixture.customerId}`, {
      token: cast.specialist.token,
      body: { mappings: [{ code: 'D-PRICE', reasonCode: 'PRICING' }] },
    })).status,
  ).toBe(200);
  await api.db.pool.query('INSERT INTO routing_versions (version, created_by) VALUES (1, $1), (2, $1)', [cast.manager.id]);
  // The version in force is the latest: version 1's rule is history.
  await api.db.pool.query('INSERT INTO owner_rules (version, customer_id, owner_id) VALUES (1, $1, $2), (2, $1, $3)', [
    fixture.customerId,
    cast.specialist.id,
    cast.specialist2.id,
  ]);
  const cash = await api.user('cash');
  const posted = await api.request('POST', '/api/payments', {
    token: cash.token,
    body: {
      payments: [
        {
          id: uniqueId('PAY'),
          receivedAt: '2026-12-01T10:00:00Z',
          currency: 'USD',
          amount: '800.00',
          remittance: [{ invoiceNumber: fixture.invoiceNumber, paid: '800.00', deductions: [{ amount: '100.00', reasonCode: 'D-PRICE' }] }],
        },
      ],
    },
  });
  expect(posted.body).toMatchObject({ casesOpened: 1 });
  const { rows } = await api.db.pool.query('SELECT id FROM cases WHERE invoice_number = $1', [fixture.invoiceNumber]);
  const detail = await caseViaApi(api, cast.specialist, { id: rows[0].id, caseNumber: '' }, 'on its trail', (d) => d.events.length > 0);
  expect(detail).toMatchObject({ ownerId: cast.specialist2.id, ownerName: cast.specialist2.name });
  expect(detail.events[0]).toMatchObject({ type: 'CASE_OPENED', data: { ownerId: cast.specialist2.id } });
  expect(await ownedBy(cast.specialist2, 'me')).toContain(rows[0].id);
  // The owner did not open it: they are told it is theirs.
  const { rows: told } = await api.db.pool.query(`SELECT kind, recipients FROM notifications WHERE case_id = $1 AND kind = 'CASE_ASSIGNED'`, [rows[0].id]);
  expect(told).toEqual([{ kind: 'CASE_ASSIGNED', recipients: [{ id: cast.specialist2.id, name: cast.specialist2.name }] }]);
});
