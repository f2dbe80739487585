// Each finding code, end to end through HTTP with the real worker: the records that cause it, the case's findings
// and tasks, the teams completing their tasks, the credit proposed and approved, one memo, the balance reduced.
import { parseMoney } from '../../domain/money';
import type { RecordsImport } from '../../contract';
import { eventually, startApi, type ApiHarness } from '../support/api';
import { pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let specialist: TestUser;
let manager: TestUser;
const ops: Record<string, TestUser> = {};

beforeAll(async () => {
  api = await startApi({ worker: true });
  [specialist, manager, ops.SALES_OPS, ops.ORDER_MANAGEMENT] = await Promise.all([
    api.user('specialist'),
    api.user('manager', { approvalLimit: null }),
    api.user('ops', { team: 'SALES_OPS' }),
    api.user('ops', { team: 'ORDER_MANAGEMENT' }),
  ]);
}, 120_000);

afterAll(async () => {
  await api?.close();
});

type Records = ReturnType<typeof pricingDispute>;
type Finding = { code: string; team: string; lineNo?: number; amount: string };

/** The pricing fixture (contract 90.00, PO 10 × 100.00, all completed, invoiced 10 × 100.00), reshaped per code. */
const scenarios: { code: string; shape: (r: Records) => RecordsImport; findings: Omit<Finding, 'lineNo'>[]; credit: string }[] = [
  {
    code: 'PRICE_VARIANCE',
    shape: (r) => r.records,
    findings: [{ code: 'PRICE_VARIANCE', team: 'SALES_OPS', amount: '100.00' }],
    credit: '100.00',
  },
  {
    code: 'QUANTITY_OVER_PO',
    shape: (r) => {
      const po = r.records.purchaseOrders![0]!;
      return { ...r.records, contracts: [], purchaseOrders: [{ ...po, contractId: null, lines: [{ ...po.lines[0]!, quantity: 8 }] }] };
    },
    findings: [
      { code: 'CONTRACT_NOT_FOUND', team: 'SALES_OPS', amount: '0.00' },
      { code: 'QUANTITY_OVER_PO', team: 'ORDER_MANAGEMENT', amount: '200.00' },
    ],
    credit: '200.00',
  },
  {
    code: 'SKU_NOT_ON_PO',
    shape: (r) => {
      const inv = r.records.invoices![0]!;
      return {
        ...r.records,
        invoices: [{ ...inv, lines: [...inv.lines.map((l) => ({ ...l, unitPrice: '90.00' })), { lineNo: 2, sku: 'SKU-B', quantity: 3, unitPrice: '50.00' }] }],
      };
    },
    findings: [{ code: 'SKU_NOT_ON_PO', team: 'ORDER_MANAGEMENT', amount: '150.00' }],
    credit: '150.00',
  },
  {
    code: 'SERVICE_NOT_COMPLETED',
    shape: (r) => {
      const wo = r.records.workOrders![0]!;
      const inv = r.records.invoices![0]!;
      return {
        ...r.records,
        workOrders: [{ ...wo, status: 'PARTIAL', lines: [{ sku: 'SKU-A', quantityCompleted: 7 }] }],
        invoices: [{ ...inv, lines: [{ ...inv.lines[0]!, unitPrice: '90.00' }] }],
      };
    },
    findings: [{ code: 'SERVICE_NOT_COMPLETED', team: 'ORDER_MANAGEMENT', amount: '270.00' }],
    credit: '270.00',
  },
  {
    code: 'DUPLICATE_INVOICE',
    shape: (r) => {
      const inv = r.records.invoices![0]!;
      const first = { ...inv, lines: [{ ...inv.lines[0]!, unitPrice: '90.00' }] };
      const again = { ...first, number: r.invoiceNumber, issuedAt: '2026-02-20T00:00:00Z' };
      return { ...r.records, invoices: [{ ...first, number: uniqueId('INV') }, again] };
    },
    findings: [{ code: 'DUPLICATE_INVOICE', team: 'ORDER_MANAGEMENT', amount: '900.00' }],
    credit: '900.00',
  },
  {
    code: 'PO_NOT_FOUND',
    shape: (r) => {
      const inv = r.records.invoices![0]!;
      return { customers: r.records.customers, contracts: r.records.contracts, invoices: [{ ...inv, purchaseOrderId: uniqueId('PO-MISSING') }] };
    },
    findings: [
      { code: 'PO_NOT_FOUND', team: 'ORDER_MANAGEMENT', amount: '0.00' },
      { code: 'PRICE_VARIANCE', team: 'SALES_OPS', amount: '100.00' },
    ],
    credit: '100.00',
  },
  {
    code: 'CONTRACT_NOT_FOUND',
    shape: (r) => {
      const po = r.records.purchaseOrders![0]!;
      return { ...r.records, contracts: [], purchaseOrders: [{ ...po, contractId: null, lines: [{ ...po.lines[0]!, unitPrice: '95.00' }] }] };
    },
    findings: [
      { code: 'CONTRACT_NOT_FOUND', team: 'SALES_OPS', amount: '0.00' },
      { code: 'PRICE_VARIANCE', team: 'SALES_OPS', amount: '50.00' },
    ],
    credit: '50.00',
  },
];

async function caseOf(id: string) {
  const res = await api.request('GET', `/api/disputes/${id}`, { token: specialist.token });
  expect(res.status).toBe(200);
  return res.body;
}

it.each(scenarios)('$code: finding, tasks, approval, one credit memo', async ({ shape, findings, credit }) => {
  const fixture = pricingDispute();
  const imported = await api.request('POST', '/api/records/import', { token: specialist.token, body: shape(fixture) });
  expect(imported.status).toBe(200);

  const opened = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: fixture.invoiceNumber, disputedAmount: credit, reasonCode: 'OTHER' },
  });
  expect(opened.status).toBe(201);
  const id = opened.body.id as string;

  const investigating = await eventually('the investigation', async () => {
    const c = await caseOf(id);
    return c.stage === 'INVESTIGATION' ? c : undefined;
  });
  expect(investigating.findings.map(({ code, team, amount }: Finding) => ({ code, team, amount }))).toEqual(findings);
  expect(investigating.recommendedCredit).toBe(credit);
  const teams = [...new Set(findings.map((f) => f.team))].sort();
  expect(investigating.tasks.map((t: { team: string }) => t.team).sort()).toEqual(teams);

  for (const task of investigating.tasks as { id: string; team: string }[]) {
    const done = await api.request('POST', `/api/tasks/${task.id}/complete`, {
      token: ops[task.team]!.token,
      body: { outcome: 'CONFIRMED', note: `confirmed by ${task.team}` },
    });
    expect(done.status).toBe(200);
  }
  const proposed = await api.request('POST', `/api/disputes/${id}/resolution`, {
    token: specialist.token,
    body: { type: 'CREDIT', amount: credit, rootCause: 'BILLING_OUTPUT' },
  });
  expect(proposed.body).toMatchObject({ stage: 'APPROVAL' });
  const approved = await api.request('POST', `/api/disputes/${id}/decision`, { token: manager.token, body: { decision: 'APPROVE' } });
  expect(approved.status).toBe(200);

  const closed = await eventually('the credit memo', async () => {
    const c = await caseOf(id);
    return c.status === 'CLOSED' ? c : undefined;
  });
  expect(closed.creditMemos).toHaveLength(1);
  expect(closed.creditMemos[0]).toMatchObject({ amount: credit });
  expect(closed.creditMemos[0].number).toMatch(/^CM-\d{6}$/);

  const invoice = await api.request('GET', `/api/invoices/${fixture.invoiceNumber}`, { token: specialist.token });
  expect(invoice.body.creditMemos).toEqual([expect.objectContaining({ number: closed.creditMemos[0].number, amount: credit })]);
  expect(parseMoney(invoice.body.openBalance) + parseMoney(credit)).toBe(parseMoney(invoice.body.total));
});
