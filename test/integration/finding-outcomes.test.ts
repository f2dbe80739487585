// Task outcomes feed the credit (issue 10), through HTTP against the real worker: each completion confirms, refutes
// or partly confirms its task's findings, and once every task is done the recommended credit is
// min(disputed, Σ confirmed); refused completions are named by field and write nothing. The API and the worker run
// as the application role, so the grants are what production has.
import { eventually, startApiAsAppRole, type ApiHarness } from '../support/api';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let specialist: TestUser;
let salesOps: TestUser;
let orderOps: TestUser;

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true });
  [specialist, salesOps, orderOps] = await Promise.all([
    api.user('specialist'),
    api.user('ops', { team: 'SALES_OPS' }),
    api.user('ops', { team: 'ORDER_MANAGEMENT' }),
  ]);
}, 120_000);

afterAll(() => api?.close());

interface Finding {
  id: string;
  code: string;
  team: string;
  amount: string;
  confirmedAmount: string | null;
}

/**
 * 10 × SKU-A billed at 100.00 against a contract price of 90.00, 6 completed: a 60.00 PRICE_VARIANCE for Sales Ops
 * and a 400.00 SERVICE_NOT_COMPLETED for Order Management, so two tasks.
 */
async function openTwoTaskCase(disputedAmount: string) {
  const fixture = pricingDispute({ completedQty: 6 });
  expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: fixture.records })).status).toBe(200);
  const opened = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: fixture.invoiceNumber, disputedAmount, reasonCode: 'PRICING' },
  });
  expect(opened.status).toBe(201);
  const investigating = await untilCase(opened.body.id, (c) => c.stage === 'INVESTIGATION');
  const findings = investigating.findings as Finding[];
  const byCode = (code: string) => findings.find((f) => f.code === code) as Finding;
  const taskOf = (team: string) => investigating.tasks.find((t: { team: string }) => t.team === team).id as string;
  return {
    id: opened.body.id as string,
    priceVariance: byCode('PRICE_VARIANCE'),
    notCompleted: byCode('SERVICE_NOT_COMPLETED'),
    salesTask: taskOf('SALES_OPS'),
    orderTask: taskOf('ORDER_MANAGEMENT'),
    recommendedCredit: investigating.recommendedCredit as string,
  };
}

async function getCase(id: string) {
  const res = await api.request('GET', `/api/disputes/${id}`, { token: specialist.token });
  expect(res.status).toBe(200);
  return res.body;
}

function untilCase(id: string, done: (c: any) => boolean) { // eslint-disable-line @typescript-eslint/no-explicit-any
  return eventually(`case ${id}`, async () => {
    const c = await getCase(id);
    return done(c) ? c : undefined;
  });
}

function complete(taskId: string, user: TestUser, body: unknown, key?: string) {
  return api.request('POST', `/api/tasks/${taskId}/complete`, {
    token: user.token,
    body,
    headers: key ? { 'idempotency-key': key } : undefined,
  });
}

const confirmedOf = (c: { findings: Finding[] }) => Object.fromEntries(c.findings.map((f) => [f.code, f.confirmedAmount]));

it('PARTIAL counts the listed amounts once every task is done; until then the findings count in full', async () => {
  const kase = await openTwoTaskCase('300');
  expect(kase.recommendedCredit).toBe('300.00');
  expect(kase.priceVariance).toEqual(expect.objectContaining({ amount: '60.00', confirmedAmount: null, id: expect.stringMatching(/^[0-9a-f-]{36}$/) }));

  // The inbox carries the findings with their ids.
  const inbox = await api.request('GET', '/api/tasks?status=OPEN', { token: salesOps.token });
  const listed = inbox.body.items.find((t: { id: string }) => t.id === kase.salesTask);
  expect(listed.findings).toEqual([kase.priceVariance]);

  const sales = await complete(kase.salesTask, salesOps, {
    outcome: 'PARTIAL',
    note: 'the contract price applies to 2.5 of the visits only',
    findings: [{ id: kase.priceVariance.id, confirmedAmount: '25' }],
  });
  expect(sales.status).toBe(200);
  expect(sales.body).toEqual(expect.objectContaining({ stage: 'INVESTIGATION', taskStatus: 'DONE' }));
  const halfway = await getCase(kase.id);
  expect(confirmedOf(halfway)).toEqual({ PRICE_VARIANCE: '25.00', SERVICE_NOT_COMPLETED: null });
  expect(halfway.recommendedCredit).toBe('300.00');
  expect(halfway.confirmedOverbilling).toBeNull();
  expect(halfway.tasks.find((t: { id: string }) => t.id === kase.salesTask)).toEqual(expect.objectContaining({ outcome: 'PARTIAL', status: 'DONE' }));
  const event = halfway.events.find((e: { type: string }) => e.type === 'TASK_COMPLETED');
  expect(event.data.findings).toEqual([{ id: kase.priceVariance.id, confirmedAmount: '25.00' }]);

  const order = await complete(kase.orderTask, orderOps, {
    outcome: 'PARTIAL',
    note: 'one visit of the four was done after all',
    findings: [{ id: kase.notCompleted.id, confirmedAmount: '150.00' }],
  });
  expect(order.status).toBe(200);
  expect(order.body.stage).toBe('RESOLUTION');
  const done = await getCase(kase.id);
  expect(confirmedOf(done)).toEqual({ PRICE_VARIANCE: '25.00', SERVICE_NOT_COMPLETED: '150.00' });
  expect(done.recommendedCredit).toBe('175.00');
  expect(done.confirmedOverbilling).toBe('175.00');
  const list = await api.request('GET', `/api/disputes?status=OPEN&limit=200`, { token: specialist.token });
  expect(list.body.items.find((c: { id: string }) => c.id === kase.id).recommendedCredit).toBe('175.00');
});

it('CONFIRMED counts a finding in full and NOT_CONFIRMED as 0; the v1 amount is kept and counts for nothing', async () => {
  const kase = await openTwoTaskCase('1000');
  expect(kase.recommendedCredit).toBe('460.00');
  expect((await complete(kase.salesTask, salesOps, { outcome: 'CONFIRMED', note: 'contract says 90.00', amount: '5.00' })).status).toBe(200);
  expect((await complete(kase.orderTask, orderOps, { outcome: 'NOT_CONFIRMED', note: 'all ten visits were done' })).status).toBe(200);
  const done = await getCase(kase.id);
  expect(confirmedOf(done)).toEqual({ PRICE_VARIANCE: '60.00', SERVICE_NOT_COMPLETED: '0.00' });
  expect(done.recommendedCredit).toBe('60.00');
  expect(done.confirmedOverbilling).toBe('60.00');
  expect(done.tasks.find((t: { id: string }) => t.id === kase.salesTask).amount).toBe('5.00');

  // Both refuted: nothing to credit; both confirmed: capped by the disputed amount.
  const refuted = await openTwoTaskCase('1000');
  await complete(refuted.salesTask, salesOps, { outcome: 'NOT_CONFIRMED', note: 'the price was agreed' });
  await complete(refuted.orderTask, orderOps, { outcome: 'NOT_CONFIRMED', note: 'all ten visits were done' });
  expect((await getCase(refuted.id)).recommendedCredit).toBe('0.00');
  const capped = await openTwoTaskCase('100');
  await complete(capped.salesTask, salesOps, { outcome: 'CONFIRMED', note: 'contract says 90.00' });
  await complete(capped.orderTask, orderOps, { outcome: 'CONFIRMED', note: 'four visits not done' });
  expect(await getCase(capped.id)).toEqual(expect.objectContaining({ recommendedCredit: '100.00', confirmedOverbilling: '460.00' }));
});

it('refuses a completion by field, 403 for another team, 409 when not open, and writes nothing when it refuses', async () => {
  const kase = await openTwoTaskCase('300');
  const keysOf = async () =>
    (await api.db.pool.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE user_id = $1', [salesOps.id])).rows[0].n;
  const before = await getCase(kase.id);
  const keysBefore = await keysOf();
  const pv = kase.priceVariance.id;
  const refusals: [unknown, number, string][] = [
    [{ outcome: 'PARTIAL', note: 'n' }, 400, 'findings'],
    [{ outcome: 'PARTIAL', note: 'n', findings: [] }, 400, 'findings'],
    [{ outcome: 'CONFIRMED', note: 'n', findings: [{ id: pv, confirmedAmount: '1' }] }, 400, 'findings'],
    [{ outcome: 'PARTIAL', note: 'n', findings: [{ id: 'not-a-uuid', confirmedAmount: '1' }] }, 400, 'findings.0.id'],
    [{ outcome: 'PARTIAL', note: 'n', findings: [{ id: pv, confirmedAmount: '-1' }] }, 400, 'findings.0.confirmedAmount'],
    // Order Management's finding, on Sales Ops' task.
    [{ outcome: 'PARTIAL', note: 'n', findings: [{ id: kase.notCompleted.id, confirmedAmount: '1' }] }, 422, 'findings.0.id'],
    [{ outcome: 'PARTIAL', note: 'n', findings: [{ id: '00000000-0000-4000-8000-000000000000', confirmedAmount: '1' }] }, 422, 'findings.0.id'],
    [{ outcome: 'PARTIAL', note: 'n', findings: [{ id: pv, confirmedAmount: '60.01' }] }, 422, 'findings.0.confirmedAmount'],
    [{ outcome: 'PARTIAL', note: 'n', findings: [{ id: pv, confirmedAmount: '1' }, { id: pv, confirmedAmount: '2' }] }, 422, 'findings.1.id'],
  ];
  for (const [body, status, field] of refusals) {
    const res = await complete(kase.salesTask, salesOps, body, `refused-${field}-${status}`);
    expect({ body, status: res.status, fields: res.body.error.details.map((d: { field: string }) => d.field) }).toEqual({
      body,
      status,
      fields: [field],
    });
  }
  const otherTeam = await complete(kase.salesTask, orderOps, { outcome: 'PARTIAL', note: 'n', findings: [{ id: pv, confirmedAmount: '1' }] });
  expect(otherTeam.status).toBe(403);

  const after = await getCase(kase.id);
  expect(after.events).toEqual(before.events);
  expect(after.tasks).toEqual(before.tasks);
  expect(after.findings).toEqual(before.findings);
  expect(await keysOf()).toBe(keysBefore);

  // Every figure at its limit passes; the same completion again is a 409.
  const exact = { outcome: 'PARTIAL', note: 'all of it after all', findings: [{ id: pv, confirmedAmount: '60.00' }] };
  expect((await complete(kase.salesTask, salesOps, exact)).status).toBe(200);
  expect((await complete(kase.salesTask, salesOps, exact)).status).toBe(409);
  expect(confirmedOf(await getCase(kase.id)).PRICE_VARIANCE).toBe('60.00');
});
