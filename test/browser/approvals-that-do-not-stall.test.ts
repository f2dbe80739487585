// A manager over its own limit, to whom an absent manager delegated, sees on the approvals page what it may approve for
// them and under whose limit, approves "for" them, and the case shows the approval on their behalf with the policy it
// was decided under; a team's lead filters the inbox to what is assigned to them.
import { eventually } from '../support/api';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { screenshot, startBrowserStack, type BrowserStack } from './support';

jest.setTimeout(180_000);

let stack: BrowserStack;
let specialist: TestUser;
let salesOps: TestUser;
let absent: TestUser;
let delegate: TestUser;
const dispute = pricingDispute();

beforeAll(async () => {
  stack = await startBrowserStack();
  const { api } = stack;
  specialist = await api.user('specialist', { name: 'Dana Specialist' });
  salesOps = await api.user('ops', { team: 'SALES_OPS', name: 'Lena Lead', lead: true });
  absent = await api.user('manager', { approvalLimits: { USD: '1000.00' }, name: 'Abe Absent' });
  delegate = await api.user('manager', { approvalLimits: { USD: '50.00' }, name: 'Jon Junior' });
  await api.db.pool.query(
    `INSERT INTO delegations (manager_id, delegate_id, starts_at, ends_at, created_by) VALUES ($1, $2, now() - interval '1 hour', now() + interval '1 day', $1)`,
    [absent.id, delegate.id],
  );
  expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: dispute.records })).status).toBe(200);
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  expect(stack?.pageErrors ?? []).toEqual([]);
});

it('lets a delegate approve over its own limit for the absent manager, and shows it on the case', async () => {
  const { api } = stack;
  const opened = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: dispute.invoiceNumber, disputedAmount: '150.00', reasonCode: 'PRICING' },
  });
  expect(opened.status).toBe(201);
  const { caseNumber } = opened.body;
  const task = await eventually('the task', async () => {
    const res = await api.request('GET', `/api/disputes/${caseNumber}`, { token: specialist.token });
    return res.body.tasks?.[0];
  });
  expect((await api.request('POST', `/api/tasks/${task.id}/complete`, { token: salesOps.token, body: { outcome: 'CONFIRMED', note: 'n' } })).status).toBe(200);
  const proposed = await api.request('POST', `/api/disputes/${caseNumber}/resolution`, {
    token: specialist.token,
    body: { type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP' },
  });
  expect(proposed.status).toBe(200);

  const page = await stack.signedIn(delegate, '/approvals');
  await page.getByRole('heading', { name: 'Approvals' }).waitFor();
  const card = page.locator(`[data-testid=approval-card][data-case="${caseNumber}"]`);
  await card.getByTestId('decision-form').waitFor();
  expect(await card.getByTestId('limit-applied').textContent()).toMatch(/\$1,000\.00.*Abe Absent/);
  expect(await page.getByTestId('delegated-to-me').textContent()).toContain(`for Abe Absent: ${caseNumber}`);
  expect(await card.getByTestId('on-behalf-of').textContent()).toContain('on behalf of Abe Absent');
  await screenshot(page, 'approvals-on-behalf');
  await card.getByRole('button', { name: 'Approve $100.00 for Abe Absent' }).click();
  await page.getByText(`Case ${caseNumber}: Approved`).waitFor();

  const casePage = await stack.signedIn(absent, `/cases/${caseNumber}`);
  const onBehalf = casePage.getByTestId('approval-on-behalf-of');
  await onBehalf.waitFor({ timeout: 45_000 });
  expect(await onBehalf.textContent()).toContain('on behalf of Abe Absent');
  expect(await casePage.getByTestId('approval-policy-version').textContent()).toMatch(/policy version \d+/);
});

it("filters a lead's inbox to the tasks assigned to them", async () => {
  const page = await stack.signedIn(salesOps, '/inbox');
  await page.getByLabel('Assigned to me').click();
  await eventually('the filter is in the address', async () => page.url().includes('assignee=me') || undefined);
  expect(await page.getByLabel('Assigned to me').isChecked()).toBe(true);
  await page.getByText('Nothing to do: no open tasks.').waitFor();
});
