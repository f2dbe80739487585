// The people of DOMAIN.md at work in the web UI, against the real stack: a specialist opens a pricing dispute from
// an invoice, Sales Ops confirms it from its inbox, the specialist proposes the credit, a manager within its limit
// approves it (one over its limit cannot), and the credit memo shows on the case. Another team sees none of it.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { eventually } from '../support/api';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { lowContrastText, screenshot, startBrowserStack, TEMPORAL_UI, tickInvoicesForOneCase, waitForCount, type BrowserStack } from './support';

jest.setTimeout(180_000);

let stack: BrowserStack;
let specialist: TestUser;
let salesOps: TestUser;
let orderManagement: TestUser;
let manager: TestUser;
let juniorManager: TestUser;
let auditor: TestUser;
const dispute = pricingDispute();
/** Filled in by the first scenario, used by the later ones. */
let caseNumber = '';

beforeAll(async () => {
  stack = await startBrowserStack();
  const { api } = stack;
  specialist = await api.user('specialist', { name: 'Dana Specialist' });
  salesOps = await api.user('ops', { team: 'SALES_OPS', name: 'Sam Sales-Ops' });
  orderManagement = await api.user('ops', { team: 'ORDER_MANAGEMENT', name: 'Olga Order-Mgmt' });
  manager = await api.user('manager', { approvalLimit: '1000.00', name: 'Maria Manager' });
  juniorManager = await api.user('manager', { approvalLimit: '50.00', name: 'Jon Junior-Manager' });
  auditor = await api.user('auditor', { name: 'Ada Auditor' });
  const imported = await api.request('POST', '/api/records/import', { token: specialist.token, body: dispute.records });
  expect(imported.status).toBe(200);
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  // Nothing the pages did may have thrown or logged an error.
  expect(stack?.pageErrors ?? []).toEqual([]);
});

/** Every form control has a label a screen reader announces. */
async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const bad = [];
    for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
      const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) bad.push(el.outerHTML.slice(0, 120));
    }
    return bad;
  })()`);
}

async function waitForStage(page: Page, stage: string, timeout = 45_000): Promise<void> {
  await page.locator(`[data-testid=case-page][data-stage=${stage}]`).waitFor({ timeout });
}

describe('signing in', () => {
  it('refuses an unknown token with the server’s message, and keeps a good one out of the URL', async () => {
    const page = await stack.anonymous();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    // Every page here runs under the API's policy: a script or style it refuses fails the test (afterEach).
    expect(await page.evaluate("fetch('/').then((r) => r.headers.get('content-security-policy'))")).toMatch(/^default-src 'self'; .*frame-ancestors 'none'/);
    // A newcomer is told where tokens come from.
    const help = await page.getByRole('region', { name: 'Where do tokens come from?' }).textContent();
    expect(help).toContain('.data/admin-token');
    expect(help).toMatch(/creates users on the Users page/);
    await page.getByLabel('Access token').fill('not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/unknown or revoked/);
    await screenshot(page, '01-sign-in-refused');

    // By keyboard alone: the token field has the focus, Enter signs in, and focus moves to the page heading.
    await page.getByLabel('Access token').fill('');
    await page.keyboard.type(specialist.token);
    await page.keyboard.press('Enter');
    await page.getByTestId('whoami').waitFor();
    expect(await page.getByTestId('whoami').textContent()).toContain('Dana Specialist');
    await page.getByRole('heading', { name: 'Open cases' }).waitFor();
    expect(await page.evaluate('document.activeElement && document.activeElement.tagName')).toBe('H1');
    expect(page.url()).not.toContain(specialist.token);
    expect(await page.evaluate('Object.values(sessionStorage)')).toContain(specialist.token);
    expect(await page.evaluate('document.cookie')).toBe('');
    // Sign out forgets the token.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate('Object.values(sessionStorage)')).not.toContain(specialist.token);
  });
});

describe('a pricing dispute from intake to credit memo', () => {
  it('the specialist finds the invoice, sees it against its records, and opens a case', async () => {
    const page = await stack.signedIn(specialist, '/open');
    // By customer: the search answers a list to choose from.
    await page.getByLabel('Customer').fill(dispute.customerId);
    await page.getByRole('button', { name: 'Find invoice' }).click();
    await page.getByTestId('invoices-table').getByRole('link', { name: dispute.invoiceNumber }).click();
    await page.getByRole('heading', { name: `Invoice ${dispute.invoiceNumber}` }).waitFor();
    // By number: the one invoice opens at once.
    await page.getByLabel('Invoice number').fill(dispute.invoiceNumber);
    await page.getByRole('button', { name: 'Find invoice' }).click();
    await page.getByRole('heading', { name: `Invoice ${dispute.invoiceNumber}` }).waitFor();
    // Against its PO, contract and work orders before any case exists.
    const lines = page.getByTestId('evidence-table');
    expect(await lines.locator('tbody tr').first().textContent()).toMatch(/SKU-A.*\$100\.00.*\$10\.00 over contract price/);
    expect(await page.locator('.records-grid').textContent()).toContain(dispute.poId);
    expect(await page.locator('#invoice').textContent()).toContain('$1,000.00');
    expect(await unlabelledControls(page)).toEqual([]);

    // More than the open balance: the business rule refuses it, and the message says which field and why.
    await page.getByLabel('Disputed amount').fill('5000');
    await page.getByLabel('Reason').selectOption('PRICING');
    await page.getByRole('button', { name: 'Open case' }).click();
    const refusal = page.locator('#open-case').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/422/);
    expect(await refusal.textContent()).toMatch(/disputedAmount/);
    expect(await page.locator('#open-case .field-invalid').count()).toBeGreaterThan(0);
    await screenshot(page, '02-open-case-refused');

    await page.getByLabel('Disputed amount').fill('100.00');
    await page.getByLabel('Description (optional)').fill('Customer short-paid: billed 100.00 per unit, contract says 90.00.');
    await screenshot(page, '03-open-case');
    await page.getByRole('button', { name: 'Open case' }).click();
    await page.getByTestId('case-page').waitFor();
    caseNumber = (await page.locator('h1').textContent())!.match(/Case (\S+)/)![1];
    expect(caseNumber).toMatch(/^DSP-/);
    // The case's workflow in the Temporal Web UI this deployment names.
    expect(await page.getByTestId('temporal-ui-link').getAttribute('href')).toBe(
      `${TEMPORAL_UI}/namespaces/${encodeURIComponent(stack.api.temporal.options.namespace)}/workflows/${encodeURIComponent(`dispute:${caseNumber}`)}`,
    );

    // The workflow collects the evidence, finds the price variance and asks Sales Ops.
    await waitForStage(page, 'INVESTIGATION');
    const findings = page.getByTestId('findings-table');
    await findings.waitFor();
    expect(await findings.textContent()).toContain('PRICE_VARIANCE');
    expect(await findings.textContent()).toContain('$100.00');
    const tasks = page.getByTestId('tasks-table');
    expect(await tasks.textContent()).toContain('Sales Ops');
    expect(await page.getByTestId('timeline').textContent()).toContain('Case opened');
    // Sales Ops was told, without watching its inbox (here a log line: no webhook is configured).
    const notifications = page.getByTestId('notifications-table');
    await notifications.getByText('Sent', { exact: true }).waitFor();
    expect(await notifications.textContent()).toMatch(/Task assigned.*Sam Sales-Ops/);
    // Nothing to propose yet: the form only comes with stage RESOLUTION.
    expect(await page.getByTestId('propose-form').count()).toBe(0);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, '04-case-investigation');
  });

  it('another team’s ops user sees neither the task nor the case', async () => {
    const page = await stack.signedIn(orderManagement);
    await page.getByRole('heading', { name: 'Order Management inbox' }).waitFor();
    await page.getByText('Nothing to do: no open tasks.').waitFor();
    expect(await page.getByTestId('task-item').count()).toBe(0);
    // Ops has no case list or approvals in its navigation.
    expect(await page.getByRole('navigation', { name: 'Main' }).textContent()).toBe('Inbox');
    await page.goto(`${stack.api.url}/#/cases/${caseNumber}`);
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/not visible to you/);
    expect(await page.getByTestId('findings-table').count()).toBe(0);
    await screenshot(page, '05-other-team-cannot-see');
  });

  it('Sales Ops completes the task from its inbox in one step', async () => {
    const page = await stack.signedIn(salesOps);
    await page.getByRole('heading', { name: 'Sales Ops inbox' }).waitFor();
    const item = page.getByTestId('task-item').filter({ hasText: caseNumber });
    await item.waitFor();
    await item.click();
    const detail = page.getByTestId('task-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('findings-table').textContent()).toContain('Price above contract');
    // The evidence behind the question, side by side.
    await detail.getByTestId('evidence-table').waitFor();
    expect(await detail.getByTestId('evidence-table').textContent()).toContain('$90.00');
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, '06-ops-inbox-task');
    // On a phone: one column, nothing cut off sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await screenshot(page, '06b-ops-inbox-task-phone');
    await page.setViewportSize({ width: 1400, height: 900 });

    // Submitting without an answer is caught before the server, naming the fields.
    await detail.getByRole('button', { name: 'Complete task' }).click();
    expect(await detail.getByRole('alert').textContent()).toMatch(/outcome/);

    await detail.getByRole('radio', { name: /^Confirmed/ }).check();
    await detail.getByLabel('Note').fill('Pricing master had 100.00 for SKU-A; contract CTR says 90.00. Corrected the price record.');
    await detail.getByRole('button', { name: 'Complete task' }).click();
    await page.getByText('Task for Sales Ops completed.').waitFor();
    await page.getByText('Nothing to do: no open tasks.').waitFor();
  });

  it('the specialist keeps a note of a call on the case, and Sales Ops reads it there', async () => {
    const page = await stack.signedIn(specialist, `/cases/${caseNumber}`);
    const notes = page.getByTestId('comments');
    await notes.waitFor();
    await notes.getByLabel('Add a note').fill('Called AP at the customer: they will pay the rest once the credit memo is issued.');
    await notes.getByRole('button', { name: 'Add note' }).click();
    await notes.getByText('they will pay the rest').waitFor();

    const ops = await stack.signedIn(salesOps, `/cases/${caseNumber}`);
    await ops.getByTestId('comments').getByText('they will pay the rest').waitFor();
    expect(await ops.getByTestId('comments').textContent()).toContain('Dana Specialist');
  });

  it('the specialist proposes the recommended credit', async () => {
    const page = await stack.signedIn(specialist, `/cases/${caseNumber}`);
    await waitForStage(page, 'RESOLUTION');
    const form = page.getByTestId('propose-form');
    await form.waitFor();
    // The recommendation is the first adjustment: a credit on the case's invoice, spread over its lines.
    expect(await form.getByLabel('Kind 1').inputValue()).toBe('CREDIT');
    expect(await form.getByLabel('Amount 1').inputValue()).toBe('100.00');
    await form.getByLabel('Root cause').selectOption('Pricing setup error');
    await form.getByLabel('Note (optional)').fill('Confirmed by Sales Ops.');
    await screenshot(page, '07-case-resolution');
    await form.getByRole('button', { name: 'Propose adjustments' }).click();
    await waitForStage(page, 'APPROVAL');
    expect(await page.getByTestId('proposal').textContent()).toContain('Pricing setup error');
    expect(await page.getByTestId('propose-form').count()).toBe(0);
  });

  it('a manager whose limit is below the credit cannot approve it', async () => {
    const page = await stack.signedIn(juniorManager);
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();
    const card = page.locator(`[data-testid=approval-card][data-case="${caseNumber}"]`);
    await card.getByTestId('decision-form').waitFor();
    expect(await card.getByTestId('approval-blocked').textContent()).toMatch(/over your approval limit of \$50\.00/);
    expect(await card.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    await screenshot(page, '08-approval-over-limit');
    // The server refuses it as well, whatever the page shows.
    const forced = await stack.api.request('POST', `/api/disputes/${caseNumber}/decision`, {
      token: juniorManager.token,
      body: { decision: 'APPROVE' },
    });
    expect(forced.status).toBe(403);
  });

  it('a manager within its limit approves with a comment, and the credit memo shows on the case', async () => {
    const page = await stack.signedIn(manager);
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();
    const card = page.locator(`[data-testid=approval-card][data-case="${caseNumber}"]`);
    await card.getByTestId('decision-form').waitFor();
    expect(await card.textContent()).toContain('Pricing setup error');
    expect(await card.textContent()).toContain('Dana Specialist');
    await card.getByText('Findings and evidence').click();
    expect(await card.getByTestId('findings-table').textContent()).toContain('PRICE_VARIANCE');
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, '09-approvals');
    await card.getByLabel('Comment').fill('Price record corrected; credit approved.');
    await card.getByRole('button', { name: 'Approve $100.00' }).click();
    await page.getByText(`Case ${caseNumber}: Approved`).waitFor();

    await page.goto(`${stack.api.url}/#/cases/${caseNumber}`);
    const memos = page.getByTestId('adjustments');
    await memos.waitFor({ timeout: 45_000 });
    expect(await memos.textContent()).toMatch(/CM-\d+\s*Credit memo\s*\$100\.00/);
    await page.locator('[data-testid=case-page][data-status=CLOSED]').waitFor({ timeout: 45_000 });
    const trail = await page.getByTestId('timeline').textContent();
    for (const step of ['Case opened', 'Evidence collected', 'Task completed', 'Resolution proposed', 'Resolution decided', 'Adjustments issued', 'Case closed']) {
      expect(trail).toContain(step);
    }
    // A closed case offers no actions.
    expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, '10-case-closed-with-credit-memo');
  });
});

/** Opens a case through the API and drives it as far as `until`, as the people would. */
async function seedCase(
  records: ReturnType<typeof pricingDispute>,
  reasonCode: string,
  disputedAmount: string,
  until: 'INVESTIGATION' | 'RESOLUTION' | 'APPROVAL' | 'CLOSED',
): Promise<string> {
  const { api } = stack;
  expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: records.records })).status).toBe(200);
  const opened = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: records.invoiceNumber, disputedAmount, reasonCode },
  });
  expect(opened.status).toBe(201);
  const id: string = opened.body.id;
  const stageOf = async () => (await api.request('GET', `/api/disputes/${id}`, { token: specialist.token })).body;
  // Generous: under a full parallel `npm test` the worker shares two cores with everything else.
  const reach = (stage: string) =>
    eventually(`case ${opened.body.caseNumber} in ${stage}`, async () => ((await stageOf()).stage === stage ? true : undefined), 90_000);
  await eventually('the evidence', async () => ((await stageOf()).stage !== 'EVIDENCE' ? true : undefined), 90_000);
  if (until === 'INVESTIGATION') return opened.body.caseNumber;
  for (const team of [salesOps, orderManagement]) {
    const tasks = await api.request('GET', '/api/tasks?status=OPEN&limit=200', { token: team.token });
    for (const task of tasks.body.items.filter((t: { disputeId: string }) => t.disputeId === id)) {
      const done = await api.request('POST', `/api/tasks/${task.id}/complete`, { token: team.token, body: { outcome: 'CONFIRMED', note: 'Checked against the records.' } });
      expect(done.status).toBe(200);
    }
  }
  await reach('RESOLUTION');
  if (until === 'RESOLUTION') return opened.body.caseNumber;
  const detail = await stageOf();
  const proposed = await api.request('POST', `/api/disputes/${id}/resolution`, {
    token: specialist.token,
    body: { type: 'CREDIT', amount: detail.recommendedCredit, rootCause: 'ORDER_ENTRY' },
  });
  expect(proposed.status).toBe(200);
  await reach('APPROVAL');
  if (until === 'APPROVAL') return opened.body.caseNumber;
  const decided = await api.request('POST', `/api/disputes/${id}/decision`, { token: manager.token, body: { decision: 'APPROVE' } });
  expect(decided.status).toBe(200);
  await reach('DONE');
  return opened.body.caseNumber;
}

describe('a debit memo and a write-off', () => {
  it('the specialist proposes a debit and a write-off in rows, a manager approves, and the case and the invoice show both documents', async () => {
    const records = pricingDispute();
    const number = await seedCase(records, 'PRICING', '150.00', 'RESOLUTION');
    const page = await stack.signedIn(specialist, `/cases/${number}`);
    await waitForStage(page, 'RESOLUTION');
    const form = page.getByTestId('propose-form');
    await form.waitFor();
    await form.getByLabel('Kind 1').selectOption('DEBIT');
    await form.getByLabel('Amount 1').fill('20.00');
    await form.getByRole('button', { name: 'Add an adjustment' }).click();
    await waitForCount(form.getByTestId('adjustment-row'), (n) => n === 2);
    await form.getByLabel('Kind 2').selectOption('WRITE_OFF');
    await form.getByLabel('Line 2 (optional)').fill('1');
    await form.getByLabel('Amount 2').fill('10.00');
    await form.getByLabel('Root cause').selectOption('Customer error');
    expect(await unlabelledControls(page)).toEqual([]);
    await form.getByRole('button', { name: 'Propose adjustments' }).click();
    await waitForStage(page, 'APPROVAL');
    expect(await page.getByTestId('proposed-adjustments').textContent()).toMatch(/Debit memo\s*\$20\.00.*Write-off\s*\$10\.00.*line 1/);

    const approver = await stack.signedIn(manager);
    await approver.getByRole('heading', { name: 'Approvals' }).waitFor();
    const card = approver.locator(`[data-testid=approval-card][data-case="${number}"]`);
    await card.getByTestId('decision-form').waitFor();
    await card.getByRole('button', { name: 'Approve $30.00' }).click();
    await approver.getByText(`Case ${number}: Approved`).waitFor();

    await page.goto(`${stack.api.url}/#/cases/${number}`);
    await page.locator('[data-testid=case-page][data-status=CLOSED]').waitFor({ timeout: 45_000 });
    const documents = await page.getByTestId('adjustments').textContent();
    expect(documents).toMatch(/DM-\d+\s*Debit memo\s*\$20\.00/);
    expect(documents).toMatch(/WO-\d+\s*Write-off\s*\$10\.00/);
    await screenshot(page, '11-case-closed-with-debit-and-write-off');

    const finder = await stack.signedIn(specialist, '/open');
    await finder.getByLabel('Invoice number').fill(records.invoiceNumber);
    await finder.getByRole('button', { name: 'Find invoice' }).click();
    await finder.getByRole('heading', { name: `Invoice ${records.invoiceNumber}` }).waitFor();
    await waitForCount(finder.getByTestId('invoice-adjustments').locator('li'), (n) => n === 2);
    const figures = await finder.locator('#invoice').textContent();
    expect(figures).toMatch(/Debited\s*\$20\.00/);
    expect(figures).toMatch(/Written off\s*\$10\.00/);
    expect(figures).toMatch(/Open balance\s*\$1,010\.00/);
  });
});

describe('the records on the case', () => {
  it('shows each invoice line against its PO line, contract price and completed quantity, differences marked', async () => {
    const page = await stack.signedIn(specialist, `/cases/${caseNumber}`);
    const table = page.getByTestId('evidence-table');
    await table.waitFor();
    const row = table.locator('tbody tr').first();
    const cells = (await row.locator('th, td').allTextContents()).map((c) => c.trim());
    // Line, SKU, invoiced qty, PO qty, completed qty, invoiced price (marked), PO price, contract price, amount, overbilled.
    expect(cells[0]).toBe('1');
    expect(cells[1]).toBe('SKU-A');
    expect(cells[2]).toBe('10');
    expect(cells[3]).toBe('10');
    expect(cells[4]).toBe('10');
    expect(cells[5]).toMatch(/^\$100\.00.*\$10\.00 over contract price$/);
    expect(cells[6]).toBe('$100.00');
    expect(cells[7]).toBe('$90.00');
    expect(cells[8]).toBe('$1,000.00');
    expect(cells[9]).toBe('$100.00');
    expect(await row.locator('td.diff').count()).toBe(2);
    const records = page.locator('.records-grid');
    expect(await records.textContent()).toContain(dispute.poId);
    expect(await records.textContent()).toContain(dispute.records.contracts![0].id);
    await screenshot(page, '14-case-evidence-side-by-side');
  });

});

describe('lists and the dashboard', () => {
  const seeded: Record<string, string> = {};

  beforeAll(async () => {
    // A few more cases in different stages, reasons and customers, so lists and charts have something to show.
    [seeded.quantity, seeded.service, seeded.approval, seeded.closed] = await Promise.all([
      seedCase(pricingDispute({ invoiceQty: 12 }), 'QUANTITY', '300.00', 'INVESTIGATION'),
      seedCase(pricingDispute({ completedQty: 8 }), 'SERVICE_NOT_COMPLETED', '280.00', 'RESOLUTION'),
      seedCase(pricingDispute({ invoiceQty: 11 }), 'PO_MISMATCH', '190.00', 'APPROVAL'),
      seedCase(pricingDispute({ completedQty: 9 }), 'SERVICE_NOT_COMPLETED', '190.00', 'CLOSED'),
    ]);
    // After the quantity case, so that its task is due later: only being overdue can put it first in the inbox.
    seeded.late = await seedCase(pricingDispute(), 'PRICING', '100.00', 'INVESTIGATION');
  });

  it('the specialist’s case list filters on the server', async () => {
    const page = await stack.signedIn(specialist);
    await page.getByRole('heading', { name: 'Open cases' }).waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Reason').selectOption('PRICING');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/reasonCode=PRICING/);
    const table = page.getByTestId('cases-table');
    await table.getByText(caseNumber).waitFor();
    await page.getByLabel('Reason').selectOption('DUPLICATE_BILLING');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No cases match these filters.').waitFor();

    // The default view: open cases only, every stage.
    await page.getByRole('link', { name: 'Reset' }).click();
    await page.getByRole('heading', { name: 'Open cases' }).waitFor();
    await page.getByTestId('cases-table').getByText(seeded.quantity).waitFor();
    const open = await page.getByTestId('cases-table').textContent();
    expect(open).toContain(seeded.service);
    expect(open).toContain(seeded.approval);
    expect(open).not.toContain(seeded.closed);
    expect(open).not.toContain(caseNumber);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, '11-cases-list');
    await page.getByLabel('Stage').selectOption('APPROVAL');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitForCount(page.getByTestId('cases-table').locator('tbody tr'), (n) => n === 1);
    expect(await page.getByTestId('cases-table').textContent()).toContain(seeded.approval);
  });

  it('an ops inbox lists the overdue tasks first', async () => {
    // The later case's task is made two hours late in the read model the inbox reads (the SLA timer that escalates
    // it is the workflow's, tested in test/workflow).
    const late = await stack.api.db.pool.query(
      `UPDATE tasks SET due_at = now() - interval '2 hours'
        WHERE team = 'SALES_OPS' AND status = 'OPEN' AND case_id = (SELECT id FROM cases WHERE case_number = $1)`,
      [seeded.late],
    );
    expect(late.rowCount).toBe(1);
    const page = await stack.signedIn(salesOps);
    const items = page.getByTestId('task-item');
    await waitForCount(items, (n) => n === 2);
    expect(await items.first().textContent()).toContain(seeded.late);
    expect(await items.first().textContent()).toMatch(/Overdue: 2 h/);
    expect(await items.nth(1).textContent()).toContain(seeded.quantity);
    expect(await items.nth(1).textContent()).not.toMatch(/Overdue/);
    await page.getByText('1 overdue').waitFor();
  });

  it('the manager’s dashboard draws its charts and downloads their numbers as CSV', async () => {
    const page = await stack.signedIn(manager, '/dashboard');
    await page.getByTestId('kpis').waitFor();
    const cards = page.getByTestId('chart-card');
    await waitForCount(cards, (n) => n >= 8);
    expect(await cards.count()).toBeGreaterThanOrEqual(8);
    expect(await page.getByTestId('kpis').textContent()).toMatch(/4\s*Open cases/);
    expect(await page.getByTestId('kpis').textContent()).toMatch(/3\s*Closed/);
    expect(await page.getByTestId('kpis').textContent()).toMatch(/1\s*Overdue tasks/);
    const stageCard = cards.filter({ hasText: 'Time in each stage' });
    expect(await stageCard.locator('canvas').count()).toBe(1);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      stageCard.getByRole('button', { name: /Download CSV/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('cycle-time-by-stage.csv');
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('stage,cases,median hours,p90 hours');
    expect(csv).toContain('INVESTIGATION');
    // The closed cases seeded here named ORDER_ENTRY; a group counts closed cases only.
    const rootCauseCard = cards.filter({ hasText: 'Cycle time by root cause' });
    expect(await rootCauseCard.locator('canvas').count()).toBe(1);
    const [byRootCause] = await Promise.all([
      page.waitForEvent('download'),
      rootCauseCard.getByRole('button', { name: /Download CSV/ }).click(),
    ]);
    expect(byRootCause.suggestedFilename()).toBe('cycle-time-by-root-cause.csv');
    expect(await readFile((await byRootCause.path())!, 'utf8')).toMatch(/^ORDER_ENTRY,(\d+),\1,/m);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, '12-dashboard');
  });

  it('the case list asks the server for one page at a time, with the filters as query', async () => {
    const page = await stack.signedIn(specialist);
    const asked: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === '/api/disputes') asked.push(new URL(req.url()).search);
    });
    await page.goto(`${stack.api.url}/#/cases?stage=INVESTIGATION&reasonCode=QUANTITY`);
    await page.getByTestId('cases-table').getByText(seeded.quantity).waitFor();
    expect(asked).toHaveLength(1);
    const query = new URLSearchParams(asked[0]);
    expect(Object.fromEntries(query)).toEqual({ status: 'OPEN', stage: 'INVESTIGATION', reasonCode: 'QUANTITY', order: 'asc', limit: '50' });
  });

  it('an auditor reads but is offered no command', async () => {
    const page = await stack.signedIn(auditor, `/cases/${caseNumber}`);
    await page.getByTestId('case-page').waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).textContent()).toBe('DashboardCasesDeductionsOpen itemsAdministration trail');
    expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
    await page.goto(`${stack.api.url}/#/approvals`);
    await page.getByRole('heading', { name: 'Not available' }).waitFor();
  });

  it('the specialist cancels a case with a reason, and its open tasks are cancelled with it', async () => {
    const page = await stack.signedIn(specialist, `/cases/${seeded.quantity}`);
    await waitForStage(page, 'INVESTIGATION');
    await page.getByText('Cancel this case…').click();
    await page.getByRole('button', { name: 'Cancel case' }).click();
    expect(await page.getByRole('form', { name: 'Cancel the case' }).getByRole('alert').textContent()).toMatch(/reason/);
    await page.getByLabel('Reason for cancelling').fill('Customer withdrew the claim.');
    await page.getByRole('button', { name: 'Cancel case' }).click();
    await page.locator('[data-testid=case-page][data-status=CANCELLED]').waitFor({ timeout: 45_000 });
    await page.getByTestId('timeline').getByText('Customer withdrew the claim.').waitFor();
    expect(await page.getByTestId('tasks-table').textContent()).not.toMatch(/\bOpen\b/);
  });
});

describe('administration', () => {
  it('the administrator adds a user and hands out the token, which signs in', async () => {
    const admin = await stack.api.user('admin', { name: 'Alex Admin' });
    const page = await stack.signedIn(admin);
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    const add = page.getByRole('form', { name: 'Add a user' });
    await add.getByLabel('Name').fill('Olivia Ops');
    await add.getByLabel('Role').selectOption('ops');
    await add.getByLabel('Team').selectOption('ORDER_MANAGEMENT');
    await add.getByRole('button', { name: 'Add user' }).click();
    const token = await page.getByLabel('Token of Olivia Ops').inputValue();
    expect(token.length).toBeGreaterThan(20);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, '13-admin-users');

    const newcomer = await stack.anonymous();
    await newcomer.getByLabel('Access token').fill(token);
    await newcomer.getByRole('button', { name: 'Sign in' }).click();
    await newcomer.getByRole('heading', { name: 'Order Management inbox' }).waitFor();
  });

  it('a specialist imports records from pasted JSON and sees the counts', async () => {
    const page = await stack.signedIn(specialist, '/import');
    await page.getByRole('button', { name: 'Use the example' }).click();
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Imported 1 customers, 1 contracts, 1 purchaseOrders, 1 workOrders, 1 invoices.').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, '15-import');
    await page.getByLabel('Records (JSON)').fill('{"invoices": [{"number": ""}]}');
    await page.getByRole('button', { name: 'Import' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/400/);
    expect(await refusal.textContent()).toMatch(/invoices\.0\./);
  });
});

// Last: its open case and task would change the counts the lists and the dashboard above are checked against.
describe('a long invoice', () => {
  it('shows a long invoice a page of lines at a time, the next lines and their findings on demand', async () => {
    const long = pricingDispute();
    const skus = Array.from({ length: 60 }, (_, i) => `SKU-${i + 1}`);
    long.records.contracts![0].prices = skus.map((sku) => ({ sku, unitPrice: '90.00' }));
    long.records.purchaseOrders![0].lines = skus.map((sku, i) => ({ lineNo: i + 1, sku, quantity: 1, unitPrice: '100.00' }));
    long.records.workOrders![0].lines = skus.map((sku) => ({ sku, quantityCompleted: 1 }));
    long.records.invoices![0].lines = skus.map((sku, i) => ({ lineNo: i + 1, sku, quantity: 1, unitPrice: '100.00' }));
    const longCase = await seedCase(long, 'PRICING', '600.00', 'INVESTIGATION');
    const page = await stack.signedIn(specialist, `/cases/${longCase}`);
    const rows = page.getByTestId('evidence-table').locator('tbody tr');
    const findings = page.getByTestId('findings-table').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(50);
    expect(await findings.count()).toBe(50);
    expect(await page.getByTestId('evidence-more').textContent()).toContain('Lines 1–50 of 60');
    await page.getByRole('button', { name: 'Show more lines' }).click();
    await page.getByTestId('evidence-more').waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(60);
    expect(await findings.count()).toBe(60);
    expect((await rows.last().locator('th, td').allTextContents()).slice(0, 2).map((c) => c.trim())).toEqual(['60', 'SKU-60']);

    // The item's explanation lists its first findings, sums the rest, and pages them in from the invoice's evidence.
    await page.getByRole('button', { name: `Why ${long.invoiceNumber}`, exact: true }).click();
    const why = page.getByTestId('item-why');
    const explained = why.getByTestId('item-why-finding');
    expect(await waitForCount(explained, (n) => n === 10)).toBe(10);
    expect(await why.getByTestId('item-why-more').textContent()).toBe('And 50 more findings on later lines, counting $500.00 overbilled and $0.00 underbilled.');
    expect(await why.getByTestId('item-why-credit').textContent()).toBe(
      'Recommended credit: the lesser of the $600.00 overbilling counted and the $600.00 disputed = $600.00.',
    );
    await why.getByRole('button', { name: 'Show more findings' }).click();
    expect(await waitForCount(explained, (n) => n === 50)).toBe(50);
    await why.getByRole('button', { name: 'Show more findings' }).click();
    expect(await waitForCount(explained, (n) => n === 60)).toBe(60);
    expect(await why.getByRole('button', { name: 'Show more findings' }).count()).toBe(0);
    expect(await explained.last().textContent()).toMatch(/PRICE_VARIANCE.*60\$10\.00task openin the total below$/);
    await screenshot(page, '14b-long-invoice-item-findings-paged-in');
  });
});

describe('evidence frozen for the decision', () => {
  it('the specialist refreshes the evidence after a fixed work order; a manager deciding on evidence refreshed since is told and shown the case again', async () => {
    const { api } = stack;
    const records = pricingDispute({ completedQty: 8 });
    const number = await seedCase(records, 'QUANTITY', '150.00', 'INVESTIGATION');
    const caseOf = async () => (await api.request('GET', `/api/disputes/${number}`, { token: specialist.token })).body;
    const complete = async (team: TestUser) => {
      const id = (await caseOf()).id;
      const tasks = await api.request('GET', '/api/tasks?status=OPEN&limit=200', { token: team.token });
      const mine = tasks.body.items.filter((t: { disputeId: string }) => t.disputeId === id);
      expect(mine.length).toBeGreaterThan(0);
      for (const task of mine) {
        expect((await api.request('POST', `/api/tasks/${task.id}/complete`, { token: team.token, body: { outcome: 'CONFIRMED', note: 'Checked.' } })).status).toBe(200);
      }
    };
    const fixWorkOrder = async (quantityCompleted: number) => {
      const [workOrder] = records.records.workOrders!;
      const body = { workOrders: [{ ...workOrder, lines: [{ sku: 'SKU-A', quantityCompleted }] }] };
      expect((await api.request('POST', '/api/records/import', { token: specialist.token, body })).status).toBe(200);
    };
    await eventually('both tasks', async () => ((await caseOf()).tasks.length === 2 ? true : undefined));
    await complete(salesOps);
    await fixWorkOrder(10);

    const page = await stack.signedIn(specialist, `/cases/${number}`);
    await waitForStage(page, 'INVESTIGATION');
    const hash = page.getByTestId('evidence-hash');
    const before = await hash.getAttribute('title');
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(await hash.textContent()).toBe(`${before!.slice(0, 12)}…`);
    await page.getByTestId('refresh-evidence').getByRole('button', { name: 'Refresh evidence' }).click();
    await waitForStage(page, 'RESOLUTION');
    const trail = page.getByTestId('timeline');
    await trail.getByText('Evidence refreshed from the records').waitFor();
    expect(await trail.textContent()).toMatch(/2 findings before, 1 now; gone: [^;]*line 1 \(\$200\.00\)/);
    await waitForCount(page.locator(`[data-testid=evidence-hash]:not([title="${before}"])`), (n) => n === 1);
    const after = await hash.getAttribute('title');
    expect(await page.getByTestId('tasks-table').textContent()).toMatch(/Cancelled/);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, '11-evidence-refreshed');

    // Proposed on that evidence; the manager opens the findings on the approvals page.
    const id = (await caseOf()).id;
    const propose = async () => {
      const res = await api.request('POST', `/api/disputes/${id}/resolution`, { token: specialist.token, body: { type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP' } });
      expect(res.status).toBe(200);
    };
    await propose();
    const approvals = await stack.signedIn(manager);
    await approvals.getByRole('heading', { name: 'Approvals' }).waitFor();
    const card = approvals.locator(`[data-testid=approval-card][data-case="${number}"]`);
    await card.getByText('Findings and evidence').click();
    await card.getByTestId('findings-table').waitFor();
    expect(await card.getByTestId('evidence-hash').getAttribute('title')).toBe(after);

    // Meanwhile it goes back, the work order is corrected once more, the evidence refreshed, and proposed again.
    expect((await api.request('POST', `/api/disputes/${id}/decision`, { token: manager.token, body: { decision: 'REJECT', comment: 'check the work order' } })).status).toBe(200);
    await fixWorkOrder(9);
    expect((await api.request('POST', `/api/disputes/${id}/refresh-evidence`, { token: specialist.token, body: {} })).status).toBe(200);
    await complete(orderManagement);
    await eventually('back in RESOLUTION', async () => ((await caseOf()).stage === 'RESOLUTION' ? true : undefined));
    await propose();
    const current = (await caseOf()).evidenceHash;
    expect(current).not.toBe(after);

    await card.getByRole('button', { name: 'Approve $100.00' }).click();
    await card.getByTestId('stale-evidence').waitFor();
    expect(await card.getByTestId('stale-evidence').textContent()).toMatch(/refreshed after this page showed it/);
    expect((await caseOf()).stage).toBe('APPROVAL');
    await screenshot(approvals, '12-decision-on-stale-evidence');
    // The case was read again: the next click decides on what it holds now.
    await waitForCount(card.locator(`[data-testid=evidence-hash][title="${current}"]`), (n) => n === 1);
    await card.getByRole('button', { name: 'Approve $100.00' }).click();
    await approvals.getByText(`Case ${number}: Approved`).waitFor();

    const closed = await stack.signedIn(specialist, `/cases/${number}`);
    await closed.locator('[data-testid=case-page][data-status=CLOSED]').waitFor({ timeout: 45_000 });
    const decided = closed.getByTestId('approval-evidence-hash');
    await waitForCount(decided, (n) => n === 2);
    expect(await decided.nth(1).getAttribute('title')).toBe(current);
    expect(await decided.nth(0).getAttribute('title')).toBe(after);
    expect(await closed.getByTestId('proposal').textContent()).toContain('refreshed since');
  });
});

// Last: its case would change the counts the dashboard's scenario expects.
describe('a task partly confirmed', () => {
  it('Sales Ops confirms part of a finding from its inbox, and the recommended credit follows it', async () => {
    // 60.00 above the contract price for Sales Ops, 400.00 not completed for Order Management; 1000.00 disputed.
    const records = pricingDispute({ completedQty: 6 });
    const partCase = await seedCase(records, 'PRICING', '1000', 'INVESTIGATION');
    const { api } = stack;
    const before = (await api.request('GET', `/api/disputes/${partCase}`, { token: specialist.token })).body;
    expect(before.recommendedCredit).toBe('460.00');
    const orderTask = before.tasks.find((t: { team: string }) => t.team === 'ORDER_MANAGEMENT');
    const confirmed = await api.request('POST', `/api/tasks/${orderTask.id}/complete`, {
      token: orderManagement.token,
      body: { outcome: 'CONFIRMED', note: 'Four visits were never made.' },
    });
    expect(confirmed.status).toBe(200);

    const page = await stack.signedIn(salesOps);
    const item = page.getByTestId('task-item').filter({ hasText: partCase });
    await item.waitFor();
    await item.click();
    const detail = page.getByTestId('task-detail');
    await detail.getByRole('radio', { name: /^Partly confirmed/ }).check();
    const amounts = detail.getByTestId('finding-confirmations').getByRole('textbox');
    expect(await waitForCount(amounts, (n) => n === 1)).toBe(1);
    // Each finding starts at its amount; over it is refused before the server is asked.
    expect(await amounts.first().inputValue()).toBe('60.00');
    await amounts.first().fill('60.01');
    await detail.getByLabel('Note').fill('The contract price applies to 2.5 of the 6 visits only.');
    await detail.getByRole('button', { name: 'Complete task' }).click();
    expect(await detail.getByRole('alert').textContent()).toMatch(/at most the finding/);
    await amounts.first().fill('25');
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, '06c-ops-task-partly-confirmed');
    await detail.getByRole('button', { name: 'Complete task' }).click();
    await page.getByText('Task for Sales Ops completed.').waitFor();

    // The specialist sees why: each finding's confirmed amount, the sum, and the credit proposed from it.
    const caseView = await stack.signedIn(specialist, `/cases/${partCase}`);
    await waitForStage(caseView, 'RESOLUTION');
    const findings = caseView.getByTestId('findings-table');
    expect(await findings.getByTestId('confirmed-amount').allTextContents()).toEqual(['$25.00', '$400.00']);
    expect(await caseView.getByTestId('recommendation-why').textContent()).toContain('the $425.00 the tasks confirmed of the $460.00 found');
    expect(await caseView.getByTestId('propose-form').getByLabel('Amount 1').inputValue()).toBe('425.00');
    await caseView.getByRole('cell', { name: /^Partly confirmed by Sam Sales-Ops/ }).waitFor();
    await caseView.getByText(/Sales Ops: partly confirmed, 1 finding named/).waitFor();
    expect(await lowContrastText(caseView)).toEqual([]);
    await screenshot(caseView, '07b-case-recommendation-from-confirmed');
  });
});

// Last: its case and task would count in the lists and the dashboard above.
describe('a case over two invoices', () => {
  it('the specialist ticks two invoices of a customer, disputes an amount on each, and the case lists its items', async () => {
    const fixture = pricingDispute();
    const first = fixture.records.invoices![0]!;
    const second = { ...first, number: `${first.number}-B`, issuedAt: '2026-02-16T00:00:00Z', lines: [{ ...first.lines[0]!, quantity: 5 }] };
    const page = await tickInvoicesForOneCase(stack, specialist, { ...fixture.records, invoices: [first, second] });
    // Each amount starts at what is collectible on its invoice.
    expect(await page.getByLabel(`Disputed on ${first.number}`, { exact: true }).inputValue()).toBe('1000.00');
    await page.getByLabel(`Disputed on ${first.number}`, { exact: true }).fill('100.00');
    await page.getByLabel(`Disputed on ${second.number}`).fill('40.00');
    await page.locator('#open-items').getByLabel('Reason').selectOption('PRICING');
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByRole('button', { name: 'Open case over 2 invoices' }).click();
    await page.getByTestId('case-page').waitFor();
    await waitForStage(page, 'INVESTIGATION');

    const items = page.getByTestId('case-items').locator('tbody tr');
    await waitForCount(items, (n) => n === 2);
    expect(await items.nth(0).textContent()).toMatch(new RegExp(`${first.number}.*whole invoice.*\\$100\\.00.*\\$100\\.00.*\\$0\\.00`));
    expect(await items.nth(1).textContent()).toMatch(new RegExp(`${second.number}.*whole invoice.*\\$40\\.00.*\\$40\\.00.*\\$0\\.00`));

    // Why each item recommends what it does, the second invoice's finding too: in full while its task is open, the
    // second's 50.00 overbilling capped by the 40.00 disputed on it.
    await page.getByRole('button', { name: `Why ${second.number}`, exact: true }).click();
    await page.getByRole('button', { name: `Why ${first.number}`, exact: true }).click();
    const why = page.getByTestId('item-why');
    expect(await waitForCount(why, (n) => n === 2)).toBe(2);
    const [firstWhy, secondWhy] = [why.nth(0), why.nth(1)];
    expect(await secondWhy.getByTestId('item-why-rule').textContent()).toBe('Until every task is done, each finding counts in full.');
    expect(await secondWhy.getByTestId('item-why-finding').allTextContents()).toEqual([
      expect.stringMatching(new RegExp(`PRICE_VARIANCE${second.number}1\\$50\\.00task open\\$50\\.00$`)),
    ]);
    expect(await secondWhy.getByTestId('item-why-credit').textContent()).toBe(
      'Recommended credit: the lesser of the $50.00 overbilling counted and the $40.00 disputed = $40.00 (capped by the disputed amount).',
    );
    expect(await firstWhy.getByTestId('item-why-finding').allTextContents()).toEqual([
      expect.stringMatching(new RegExp(`PRICE_VARIANCE${first.number}1\\$100\\.00task open\\$100\\.00$`)),
    ]);
    expect(await firstWhy.getByTestId('item-why-credit').textContent()).toBe(
      'Recommended credit: the lesser of the $100.00 overbilling counted and the $100.00 disputed = $100.00.',
    );
    expect(await firstWhy.getByTestId('item-why-debit').textContent()).toBe('Recommended debit: the $0.00 underbilling counted = $0.00.');
    expect(await lowContrastText(page)).toEqual([]);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, '13-case-over-two-invoices');

    // The invoice now shows what is in dispute and what is still collectible.
    await page.goto(`${stack.api.url}/#/open?invoice=${encodeURIComponent(first.number)}`);
    await page.getByRole('heading', { name: `Invoice ${first.number}` }).waitFor();
    expect(await page.locator('#invoice').textContent()).toMatch(/In dispute\s*\$100\.00.*Collectible\s*\$900\.00/);
  }, 90_000);

  it('the specialist disputes one invoice whole and one line of another, the line refused on its own row when over what it billed', async () => {
    const fixture = pricingDispute();
    const first = fixture.records.invoices![0]!;
    const line = first.lines[0]!;
    const second = {
      ...first,
      number: `${first.number}-L`,
      issuedAt: '2026-02-16T00:00:00Z',
      lines: [{ ...line, lineNo: 1, quantity: 5 }, { ...line, lineNo: 2, quantity: 2.5 }],
    };
    const page = await tickInvoicesForOneCase(stack, specialist, { ...fixture.records, invoices: [first, second] });
    await page.getByLabel(`Disputed on ${first.number}`, { exact: true }).fill('100.00');
    await page.getByRole('button', { name: `Dispute lines of ${second.number}` }).click();
    const lines = page.getByTestId(`lines-of-${second.number}`);
    expect(await waitForCount(lines.locator('tbody tr'), (n) => n === 2)).toBe(2);

    // A line ticked unticks its invoice's whole, and starts at what it billed: 2.5 × 100.00.
    await page.getByLabel(`Dispute line 2 of ${second.number}`).check();
    expect(await page.getByLabel(`Dispute the whole of ${second.number}`).isChecked()).toBe(false);
    expect(await page.getByLabel(`Disputed on ${second.number}`, { exact: true }).count()).toBe(0);
    expect(await page.getByLabel(`Disputed on line 2 of ${second.number}`).inputValue()).toBe('250.00');
    // The whole ticked again drops the line; never both.
    await page.getByLabel(`Dispute the whole of ${second.number}`).check();
    expect(await page.getByLabel(`Dispute line 2 of ${second.number}`).isChecked()).toBe(false);
    await page.getByLabel(`Dispute line 2 of ${second.number}`).check();
    expect(await page.getByLabel(`Dispute the whole of ${second.number}`).isChecked()).toBe(false);

    await page.getByLabel(`Disputed on line 2 of ${second.number}`).fill('250.01');
    await page.locator('#open-items').getByLabel('Reason').selectOption('PRICING');
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByRole('button', { name: 'Open case over 2 invoices' }).click();
    const refusal = page.locator('#open-items').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/422.*items\.1\.disputedAmount/s);
    // On the line's row, not on the whole invoice's.
    expect(await waitForCount(lines.locator('.field-invalid'), (n) => n === 1)).toBe(1);
    expect(await page.locator('#open-items .field-invalid').count()).toBe(1);
    await screenshot(page, '13b-open-case-line-refused');

    await page.getByLabel(`Disputed on line 2 of ${second.number}`).fill('60.00');
    await page.getByRole('button', { name: 'Open case over 2 invoices' }).click();
    await page.getByTestId('case-page').waitFor();
    const items = page.getByTestId('case-items').locator('tbody tr');
    await waitForCount(items, (n) => n === 2);
    expect(await items.nth(0).textContent()).toMatch(new RegExp(`^${first.number}whole invoice\\$100\\.00`));
    expect(await items.nth(1).textContent()).toMatch(new RegExp(`^${second.number}2\\$60\\.00`));
    await screenshot(page, '13c-case-over-an-invoice-and-a-line');
  }, 90_000);
});
