// Why each item of a case recommends what it does (issue 10), through HTTP with the real worker: the case detail
// explains every item, of every invoice, finding → what it counts → the item's recommendation, by the rule that
// applies (findings in full while a task is open, then what the tasks confirmed), and lists a bounded number of an
// item's findings, summing the rest.
import type { ItemExplanation } from '../../contract';
import { ITEM_FINDINGS_SHOWN } from '../../contract';
import { formatMoney, minBig, parseMoney, sumBig } from '../../domain/money';
import { eventually, startApi, type ApiHarness } from '../support/api';
import { twoSkuDesk, type DeskLine, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let specialist: TestUser;
let salesOps: TestUser;

beforeAll(async () => {
  api = await startApi({ worker: true });
  [specialist, salesOps] = await Promise.all([api.user('specialist'), api.user('ops', { team: 'SALES_OPS' })]);
}, 120_000);

afterAll(async () => {
  await api?.close();
});

/**
 * One customer with a contract (SKU-A 90.00, SKU-B 50.00), a PO of 100 A at 100.00 and 8 B at 50.00 all completed,
 * and one invoice on it per entry of `invoices`: every finding is Sales Ops', so the case has one task.
 */
async function desk(invoices: DeskLine[][]): Promise<string[]> {
  const { records, numbers } = twoSkuDesk({ quantityA: 100, invoices, customerName: 'Explained Customer' });
  expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: records })).status).toBe(200);
  return numbers;
}

async function openCase(items: { invoiceNumber: string; disputedAmount: string }[]) {
  const opened = await api.request('POST', '/api/disputes', { token: specialist.token, body: { reasonCode: 'PRICING', items } });
  expect(opened.status).toBe(201);
  return opened.body.id as string;
}

async function caseOf(id: string, stage: string) {
  return eventually(`case ${id} in ${stage}`, async () => {
    const res = await api.request('GET', `/api/disputes/${id}`, { token: specialist.token });
    expect(res.status).toBe(200);
    return res.body.stage === stage ? res.body : undefined;
  });
}

interface Item {
  invoiceNumber: string;
  disputedAmount: string;
  recommendedCredit: string;
  recommendedDebit: string;
  explanation: ItemExplanation;
}

/**
 * The explanation adds up to the item's recommendation: what its findings count (listed and summed beyond the list)
 * make its overbilling and underbilling, the credit is the lesser of the overbilling and the disputed amount (capped
 * exactly when the overbilling is more) and the debit is the underbilling.
 */
function expectAddsUp({ explanation: e, ...item }: Item) {
  const sum = (underbilled: boolean) =>
    sumBig(e.findings.filter((f) => (f.code === 'UNDERBILLED') === underbilled).map((f) => parseMoney(f.counted)));
  const overbilling = parseMoney(e.overbilling);
  expect({
    overbilling: formatMoney(sum(false) + parseMoney(e.more.overbilling)),
    underbilling: formatMoney(sum(true) + parseMoney(e.more.underbilling)),
    credit: formatMoney(minBig(overbilling, parseMoney(item.disputedAmount))),
    capped: overbilling > parseMoney(item.disputedAmount),
  }).toEqual({ overbilling: e.overbilling, underbilling: item.recommendedDebit, credit: item.recommendedCredit, capped: e.cappedByDisputed });
  expect(e.underbilling).toBe(item.recommendedDebit);
  for (const f of e.findings) expect(f.invoiceNumber).toBe(item.invoiceNumber);
}

const shown = (item: Item) => item.explanation.findings.map((f) => [f.lineNo, f.code, f.amount, f.confirmedAmount, f.counted]);

it('explains each item of a two-invoice case: findings in full while the task is open, then what the PARTIAL outcome confirmed', async () => {
  // first: PRICE_VARIANCE 100.00 on line 1, UNDERBILLED 40.00 on line 2; second: PRICE_VARIANCE 50.00 on line 1.
  const [first, second] = await desk([
    [
      ['SKU-A', 10, '100.00'],
      ['SKU-B', 4, '40.00'],
    ],
    [['SKU-A', 5, '100.00']],
  ]);
  const id = await openCase([
    { invoiceNumber: first, disputedAmount: '150.00' },
    { invoiceNumber: second, disputedAmount: '30.00' },
  ]);

  const open = await caseOf(id, 'INVESTIGATION');
  const [a, b] = open.items as Item[];
  expect(a).toMatchObject({ invoiceNumber: first, recommendedCredit: '100.00', recommendedDebit: '40.00' });
  expect(a.explanation).toMatchObject({ basis: 'FOUND', overbilling: '100.00', underbilling: '40.00', cappedByDisputed: false });
  expect(shown(a)).toEqual([
    [1, 'PRICE_VARIANCE', '100.00', null, '100.00'],
    [2, 'UNDERBILLED', '40.00', null, '40.00'],
  ]);
  // The second invoice's finding, which the case's own findings (the first invoice's first page) do not hold.
  expect(b).toMatchObject({ invoiceNumber: second, recommendedCredit: '30.00', recommendedDebit: '0.00' });
  expect(b.explanation).toMatchObject({ basis: 'FOUND', overbilling: '50.00', underbilling: '0.00', cappedByDisputed: true });
  expect(shown(b)).toEqual([[1, 'PRICE_VARIANCE', '50.00', null, '50.00']]);
  expect(open.findings.map((f: { invoiceNumber: string }) => f.invoiceNumber)).not.toContain(second);
  for (const item of open.items) expectAddsUp(item);

  const byCode = (item: Item, code: string) => item.explanation.findings.find((f) => f.code === code)!.id;
  const completed = await api.request('POST', `/api/tasks/${open.tasks[0].id}/complete`, {
    token: salesOps.token,
    body: {
      outcome: 'PARTIAL',
      note: 'part of each is right',
      findings: [
        { id: byCode(a, 'PRICE_VARIANCE'), confirmedAmount: '60.00' },
        { id: byCode(a, 'UNDERBILLED'), confirmedAmount: '25.00' },
        { id: byCode(b, 'PRICE_VARIANCE'), confirmedAmount: '45.00' },
      ],
    },
  });
  expect(completed.status).toBe(200);

  const done = await caseOf(id, 'RESOLUTION');
  const [x, y] = done.items as Item[];
  expect(x).toMatchObject({ recommendedCredit: '60.00', recommendedDebit: '25.00' });
  expect(x.explanation).toMatchObject({ basis: 'CONFIRMED', overbilling: '60.00', underbilling: '25.00', cappedByDisputed: false });
  expect(shown(x)).toEqual([
    [1, 'PRICE_VARIANCE', '100.00', '60.00', '60.00'],
    [2, 'UNDERBILLED', '40.00', '25.00', '25.00'],
  ]);
  expect(y).toMatchObject({ recommendedCredit: '30.00', recommendedDebit: '0.00' });
  expect(y.explanation).toMatchObject({ basis: 'CONFIRMED', overbilling: '45.00', cappedByDisputed: true });
  expect(shown(y)).toEqual([[1, 'PRICE_VARIANCE', '50.00', '45.00', '45.00']]);
  for (const item of done.items) expectAddsUp(item);
  expect(done).toMatchObject({ recommendedCredit: '90.00', recommendedDebit: '25.00' });
}, 90_000);

it(`lists at most ${ITEM_FINDINGS_SHOWN} findings of an item and sums the rest`, async () => {
  // 12 lines of 1 A at 100.00 against 90.00: 12 PRICE_VARIANCE of 10.00; another invoice beside it.
  const [many, other] = await desk([Array.from({ length: 12 }, (): DeskLine => ['SKU-A', 1, '100.00']), [['SKU-A', 2, '100.00']]]);
  const id = await openCase([
    { invoiceNumber: many, disputedAmount: '1000.00' },
    { invoiceNumber: other, disputedAmount: '5.00' },
  ]);
  const c = await caseOf(id, 'INVESTIGATION');
  const [whole, small] = c.items as Item[];
  expect(whole.explanation.findings.map((f) => f.lineNo)).toEqual(Array.from({ length: ITEM_FINDINGS_SHOWN }, (_, i) => i + 1));
  expect(whole.explanation).toMatchObject({ overbilling: '120.00', more: { count: 12 - ITEM_FINDINGS_SHOWN, overbilling: '20.00', underbilling: '0.00' } });
  expect(whole.recommendedCredit).toBe('120.00');
  expect(small.explanation).toMatchObject({ overbilling: '20.00', cappedByDisputed: true, more: { count: 0 } });
  for (const item of c.items) expectAddsUp(item);
  // The rest are the invoice's, its evidence's pages (the case page reads them there): together, every finding once.
  const evidence = await api.request('GET', `/api/disputes/${id}/evidence?invoiceNumber=${many}&limit=5`, { token: specialist.token });
  const next = await api.request('GET', `/api/disputes/${id}/evidence?invoiceNumber=${many}&limit=200&cursor=${evidence.body.evidence.nextCursor}`, {
    token: specialist.token,
  });
  const ids = [...evidence.body.findings, ...next.body.findings].map((f: { id: string }) => f.id);
  expect(new Set(ids).size).toBe(12);
  expect(whole.explanation.findings.map((f) => f.id)).toEqual(ids.slice(0, ITEM_FINDINGS_SHOWN));
}, 90_000);
