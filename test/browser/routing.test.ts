// Routing through the web UI, against the real stack: the administrator finds version 0 (every finding code on its
// default team), routes a code to another team and names a customer's owner from the specialists; a refusal marks its
// field and saves nothing; the save shows the new version. A case opened then shows its tasks' routing version on the
// case page, and its ops team sees it on the task in the inbox.
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { eventually } from '../support/api';
import { lowContrastText, screenshot, startBrowserStack, type BrowserStack } from './support';

jest.setTimeout(180_000);

let stack: BrowserStack;
let admin: TestUser;
let specialist: TestUser;
let salesOps: TestUser;

beforeAll(async () => {
  stack = await startBrowserStack();
  admin = await stack.api.user('admin', { name: 'Ada Admin' });
  specialist = await stack.api.user('specialist', { name: 'Sam Specialist' });
  salesOps = await stack.api.user('ops', { team: 'SALES_OPS' });
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  expect(stack?.pageErrors ?? []).toEqual([]);
});

it('an admin routes a finding code to another team and names an owner; the new version is shown, and the tasks made under it say so', async () => {
  const fixture = pricingDispute({ completedQty: 8 });
  expect((await stack.api.request('POST', '/api/records/import', { token: specialist.token, body: fixture.records })).status).toBe(200);

  const page = await stack.signedIn(admin);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Routing' }).click();
  await page.getByRole('heading', { name: 'Routing', level: 1 }).waitFor();
  await page.getByText('Version 0: every finding code goes to its default team.').waitFor();
  const service = page.getByLabel('Service not completed');
  expect(await service.locator('option:checked').textContent()).toBe('Default (Order Management)');

  // An owner rule without its owner: refused on that field, nothing saved.
  await service.selectOption('SALES_OPS');
  await page.getByRole('button', { name: 'Add an owner rule' }).click();
  await page.getByLabel('Customer id').fill(fixture.customerId);
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  const ownerField = page.getByLabel('Owner', { exact: true });
  await page.locator('.field-invalid').filter({ has: ownerField }).waitFor();
  expect(await page.getByTestId('routing-version').textContent()).toContain('Version 0');

  await ownerField.selectOption({ label: 'Sam Specialist' });
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText(/Saved as version 1/).waitFor();
  expect(await page.getByTestId('routing-version').textContent()).toMatch(/Version 1, saved by Ada Admin/);
  expect(await service.inputValue()).toBe('SALES_OPS');
  expect(await lowContrastText(page)).toEqual([]);
  await screenshot(page, 'routing-saved');
  const routing = await stack.api.request('GET', '/api/routing', { token: specialist.token });
  expect(routing.body).toMatchObject({ version: 1, owners: [{ customerId: fixture.customerId, owner: { id: specialist.id } }] });
  expect(routing.body.rules).toContainEqual({ findingCode: 'SERVICE_NOT_COMPLETED', team: 'SALES_OPS', isDefault: false });

  // Opened now, the case's one task (both findings go to Sales Ops) is made under version 1.
  const opened = await stack.api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: fixture.invoiceNumber, disputedAmount: '150.00', reasonCode: 'PRICING' },
  });
  expect(opened.status).toBe(201);
  await eventually('the task', async () => {
    const c = await stack.api.request('GET', `/api/disputes/${opened.body.id}`, { token: specialist.token });
    return c.body.tasks.length ? true : undefined;
  });
  const casePage = await stack.signedIn(specialist, `/cases/${opened.body.caseNumber}`);
  const tasks = casePage.getByTestId('tasks-table');
  await tasks.waitFor();
  expect(await tasks.textContent()).toMatch(/Sales Ops\s*routing v1/);

  const inbox = await stack.signedIn(salesOps);
  await inbox.getByRole('heading', { name: 'Sales Ops inbox' }).waitFor();
  const item = inbox.getByTestId('task-item').filter({ hasText: opened.body.caseNumber });
  await item.click();
  const detail = inbox.getByTestId('task-detail');
  await detail.waitFor();
  expect(await detail.textContent()).toContain('(routing version 1)');
});
