// Owners and waits in the web UI, against the real stack: a specialist finds the case it opened under My cases (and
// not a colleague's), waits on the customer from the case page and resumes it, the waiting-on badge following; a
// manager assigns the case to the colleague, picked from the active specialists.
import type { Page } from 'playwright-core';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { screenshot, startBrowserStack, type BrowserStack } from './support';

jest.setTimeout(180_000);

let stack: BrowserStack;
let dana: TestUser;
let sam: TestUser;
let manager: TestUser;
const mine = pricingDispute();
const theirs = pricingDispute();
let mineNumber = '';
let theirsNumber = '';

async function open(user: TestUser, fixture: ReturnType<typeof pricingDispute>): Promise<string> {
  const res = await stack.api.request('POST', '/api/disputes', {
    token: user.token,
    body: { invoiceNumber: fixture.invoiceNumber, disputedAmount: '150.00', reasonCode: 'PRICING' },
  });
  expect(res.status).toBe(201);
  return res.body.caseNumber;
}

beforeAll(async () => {
  stack = await startBrowserStack();
  const { api } = stack;
  dana = await api.user('specialist', { name: 'Dana Owner' });
  sam = await api.user('specialist', { name: 'Sam Colleague' });
  manager = await api.user('manager', { approvalLimit: '1000.00', name: 'Maria Manager' });
  for (const f of [mine, theirs]) expect((await api.request('POST', '/api/records/import', { token: dana.token, body: f.records })).status).toBe(200);
  mineNumber = await open(dana, mine);
  theirsNumber = await open(sam, theirs);
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  expect(stack?.pageErrors ?? []).toEqual([]);
});

const badge = (page: Page) => page.getByTestId('case-page').getByTestId('waiting-on');

it('lists my cases, with their owner and whom they wait on', async () => {
  const page = await stack.signedIn(dana, '/cases');
  await page.getByTestId('cases-table').waitFor();
  await page.getByTestId('my-cases').click();
  await page.getByRole('heading', { name: 'My cases', level: 1 }).waitFor();
  const rows = page.getByTestId('cases-table').locator('tbody tr');
  await rows.filter({ hasText: mineNumber }).waitFor();
  expect(await rows.count()).toBe(1);
  expect(await rows.first().getByTestId('owner').textContent()).toBe('Dana Owner');
  expect(await page.getByTestId('cases-table').textContent()).not.toContain(theirsNumber);
  await screenshot(page, 'owners-01-my-cases');
});

it('the owner waits on the customer and resumes; the badge follows', async () => {
  const page = await stack.signedIn(dana, `/cases/${mineNumber}`);
  await page.locator('[data-testid=case-page][data-stage=INVESTIGATION]').waitFor({ timeout: 45_000 });
  await badge(page).filter({ hasText: 'Sales' }).waitFor();
  await page.getByText('Waiting on customer…').click();
  await page.getByLabel('What the customer was asked').fill('the signed delivery note');
  await page.getByRole('button', { name: 'Wait on customer' }).click();
  await badge(page).filter({ hasText: 'Waiting on Customer' }).waitFor();
  expect(await page.getByTestId('customer-wait-reason').textContent()).toBe('the signed delivery note');
  await screenshot(page, 'owners-02-waiting-on-customer');
  await page.getByRole('button', { name: 'Resume' }).click();
  await badge(page).filter({ hasText: 'Sales' }).waitFor();
  expect(await page.getByTestId('customer-wait-reason').count()).toBe(0);
});

it('a manager assigns the case to another specialist', async () => {
  const page = await stack.signedIn(manager, `/cases/${mineNumber}`);
  await page.getByTestId('case-owner').filter({ hasText: 'Dana Owner' }).waitFor();
  await page.getByLabel('Assign to').selectOption({ label: 'Sam Colleague' });
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  await page.getByTestId('case-owner').filter({ hasText: 'Sam Colleague' }).waitFor();
  // Dana no longer owns it: no wait to start from her page.
  const danas = await stack.signedIn(dana, `/cases/${mineNumber}`);
  await danas.getByTestId('case-owner').filter({ hasText: 'Sam Colleague' }).waitFor();
  expect(await danas.getByText('Waiting on customer…').count()).toBe(0);
});
