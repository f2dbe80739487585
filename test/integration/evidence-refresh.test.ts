// Evidence frozen for the decision, through HTTP against the real worker: the case shows the hash of its evidence,
// ops has a work order fixed at the source, the specialist refreshes, the finding that rested on it and its task
// go (from what the case shows: the findings before stay in the table), the case moves to RESOLUTION; a decision sent with the hash from before is a 409 that changes nothing, one
// with the current hash is recorded with it. And a proposal out of RESOLUTION is a 409 whatever its amount.
import { collectEvidence } from '../../activities/evidence';
import { PostgresRecordsSource } from '../../records/source';
import { eventually, startApi, type ApiHarness } from '../support/api';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let specialist: TestUser;
let manager: TestUser;
let salesOps: TestUser;

beforeAll(async () => {
  api = await startApi({ worker: true });
  [specialist, manager, salesOps] = await Promise.all([
    api.user('specialist'),
    api.user('manager'),
    api.user('ops', { team: 'SALES_OPS' }),
  ]);
}, 120_000);

afterAll(async () => {
  await api?.close();
});

const post = (path: string, token: string, body: unknown, key?: string) =>
  api.request('POST', path, { token, body, headers: key ? { 'idempotency-key': key } : undefined });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function untilCase(id: string, what: string, done: (c: any) => boolean) {
  return eventually(what, async () => {
    const res = await api.request('GET', `/api/disputes/${id}`, { token: specialist.token });
    return done(res.body) ? res.body : undefined;
  });
}

async function openOn(fixture: ReturnType<typeof pricingDispute>, disputedAmount = '150.00') {
  expect((await post('/api/records/import', specialist.token, fixture.records)).status).toBe(200);
  const opened = await post('/api/disputes', specialist.token, { invoiceNumber: fixture.invoiceNumber, disputedAmount, reasonCode: 'PRICING' });
  expect(opened.status).toBe(201);
  return opened.body as { id: string };
}

it('refreshes the evidence after a work order is fixed: the finding and its task go, and a decision on the old evidence is a 409', async () => {
  const fixture = pricingDispute({ completedQty: 8 });
  const { id } = await openOn(fixture);
  const before = await untilCase(id, 'both tasks', (c) => c.tasks.length === 2);
  expect(before.evidenceHash).toMatch(/^[0-9a-f]{64}$/);
  expect(before.findings.map((f: { code: string }) => f.code).sort()).toEqual(['PRICE_VARIANCE', 'SERVICE_NOT_COMPLETED']);
  const salesTask = before.tasks.find((t: { team: string }) => t.team === 'SALES_OPS');
  expect((await post(`/api/tasks/${salesTask.id}/complete`, salesOps.token, { outcome: 'CONFIRMED', note: 'above contract' })).status).toBe(200);

  // Out of RESOLUTION a proposal is a 409 even when its amount is over the disputed amount (it used to be a 422).
  const early = await post(`/api/disputes/${id}/resolution`, specialist.token, { type: 'CREDIT', amount: '9999.00', rootCause: 'PRICING_SETUP' });
  expect({ status: early.status, code: early.body.error?.code }).toEqual({ status: 409, code: 'CONFLICT' });

  // The work order is found completed in full after all: the source is fixed, and the specialist refreshes.
  const [workOrder] = fixture.records.workOrders!;
  const fixed = { workOrders: [{ ...workOrder, lines: [{ sku: 'SKU-A', quantityCompleted: 10 }] }] };
  expect((await post('/api/records/import', specialist.token, fixed)).status).toBe(200);
  expect((await post(`/api/disputes/${id}/refresh-evidence`, manager.token, {})).status).toBe(403);
  expect((await post(`/api/disputes/${id}/refresh-evidence`, specialist.token, { findings: [] })).status).toBe(400);
  const refreshed = await post(`/api/disputes/${id}/refresh-evidence`, specialist.token, {}, 'refresh-1');
  expect({ status: refreshed.status, stage: refreshed.body.stage, key: refreshed.headers.get('idempotency-key') }).toEqual({
    status: 200,
    stage: 'RESOLUTION',
    key: 'refresh-1',
  });

  const after = await untilCase(id, 'the refreshed evidence', (c) => c.stage === 'RESOLUTION');
  expect(after.evidenceHash).toMatch(/^[0-9a-f]{64}$/);
  expect(after.evidenceHash).not.toBe(before.evidenceHash);
  expect(after.findings.map((f: { code: string }) => f.code)).toEqual(['PRICE_VARIANCE']);
  // Findings are append-only: the set before the refresh stays in the table as it was (with what the done task
  // confirmed), and the case reads the new one.
  const sets = await api.db.pool.query(
    `SELECT f.evidence_seq = c.evidence_seq AS current,
            json_agg(json_build_object('code', f.code, 'confirmed', f.confirmed_minor::text) ORDER BY f.code) AS findings
       FROM findings f JOIN cases c ON c.id = f.case_id WHERE f.case_id = $1 GROUP BY f.evidence_seq, c.evidence_seq ORDER BY f.evidence_seq`,
    [id],
  );
  expect(sets.rows).toEqual([
    {
      current: false,
      findings: [
        { code: 'PRICE_VARIANCE', confirmed: '8000' },
        { code: 'SERVICE_NOT_COMPLETED', confirmed: null },
      ],
    },
    { current: true, findings: [{ code: 'PRICE_VARIANCE', confirmed: null }] },
  ]);
  expect(after.findings[0].id).not.toBe(before.findings.find((f: { code: string }) => f.code === 'PRICE_VARIANCE').id);
  // The refresh's activity retried after its commit (its answer lost) stores no second set: the event's seq keys it.
  const event = after.events.find((e: { type: string }) => e.type === 'EVIDENCE_REFRESHED');
  const retried = await collectEvidence(api.db.pool, new PostgresRecordsSource(api.db.pool), {
    caseId: id,
    invoiceNumber: fixture.invoiceNumber,
    disputedAmount: '150.00',
    slot: { seq: event.seq, at: event.at },
    refreshedBy: { id: specialist.id, name: specialist.name },
  });
  expect(retried.evidenceHash).toBe(after.evidenceHash);
  expect((await api.db.pool.query('SELECT count(DISTINCT evidence_seq)::int AS n FROM findings WHERE case_id = $1', [id])).rows[0].n).toBe(2);
  expect(after.recommendedCredit).toBe('100.00');
  expect(Object.fromEntries(after.tasks.map((t: { team: string; status: string }) => [t.team, t.status]))).toEqual({
    ORDER_MANAGEMENT: 'CANCELLED',
    SALES_OPS: 'DONE',
  });
  const types = after.events.map((e: { type: string }) => e.type);
  expect(types.slice(types.indexOf('EVIDENCE_REFRESHED'))).toEqual(['EVIDENCE_REFRESHED', 'TASK_CANCELLED', 'STAGE_ENTERED']);
  expect(event.actor).toBe(specialist.id);
  expect(event.data.previousFindings.map((f: { code: string }) => f.code).sort()).toEqual(['PRICE_VARIANCE', 'SERVICE_NOT_COMPLETED']);

  const proposed = await post(`/api/disputes/${id}/resolution`, specialist.token, { type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP' });
  expect(proposed.status).toBe(200);
  expect((await post(`/api/disputes/${id}/refresh-evidence`, specialist.token, {})).status).toBe(409);
  const stale = await post(`/api/disputes/${id}/decision`, manager.token, { decision: 'APPROVE', evidenceHash: before.evidenceHash });
  expect({ status: stale.status, message: stale.body.error?.message }).toEqual({ status: 409, message: expect.stringMatching(/evidence changed/) });
  expect((await untilCase(id, 'still waiting', () => true)).approvals).toEqual([]);
  const approved = await post(`/api/disputes/${id}/decision`, manager.token, { decision: 'APPROVE', evidenceHash: after.evidenceHash });
  expect(approved.status).toBe(200);
  const closed = await untilCase(id, 'closed with its memo', (c) => c.status === 'CLOSED');
  expect(closed.approvals).toEqual([expect.objectContaining({ decision: 'APPROVE', evidenceHash: after.evidenceHash })]);
  expect(closed.events.find((e: { type: string }) => e.type === 'RESOLUTION_DECIDED').data.evidenceHash).toBe(after.evidenceHash);
});

it('answers a proposal in APPROVAL with a 409 whatever its amount', async () => {
  const fixture = pricingDispute();
  fixture.records.contracts![0].prices[0].unitPrice = '100.00';
  const { id } = await openOn(fixture, '50.00');
  await untilCase(id, 'stage RESOLUTION', (c) => c.stage === 'RESOLUTION');
  expect((await post(`/api/disputes/${id}/resolution`, specialist.token, { type: 'CREDIT', amount: '50.00', rootCause: 'OTHER' })).status).toBe(200);
  for (const amount of ['50.00', '50.01', '5000.00']) {
    const res = await post(`/api/disputes/${id}/resolution`, specialist.token, { type: 'CREDIT', amount, rootCause: 'OTHER' });
    expect({ amount, status: res.status }).toEqual({ amount, status: 409 });
  }
});
