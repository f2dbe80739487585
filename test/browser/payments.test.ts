// Money in through the web UI, against the real stack: a cash applier posts a payments file that pays one invoice in
// part and names an invoice nobody knows (that share left unapplied), then works the unapplied cash onto another
// invoice from the worklist: more than is left is refused on its row, the rest applied until the row is gone; and
// posts the bank's camt.054 notification through the same form.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { twoSkuDesk, uniqueId, type TestUser } from '../../testkit/fixtures';
import { lowContrastText, screenshot, startBrowserStack, waitForCount, type BrowserStack } from './support';

jest.setTimeout(180_000);

let stack: BrowserStack;
let cash: TestUser;
// Two invoices of 5 × SKU-A at 100.00: 500.00 each.
const desk = twoSkuDesk({ quantityA: 10, invoices: [[['SKU-A', 5, '100.00']], [['SKU-A', 5, '100.00']]] });
const [paidInPart, paidFromWorklist] = desk.numbers;

beforeAll(async () => {
  stack = await startBrowserStack();
  const specialist = await stack.api.user('specialist');
  cash = await stack.api.user('cash', { name: 'Cam Cash' });
  expect((await stack.api.request('POST', '/api/records/import', { token: specialist.token, body: desk.records })).status).toBe(200);
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  expect(stack?.pageErrors ?? []).toEqual([]);
});

async function invoice(number: string): Promise<{ paid: string; openBalance: string }> {
  const res = await stack.api.request('GET', `/api/invoices/${number}`, { token: cash.token });
  expect(res.status).toBe(200);
  return res.body;
}

/** Applies from the worklist row of `paymentId`. */
async function apply(page: Page, paymentId: string, invoiceNumber: string, amount: string): Promise<void> {
  await page.getByLabel(`Invoice number for ${paymentId}`).fill(invoiceNumber);
  await page.getByLabel(`Amount for ${paymentId}`).fill(amount);
  await page.getByRole('form', { name: `Apply ${paymentId}` }).getByRole('button', { name: 'Apply' }).click();
}

it('a cash applier posts a payments file, then applies the unapplied cash to an invoice from the worklist', async () => {
  const page = await stack.signedIn(cash);
  // Payments is cash's start page, and its only one: it reads no cases.
  await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  expect(await nav.getByRole('link').allTextContents()).toEqual(['Payments']);
  await page.getByTestId('unapplied-table').or(page.getByText('No unapplied cash.')).waitFor();

  const paymentId = uniqueId('PAY');
  const file = {
    payments: [
      {
        id: paymentId,
        customerId: desk.customerId,
        receivedAt: '2026-12-01T10:00:00Z',
        currency: 'USD',
        amount: '700.00',
        remittance: [
          { invoiceNumber: paidInPart, paid: '300.00' },
          { invoiceNumber: 'INV-NOBODY-KNOWS', paid: '400.00' },
        ],
      },
    ],
  };
  await page.getByLabel('Payments file').setInputFiles({ name: 'payments.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
  // The button is enabled once the file is read.
  await page.getByRole('button', { name: 'Post payments' }).click();
  const result = page.getByTestId('payments-result');
  await result.waitFor();
  expect((await result.textContent())?.replace(/\s+/g, ' ')).toBe(
    'Posted 1 payments: 1 applied to invoices, 0 deductions, 0 cases opened, 1 unapplied.',
  );
  expect(await invoice(paidInPart)).toEqual(expect.objectContaining({ paid: '300.00', openBalance: '200.00' }));

  // The share for the unknown invoice waits on the worklist.
  const row = page.locator(`tr[data-payment="${paymentId}"]`);
  await waitForCount(row, (n) => n === 1);
  expect(await row.locator('td.num').textContent()).toBe('$400.00');
  await screenshot(page, '30-payments-posted');

  // More than is left: refused on that row, nothing applied.
  await apply(page, paymentId, paidFromWorklist, '450.00');
  const refusal = row.getByRole('alert');
  await refusal.waitFor();
  expect(await refusal.textContent()).toMatch(/409/);
  expect((await invoice(paidFromWorklist)).paid).toBe('0.00');
  await screenshot(page, '31-unapplied-refused');
  expect(await lowContrastText(page)).toEqual([]);

  // Part of it: the row shows what is left.
  await apply(page, paymentId, paidFromWorklist, '150.00');
  await waitForCount(row.locator('td.num').filter({ hasText: '$250.00' }), (n) => n === 1);
  expect(await row.getByRole('alert').count()).toBe(0);
  // The rest: the row leaves the worklist.
  await apply(page, paymentId, paidFromWorklist, '250.00');
  await waitForCount(row, (n) => n === 0);
  await screenshot(page, '32-unapplied-applied');
  expect(await invoice(paidFromWorklist)).toEqual(expect.objectContaining({ paid: '400.00', openBalance: '100.00' }));
});

it("a cash applier posts the bank's camt.054 file; one that breaks its XSD is refused, naming the element", async () => {
  const page = await stack.signedIn(cash);
  await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
  const official = readFileSync(path.join(__dirname, '..', 'fixtures', 'camt054', 'official', 'camt054.v8.xml'));
  const choose = (buffer: Buffer) => page.getByLabel('Payments file').setInputFiles({ name: 'notification.xml', mimeType: 'application/xml', buffer });

  await choose(Buffer.from(official.toString('utf8').replace('<CdtDbtInd>CRDT</CdtDbtInd>', '<CdtDbtInd>XXXX</CdtDbtInd>')));
  await page.getByRole('button', { name: 'Post payments' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'CdtDbtInd' });
  await refusal.waitFor();
  await screenshot(page, '33-camt054-refused');

  await choose(official);
  await page.getByRole('button', { name: 'Post payments' }).click();
  const result = page.getByTestId('payments-result');
  await result.waitFor();
  // No invoice of ours matches the official example: its three credits wait on the worklist under the bank's ids.
  expect((await result.textContent())?.replace(/\s+/g, ' ')).toBe('Posted 3 payments: 0 applied to invoices, 0 deductions, 0 cases opened, 3 unapplied.');
  await waitForCount(page.locator('tr[data-payment^="ACSR160617103200001/"]'), (n) => n === 3);
  await screenshot(page, '34-camt054-posted');
});
