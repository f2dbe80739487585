// A dispute's whole life through HTTP, against the real worker on the dev server: import → open → investigation →
// the right team completes the task → proposal → approval within limit → credit memo → closed; plus idempotent
// opening and commands, the open-balance refusal, cancellation, and the cycle-time report over it all.
import type { RecordsImport } from '../../contract';
import { eventually, startApi, type ApiHarness } from '../support/api';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let admin: TestUser;
let specialist: TestUser;
let otherSpecialist: TestUser;
let manager: TestUser;
let smallManager: TestUser;
let salesOps: TestUser;
let orderOps: TestUser;
let auditor: TestUser;

beforeAll(async () => {
  api = await startApi({ worker: true });
  [admin, specialist, otherSpecialist, manager, smallManager, salesOps, orderOps, auditor] = await Promise.all([
    api.user('admin'),
    api.user('specialist'),
    api.user('specialist'),
    api.user('manager', { approvalLimit: '100.00' }),
    api.user('manager', { approvalLimit: '99.99' }),
    api.user('ops', { team: 'SALES_OPS' }),
    api.user('ops', { team: 'ORDER_MANAGEMENT' }),
    api.user('auditor'),
  ]);
}, 120_000);

afterAll(async () => {
  await api?.close();
});

async function importRecords(records: RecordsImport): Promise<void> {
  const res = await api.request('POST', '/api/records/import', { token: specialist.token, body: records });
  expect(res.status).toBe(200);
}

async function openCase(invoiceNumber: string, disputedAmount: string, key?: string) {
  const res = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber, disputedAmount, reasonCode: 'PRICING', description: 'billed above contract' },
    headers: key ? { 'idempotency-key': key } : undefined,
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; caseNumber: string; status: string; workflowId: string };
}

async function getCase(id: string, token = specialist.token) {
  const res = await api.request('GET', `/api/disputes/${id}`, { token });
  expect(res.status).toBe(200);
  return res.body;
}

function untilCase(id: string, what: string, done: (c: any) => boolean) { // eslint-disable-line @typescript-eslint/no-explicit-any
  return eventually(what, async () => {
    const c = await getCase(id);
    return done(c) ? c : undefined;
  });
}

it('carries a pricing dispute from import to credit memo through HTTP', async () => {
  const fixture = pricingDispute();
  await importRecords(fixture.records);

  const opened = await openCase(fixture.invoiceNumber, '150', 'open-pricing-1');
  expect(opened).toEqual({ id: expect.any(String), caseNumber: expect.stringMatching(/^DSP-\d{6}$/), status: 'OPEN', workflowId: `dispute:${opened.caseNumber}` });

  // Evidence → one SALES_OPS task for the price variance.
  const investigating = await untilCase(opened.id, 'stage INVESTIGATION', (c) => c.stage === 'INVESTIGATION');
  expect(investigating.disputedAmount).toBe('150.00');
  expect(investigating.recommendedCredit).toBe('100.00');
  expect(investigating.findings).toEqual([
    expect.objectContaining({ code: 'PRICE_VARIANCE', team: 'SALES_OPS', lineNo: 1, amount: '100.00' }),
  ]);
  expect(investigating.tasks).toHaveLength(1);
  const task = investigating.tasks[0];
  expect(task).toEqual(expect.objectContaining({ team: 'SALES_OPS', status: 'OPEN', escalated: false }));

  // Team scoping: the case and its task are SALES_OPS business.
  expect((await api.request('GET', `/api/disputes/${opened.id}`, { token: orderOps.token })).status).toBe(404);
  expect((await getCase(opened.id, salesOps.token)).id).toBe(opened.id);
  const worklist = await api.request('GET', '/api/tasks?status=OPEN', { token: salesOps.token });
  expect(worklist.status).toBe(200);
  expect(worklist.body.items).toContainEqual(
    expect.objectContaining({ id: task.id, disputeId: opened.id, caseNumber: opened.caseNumber, team: 'SALES_OPS', status: 'OPEN', findings: investigating.findings }),
  );
  const orderWorklist = await api.request('GET', '/api/tasks', { token: orderOps.token });
  expect(orderWorklist.body.items.map((t: { id: string }) => t.id)).not.toContain(task.id);
  const teamCases = await api.request('GET', '/api/disputes?team=SALES_OPS&status=OPEN', { token: manager.token });
  expect(teamCases.body.items.map((c: { id: string }) => c.id)).toContain(opened.id);

  // A decision now is out of turn: the workflow's validator answers 409.
  const early = await api.request('POST', `/api/disputes/${opened.id}/decision`, { token: manager.token, body: { decision: 'APPROVE' } });
  expect(early.status).toBe(409);

  // Another team cannot complete the task; SALES_OPS can, once (a retry with the same key gets the first answer).
  const wrongTeam = await api.request('POST', `/api/tasks/${task.id}/complete`, { token: orderOps.token, body: { outcome: 'CONFIRMED', note: 'not ours' } });
  expect(wrongTeam.status).toBe(403);
  const completeBody = { outcome: 'CONFIRMED', note: 'contract price is 90.00', amount: '100' };
  const completed = await api.request('POST', `/api/tasks/${task.id}/complete`, {
    token: salesOps.token,
    body: completeBody,
    headers: { 'idempotency-key': 'complete-1' },
  });
  expect(completed.status).toBe(200);
  expect(completed.body).toEqual(
    expect.objectContaining({ id: opened.id, status: 'OPEN', stage: 'RESOLUTION', taskId: task.id, taskStatus: 'DONE' }),
  );
  const retried = await api.request('POST', `/api/tasks/${task.id}/complete`, {
    token: salesOps.token,
    body: completeBody,
    headers: { 'idempotency-key': 'complete-1' },
  });
  expect(retried.status).toBe(200);
  expect(retried.body).toEqual(completed.body);
  const again = await api.request('POST', `/api/tasks/${task.id}/complete`, { token: salesOps.token, body: completeBody });
  expect(again.status).toBe(409);

  // The proposal: above the disputed amount is refused (422 naming amount); 100.00 goes to approval.
  const tooMuch = await api.request('POST', `/api/disputes/${opened.id}/resolution`, {
    token: specialist.token,
    body: { type: 'CREDIT', amount: '150.01', rootCause: 'PRICING_SETUP' },
  });
  expect(tooMuch.status).toBe(422);
  expect(tooMuch.body.error.details[0].field).toBe('amount');
  const proposed = await api.request('POST', `/api/disputes/${opened.id}/resolution`, {
    token: specialist.token,
    body: { type: 'CREDIT', amount: '100', rootCause: 'PRICING_SETUP', note: 'per contract' },
  });
  expect(proposed.status).toBe(200);
  expect(proposed.body).toEqual(expect.objectContaining({ id: opened.id, status: 'OPEN', stage: 'APPROVAL' }));
  // The approval queue reads the proposal from the list: the same as on the case.
  const waiting = await untilCase(opened.id, 'the proposal on the case', (c) => c.resolution !== null);
  const queue = await api.request('GET', '/api/disputes?status=OPEN&stage=APPROVAL&limit=200', { token: manager.token });
  expect(queue.body.items.find((c: { id: string }) => c.id === opened.id)?.proposal).toEqual(waiting.resolution);
  expect(waiting.resolution).toEqual(expect.objectContaining({ type: 'CREDIT', amount: '100.00', decision: null }));

  // Not the specialist (role), not a manager whose limit is a cent short; the manager at exactly the limit approves.
  const bySpecialist = await api.request('POST', `/api/disputes/${opened.id}/decision`, { token: specialist.token, body: { decision: 'APPROVE' } });
  expect(bySpecialist.status).toBe(403);
  const overLimit = await api.request('POST', `/api/disputes/${opened.id}/decision`, { token: smallManager.token, body: { decision: 'APPROVE' } });
  expect(overLimit.status).toBe(403);
  expect(overLimit.body.error.message).toMatch(/limit/);
  const approved = await api.request('POST', `/api/disputes/${opened.id}/decision`, {
    token: manager.token,
    body: { decision: 'APPROVE', comment: 'ok' },
  });
  expect(approved.status).toBe(200);
  expect(approved.body.stage).toBe('CREDIT_MEMO');

  const closed = await untilCase(opened.id, 'status CLOSED', (c) => c.status === 'CLOSED');
  expect(closed.stage).toBe('DONE');
  expect(closed.closedAt).toEqual(expect.any(String));
  expect(closed.creditMemos).toEqual([expect.objectContaining({ number: expect.stringMatching(/^CM-\d+$/), amount: '100.00', currency: 'USD' })]);
  expect(closed.resolution).toEqual(
    expect.objectContaining({ type: 'CREDIT', amount: '100.00', proposedBy: { id: specialist.id, name: specialist.name }, decision: 'APPROVE' }),
  );
  const listed = await api.request('GET', `/api/disputes?customerId=${fixture.customerId}`, { token: auditor.token });
  expect(listed.body.items.map((c: { proposal: unknown }) => c.proposal)).toEqual([closed.resolution]);
  expect(closed.approvals).toEqual([
    expect.objectContaining({ decision: 'APPROVE', amount: '100.00', decidedBy: { id: manager.id, name: manager.name } }),
  ]);
  expect(closed.invoice).toEqual({ total: '1000.00', openBalance: '900.00' });
  const types = closed.events.map((e: { type: string }) => e.type);
  expect(types[0]).toBe('CASE_OPENED');
  expect(types).toEqual(expect.arrayContaining(['TASK_CREATED', 'TASK_COMPLETED', 'RESOLUTION_PROPOSED', 'RESOLUTION_DECIDED', 'ADJUSTMENTS_ISSUED', 'CASE_CLOSED']));
  expect(closed.events.map((e: { seq: number }) => e.seq)).toEqual(closed.events.map((_: unknown, i: number) => i + 1));
  expect(closed.events[0]).toEqual(expect.objectContaining({ actor: specialist.id, actorName: specialist.name }));

  const invoice = await api.request('GET', `/api/invoices/${fixture.invoiceNumber}`, { token: auditor.token });
  expect(invoice.body).toEqual(
    expect.objectContaining({ total: '1000.00', openBalance: '900.00', creditMemos: [expect.objectContaining({ number: closed.creditMemos[0].number, amount: '100.00' })] }),
  );

  // Commands on a closed case: 409 from the read model, and from Temporal when a fresh Idempotency-Key sends it there.
  const late = await api.request('POST', `/api/disputes/${opened.id}/cancel`, { token: manager.token, body: { reason: 'too late' } });
  expect(late.status).toBe(409);
  const lateKeyed = await eventually('the workflow to complete', async () => {
    const res = await api.request('POST', `/api/disputes/${opened.id}/cancel`, {
      token: manager.token,
      body: { reason: 'too late' },
      headers: { 'idempotency-key': `late-${Date.now()}` },
    });
    return res.status === 409 ? res : undefined;
  });
  expect(lateKeyed.body.error.code).toBe('CONFLICT');

  // The invoice has a case and a memo: importing it again cannot change its lines (so nor bring its total below what
  // was credited).
  const shrunk = structuredClone(fixture.records.invoices![0]);
  shrunk.lines[0].quantity = 0.5;
  const refused = await api.request('POST', '/api/records/import', { token: admin.token, body: { invoices: [shrunk] } });
  expect(refused.status).toBe(422);
  expect(refused.body.error.details).toEqual([{ field: 'invoices.0.lines', message: expect.stringMatching(/locked by case/) }]);
});

it('opens a case once per Idempotency-Key, even when the requests race', async () => {
  // An invoice is in one open case at a time: each opening below that must make a case has its own invoice.
  const [fixture, theirFixture, racingFixture] = [pricingDispute(), pricingDispute(), pricingDispute()];
  for (const f of [fixture, theirFixture, racingFixture]) await importRecords(f.records);
  const invoices = [fixture, theirFixture, racingFixture].map((f) => f.invoiceNumber);
  const count = async () => (await api.db.pool.query('SELECT count(*)::int AS n FROM cases WHERE invoice_number = ANY($1)', [invoices])).rows[0].n;

  const first = await openCase(fixture.invoiceNumber, '10.00', 'same-key');
  const replay = await openCase(fixture.invoiceNumber, '10', 'same-key');
  expect(replay).toEqual(first);
  expect(await count()).toBe(1);

  const different = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: fixture.invoiceNumber, disputedAmount: '11.00', reasonCode: 'PRICING', description: 'billed above contract' },
    headers: { 'idempotency-key': 'same-key' },
  });
  expect(different.status).toBe(422);
  expect(different.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  expect(different.body.error.details).toEqual([{ field: 'Idempotency-Key', message: expect.any(String), in: 'header' }]);

  // Keys belong to their user: another specialist's same key is another case.
  const theirs = await api.request('POST', '/api/disputes', {
    token: otherSpecialist.token,
    body: { invoiceNumber: theirFixture.invoiceNumber, disputedAmount: '10.00', reasonCode: 'PRICING', description: 'billed above contract' },
    headers: { 'idempotency-key': 'same-key' },
  });
  expect(theirs.status).toBe(201);
  expect(theirs.body.id).not.toBe(first.id);

  const racing = await Promise.all([1, 2, 3].map(() => openCase(racingFixture.invoiceNumber, '12.00', 'racing-key')));
  expect(new Set(racing.map((r) => r.id)).size).toBe(1);
  expect(await count()).toBe(3);

  // Every opened case has its workflow: cancel them, so nothing lingers.
  for (const id of [first.id, theirs.body.id, racing[0].id]) {
    const res = await api.request('POST', `/api/disputes/${id}/cancel`, { token: specialist.token, body: { reason: 'test cleanup' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('CANCELLED');
  }
});

it('refuses a credit above the open balance (422), and cancels with the open tasks', async () => {
  // No contract price variance: nothing to investigate, straight to RESOLUTION.
  const fixture = pricingDispute();
  fixture.records.contracts![0].prices[0].unitPrice = '100.00';
  await importRecords(fixture.records);
  const opened = await openCase(fixture.invoiceNumber, '500.00');
  await untilCase(opened.id, 'stage RESOLUTION', (c) => c.stage === 'RESOLUTION');

  // Another case on the invoice is credited 700.00 meanwhile: 300.00 stays open. Today the invoice's claim refuses a
  // second open case; one opened before claims existed is such a case (migration 0010 claimed only the earliest).
  await api.db.pool.query('UPDATE case_claims SET released_at = now() WHERE case_id = $1', [opened.id]);
  const other = await openCase(fixture.invoiceNumber, '700.00');
  await untilCase(other.id, 'stage RESOLUTION', (c) => c.stage === 'RESOLUTION');
  const bigManager = await api.user('manager');
  const proposed = await api.request('POST', `/api/disputes/${other.id}/resolution`, {
    token: specialist.token,
    body: { type: 'CREDIT', amount: '700.00', rootCause: 'OTHER' },
  });
  expect(proposed.status).toBe(200);
  const approved = await api.request('POST', `/api/disputes/${other.id}/decision`, { token: bigManager.token, body: { decision: 'APPROVE' } });
  expect(approved.status).toBe(200);
  await untilCase(other.id, 'its memo', (c) => c.status === 'CLOSED');
  const overBalance = await api.request('POST', `/api/disputes/${opened.id}/resolution`, {
    token: specialist.token,
    body: { type: 'CREDIT', amount: '450.00', rootCause: 'OTHER' },
  });
  expect(overBalance.status).toBe(422);
  expect(overBalance.body.error.details).toEqual([{ field: 'amount', message: expect.stringMatching(/open balance 300\.00/) }]);

  const cancelled = await api.request('POST', `/api/disputes/${opened.caseNumber}/cancel`, { token: manager.token, body: { reason: 'customer withdrew' } });
  expect(cancelled.status).toBe(200);
  expect(cancelled.body).toEqual(expect.objectContaining({ id: opened.id, status: 'CANCELLED', stage: 'DONE' }));
  const after = await getCase(opened.id);
  expect(after.status).toBe('CANCELLED');
  expect(after.events.at(-1)).toEqual(expect.objectContaining({ type: 'CASE_CANCELLED', actor: manager.id, data: { reason: 'customer withdrew' } }));
  const twice = await api.request('POST', `/api/disputes/${opened.id}/cancel`, { token: manager.token, body: { reason: 'again' } });
  expect(twice.status).toBe(409);
});

it('cancelling during investigation cancels the open tasks', async () => {
  const fixture = pricingDispute();
  await importRecords(fixture.records);
  const opened = await openCase(fixture.invoiceNumber, '20.00');
  await untilCase(opened.id, 'stage INVESTIGATION', (c) => c.stage === 'INVESTIGATION');
  const res = await api.request('POST', `/api/disputes/${opened.id}/cancel`, { token: specialist.token, body: { reason: 'duplicate case' } });
  expect(res.status).toBe(200);
  const after = await getCase(opened.id);
  expect(after.tasks.map((t: { status: string }) => t.status)).toEqual(['CANCELLED']);
});

it('lists cases newest first with keyset paging and filters', async () => {
  const all = await api.request('GET', '/api/disputes?limit=500', { token: auditor.token });
  expect(all.status).toBe(200);
  const ids: string[] = all.body.items.map((c: { id: string }) => c.id);
  expect(ids.length).toBeGreaterThanOrEqual(5);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
    const page = await api.request('GET', `/api/disputes${query}`, { token: auditor.token });
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(2);
    seen.push(...page.body.items.map((c: { id: string }) => c.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(seen).toEqual(ids);

  const cancelled = await api.request('GET', '/api/disputes?status=CANCELLED&reasonCode=PRICING', { token: manager.token });
  expect(cancelled.body.items.length).toBeGreaterThan(0);
  expect(cancelled.body.items.every((c: { status: string }) => c.status === 'CANCELLED')).toBe(true);
  const opsView = await api.request('GET', '/api/disputes', { token: salesOps.token });
  expect(opsView.body.items.length).toBeGreaterThan(0);
  const orderView = await api.request('GET', '/api/disputes', { token: orderOps.token });
  expect(orderView.body.items).toEqual([]);
});

it('reports cycle time, stage time and aging from the read model', async () => {
  const res = await api.request('GET', '/api/reports/cycle-time', { token: auditor.token });
  expect(res.status).toBe(200);
  const report = res.body;
  expect(report.overall.count).toBeGreaterThanOrEqual(7);
  // The first test's case, and the one credited to bring another's open balance down.
  expect(report.overall.closedCount).toBe(2);
  expect(report.overall.medianHours).toEqual(expect.any(Number));
  expect(report.groups).toContainEqual(expect.objectContaining({ key: 'PRICING', closedCount: 2 }));
  expect(report.stages.map((s: { stage: string }) => s.stage)).toEqual(['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL', 'CREDIT_MEMO']);
  expect(report.stages.find((s: { stage: string }) => s.stage === 'APPROVAL').count).toBe(2);
  expect(report.aging.map((a: { bucket: string }) => a.bucket)).toEqual(['0-7', '8-30', '31-60', '61-90', '>90']);
  expect(report.aging[0].count).toBe(report.overall.openCount);

  const byTeam = await api.request('GET', '/api/reports/cycle-time?groupBy=team&from=2000-01-01&to=2999-12-31', { token: manager.token });
  expect(byTeam.status).toBe(200);
  expect(byTeam.body.groups).toContainEqual(expect.objectContaining({ key: 'SALES_OPS', taskCount: expect.any(Number) }));
  const empty = await api.request('GET', '/api/reports/cycle-time?from=2001-01-01&to=2001-01-02', { token: manager.token });
  expect(empty.body.overall).toEqual({ count: 0, closedCount: 0, openCount: 0, cancelledCount: 0, medianHours: null, p90Hours: null });
  expect(empty.body.aging).toEqual(
    ['0-7', '8-30', '31-60', '61-90', '>90'].map((bucket) => expect.objectContaining({ bucket, count: 0, amount: '0.00' })),
  );
});
