// Bad input on every body route: 400 naming the field (422 when only a rule /openapi.json cannot state refuses it),
// nothing written. Plus the edges: malformed and oversized
// bodies, query validation, page-size clamping, the import's all-or-nothing 422s, rate limiting and outages (503).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { routes } from '../../api/routes';
import { createPool } from '../../infra/postgres';
import { startApi, TEST_TEAMS, type ApiHarness } from '../support/api';
import { pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let admin: TestUser;
let specialist: TestUser;
let manager: TestUser;
let ops: TestUser;
let caseId: string;
let taskId: string;
let unappliedId: string;
let customerId: string;
/** A user id nobody has. */
const NOBODY = '00000000-0000-4000-8000-000000000000';
/** A payment posted before the cases run (each test file has a database of its own). */
const postedPaymentId = 'PAY-INPUT-POSTED';

const TABLES = ['users', 'customers', 'contracts', 'purchase_orders', 'work_orders', 'invoices', 'invoice_lines', 'cases', 'tasks', 'case_events', 'idempotency_keys',
  'payments', 'payment_applications', 'unapplied_cash', 'deductions', 'reason_mappings', 'approval_limits', 'delegations', 'admin_events'];

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const { rows } = await api.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = rows[0].n;
  }
  return counts;
}

beforeAll(async () => {
  api = await startApi();
  admin = await api.user('admin');
  specialist = await api.user('specialist');
  manager = await api.user('manager', { approvalLimit: '500.00' });
  ops = await api.user('ops', { team: 'SALES_OPS' });
  // A case and a task in the read model (no workflow: bad input must be refused before Temporal is asked).
  const fixture = pricingDispute();
  await api.request('POST', '/api/records/import', { token: specialist.token, body: fixture.records });
  customerId = fixture.customerId;
  const { rows } = await api.db.pool.query(
    `INSERT INTO cases (id, case_number, workflow_id, invoice_number, customer_id, currency, disputed_minor, reason_code,
                        opened_by, opened_at, stage_entered_at)
     VALUES (gen_random_uuid(), 'DSP-TEST-1', 'dispute:DSP-TEST-1', $1, $2, 'USD', 10000, 'PRICING', $3, now(), now())
     RETURNING id`,
    [fixture.invoiceNumber, fixture.customerId, specialist.id],
  );
  caseId = rows[0].id;
  const task = await api.db.pool.query(
    `INSERT INTO tasks (id, case_id, team, title, finding_codes, created_at, due_at)
     VALUES (gen_random_uuid(), $1, 'SALES_OPS', 't', '{PRICE_VARIANCE}', now(), now() + interval '1 day') RETURNING id`,
    [caseId],
  );
  taskId = task.rows[0].id;
  const posted = await api.request('POST', '/api/payments', { token: specialist.token, body: { payments: [payment({ id: postedPaymentId })] } });
  expect(posted.body.unapplied).toBe(1);
  unappliedId = (await api.request('GET', '/api/unapplied-cash', { token: specialist.token })).body.items[0].id;
});

afterAll(async () => {
  await api?.close();
});

interface BadInput {
  /** A string is sent as is, an XML document unless its headers say otherwise. */
  body: unknown;
  field: string;
  headers?: Record<string, string>;
  /** 422: the body meets the document; a rule it cannot state refuses it (here: teams are configuration). */
  status?: 422;
}

const camt054 = readFileSync(path.join(__dirname, '..', 'fixtures', 'camt054', 'ustrd-only.v08.xml'), 'utf8');

// Every body route of the table, with the bodies it must refuse and the field each must name.
const badInputs: Record<string, { as: () => TestUser; path: () => string; cases: BadInput[] }> = {
  'POST /api/users': {
    as: () => admin,
    path: () => '/api/users',
    cases: [
      { body: { name: 'x', role: 'boss' }, field: 'role' },
      { body: { name: '', role: 'auditor' }, field: 'name' },
      { body: { name: 'x', role: 'ops' }, field: 'team' },
      { body: { name: 'x', role: 'ops', team: 'NOT_A_TEAM' }, field: 'team', status: 422 },
      { body: { name: 'x', role: 'specialist', approvalLimit: '10.00' }, field: 'approvalLimit' },
      { body: { name: 'x', role: 'manager', approvalLimit: '10.001' }, field: 'approvalLimit' },
      { body: { name: 'x', role: 'manager', approvalLimit: 10 }, field: 'approvalLimit' },
      { body: { name: 'x', role: 'manager', approvalLimit: '-1.00' }, field: 'approvalLimit' },
      { body: { name: 'x', role: 'auditor', isBootstrap: true }, field: 'isBootstrap' },
      { body: { name: 'x', role: 'admin', tokenHash: 'abc' }, field: 'tokenHash' },
      // Names and teams must show, and must not reorder what is displayed (bidirectional controls).
      { body: { name: '\u200b', role: 'auditor' }, field: 'name' },
      { body: { name: '\u2060\ufeff\u0301', role: 'auditor' }, field: 'name' },
      { body: { name: 'Eve \u202eniamoD', role: 'auditor' }, field: 'name' },
      { body: { name: 'x', role: 'ops', team: 'SALES\u200f_OPS' }, field: 'team' },
    ],
  },
  'PATCH /api/users/:id': {
    as: () => admin,
    path: () => `/api/users/${ops.id}`,
    cases: [
      { body: {}, field: '(body)', status: 422 },
      { body: { name: '' }, field: 'name' },
      { body: { name: 'Eve \u202eniamoD' }, field: 'name' },
      { body: { team: 'NOT_A_TEAM' }, field: 'team', status: 422 },
      { body: { team: null }, field: 'team', status: 422 },
      { body: { lead: 'yes' }, field: 'lead' },
      { body: { active: 1 }, field: 'active' },
      { body: { approvalLimit: '1.00' }, field: 'approvalLimit', status: 422 },
      { body: { approvalLimits: { eur: '1.00' } }, field: 'approvalLimits.eur' },
      { body: { approvalLimits: { EUR: '1.001' } }, field: 'approvalLimits.EUR' },
      { body: { name: 'x', role: 'admin' }, field: 'role' },
      { body: { name: 'x', revokedAt: null }, field: 'revokedAt' },
    ],
  },
  'POST /api/users/:id/delegations': {
    as: () => manager,
    path: () => `/api/users/${manager.id}/delegations`,
    cases: [
      { body: {}, field: 'delegateId' },
      { body: { delegateId: NOBODY, from: '2030-01-01' }, field: 'until' },
      { body: { delegateId: NOBODY, from: '2030-02-30', until: '2030-03-02' }, field: 'from', status: 422 },
      { body: { delegateId: NOBODY, from: '2030-01-01', until: 'soon' }, field: 'until' },
      { body: { delegateId: NOBODY, from: '2030-01-02', until: '2030-01-01' }, field: 'until', status: 422 },
      { body: { delegateId: NOBODY, from: '2020-01-01', until: '2020-01-02' }, field: 'until', status: 422 },
      { body: { delegateId: NOBODY, from: '2030-01-01', until: '2031-06-01' }, field: 'until', status: 422 },
      { body: { delegateId: NOBODY, from: '2030-01-01', until: '2030-01-02' }, field: 'delegateId', status: 422 },
      { body: { delegateId: NOBODY, from: '2030-01-01', until: '2030-01-02', managerId: NOBODY }, field: 'managerId' },
    ],
  },
  'POST /api/records/import': {
    as: () => specialist,
    path: () => '/api/records/import',
    cases: [
      { body: { customers: [{ id: 'C-1', name: 'n', vip: true }] }, field: 'customers.0.vip' },
      { body: { suppliers: [] }, field: 'suppliers' },
      { body: { customers: [{ id: '', name: 'n' }] }, field: 'customers.0.id' },
      { body: { invoices: [invoice({ quantity: 1.0001 })] }, field: 'invoices.0.lines.0.quantity', status: 422 },
      { body: { invoices: [invoice({ unitPrice: '1.234' })] }, field: 'invoices.0.lines.0.unitPrice' },
      { body: { invoices: [invoice({ unitPrice: 12.5 })] }, field: 'invoices.0.lines.0.unitPrice' },
      { body: { invoices: [invoice({ quantity: 0 })] }, field: 'invoices.0.lines.0.quantity' },
      { body: { invoices: [{ ...invoice({}), currency: 'usd' }] }, field: 'invoices.0.currency' },
      { body: { customers: 'all of them' }, field: 'customers' },
      { body: { customers: [{ id: '\u200b', name: 'n' }] }, field: 'customers.0.id' },
      { body: { customers: [{ id: 'C-\u2066X', name: 'n' }] }, field: 'customers.0.id' },
      { body: { customers: [{ id: 'C-1', name: '\u3164' }] }, field: 'customers.0.name' },
      { body: { invoices: [{ ...invoice({}), number: 'INV-\u202e1001' }] }, field: 'invoices.0.number' },
      { body: { invoices: [invoice({ sku: '\u200b\u200c' })] }, field: 'invoices.0.lines.0.sku' },
    ],
  },
  'POST /api/disputes': {
    as: () => specialist,
    path: () => '/api/disputes',
    cases: [
      { body: dispute({ disputedAmount: '0' }), field: 'disputedAmount' },
      { body: dispute({ disputedAmount: '0.00' }), field: 'disputedAmount' },
      { body: dispute({ disputedAmount: '-5.00' }), field: 'disputedAmount' },
      { body: dispute({ disputedAmount: '12.345' }), field: 'disputedAmount' },
      { body: dispute({ disputedAmount: 12.5 }), field: 'disputedAmount' },
      { body: dispute({ disputedAmount: '1e3' }), field: 'disputedAmount' },
      { body: dispute({ reasonCode: 'BECAUSE' }), field: 'reasonCode' },
      { body: dispute({ invoiceNumber: undefined }), field: 'invoiceNumber' },
      { body: dispute({ status: 'CLOSED' }), field: 'status' },
      { body: dispute({ openedBy: 'someone-else' }), field: 'openedBy' },
      { body: dispute({}), field: 'Idempotency-Key', headers: { 'idempotency-key': 'k'.repeat(201) } },
      { body: dispute({ invoiceNumber: '\u200b' }), field: 'invoiceNumber' },
      { body: dispute({ invoiceNumber: 'INV-\u202e1' }), field: 'invoiceNumber' },
    ],
  },
  'POST /api/disputes/:id/resolution': {
    as: () => specialist,
    path: () => `/api/disputes/${caseId}/resolution`,
    cases: [
      { body: { type: 'CREDIT', rootCause: 'OTHER' }, field: 'amount' },
      { body: { type: 'NO_CREDIT', amount: '5.00', rootCause: 'OTHER' }, field: 'amount' },
      { body: { type: 'CREDIT', amount: '0.00', rootCause: 'OTHER' }, field: 'amount' },
      { body: { type: 'CREDIT', amount: '-1', rootCause: 'OTHER' }, field: 'amount' },
      { body: { type: 'CREDIT', amount: '1.001', rootCause: 'OTHER' }, field: 'amount' },
      { body: { type: 'CREDIT', amount: '1.00' }, field: 'rootCause' },
      { body: { type: 'REFUND', amount: '1.00', rootCause: 'OTHER' }, field: 'type' },
      { body: { type: 'CREDIT', amount: '1.00', rootCause: 'OTHER', approvedBy: '00000000-0000-4000-8000-000000000001' }, field: 'approvedBy' },
      { body: { type: 'CREDIT', amount: '1.00', rootCause: 'OTHER', status: 'APPROVED' }, field: 'status' },
    ],
  },
  'POST /api/disputes/:id/decision': {
    as: () => manager,
    path: () => `/api/disputes/${caseId}/decision`,
    cases: [
      { body: { decision: 'APPROVE', amount: '1000000.00' }, field: 'amount' },
      { body: { decision: 'MAYBE' }, field: 'decision' },
      { body: {}, field: 'decision' },
      { body: { decision: 'APPROVE', approvedBy: 'x' }, field: 'approvedBy' },
      { body: { decision: 'APPROVE', comment: 42 }, field: 'comment' },
      { body: { decision: 'APPROVE', evidenceHash: 'A'.repeat(64) }, field: 'evidenceHash' },
      { body: { decision: 'APPROVE', evidenceHash: 'a'.repeat(63) }, field: 'evidenceHash' },
    ],
  },
  'POST /api/disputes/:id/cancel': {
    as: () => specialist,
    path: () => `/api/disputes/${caseId}/cancel`,
    cases: [
      { body: {}, field: 'reason' },
      { body: { reason: '' }, field: 'reason' },
      { body: { reason: '   ' }, field: 'reason' },
      { body: { reason: 'x', status: 'CANCELLED' }, field: 'status' },
    ],
  },
  'POST /api/disputes/:id/retry-evidence': {
    as: () => specialist,
    path: () => `/api/disputes/${caseId}/retry-evidence`,
    cases: [
      { body: { stage: 'EVIDENCE' }, field: 'stage' },
      { body: { evidenceError: null }, field: 'evidenceError' },
    ],
  },
  'POST /api/disputes/:id/assign': {
    as: () => manager,
    path: () => `/api/disputes/${caseId}/assign`,
    cases: [
      { body: {}, field: 'userId' },
      { body: { userId: 'someone' }, field: 'userId' },
      { body: { userId: '4e595cd7-25a8-4be5-ad83-85c8fee54381' }, field: 'userId', status: 422 },
      { body: { userId: '4e595cd7-25a8-4be5-ad83-85c8fee54381', ownerId: '4e595cd7-25a8-4be5-ad83-85c8fee54381' }, field: 'ownerId' },
    ],
  },
  'POST /api/disputes/:id/await-customer': {
    as: () => specialist,
    path: () => `/api/disputes/${caseId}/await-customer`,
    cases: [
      { body: {}, field: 'reason' },
      { body: { reason: '  ' }, field: 'reason' },
      { body: { reason: 'asked', until: 'tomorrow' }, field: 'until' },
      { body: { reason: 'asked', pausedHours: 5 }, field: 'pausedHours' },
    ],
  },
  'POST /api/disputes/:id/resume': {
    as: () => specialist,
    path: () => `/api/disputes/${caseId}/resume`,
    cases: [{ body: { pausedHours: 0 }, field: 'pausedHours' }],
  },
  'POST /api/disputes/:id/refresh-evidence': {
    as: () => specialist,
    path: () => `/api/disputes/${caseId}/refresh-evidence`,
    cases: [
      { body: { stage: 'RESOLUTION' }, field: 'stage' },
      { body: { evidenceHash: 'a'.repeat(64) }, field: 'evidenceHash' },
      { body: { findings: [] }, field: 'findings' },
    ],
  },
  'POST /api/disputes/:id/comments': {
    as: () => specialist,
    path: () => `/api/disputes/${caseId}/comments`,
    cases: [
      { body: {}, field: 'body' },
      { body: { body: '   ' }, field: 'body' },
      { body: { body: 'x'.repeat(10_001) }, field: 'body' },
      { body: { body: 'ok', authorId: '00000000-0000-4000-8000-000000000001' }, field: 'authorId' },
    ],
  },
  'POST /api/tasks/:id/complete': {
    as: () => ops,
    path: () => `/api/tasks/${taskId}/complete`,
    cases: [
      { body: { outcome: 'CONFIRMED' }, field: 'note' },
      { body: { outcome: 'YES', note: 'n' }, field: 'outcome' },
      { body: { outcome: 'CONFIRMED', note: 'n', amount: '-1' }, field: 'amount' },
      { body: { outcome: 'CONFIRMED', note: 'n', amount: '0' }, field: 'amount' },
      { body: { outcome: 'CONFIRMED', note: 'n', status: 'DONE' }, field: 'status' },
      { body: { outcome: 'CONFIRMED', note: 'n', team: 'ORDER_MANAGEMENT' }, field: 'team' },
    ],
  },
  'POST /api/payments': {
    as: () => specialist,
    path: () => '/api/payments',
    cases: [
      { body: { payments: [] }, field: 'payments' },
      { body: {}, field: 'payments' },
      { body: { payments: [payment({ amount: '0.00' })] }, field: 'payments.0.amount' },
      { body: { payments: [payment({ amount: 10 })] }, field: 'payments.0.amount' },
      { body: { payments: [payment({ currency: 'usd' })] }, field: 'payments.0.currency' },
      { body: { payments: [payment({ receivedAt: 'yesterday' })] }, field: 'payments.0.receivedAt' },
      { body: { payments: [payment({ receivedAt: '2026-02-30T00:00:00Z' })] }, field: 'payments.0.receivedAt', status: 422 },
      { body: { payments: [payment({ id: '\u200b' })] }, field: 'payments.0.id' },
      { body: { payments: [payment({ id: 'P-1' }), payment({ id: 'P-1' })] }, field: 'payments.1.id', status: 422 },
      { body: { payments: [payment({ remittance: [{ invoiceNumber: 'INV-1', paid: '1.234' }] })] }, field: 'payments.0.remittance.0.paid' },
      { body: { payments: [payment({ remittance: [{ invoiceNumber: 'INV-1', paid: '1.00', deductions: [{ amount: '0', reasonCode: 'X' }] }] })] }, field: 'payments.0.remittance.0.deductions.0.amount' },
      { body: { payments: [payment({ customerId: 'NO-SUCH-CUSTOMER' })] }, field: 'payments.0.customerId', status: 422 },
      { body: { payments: [payment({ id: postedPaymentId, amount: '11.00' })] }, field: 'payments.0.id', status: 422 },
      { body: { payments: [payment({ status: 'APPLIED' })] }, field: 'payments.0.status' },
    ],
  },
  'POST /api/payments/camt054': {
    as: () => specialist,
    path: () => '/api/payments/camt054',
    cases: [
      { body: '', field: '(body)' },
      { body: 'not xml', field: 'Document' },
      { body: '<Document xmlns="urn:example"/>', field: 'Document' },
      { body: camt054.replace('<Amt Ccy="EUR">123.45</Amt>', '<Amt Ccy="EUR">123.4.5</Amt>'), field: 'Ntfctn[0].Ntry[0].NtryDtls[0].TxDtls[0].Amt' },
      { body: camt054.replace('<Nm>Smith Hardware</Nm>', '<Nm>Smith\u0000Hardware</Nm>'), field: '(body)' },
      { body: camt054.replace('encoding="UTF-8"', 'encoding="EBCDIC-US"'), field: '(body)' },
      { body: JSON.stringify({ payments: [payment({})] }), headers: { 'content-type': 'application/json' }, field: '(body)' },
    ],
  },
  'POST /api/unapplied-cash/:id/apply': {
    as: () => specialist,
    path: () => `/api/unapplied-cash/${unappliedId}/apply`,
    cases: [
      { body: { invoiceNumber: 'INV-1' }, field: 'amount' },
      { body: { invoiceNumber: 'INV-1', amount: '0.00' }, field: 'amount' },
      { body: { amount: '1.00' }, field: 'invoiceNumber' },
      { body: { invoiceNumber: 'INV-NONE', amount: '1.00' }, field: 'invoiceNumber', status: 422 },
      { body: { invoiceNumber: 'INV-1', amount: '1.00', appliedBy: 'x' }, field: 'appliedBy' },
    ],
  },
  'PUT /api/reason-mappings/:customerId': {
    as: () => specialist,
    path: () => `/api/reason-mappings/${customerId}`,
    cases: [
      { body: {}, field: 'mappings' },
      { body: { mappings: [{ code: 'A' }] }, field: 'mappings.0.reasonCode' },
      { body: { mappings: [{ code: 'A', reasonCode: 'pricing' }] }, field: 'mappings.0.reasonCode' },
      { body: { mappings: [{ code: '\u200b', reasonCode: 'PRICING' }] }, field: 'mappings.0.code' },
      { body: { mappings: [{ code: 'A', reasonCode: 'PRICING' }, { code: 'A', reasonCode: 'OTHER' }] }, field: 'mappings.1.code', status: 422 },
      { body: { mappings: [], customerId: 'x' }, field: 'customerId' },
    ],
  },
  'PUT /api/routing': {
    as: () => admin,
    path: () => '/api/routing',
    cases: [
      { body: {}, field: 'rules' },
      { body: { rules: [{ findingCode: 'PRICE_VARIANCE' }] }, field: 'rules.0.team' },
      { body: { rules: [{ findingCode: 'PRICE_TYPO', team: 'SALES_OPS' }] }, field: 'rules.0.findingCode' },
      { body: { rules: [{ findingCode: 'PRICE_VARIANCE', team: 'NOBODY' }] }, field: 'rules.0.team', status: 422 },
      { body: { rules: [], owners: [{ customerId: 'C-1' }] }, field: 'owners.0.ownerId' },
      { body: { rules: [], version: 7 }, field: 'version' },
    ],
  },
};

function payment(overrides: Record<string, unknown>) {
  return { id: uniqueId('PAY'), receivedAt: '2026-12-01T00:00:00Z', currency: 'USD', amount: '10.00', remittance: [], ...overrides };
}

function invoice(line: { quantity?: unknown; unitPrice?: unknown; sku?: string }) {
  return {
    number: uniqueId('INV'),
    customerId: 'C-1',
    purchaseOrderId: 'PO-1',
    issuedAt: '2026-02-15',
    dueAt: '2026-03-15',
    currency: 'USD',
    lines: [{ lineNo: 1, sku: line.sku ?? 'SKU-A', quantity: line.quantity ?? 1, unitPrice: line.unitPrice ?? '1.00' }],
  };
}

function dispute(overrides: Record<string, unknown>) {
  return { invoiceNumber: 'INV-1', disputedAmount: '10.00', reasonCode: 'PRICING', ...overrides };
}

it('has bad-input cases for every body route of the table', () => {
  const bodyRoutes = routes.filter((r) => r.body).map((r) => `${r.method.toUpperCase()} ${r.path}`);
  expect(Object.keys(badInputs).sort()).toEqual(bodyRoutes.sort());
});

describe.each(Object.entries(badInputs))('%s refuses bad input with 400 (or 422) naming the field', (route, spec) => {
  it.each(spec.cases.map((c) => [c.field, JSON.stringify(c.body).slice(0, 80), c]))('%s ← %s', async (_f, _b, c) => {
    const before = await rowCounts();
    const res = await api.request(
      route.split(' ')[0],
      spec.path(),
      typeof c.body === 'string'
        ? { token: spec.as().token, rawBody: c.body, headers: { 'content-type': 'application/xml', ...c.headers } }
        : { token: spec.as().token, body: c.body, headers: c.headers },
    );
    expect(res.status).toBe(c.status ?? 400);
    expect(res.body.error.code).toBe(c.status ? 'UNPROCESSABLE' : 'VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(c.field);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('bodies', () => {
  it('malformed JSON is a 400 naming the body', async () => {
    const res = await api.request('POST', '/api/disputes', { token: specialist.token, rawBody: '{"invoiceNumber": ' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('(body)');
  });

  it('a body that is not JSON is a 400', async () => {
    const res = await api.request('POST', '/api/disputes', {
      token: specialist.token,
      rawBody: 'invoiceNumber=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('(body)');
  });

  it('text the database cannot store as sent, anywhere in a body, keys too, is a 400 naming the field', async () => {
    // Sent as JSON's own escapes: "\\ud800" is a lone surrogate once parsed (JSON.stringify writes one this way too).
    expect(JSON.stringify('a\ud800')).toBe('"a\\ud800"');
    const cases: [string, string, string][] = [
      ['/api/records/import', '{"customers":[{"id":"C-S","name":"a\\ud800b"}]}', 'customers.0.name'],
      ['/api/records/import', '{"customers":[{"id":"C-S","name":"trailing \\ud83d"}]}', 'customers.0.name'],
      ['/api/records/import', '{"customers":[{"id":"C-S","name":"\\udc00 low first"}]}', 'customers.0.name'],
      ['/api/records/import', '{"customers":[{"id":"C-S","name":"n","x\\ud800":1}]}', 'customers.0.x\ud800'],
      ['/api/disputes', '{"invoiceNumber":"INV-1","disputedAmount":"1.00","reasonCode":"OTHER","description":"x\\ud800y"}', 'description'],
      [`/api/disputes/${caseId}/comments`, '{"body":"a \\udfff"}', 'body'],
      [`/api/disputes/${caseId}/cancel`, '{"reason":"\\u0000"}', 'reason'],
    ];
    for (const [path, rawBody, field] of cases) {
      const before = await rowCounts();
      const res = await api.request('POST', path, { token: specialist.token, rawBody });
      expect({ path, field, status: res.status, named: res.body.error.details.map((d: { field: string }) => d.field) }).toEqual({ path, field, status: 400, named: [field] });
      expect(res.body.error.details[0].message).toMatch(/^holds (a NUL character|an unpaired UTF-16 surrogate)/);
      expect(await rowCounts()).toEqual(before);
    }
  });

  it('NUL characters anywhere in the input are a 400 naming the field, never a database error', async () => {
    const body = await api.request('POST', '/api/records/import', {
      token: specialist.token,
      body: { customers: [{ id: 'C-NUL', name: 'a\u0000b' }] },
    });
    expect(body.status).toBe(400);
    expect(body.body.error.details[0].field).toBe('customers.0.name');
    const query = await api.request('GET', '/api/disputes?customerId=a%00b', { token: manager.token });
    expect(query.status).toBe(400);
    expect(query.body.error.details[0].field).toBe('customerId');
    const path = await api.request('GET', '/api/invoices/INV%00X', { token: manager.token });
    expect(path.status).toBe(400);
    expect(path.body.error.details[0].field).toBe('number');
  });

  it('a deeply nested body is refused without crashing', async () => {
    const deep = '{"customers":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}';
    const res = await api.request('POST', '/api/records/import', { token: specialist.token, rawBody: deep });
    expect(res.status).toBe(400);
  });

  it('a malformed %-escape in the path is a 400', async () => {
    const res = await api.request('GET', '/api/disputes/%E0%A4%A', { token: manager.token });
    expect(res.status).toBe(400);
  });

  it('a body over 256 KB is a 413 and writes nothing', async () => {
    const before = await rowCounts();
    const customers = Array.from({ length: 3000 }, (_, i) => ({ id: `BIG-${i}`, name: 'x'.repeat(80) }));
    const res = await api.request('POST', '/api/records/import', { token: specialist.token, body: { customers } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await rowCounts()).toEqual(before);
  });
});

describe('query strings', () => {
  it.each([
    ['/api/disputes?limit=0', 'limit'],
    ['/api/disputes?limit=abc', 'limit'],
    ['/api/disputes?status=DONE', 'status'],
    ['/api/disputes?stage=LIMBO', 'stage'],
    ['/api/disputes?reasonCode=x', 'reasonCode'],
    ['/api/disputes?orderBy=id', 'orderBy'],
    ['/api/disputes?status=OPEN&status=CLOSED', 'status'],
    ['/api/tasks?status=WAITING', 'status'],
    ['/api/reports/cycle-time?from=yesterday', 'from'],
    ['/api/reports/cycle-time?groupBy=mood', 'groupBy'],
    ['/api/reports/cycle-time?groupBy=root_cause', 'groupBy'],
    ['/api/reports/cycle-time?from=0000-01-01', 'from'],
    ['/api/disputes?customerId=%E2%80%8B', 'customerId'],
    ['/api/tasks?team=SALES%E2%80%AE', 'team'],
    ['/api/invoices?customer=%E2%81%A6', 'customer'],
  ])('%s → 400 naming %s', async (path, field) => {
    const res = await api.request('GET', path, { token: manager.token });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  // Values the document allows but the API refuses by a rule it cannot state: a cursor it never gave out, a day
  // that does not exist.
  it.each([
    ['/api/disputes?cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['/api/tasks?cursor=%5B1%2C2%5D', 'cursor'],
    [`/api/disputes?cursor=${Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')}`, 'cursor'],
    ['/api/reports/cycle-time?to=2026-02-30', 'to'],
    ['/api/reports/cycle-time?from=2026-02-30T10:00Z', 'from'],
    // Decoded, a forged cursor may hold what the database cannot take: it never reaches SQL.
    [`/api/invoices?cursor=${Buffer.from(JSON.stringify(['2026-02-15T00:00:00.000000Z', 'INV\u0000'])).toString('base64url')}`, 'cursor'],
    [`/api/invoices?cursor=${Buffer.from(JSON.stringify(['2026-02-15T00:00:00.000000Z', 'INV\ud800'])).toString('base64url')}`, 'cursor'],
  ])('%s → 422 naming %s', async (path, field) => {
    const res = await api.request('GET', path, { token: manager.token });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('clamps huge page sizes instead of failing', async () => {
    const res = await api.request('GET', '/api/disputes?limit=1000000', { token: manager.token });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(200);
  });
});

describe('users', () => {
  it('creates a user whose token works once shown, and normalises the limit', async () => {
    const res = await api.request('POST', '/api/users', {
      token: admin.token,
      body: { name: 'Mia Manager', role: 'manager', approvalLimit: '12.5' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(
      expect.objectContaining({ name: 'Mia Manager', role: 'manager', team: null, approvalLimit: '12.50', token: expect.any(String) }),
    );
    const me = await api.request('GET', '/api/me', { token: res.body.token });
    expect(me.body).toEqual({ id: res.body.id, name: 'Mia Manager', role: 'manager', team: null, approvalLimit: '12.50', approvalLimits: { USD: '12.50' }, lead: false, active: true });
    const stored = await api.db.pool.query('SELECT token_hash FROM users WHERE id = $1', [res.body.id]);
    expect(stored.rows[0].token_hash.toString('base64url')).not.toBe(res.body.token);
  });

  it('ops get a configured team', async () => {
    const res = await api.request('POST', '/api/users', { token: admin.token, body: { name: 'Omar', role: 'ops', team: TEST_TEAMS[0] } });
    expect(res.status).toBe(201);
    expect(res.body.team).toBe(TEST_TEAMS[0]);
  });
});

describe('records import', () => {
  it('upserts in one transaction, answers counts, and computes totals with half-up rounding', async () => {
    const fixture = pricingDispute();
    fixture.records.invoices![0].lines.push({ lineNo: 2, sku: 'SKU-B', quantity: 0.005, unitPrice: '1' });
    const first = await api.request('POST', '/api/records/import', { token: admin.token, body: fixture.records });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ imported: { customers: 1, contracts: 1, purchaseOrders: 1, workOrders: 1, invoices: 1 } });
    const again = await api.request('POST', '/api/records/import', { token: admin.token, body: fixture.records });
    expect(again.status).toBe(200);
    const inv = await api.request('GET', `/api/invoices/${fixture.invoiceNumber}`, { token: manager.token });
    expect(inv.status).toBe(200);
    expect(inv.body).toEqual(
      expect.objectContaining({
        number: fixture.invoiceNumber,
        customerId: fixture.customerId,
        purchaseOrderId: fixture.poId,
        total: '1000.01',
        openBalance: '1000.01',
        currency: 'USD',
        creditMemos: [],
      }),
    );
    expect(inv.body.lines[1]).toEqual({ lineNo: 2, sku: 'SKU-B', quantity: 0.005, unitPrice: '1.00', amount: '0.01' });
  });

  it('refuses a record the database cannot accept with 422 naming it, and writes nothing of the import', async () => {
    const before = await rowCounts();
    const customerId = uniqueId('CUST');
    const res = await api.request('POST', '/api/records/import', {
      token: admin.token,
      body: {
        customers: [{ id: customerId, name: 'New' }],
        invoices: [{ ...invoice({}), customerId: 'NOBODY' }],
      },
    });
    expect(res.status).toBe(422);
    // In our words, from the record itself: never PostgreSQL's (which quotes values and names tables).
    expect(res.body.error.details).toEqual([{ field: 'invoices.0.customerId', message: 'no customer NOBODY in the records' }]);
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a value the database cannot hold in its own words', async () => {
    const before = await rowCounts();
    const fixture = pricingDispute();
    const huge = { ...fixture.records.invoices![0], lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 1e9, unitPrice: '9999999999999.99' }] };
    const res = await api.request('POST', '/api/records/import', { token: admin.token, body: { ...fixture.records, invoices: [huge] } });
    // The document allows each value; their product is more than the database holds: a rule it cannot state.
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ field: 'invoices.0', message: 'holds a value the records cannot hold' }]);
    expect(await rowCounts()).toEqual(before);
  });

  it('never answers with PostgreSQL\'s own words', async () => {
    const pgWords = /violates|is not present in table|invalid byte sequence|out of range for type|Key \(|relation|constraint|SQLSTATE/i;
    const answers = [
      await api.request('POST', '/api/records/import', { token: admin.token, body: { invoices: [{ ...invoice({}), customerId: 'NOPE' }] } }),
      await api.request('POST', '/api/records/import', { token: admin.token, body: { contracts: [{ id: uniqueId('K'), customerId: 'NOPE', currency: 'USD', validFrom: '2026-01-01', validTo: null, prices: [] }] } }),
      await api.request('GET', `/api/invoices?cursor=${Buffer.from(JSON.stringify(['2026-02-15T00:00:00.000000Z', 'a\u0000b'])).toString('base64url')}`, { token: manager.token }),
      await api.request('POST', '/api/records/import', { token: admin.token, rawBody: '{"customers":[{"id":"C-X","name":"\\ud800"}]}' }),
    ];
    for (const res of answers) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(JSON.stringify(res.body)).not.toMatch(pgWords);
    }
    expect(answers[1].body.error.details).toEqual([{ field: 'contracts.0.customerId', message: 'no customer NOPE in the records' }]);
  });

  it('answers 404 for an unknown invoice', async () => {
    const res = await api.request('GET', '/api/invoices/NOPE-1', { token: manager.token });
    expect(res.status).toBe(404);
  });
});

describe('opening a dispute: business refusals before any workflow starts', () => {
  it('422 naming invoiceNumber for an unknown invoice, and disputedAmount above the open balance', async () => {
    const fixture = pricingDispute();
    await api.request('POST', '/api/records/import', { token: admin.token, body: fixture.records });
    const before = await rowCounts();
    const unknown = await api.request('POST', '/api/disputes', { token: specialist.token, body: dispute({ invoiceNumber: 'NOPE' }) });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details[0].field).toBe('invoiceNumber');
    const tooMuch = await api.request('POST', '/api/disputes', {
      token: specialist.token,
      body: dispute({ invoiceNumber: fixture.invoiceNumber, disputedAmount: '1000.01' }),
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.details[0].field).toBe('disputedAmount');
    expect(await rowCounts()).toEqual(before);
  });
});

describe('commands before Temporal', () => {
  it('another team completing a task is 403, an unknown task 404', async () => {
    const other = await api.user('ops', { team: 'ORDER_MANAGEMENT' });
    const res = await api.request('POST', `/api/tasks/${taskId}/complete`, {
      token: other.token,
      body: { outcome: 'CONFIRMED', note: 'not mine' },
    });
    expect(res.status).toBe(403);
    const unknown = await api.request('POST', `/api/tasks/00000000-0000-4000-8000-000000000000/complete`, {
      token: ops.token,
      body: { outcome: 'CONFIRMED', note: 'n' },
    });
    expect(unknown.status).toBe(404);
  });

  it('a command on an unknown case is 404', async () => {
    const res = await api.request('POST', '/api/disputes/DSP-999999/cancel', { token: specialist.token, body: { reason: 'x' } });
    expect(res.status).toBe(404);
  });

  it('ops of another team get 404 for a case without their task', async () => {
    const other = await api.user('ops', { team: 'ORDER_MANAGEMENT' });
    expect((await api.request('GET', `/api/disputes/${caseId}`, { token: other.token })).status).toBe(404);
    expect((await api.request('GET', `/api/disputes/${caseId}`, { token: ops.token })).status).toBe(200);
  });
});

describe('limits and outages', () => {

  it('answers 429 with Retry-After to a burst from one caller', async () => {
    const { url, close } = await api.serve({ rateLimit: { perToken: { burst: 5, perSecond: 0.01 } } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${specialist.token}` } });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });

  it('answers 503 (not 500, not a hang) when PostgreSQL is unreachable', async () => {
    const deadPool = createPool('postgres://postgres@127.0.0.1:1/none', { max: 1 });
    const { url, close } = await api.serve({ pool: deadPool });
    try {
      const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${specialist.token}` } });
      expect(me.status).toBe(503);
      expect(me.headers.get('retry-after')).toBe('5');
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'unavailable', postgres: 'unavailable', temporal: 'ok', workers: expect.any(Number) });
    } finally {
      await close();
      await deadPool.end();
    }
  });

  it('answers 503 (not 500, not a hang) when Temporal is unreachable, and rolls the case back', async () => {
    // No gRPC retries: a retry timer left running after the test would outlive the connection.
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '500ms', interceptors: [] });
    const unreachable = new Client({ connection });
    const { url, close } = await api.serve({ temporalTimeoutMs: 1_500, temporal: unreachable });
    try {
      const fixture = pricingDispute();
      await api.request('POST', '/api/records/import', { token: admin.token, body: fixture.records });
      const before = await rowCounts();
      const res = await fetch(`${url}/api/disputes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${specialist.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(dispute({ invoiceNumber: fixture.invoiceNumber, disputedAmount: '10.00' })),
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
      // No case: only the key the opening was reserved under, which the answer names, so a retry opens this case.
      const key = res.headers.get('idempotency-key');
      expect(key).toEqual(expect.any(String));
      expect(await rowCounts()).toEqual({ ...before, idempotency_keys: before.idempotency_keys + 1 });
      const { rows } = await api.db.pool.query('SELECT user_id, command FROM idempotency_keys WHERE key = $1', [key]);
      expect(rows).toEqual([{ user_id: specialist.id, command: 'open' }]);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'unavailable', postgres: 'ok', temporal: 'unavailable', workers: null });
    } finally {
      await close();
      await connection.close();
    }
  });
});
