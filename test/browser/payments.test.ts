// Money in through the web UI, against the real stack: a cash applier posts a payments file that pays one invoice in
// part and names an invoice nobody knows (that share left unapplied), then works the unapplied cash onto another
// invoice from the worklist: more than is left is refused on its row, the rest applied until the row is gone; and
// posts the bank's camt.054 notification through the same form. A payment that leaves a deduction on one invoice while
// a case disputes all of another: the deductions list with its reason, filtered by status and paged by customer, and
// the customer's open items with the dunning hold on the disputed invoice only; what an auditor, who works no cash, is shown;
// then a manager reads the deductions tile on the dashboard and downloads its CSV.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { twoSkuDesk, uniqueId, type TestUser } from '../../testkit/fixtures';
import { lowContrastText, screenshot, startBrowserStack, waitForCount, type BrowserStack } from './support';
import { camt054Fixture } from '../support/camt054-fixtures';

jest.setTimeout(180_000);

let stack: BrowserStack;
let cash: TestUser;
let specialist: TestUser;
// Two invoices of 5 × SKU-A at 100.00: 500.00 each.
const desk = twoSkuDesk({ quantityA: 10, invoices: [[['SKU-A', 5, '100.00']], [['SKU-A', 5, '100.00']]] });
const [paidInPart, paidFromWorklist] = desk.numbers;

beforeAll(async () => {
  stack = await startBrowserStack();
  specialist = await stack.api.user('specialist');
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
  // Payments is cash's start page; beside it only the customers' open items: it reads no cases.
  await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  expect(await nav.getByRole('link').allTextContents()).toEqual(['Payments', 'Open items']);
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
  const official = Buffer.from(camt054Fixture('official/camt054.v8.xml'));
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

// Before the deductions below: the tile counts every customer's.
it("a manager reads the deductions on the dashboard's tile and downloads them as CSV", async () => {
  const manager = await stack.api.user('manager');
  const paymentId = uniqueId('PAY');
  const posted = await stack.api.request('POST', '/api/payments', {
    token: cash.token,
    body: {
      payments: [
        {
          id: paymentId,
          customerId: desk.customerId,
          receivedAt: '2026-12-02T10:00:00Z',
          currency: 'USD',
          amount: '60.00',
          remittance: [
            {
              invoiceNumber: paidFromWorklist,
              paid: '60.00',
              deductions: [
                { amount: '30.00', reasonCode: 'SHORT' },
                { amount: '10.00', reasonCode: 'DAMAGE' },
              ],
            },
          ],
        },
      ],
    },
  });
  expect(posted.body).toEqual(expect.objectContaining({ applied: 1, deductions: 2 }));
  // The first cleared in part, as its case would (no API clears deductions yet); the second stays open.
  const resolved = await stack.api.db.pool.query(
    `UPDATE deductions SET status = 'PARTIAL', cleared_minor = 1500, resolved_at = now() WHERE payment_id = $1 AND ordinal = 0`,
    [paymentId],
  );
  expect(resolved.rowCount).toBe(1);
  // The share counts the lines of this file's other payments too: as the API answers it.
  const { remittance } = (await stack.api.request('GET', '/api/reports/deductions', { token: manager.token })).body;

  const page = await stack.signedIn(manager, '/dashboard');
  const tile = page.getByTestId('deductions-tile');
  await tile.waitFor();
  const usd = tile.locator('tr[data-currency="USD"]');
  // 10.00 open; 15.00 of the 30.00 cleared, the other 15.00 invalid; 30.00 resolved in 90 days: 10.00 is 30 days of it.
  expect((await usd.locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' '))).toEqual([
    '$10.00 (1)',
    '$15.00 (1, 1 partial)',
    '$15.00 (0)',
    '30.0 days',
  ]);
  expect(await tile.getByTestId('deductions-share').textContent()).toContain(
    `${(remittance.shareWithoutPerson * 100).toFixed(1)} % of the remittance lines posted in the period applied without a person (${remittance.appliedByMatcher} by the matcher, ${remittance.leftForAPerson} left for a person)`,
  );

  const [download] = await Promise.all([page.waitForEvent('download'), tile.getByRole('button', { name: /Download CSV/ }).click()]);
  expect(download.suggestedFilename()).toMatch(/^deductions-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = (await readFile((await download.path())!, 'utf8')).split('\r\n');
  expect(lines.slice(0, 2)).toEqual([
    'currency,open,open amount,cleared,of which partial,cleared amount,invalid,invalid amount,DDO (days),lines applied by the matcher,lines left for a person,share applied without a person',
    'USD,1,10.00,1,1,15.00,0,15.00,30,,,',
  ]);
  expect(lines[2]).toBe(`all currencies,,,,,,,,,${remittance.appliedByMatcher},${remittance.leftForAPerson},${remittance.shareWithoutPerson}`);
  expect(await lowContrastText(page)).toEqual([]);
  await screenshot(page, '35-dashboard-deductions');
});

describe('a deduction on one invoice, a case disputing all of another', () => {
  // Three invoices of 5 × SKU-A at 100.00: 500.00 each. The payment pays 300.00 of the first and deducts 100.00 from
  // it; a case disputes all 500.00 of the second; the third nobody touches.
  const deskOfThree = twoSkuDesk({ quantityA: 15, invoices: [[['SKU-A', 5, '100.00']], [['SKU-A', 5, '100.00']], [['SKU-A', 5, '100.00']]] });
  const [deducted, disputed, untouched] = deskOfThree.numbers;
  const paymentId = uniqueId('PAY');
  let caseNumber: string;

  beforeAll(async () => {
    const { api } = stack;
    expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: deskOfThree.records })).status).toBe(200);
    const mapped = await api.request('PUT', `/api/reason-mappings/${deskOfThree.customerId}`, {
      token: specialist.token,
      body: { mappings: [{ code: 'PRICE', reasonCode: 'PRICING' }] },
    });
    expect(mapped.status).toBe(200);
    const opened = await api.request('POST', '/api/disputes', {
      token: specialist.token,
      body: { invoiceNumber: disputed, disputedAmount: '500.00', reasonCode: 'QUANTITY' },
    });
    expect(opened.status).toBe(201);
    caseNumber = opened.body.caseNumber;
  });

  const row = (page: Page) => page.getByTestId('deductions-table').locator(`tr[data-payment="${paymentId}"]`);

  it('the cash applier posts the payment and finds the deduction, with its reason, by its status', async () => {
    const page = await stack.signedIn(cash);
    await page.getByRole('heading', { name: 'Deductions', level: 2 }).waitFor();
    const file = {
      payments: [
        {
          id: paymentId,
          customerId: deskOfThree.customerId,
          receivedAt: '2026-12-02T10:00:00Z',
          currency: 'USD',
          amount: '300.00',
          remittance: [{ invoiceNumber: deducted, paid: '300.00', deductions: [{ amount: '100.00', reasonCode: 'PRICE' }] }],
        },
      ],
    };
    await page.getByLabel('Payments file').setInputFiles({ name: 'payments.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
    await page.getByRole('button', { name: 'Post payments' }).click();
    const result = page.getByTestId('payments-result');
    await result.waitFor();
    expect((await result.textContent())?.replace(/\s+/g, ' ')).toBe('Posted 1 payments: 1 applied to invoices, 1 deductions, 1 cases opened, 0 unapplied.');

    // The list asks again after the post: the deduction is there without a reload.
    await waitForCount(row(page), (n) => n === 1);
    const cells = (await row(page).locator('th, td').allTextContents()).map((c) => c.trim());
    expect(cells.slice(0, 7)).toEqual([paymentId, deducted, '100.00', 'Pricing', 'PRICE', 'Open', 'Has a case']);
    // Cash reads no cases: the deduction's case is named but not linked.
    expect(await row(page).getByRole('link').count()).toBe(0);

    const filter = page.getByRole('form', { name: 'Filter deductions' });
    await filter.getByLabel('Deduction status').selectOption('CLEARED');
    await filter.getByRole('button', { name: 'Filter' }).click();
    await waitForCount(row(page), (n) => n === 0);
    await filter.getByLabel('Deduction status').selectOption('OPEN');
    await filter.getByLabel('Customer id').fill(deskOfThree.customerId);
    await filter.getByRole('button', { name: 'Filter' }).click();
    await waitForCount(page.getByTestId('deductions-table').locator('tbody tr'), (n) => n === 1);
    expect(await row(page).count()).toBe(1);
    await screenshot(page, '35-deductions');
    expect(await lowContrastText(page)).toEqual([]);
  });

  /** The open items' rows by invoice number (all three fall due the same day: listed by number), as [open balance, in dispute, collectible, dunning]. */
  async function openItems(page: Page): Promise<Record<string, string[]>> {
    const rows = page.getByTestId('open-items-table').locator('tbody tr');
    await waitForCount(rows, (n) => n === 3);
    const out: Record<string, string[]> = {};
    for (const r of await rows.all()) {
      const [invoiceNumber, ...cells] = (await r.locator('th, td').allTextContents()).map((c) => c.trim());
      out[invoiceNumber] = cells;
    }
    return out;
  }

  it("the customer's open items hold dunning on the invoice a case disputes whole, and only there", async () => {
    const page = await stack.signedIn(cash);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Open items' }).click();
    await page.getByRole('heading', { name: 'Open items', level: 1 }).waitFor();
    await page.getByLabel('Customer id').fill(deskOfThree.customerId);
    await page.getByRole('button', { name: 'Show open items' }).click();
    await page.getByRole('heading', { name: `Open items of ${deskOfThree.customerId}`, level: 1 }).waitFor();
    const items = await openItems(page);
    expect(Object.keys(items).sort()).toEqual([deducted, disputed, untouched].sort());
    // The deducted invoice: 200.00 open, its deduction's 100.00 in the case the deduction opened, the rest collectible:
    // no hold while anything is collectible.
    expect(items[deducted]).toEqual(['$200.00', '$100.00', '$100.00', 'No hold']);
    expect(items[disputed]).toEqual(['$500.00', '$500.00', '$0.00', 'Dunning hold']);
    expect(items[untouched]).toEqual(['$500.00', '$0.00', '$500.00', 'No hold']);
    expect(await page.locator('.badge').filter({ hasText: 'Dunning hold' }).count()).toBe(1);
    await screenshot(page, '36-open-items');
    expect(await lowContrastText(page)).toEqual([]);

    await page.getByLabel('Customer id').fill('CUST-NOBODY');
    await page.getByRole('button', { name: 'Show open items' }).click();
    await page.getByRole('alert').filter({ hasText: 'There is no customer CUST-NOBODY' }).waitFor();
  });

  it("the specialist reaches the open items from the case's customer", async () => {
    const page = await stack.signedIn(specialist, `/cases/${caseNumber}`);
    await page.getByTestId('case-page').waitFor();
    await page.getByRole('link', { name: deskOfThree.customerId, exact: true }).click();
    await page.getByRole('heading', { name: `Open items of ${deskOfThree.customerId}`, level: 1 }).waitFor();
    expect((await openItems(page))[disputed]).toEqual(['$500.00', '$500.00', '$0.00', 'Dunning hold']);
  });

  it("the deductions of a customer come a page at a time, the filter kept on the next page", async () => {
    // Another customer's 60 deductions: 20 (the most a line takes) on each of its three invoices.
    const many = twoSkuDesk({ quantityA: 15, invoices: [[['SKU-A', 5, '100.00']], [['SKU-A', 5, '100.00']], [['SKU-A', 5, '100.00']]] });
    expect((await stack.api.request('POST', '/api/records/import', { token: specialist.token, body: many.records })).status).toBe(200);
    const posted = await stack.api.request('POST', '/api/payments', {
      token: cash.token,
      body: {
        payments: [
          {
            id: uniqueId('PAY'),
            customerId: many.customerId,
            receivedAt: '2026-12-03T10:00:00Z',
            currency: 'USD',
            amount: '3.00',
            remittance: many.numbers.map((invoiceNumber) => ({
              invoiceNumber,
              paid: '1.00',
              deductions: Array.from({ length: 20 }, (_, i) => ({ amount: '0.01', reasonCode: `R${i}` })),
            })),
          },
        ],
      },
    });
    expect(posted.body.deductions).toBe(60);
    const page = await stack.signedIn(cash);
    const filter = page.getByRole('form', { name: 'Filter deductions' });
    await filter.getByLabel('Customer id').fill(many.customerId);
    await filter.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByTestId('deductions-table').locator('tbody tr');
    await waitForCount(rows, (n) => n === 50);
    await page.getByRole('button', { name: 'Show 50 more' }).click();
    await waitForCount(rows, (n) => n === 60);
    expect(await page.getByRole('button', { name: 'Show 50 more' }).count()).toBe(0);
    expect(new Set(await rows.locator('td:nth-of-type(1)').allTextContents())).toEqual(new Set(many.numbers));
  });

  it('an auditor reads the deductions and the open items, and is offered no cash to post or apply', async () => {
    const auditor = await stack.api.user('auditor');
    const page = await stack.signedIn(auditor, '/payments');
    await page.getByRole('heading', { name: 'Deductions', level: 1 }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Dashboard', 'Cases', 'Deductions', 'Open items', 'Administration trail']);
    const filter = page.getByRole('form', { name: 'Filter deductions' });
    await filter.getByLabel('Customer id').fill(deskOfThree.customerId);
    await filter.getByRole('button', { name: 'Filter' }).click();
    await waitForCount(row(page), (n) => n === 1);
    expect(await page.getByRole('heading', { name: 'Post payments' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Unapplied cash' }).count()).toBe(0);
    await page.goto(`${stack.api.url}/#/customers/${deskOfThree.customerId}`);
    expect((await openItems(page))[disputed]).toEqual(['$500.00', '$500.00', '$0.00', 'Dunning hold']);
  });
});
