// Cases over several invoices and lines, through HTTP with the real worker: the items, their analysis and
// recommendations, the evidence per invoice, the claims an open case holds (whole invoice against line, released
// when the case closes or is cancelled), inDispute on the invoice, and every refusal naming its field, writing nothing.
import { randomUUID } from 'node:crypto';
import { requestHash } from '../../api/idempotency';
import { disputeWorkflowId, formatCaseNumber } from '../../domain/workflow-ids';
import { eventually, startApi, type ApiHarness } from '../support/api';
import { twoSkuDesk, uniqueId, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let specialist: TestUser;
let salesOps: TestUser;
let manager: TestUser;

beforeAll(async () => {
  api = await startApi({ worker: true });
  [specialist, salesOps, manager] = await Promise.all([api.user('specialist'), api.user('ops', { team: 'SALES_OPS' }), api.user('manager')]);
}, 120_000);

afterAll(async () => {
  await api?.close();
});

/**
 * One customer with a contract (SKU-A 90.00, SKU-B 50.00), a PO of 20 A at 100.00 and 8 B at 50.00 all completed,
 * and invoices on it: `first` bills 10 A at 100.00 (PRICE_VARIANCE 100.00) and 4 B at 40.00 (UNDERBILLED 40.00);
 * `second` 5 A at 100.00 (PRICE_VARIANCE 50.00) and 2 B at 50.00 (clean); `third` 1 A at 90.00 (clean).
 */
async function desk(currency = 'USD') {
  const { customerId, records, numbers } = twoSkuDesk({
    quantityA: 20,
    currency,
    customerName: 'Items Customer',
    invoices: [
      [
        ['SKU-A', 10, '100.00'],
        ['SKU-B', 4, '40.00'],
      ],
      [
        ['SKU-A', 5, '100.00'],
        ['SKU-B', 2, '50.00'],
      ],
      [['SKU-A', 1, '90.00']],
    ],
  });
  const imported = await api.request('POST', '/api/records/import', { token: specialist.token, body: records });
  expect(imported.status).toBe(200);
  const [first, second, third] = numbers;
  return { customerId, first, second, third };
}

type Item = { invoiceNumber: string; lineNo?: number; disputedAmount: string };

const open = (items: Item[], headers: Record<string, string> = {}) =>
  api.request('POST', '/api/disputes', { token: specialist.token, body: { reasonCode: 'PRICING', items }, headers });

async function caseOf(id: string, stage?: string) {
  return eventually(`case ${id}${stage ? ` in ${stage}` : ''}`, async () => {
    const res = await api.request('GET', `/api/disputes/${id}`, { token: specialist.token });
    expect(res.status).toBe(200);
    return !stage || res.body.stage === stage ? res.body : undefined;
  });
}

/** What an opening writes, counted: a refused one must leave every count as it was. */
async function written() {
  const { rows } = await api.db.pool.query(
    `SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM case_items)::int AS items,
            (SELECT count(*) FROM case_claims)::int AS claims, (SELECT count(*) FROM idempotency_keys)::int AS keys`,
  );
  return rows[0];
}

it('opens a case over a whole invoice and a line of another: per-item analysis, recommendations, one task, evidence per invoice', async () => {
  const { first, second } = await desk();
  const opened = await open([
    { invoiceNumber: first, disputedAmount: '150.00' },
    { invoiceNumber: second, lineNo: 1, disputedAmount: '30' },
  ]);
  expect(opened.status).toBe(201);
  const c = await caseOf(opened.body.id, 'INVESTIGATION');

  expect(c).toMatchObject({ invoiceNumber: first, disputedAmount: '180.00', recommendedCredit: '130.00', recommendedDebit: '40.00', overbilled: '150.00' });
  expect(c.items).toMatchObject([
    { invoiceNumber: first, lineNo: null, disputedAmount: '150.00', recommendedCredit: '100.00', recommendedDebit: '40.00' },
    { invoiceNumber: second, lineNo: 1, disputedAmount: '30.00', recommendedCredit: '30.00', recommendedDebit: '0.00' },
  ]);
  expect(c.findingCount).toBe(3);
  expect(c.findings.map((f: { code: string; invoiceNumber: string; lineNo?: number; amount: string }) => [f.invoiceNumber, f.lineNo, f.code, f.amount])).toEqual([
    [first, 1, 'PRICE_VARIANCE', '100.00'],
    [first, 2, 'UNDERBILLED', '40.00'],
  ]);
  // One task per team over every item's findings, naming the invoices.
  expect(c.tasks.map((t: { team: string; title: string }) => [t.team, t.title])).toEqual([
    ['SALES_OPS', `Confirm PRICE_VARIANCE, UNDERBILLED on invoices ${first}, ${second}`],
  ]);

  const evidence = await api.request('GET', `/api/disputes/${c.id}/evidence?invoiceNumber=${second}`, { token: specialist.token });
  expect(evidence.status).toBe(200);
  expect(evidence.body.evidence.invoice.number).toBe(second);
  expect(evidence.body.findings).toEqual([
    {
      id: expect.any(String),
      code: 'PRICE_VARIANCE',
      team: 'SALES_OPS',
      invoiceNumber: second,
      lineNo: 1,
      expected: '90.00',
      actual: '100.00',
      amount: '50.00',
      confirmedAmount: null,
    },
  ]);
  const firstEvidence = await api.request('GET', `/api/disputes/${c.id}/evidence`, { token: specialist.token });
  expect(firstEvidence.body.evidence.invoice.number).toBe(first);
  const notInCase = await api.request('GET', `/api/disputes/${c.id}/evidence?invoiceNumber=${uniqueId('INV')}`, { token: specialist.token });
  expect(notInCase.status).toBe(404);

  // The task lists the findings of both invoices to the team.
  const tasks = await api.request('GET', '/api/tasks?status=OPEN', { token: salesOps.token });
  const task = tasks.body.items.find((t: { disputeId: string }) => t.disputeId === c.id);
  expect(task.findings.map((f: { invoiceNumber: string; code: string }) => [f.invoiceNumber, f.code])).toEqual([
    [first, 'PRICE_VARIANCE'],
    [first, 'UNDERBILLED'],
    [second, 'PRICE_VARIANCE'],
  ]);

  const invoice = await api.request('GET', `/api/invoices/${first}`, { token: specialist.token });
  expect(invoice.body).toMatchObject({ total: '1160.00', openBalance: '1160.00', inDispute: '150.00', collectible: '1010.00' });
  const line = await api.request('GET', `/api/invoices/${second}`, { token: specialist.token });
  expect(line.body).toMatchObject({ openBalance: '600.00', inDispute: '30.00', collectible: '570.00' });
  const listed = await api.request('GET', `/api/invoices?number=${first}`, { token: specialist.token });
  expect(listed.body.items[0]).toMatchObject({ number: first, inDispute: '150.00', collectible: '1010.00' });
}, 90_000);

it('refuses an invoice or line another open case holds, naming that case, whole against line too; a free line opens', async () => {
  const { first, second } = await desk();
  const holder = await open([
    { invoiceNumber: first, disputedAmount: '10.00' },
    { invoiceNumber: second, lineNo: 2, disputedAmount: '10.00' },
  ]);
  expect(holder.status).toBe(201);
  const before = await written();

  for (const [items, field] of [
    [[{ invoiceNumber: first, disputedAmount: '5.00' }], 'items.0.invoiceNumber'],
    [[{ invoiceNumber: first, lineNo: 1, disputedAmount: '5.00' }], 'items.0.lineNo'],
    [[{ invoiceNumber: second, disputedAmount: '5.00' }], 'items.0.invoiceNumber'],
    [[{ invoiceNumber: second, lineNo: 1, disputedAmount: '5.00' }, { invoiceNumber: second, lineNo: 2, disputedAmount: '5.00' }], 'items.1.lineNo'],
  ] as [Item[], string][]) {
    const refused = await open(items);
    expect([refused.status, refused.body.error.message]).toEqual([422, expect.stringContaining(`open case ${holder.body.caseNumber}`)]);
    expect(refused.body.error.details).toEqual([{ field, message: `is in open case ${holder.body.caseNumber}`, in: 'body' }]);
  }
  const v1 = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: first, disputedAmount: '5.00', reasonCode: 'PRICING' },
  });
  expect([v1.status, v1.body.error.details[0].field]).toEqual([422, 'invoiceNumber']);
  expect(await written()).toEqual(before);

  const freeLine = await open([{ invoiceNumber: second, lineNo: 1, disputedAmount: '5.00' }]);
  expect(freeLine.status).toBe(201);
}, 60_000);

it('of two openings on one invoice at once, one wins and the other is told which case holds it', async () => {
  const { third } = await desk();
  const answers = await Promise.all([
    open([{ invoiceNumber: third, disputedAmount: '10.00' }]),
    open([{ invoiceNumber: third, lineNo: 1, disputedAmount: '10.00' }]),
  ]);
  expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
  const winner = answers.find((a) => a.status === 201)!;
  const loser = answers.find((a) => a.status === 422)!;
  expect(loser.body.error.message).toContain(`open case ${winner.body.caseNumber}`);
  const { rows } = await api.db.pool.query('SELECT case_id FROM case_claims WHERE invoice_number = $1 AND released_at IS NULL', [third]);
  expect(rows).toEqual([{ case_id: winner.body.id }]);
}, 60_000);

it('releases the claims when the case is cancelled or closed', async () => {
  const { first, third } = await desk();
  const cancelled = await open([{ invoiceNumber: third, disputedAmount: '10.00' }]);
  await caseOf(cancelled.body.id, 'RESOLUTION');
  const cancel = await api.request('POST', `/api/disputes/${cancelled.body.id}/cancel`, { token: specialist.token, body: { reason: 'opened by mistake' } });
  expect(cancel.status).toBe(200);
  const again = await open([{ invoiceNumber: third, lineNo: 1, disputedAmount: '10.00' }]);
  expect(again.status).toBe(201);
  const invoice = await api.request('GET', `/api/invoices/${third}`, { token: specialist.token });
  expect(invoice.body).toMatchObject({ inDispute: '10.00', collectible: '80.00' });

  const closing = await open([{ invoiceNumber: first, lineNo: 1, disputedAmount: '20.00' }]);
  const c = await caseOf(closing.body.id, 'INVESTIGATION');
  const done = await api.request('POST', `/api/tasks/${c.tasks[0].id}/complete`, {
    token: salesOps.token,
    body: { outcome: 'NOT_CONFIRMED', note: 'the price was agreed' },
  });
  expect(done.status).toBe(200);
  await caseOf(c.id, 'RESOLUTION');
  const resolved = await api.request('POST', `/api/disputes/${c.id}/resolution`, {
    token: specialist.token,
    body: { type: 'NO_CREDIT', rootCause: 'OTHER' },
  });
  expect(resolved.status).toBe(200);
  await caseOf(c.id, 'DONE');
  const whole = await open([{ invoiceNumber: first, disputedAmount: '20.00' }]);
  expect(whole.status).toBe(201);
}, 90_000);

it('lets a line be disputed again for no more than it billed less what credits took of it', async () => {
  const { first } = await desk();
  const opened = await open([{ invoiceNumber: first, lineNo: 1, disputedAmount: '100.00' }]);
  expect(opened.status).toBe(201);
  const c = await caseOf(opened.body.id, 'INVESTIGATION');
  const done = await api.request('POST', `/api/tasks/${c.tasks[0].id}/complete`, { token: salesOps.token, body: { outcome: 'CONFIRMED', note: 'above the contract' } });
  expect(done.status).toBe(200);
  await caseOf(c.id, 'RESOLUTION');
  const proposed = await api.request('POST', `/api/disputes/${c.id}/resolution`, {
    token: specialist.token,
    body: { type: 'ADJUST', rootCause: 'PRICING_SETUP', adjustments: [{ kind: 'CREDIT', invoiceNumber: first, lineNo: 1, amount: '100.00' }] },
  });
  expect(proposed.status).toBe(200);
  expect((await api.request('POST', `/api/disputes/${c.id}/decision`, { token: manager.token, body: { decision: 'APPROVE' } })).status).toBe(200);
  await caseOf(c.id, 'DONE');

  // Line 1 billed 1000.00 and 100.00 of it was credited: 900.00 is left to dispute on it.
  const before = await written();
  const over = await open([{ invoiceNumber: first, lineNo: 1, disputedAmount: '900.01' }]);
  expect(over.status).toBe(422);
  expect(over.body.error.details.map((d: { field: string }) => d.field)).toEqual(['items.0.disputedAmount']);
  expect(await written()).toEqual(before);
  expect((await open([{ invoiceNumber: first, lineNo: 1, disputedAmount: '900.00' }])).status).toBe(201);
}, 90_000);

it('refuses each bad item field by name, writing nothing', async () => {
  const { first, second } = await desk();
  const other = await desk();
  const euro = await desk('EUR');
  const before = await written();
  const cases: [unknown, number, string][] = [
    [{ reasonCode: 'PRICING', items: [] }, 400, 'items'],
    [{ reasonCode: 'PRICING', items: Array.from({ length: 51 }, (_, i) => ({ invoiceNumber: `${first}-${i}`, disputedAmount: '1.00' })) }, 400, 'items'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, disputedAmount: '0.00' }] }, 400, 'items.0.disputedAmount'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, disputedAmount: 5 }] }, 400, 'items.0.disputedAmount'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, lineNo: 0, disputedAmount: '1.00' }] }, 400, 'items.0.lineNo'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, lineNo: 1.5, disputedAmount: '1.00' }] }, 400, 'items.0.lineNo'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: ' ', disputedAmount: '1.00' }] }, 400, 'items.0.invoiceNumber'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, disputedAmount: '1.00', caseId: 'x' }] }, 400, 'items.0.caseId'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, disputedAmount: '1.00' }], status: 'CLOSED' }, 400, 'status'],
    [{ reasonCode: 'NOPE', items: [{ invoiceNumber: first, disputedAmount: '1.00' }] }, 400, 'reasonCode'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: uniqueId('INV'), disputedAmount: '1.00' }] }, 422, 'items.0.invoiceNumber'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, lineNo: 9, disputedAmount: '1.00' }] }, 422, 'items.0.lineNo'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, disputedAmount: '1160.01' }] }, 422, 'items.0.disputedAmount'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, lineNo: 2, disputedAmount: '160.01' }] }, 422, 'items.0.disputedAmount'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, disputedAmount: '1.00' }, { invoiceNumber: first, disputedAmount: '1.00' }] }, 422, 'items.1.invoiceNumber'],
    [
      { reasonCode: 'PRICING', items: [{ invoiceNumber: first, disputedAmount: '1.00' }, { invoiceNumber: first, lineNo: 1, disputedAmount: '1.00' }] },
      422,
      'items.1.lineNo',
    ],
    [
      { reasonCode: 'PRICING', items: [{ invoiceNumber: second, lineNo: 1, disputedAmount: '1.00' }, { invoiceNumber: second, lineNo: 1, disputedAmount: '2.00' }] },
      422,
      'items.1.lineNo',
    ],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, disputedAmount: '1.00' }, { invoiceNumber: other.first, disputedAmount: '1.00' }] }, 422, 'items.1.invoiceNumber'],
    [{ reasonCode: 'PRICING', items: [{ invoiceNumber: first, disputedAmount: '1.00' }, { invoiceNumber: euro.first, disputedAmount: '1.00' }] }, 422, 'items.1.invoiceNumber'],
  ];
  for (const [body, status, field] of cases) {
    const res = await api.request('POST', '/api/disputes', { token: specialist.token, body });
    expect([JSON.stringify(body).slice(0, 120), res.status, res.body.error?.details?.map((d: { field: string }) => d.field)]).toEqual([
      JSON.stringify(body).slice(0, 120),
      status,
      expect.arrayContaining([field]),
    ]);
  }
  expect(await written()).toEqual(before);
}, 60_000);

it('keeps an Idempotency-Key bound to its items: the same body answers the same case, another is a 422', async () => {
  const { first, second } = await desk();
  const key = { 'Idempotency-Key': uniqueId('items-key') };
  const items = [
    { invoiceNumber: first, disputedAmount: '10.00' },
    { invoiceNumber: second, lineNo: 2, disputedAmount: '10' },
  ];
  const opened = await open(items, key);
  expect(opened.status).toBe(201);
  const again = await open([items[0], { ...items[1], disputedAmount: '10.00' }], key);
  expect([again.status, again.body.id]).toEqual([201, opened.body.id]);
  const other = await open([items[0]], key);
  expect(other.status).toBe(422);
  const { rows } = await api.db.pool.query('SELECT count(*)::int AS n FROM case_claims WHERE case_id = $1', [opened.body.id]);
  expect(rows[0].n).toBe(2);
}, 60_000);

it("frees the items of an opening whose workflow never started, after five minutes, and claims them again when its key comes back", async () => {
  const { first, second, third } = await desk();
  const item = (invoiceNumber: string) => ({ invoiceNumber, disputedAmount: '10.00' });
  // What a start that failed (Temporal unreachable) and was never retried leaves: a reservation and its claims, no
  // case row, no workflow. Hashed as the API hashes the body, so that the same body sent again with its key matches.
  const abandon = async (invoiceNumber: string, minutesAgo: number) => {
    const key = uniqueId('abandoned');
    const { rows } = await api.db.pool.query(`SELECT nextval('case_number_seq') AS n`);
    const caseNumber = formatCaseNumber(BigInt(rows[0].n));
    const caseId = randomUUID();
    const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const hash = requestHash({ reasonCode: 'PRICING', description: null, items: [{ invoiceNumber, lineNo: null, disputedAmount: '10.00' }] });
    await api.db.pool.query(
      `INSERT INTO idempotency_keys (user_id, key, command, request_hash, case_id, case_number, workflow_id, opened_at)
       VALUES ($1, $2, 'open', $3, $4, $5, $6, $7)`,
      [specialist.id, key, hash, caseId, caseNumber, disputeWorkflowId(caseNumber), at],
    );
    await api.db.pool.query('INSERT INTO case_claims (case_id, case_number, invoice_number, claimed_at) VALUES ($1, $2, $3, $4)', [
      caseId,
      caseNumber,
      invoiceNumber,
      at,
    ]);
    return { key: { 'Idempotency-Key': key }, caseNumber };
  };

  // A minute old: its start may still be on its way; the invoice stays held.
  const young = await abandon(second, 1);
  const held = await open([item(second)]);
  expect([held.status, held.body.error?.message]).toEqual([422, expect.stringContaining(`open case ${young.caseNumber}`)]);

  // Ten minutes old, no workflow: a new opening takes the invoice; the old key coming back is told who holds it,
  // and once that case is cancelled it opens its own case on the same claim.
  const old = await abandon(third, 10);
  const taker = await open([item(third)]);
  expect(taker.status).toBe(201);
  const back = await open([item(third)], old.key);
  expect([back.status, back.body.error?.message]).toEqual([422, expect.stringContaining(`open case ${taker.body.caseNumber}`)]);
  await caseOf(taker.body.id, 'RESOLUTION');
  const cancel = await api.request('POST', `/api/disputes/${taker.body.id}/cancel`, { token: specialist.token, body: { reason: 'the other opening comes back' } });
  expect(cancel.status).toBe(200);
  const reopened = await open([item(third)], old.key);
  expect([reopened.status, reopened.body.caseNumber]).toEqual([201, old.caseNumber]);
  await caseOf(reopened.body.id, 'RESOLUTION');

  // Ten minutes old and its key back before anyone else: it opens its case on the claims it kept.
  const late = await abandon(first, 10);
  const resumed = await open([item(first)], late.key);
  expect([resumed.status, resumed.body.caseNumber]).toEqual([201, late.caseNumber]);
  const { rows } = await api.db.pool.query(
    'SELECT case_number, released_at IS NOT NULL AS released FROM case_claims WHERE invoice_number = ANY($1) ORDER BY claimed_at, case_number',
    [[first, third]],
  );
  expect(rows).toEqual([
    { case_number: old.caseNumber, released: true },
    { case_number: late.caseNumber, released: false },
    { case_number: taker.body.caseNumber, released: true },
    { case_number: old.caseNumber, released: false },
  ]);
}, 120_000);
