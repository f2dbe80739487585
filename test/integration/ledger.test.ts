// The ledger through the HTTP API, the API and the worker running as a login of the application role: a case
// resolved with a credit, a debit and a write-off ends in CM-, DM- and WO- documents and the balance formula; every
// new body field refused by name with nothing written; a later case held to what the first left, 422;
// a manager's limit held against the sum, debits included; and the database itself refusing a line over-credited and
// a balance that disagrees with the documents, to the application's role.
import { startApiAsAppRole, type AppRoleApiHarness } from '../support/api';
import { caseViaApi, completeTasksViaApi, createCast, expectInvariants, openCasesViaApi, type Cast, type HttpCase } from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

let api: AppRoleApiHarness;
let cast: Cast;
let auditor: TestUser;

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true });
  cast = await createCast(api.db.pool);
  auditor = await api.user('auditor');
}, 60_000);

afterAll(() => api?.close());

const propose = (c: HttpCase, body: unknown) =>
  api.request('POST', `/api/disputes/${c.id}/resolution`, { token: cast.specialist.token, body });

/** The case's resolutions, approvals, documents and trail length: what a refused request must leave as it was. */
const written = async (c: HttpCase) =>
  (
    await api.db.pool.query(
      `SELECT (SELECT count(*) FROM resolutions WHERE case_id = $1)::int AS resolutions,
              (SELECT count(*) FROM adjustments WHERE case_id = $1)::int AS documents,
              (SELECT count(*) FROM case_events WHERE case_id = $1)::int AS events`,
      [c.id],
    )
  ).rows[0];

it('issues a credit memo, a debit memo and a write-off for one approval, and the invoice follows its documents', async () => {
  const [c] = await openCasesViaApi(api, cast.specialist, [pricingDispute()], '150.00');
  expect(await completeTasksViaApi(api, cast, c)).toBe('RESOLUTION');
  const invoiceNumber = c.fixture.invoiceNumber;
  const res = await propose(c, {
    type: 'ADJUST',
    rootCause: 'PRICING_SETUP',
    note: 'price above contract; freight unbilled; the rest goodwill',
    adjustments: [
      { kind: 'CREDIT', invoiceNumber, amount: '100' },
      { kind: 'DEBIT', invoiceNumber, lineNo: 1, amount: '30.00' },
      { kind: 'WRITE_OFF', invoiceNumber, amount: '50.00' },
    ],
  });
  expect(res.status).toBe(200);
  expect(res.body.stage).toBe('APPROVAL');
  const waiting = await caseViaApi(api, cast.manager, c, 'in approval', (d) => d.stage === 'APPROVAL');
  expect(waiting.resolution).toMatchObject({
    type: 'ADJUST',
    rootCause: 'PRICING_SETUP',
    amount: '180.00',
    adjustments: [
      { kind: 'CREDIT', invoiceNumber, lineNo: null, amount: '100.00' },
      { kind: 'DEBIT', invoiceNumber, lineNo: 1, amount: '30.00' },
      { kind: 'WRITE_OFF', invoiceNumber, lineNo: null, amount: '50.00' },
    ],
  });
  // The sum, debits included, is over 50.00: the limited manager may not approve it.
  const limited = await api.request('POST', `/api/disputes/${c.id}/decision`, { token: cast.limitedManager.token, body: { decision: 'APPROVE' } });
  expect(limited.status).toBe(403);
  expect((await api.request('POST', `/api/disputes/${c.id}/decision`, { token: cast.manager.token, body: { decision: 'APPROVE' } })).status).toBe(200);

  const closed = await caseViaApi(api, auditor, c, 'closed', (d) => d.status === 'CLOSED');
  expect(closed.approvals).toEqual([expect.objectContaining({ decision: 'APPROVE', amount: '180.00' })]);
  const kinds = closed.adjustments.map((a: { number: string; kind: string; amount: string; lines: unknown }) => [a.number.slice(0, 3), a.kind, a.amount, a.lines]);
  expect(kinds).toEqual(
    expect.arrayContaining([
      ['CM-', 'CREDIT', '100.00', [{ lineNo: 1, amount: '100.00' }]],
      ['DM-', 'DEBIT', '30.00', [{ lineNo: 1, amount: '30.00' }]],
      ['WO-', 'WRITE_OFF', '50.00', [{ lineNo: 1, amount: '50.00' }]],
    ]),
  );
  expect(closed.adjustments).toHaveLength(3);
  expect(closed.creditMemos.map((m: { amount: string }) => m.amount)).toEqual(['100.00']);

  const invoice = await api.request('GET', `/api/invoices/${invoiceNumber}`, { token: cast.specialist.token });
  expect(invoice.status).toBe(200);
  expect(invoice.body).toMatchObject({
    total: '1000.00',
    credited: '100.00',
    debited: '30.00',
    writtenOff: '50.00',
    paid: '0.00',
    openBalance: '880.00',
    inDispute: '0.00',
    collectible: '880.00',
  });
  expect(invoice.body.adjustments).toHaveLength(3);
  await expectInvariants(api.db.pool);
}, 90_000);

it('refuses each new field of a resolution by name, writing nothing', async () => {
  const [c, other] = await openCasesViaApi(api, cast.specialist, [pricingDispute(), pricingDispute()], '150.00');
  await completeTasksViaApi(api, cast, c);
  const inv = c.fixture.invoiceNumber;
  const before = await written(c);
  const cases: [unknown, number, string][] = [
    [{ type: 'CREDIT', amount: '10.00', rootCause: 'pricing setup' }, 400, 'rootCause'],
    [{ type: 'ADJUST', rootCause: 'OTHER', adjustments: [] }, 400, 'adjustments'],
    [{ type: 'ADJUST', rootCause: 'OTHER', adjustments: [{ kind: 'REFUND', invoiceNumber: inv, amount: '1.00' }] }, 400, 'adjustments.0.kind'],
    [{ type: 'ADJUST', rootCause: 'OTHER', adjustments: [{ kind: 'CREDIT', invoiceNumber: inv, amount: '0' }] }, 400, 'adjustments.0.amount'],
    [{ type: 'ADJUST', rootCause: 'OTHER', adjustments: [{ kind: 'CREDIT', invoiceNumber: inv, lineNo: 0, amount: '1.00' }] }, 400, 'adjustments.0.lineNo'],
    [{ type: 'ADJUST', rootCause: 'OTHER', adjustments: [{ kind: 'CREDIT', invoiceNumber: inv, amount: '1.00', approvalId: 'x' }] }, 400, 'adjustments.0.approvalId'],
    [{ type: 'ADJUST', rootCause: 'OTHER', amount: '1.00', adjustments: [{ kind: 'CREDIT', invoiceNumber: inv, amount: '1.00' }] }, 400, 'amount'],
    [{ type: 'DEBIT', rootCause: 'OTHER' }, 400, 'amount'],
    [{ type: 'ADJUST', rootCause: 'OTHER', adjustments: [{ kind: 'CREDIT', invoiceNumber: other.fixture.invoiceNumber, amount: '1.00' }] }, 422, 'adjustments.0.invoiceNumber'],
    [{ type: 'ADJUST', rootCause: 'OTHER', adjustments: [{ kind: 'CREDIT', invoiceNumber: inv, lineNo: 7, amount: '1.00' }] }, 422, 'adjustments.0.lineNo'],
    [
      { type: 'ADJUST', rootCause: 'OTHER', adjustments: [{ kind: 'DEBIT', invoiceNumber: inv, amount: '500.00' }, { kind: 'CREDIT', invoiceNumber: inv, amount: '100.00' }, { kind: 'WRITE_OFF', invoiceNumber: inv, amount: '50.01' }] },
      422,
      'adjustments.2.amount',
    ],
    [{ type: 'WRITE_OFF', rootCause: 'OTHER', amount: '150.01' }, 422, 'amount'],
  ];
  for (const [body, status, field] of cases) {
    const res = await propose(c, body);
    expect({ body, status: res.status, fields: res.body.error?.details?.map((d: { field: string }) => d.field) }).toEqual({
      body,
      status,
      fields: expect.arrayContaining([field]),
    });
  }
  expect(await written(c)).toEqual(before);
}, 90_000);

it('holds a later case on the invoice to what the first one left, refusing by name and writing nothing', async () => {
  const [a] = await openCasesViaApi(api, cast.specialist, [pricingDispute()], '900.00');
  const shared = a.fixture.invoiceNumber;
  await completeTasksViaApi(api, cast, a);
  expect((await propose(a, { type: 'CREDIT', rootCause: 'PRICING_SETUP', amount: '900.00' })).status).toBe(200);
  expect((await api.request('POST', `/api/disputes/${a.id}/decision`, { token: cast.manager.token, body: { decision: 'APPROVE' } })).status).toBe(200);
  await caseViaApi(api, cast.specialist, a, 'closed', (d) => d.status === 'CLOSED');

  const opened = await api.request('POST', '/api/disputes', {
    token: cast.specialist.token,
    body: { invoiceNumber: shared, disputedAmount: '100.00', reasonCode: 'PRICING' },
  });
  expect(opened.status).toBe(201);
  const b: HttpCase = { ...opened.body, fixture: a.fixture };
  await completeTasksViaApi(api, cast, b);
  const before = await written(b);
  const over = await propose(b, { type: 'CREDIT', rootCause: 'PRICING_SETUP', amount: '100.01' });
  expect(over.status).toBe(422);
  expect(over.body.error.details).toEqual([expect.objectContaining({ field: 'amount' })]);
  const overAdjust = await propose(b, {
    type: 'ADJUST',
    rootCause: 'PRICING_SETUP',
    adjustments: [{ kind: 'DEBIT', invoiceNumber: shared, amount: '50.00' }, { kind: 'WRITE_OFF', invoiceNumber: shared, lineNo: 1, amount: '100.01' }],
  });
  expect(overAdjust.status).toBe(422);
  expect(overAdjust.body.error.details).toEqual([expect.objectContaining({ field: 'adjustments.1.amount' })]);
  expect(await written(b)).toEqual(before);

  expect((await propose(b, { type: 'CREDIT', rootCause: 'PRICING_SETUP', amount: '100.00' })).status).toBe(200);
  expect((await api.request('POST', `/api/disputes/${b.id}/decision`, { token: cast.manager.token, body: { decision: 'APPROVE' } })).status).toBe(200);
  await caseViaApi(api, cast.specialist, b, 'closed', (d) => d.status === 'CLOSED');
  const invoice = await api.request('GET', `/api/invoices/${shared}`, { token: cast.specialist.token });
  expect(invoice.body).toMatchObject({ credited: '1000.00', openBalance: '0.00', collectible: '0.00' });
  await expectInvariants(api.db.pool);
}, 120_000);

it('is held by the database whoever writes: no line over-credited, no balance apart from its documents', async () => {
  const { rows } = await api.db.pool.query(
    `SELECT m.number, m.invoice_number, m.approval_id, m.case_id FROM adjustments m WHERE m.kind = 'CREDIT' LIMIT 1`,
  );
  const memo = rows[0];
  const outcome = async (sql: string, params: unknown[] = []) => {
    const client = await api.appRole.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(sql, params);
      await client.query('COMMIT');
      return 'ok';
    } catch (err) {
      await client.query('ROLLBACK');
      return (err as { code?: string }).code;
    } finally {
      client.release();
    }
  };
  // A second credit line on a line already credited in full.
  expect(
    await outcome(`INSERT INTO adjustment_lines (adjustment_number, invoice_number, line_no, amount_minor) VALUES ($1, $2, 1, 100000)`, [
      memo.number,
      memo.invoice_number,
    ]),
  ).toBe('23514');
  // The invoice's figures apart from its documents: refused at commit.
  expect(await outcome('UPDATE invoices SET debited_minor = debited_minor + 100 WHERE number = $1', [memo.invoice_number])).toBe('23514');
  expect(await outcome('UPDATE invoices SET written_off_minor = 1 WHERE number = $1', [memo.invoice_number])).toBe('23514');
  // The ledger's own rows are out of reach.
  expect(await outcome('UPDATE invoice_lines SET credited_minor = 0 WHERE invoice_number = $1', [memo.invoice_number])).toBe('42501');
  expect(await outcome('UPDATE adjustments SET amount_minor = 1 WHERE number = $1', [memo.number])).toBe('42501');
  expect(await outcome(`UPDATE document_counters SET last_value = last_value + 5 WHERE series = 'DM'`)).toBe('23514');
  await expectInvariants(api.db.pool);
}, 60_000);
