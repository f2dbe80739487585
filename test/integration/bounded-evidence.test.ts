// Bounded answers. Found: 40 invoices × 2,000 lines on one PO made the evidence (GET /api/invoices/:n/evidence and
// the case detail) 5 MB each, every line of every other invoice on the PO in it. Now other invoices are summarised
// ({number, issuedAt, total, lineCount, matchingLineCount, matchingLines}) and the evidence comes a page of the
// invoice's lines at a time, with what those lines are compared with. Here: 40 invoices of 500 lines on one PO, the
// case opened on the last, a line-for-line copy of the first. (bench/big-evidence.ts measures the 2,000-line case.)
import { gatherEvidence } from '../../records/evidence';
import { PostgresRecordsSource } from '../../records/source';
import { LIMIT_MAX } from '../../contract';
import { storeRecords } from '../../api/records-import';
import { startApi, type ApiHarness } from '../support/api';
import { caseViaApi, openCaseViaApi, type Fixture } from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

const LINES = 500;
const COPIES = 37;

let api: ApiHarness;
let specialist: TestUser;
let auditor: TestUser;
let caseId: string;
const fixture = pricingDispute();
const sku = (i: number) => `SKU-${String(i).padStart(4, '0')}`;
const numberOf = (name: string) => `${fixture.invoiceNumber}-${name}`;

/** The PO orders 500 SKUs; the first invoice bills each once, 37 copies and the disputed one bill it again. */
function scenario(): Fixture {
  const r = structuredClone(fixture.records);
  const lines = Array.from({ length: LINES }, (_, i) => ({ lineNo: i + 1, sku: sku(i + 1), quantity: 1, unitPrice: '100.00' }));
  r.purchaseOrders![0].lines = lines.map((l) => ({ ...l, quantity: 50 }));
  r.contracts![0].prices = lines.map((l) => ({ sku: l.sku, unitPrice: '100.00' }));
  r.workOrders = [];
  const base = r.invoices![0];
  const on = (name: string, day: number, invoiceLines: typeof lines) => ({
    ...base,
    number: numberOf(name),
    issuedAt: `2026-0${1 + Math.floor(day / 28)}-${String(1 + (day % 28)).padStart(2, '0')}T00:00:00Z`,
    lines: invoiceLines,
  });
  r.invoices = [
    on('first', 0, lines),
    ...Array.from({ length: COPIES }, (_, i) => on(`copy-${i}`, 1 + i, lines)),
    // Lines 1–100 at quantity 1, lines 101–200 at quantity 2, numbered backwards: 100 lines match, in no run.
    on('part', 40, Array.from({ length: 200 }, (_, i) => ({ lineNo: 200 - i, sku: sku((i % 100) + 1), quantity: i < 100 ? 1 : 2, unitPrice: '100.00' }))),
    // The first SKU three times: one line matches.
    on('thrice', 41, [1, 2, 3].map((lineNo) => ({ lineNo, sku: sku(1), quantity: 1, unitPrice: '100.00' }))),
    on('disputed', 50, lines),
  ];
  return { ...fixture, records: r, invoiceNumber: numberOf('disputed') };
}
const disputed = scenario();

beforeAll(async () => {
  api = await startApi({ worker: true });
  [specialist, auditor] = await Promise.all([api.user('specialist'), api.user('auditor')]);
  await storeRecords(api.db.pool, disputed.records);
  const c = await openCaseViaApi(api, specialist, disputed, '500.00');
  caseId = c.id;
  await caseViaApi(api, specialist, c, 'its evidence', (d) => d.stage === 'INVESTIGATION');
}, 120_000);

afterAll(() => api?.close());

async function get(path: string) {
  const res = await api.request('GET', path, { token: auditor.token });
  expect(res.status).toBe(200);
  return { body: res.body, bytes: Buffer.byteLength(JSON.stringify(res.body)) };
}

/** Every page, following nextCursor. */
async function pages(path: string, limit: number, evidenceOf: (body: any) => any = (b) => b) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const all = [];
  let cursor: string | null = null;
  do {
    const { body } = await get(`${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    all.push(body);
    cursor = evidenceOf(body).nextCursor;
  } while (cursor);
  return all;
}

it('answers a page bounded by its size, not by the other invoices’ lines, where the records are megabytes', async () => {
  const whole = Buffer.byteLength(JSON.stringify(await gatherEvidence(new PostgresRecordsSource(api.db.pool), disputed.invoiceNumber)));
  expect(whole).toBeGreaterThan(1_000_000);
  for (const path of [`/api/invoices/${disputed.invoiceNumber}/evidence`, `/api/disputes/${caseId}/evidence`]) {
    const { body, bytes } = await get(path);
    const evidence = body.evidence ?? body;
    expect(evidence.invoice.lines).toHaveLength(50);
    expect(evidence.invoice.lineCount).toBe(LINES);
    expect(evidence.otherInvoices).toHaveLength(COPIES + 3);
    for (const other of evidence.otherInvoices) expect(other.matchingLines.length).toBeLessThanOrEqual(50);
    expect(evidence.purchaseOrder.lines).toHaveLength(50);
    expect(bytes).toBeLessThan(whole / 5);
  }
  const { body: detail } = await get(`/api/disputes/${caseId}`);
  expect(detail.evidence.invoice.lines).toHaveLength(50);
  expect(detail.findingCount).toBe(LINES);
  expect(detail.findings).toHaveLength(50);
  expect(detail.findings.every((f: { code: string; lineNo: number }) => f.code === 'DUPLICATE_INVOICE' && f.lineNo <= 50)).toBe(true);
});

it('lists each other invoice with the lines that bill what the invoice bills', async () => {
  const { body } = await get(`/api/invoices/${disputed.invoiceNumber}/evidence?limit=120`);
  const byNumber = new Map(body.otherInvoices.map((o: { number: string }) => [o.number, o]));
  const line = (lineNo: number, matchesLineNo = lineNo, quantity = 1) => ({ lineNo, sku: sku(matchesLineNo), quantity, unitPrice: '100.00', matchesLineNo });
  expect(byNumber.get(numberOf('first'))).toEqual({
    number: numberOf('first'),
    issuedAt: '2026-01-01T00:00:00.000Z',
    total: '50000.00',
    lineCount: LINES,
    matchingLineCount: LINES,
    matchingLines: Array.from({ length: 120 }, (_, i) => line(i + 1)),
  });
  // Its lines 200 … 101 bill SKUs 1 … 100 at quantity 1 (lines 100 … 1 bill them at 2, which the invoice does not).
  expect(byNumber.get(numberOf('part'))).toEqual(
    expect.objectContaining({
      lineCount: 200,
      matchingLineCount: 100,
      matchingLines: Array.from({ length: 100 }, (_, i) => line(101 + i, 100 - i)),
    }),
  );
  expect(byNumber.get(numberOf('thrice'))).toEqual(expect.objectContaining({ lineCount: 3, matchingLineCount: 1, matchingLines: [line(1)] }));
});

it('pages through everything: lines, PO lines, matching lines and findings, the case’s stored evidence as the records read now', async () => {
  const live = await pages(`/api/invoices/${disputed.invoiceNumber}/evidence`, 70);
  const stored = await pages(`/api/disputes/${caseId}/evidence`, 70, (b) => b.evidence);
  expect(stored.map((p) => p.evidence)).toEqual(live);
  expect(live).toHaveLength(Math.ceil(LINES / 70));

  expect(live.flatMap((p) => p.invoice.lines.map((l: { lineNo: number }) => l.lineNo))).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
  expect(new Set(live.flatMap((p) => p.purchaseOrder.lines.map((l: { lineNo: number }) => l.lineNo))).size).toBe(LINES);
  for (const [i, other] of live[0].otherInvoices.entries()) {
    const matched = live.flatMap((p) => p.otherInvoices[i].matchingLines);
    expect({ number: other.number, matched: matched.length }).toEqual({ number: other.number, matched: other.matchingLineCount });
  }
  const findings = stored.flatMap((p) => p.findings);
  expect(findings.map((f: { lineNo: number }) => f.lineNo)).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
  expect(findings[0]).toEqual(expect.objectContaining({ code: 'DUPLICATE_INVOICE', expected: `billed once, on ${numberOf('first')}` }));

  const { body: detail } = await get(`/api/disputes/${caseId}`);
  expect({ evidence: detail.evidence, findings: detail.findings }).toEqual((await get(`/api/disputes/${caseId}/evidence`)).body);
  expect((await get(`/api/disputes/${caseId}/evidence?limit=100000`)).body.evidence.invoice.lines).toHaveLength(LIMIT_MAX);
});

it('reads a case’s evidence stored whole, before it was summarised, the same', async () => {
  const before = await pages(`/api/disputes/${caseId}/evidence`, 200, (b) => b.evidence);
  const whole = await gatherEvidence(new PostgresRecordsSource(api.db.pool), disputed.invoiceNumber);
  await api.db.pool.query('UPDATE cases SET evidence = $2 WHERE id = $1', [caseId, JSON.stringify(whole)]);
  expect(await pages(`/api/disputes/${caseId}/evidence`, 200, (b) => b.evidence)).toEqual(before);
});

it('refuses a cursor it never gave out (422) and answers 409 for a case whose evidence is not in yet', async () => {
  const res = await api.request('GET', `/api/disputes/${caseId}/evidence?cursor=WzFd`, { token: auditor.token });
  expect(res.status).toBe(422);
  expect(res.body.error.details).toEqual([{ field: 'cursor', message: expect.any(String) }]);
  await api.db.pool.query(
    `INSERT INTO cases (id, case_number, workflow_id, invoice_number, customer_id, currency, disputed_minor, reason_code, opened_by, opened_at, stage_entered_at)
     VALUES (gen_random_uuid(), 'DSP-EMPTY', 'dispute:DSP-EMPTY', $1, $2, 'USD', 100, 'OTHER', $3, now(), now())`,
    [numberOf('first'), disputed.customerId, specialist.id],
  );
  expect((await api.request('GET', '/api/disputes/DSP-EMPTY/evidence', { token: auditor.token })).status).toBe(409);
});
