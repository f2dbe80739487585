// People administration through the web UI, against the real stack: an administrator finds a manager by role and
// gives him a limit in EUR beside his USD one, deactivates a user (whose token is refused at once) and reads both
// changes in the administration trail; a manager going away delegates his approvals to another manager, who sees it.
import { startBrowserStack, screenshot, type BrowserStack } from './support';
import { uniqueId } from '../../testkit/fixtures';

jest.setTimeout(180_000);

let stack: BrowserStack;

beforeAll(async () => {
  stack = await startBrowserStack();
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  expect(stack?.pageErrors ?? []).toEqual([]);
});

it('an administrator gives a manager a limit in EUR and deactivates a user, and the trail shows both', async () => {
  const admin = await stack.api.user('admin', { name: 'Ada Admin' });
  const manager = await stack.api.user('manager', { name: uniqueId('Mia Manager'), approvalLimit: '100.00' });
  const leaving = await stack.api.user('specialist', { name: uniqueId('Lee Leaving') });
  const page = await stack.signedIn(admin, '/users');
  await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();

  const filter = page.getByRole('form', { name: 'Filter users' });
  await filter.getByLabel('Show the role').selectOption('manager');
  await filter.getByRole('button', { name: 'Filter' }).click();
  const row = page.locator(`tr[data-user="${manager.id}"]`);
  await row.waitFor();
  expect(await page.locator(`tr[data-user="${leaving.id}"]`).count()).toBe(0);
  await row.getByRole('button', { name: `Edit ${manager.name}` }).click();
  const edit = page.getByRole('form', { name: `Change ${manager.name}` });
  await edit.getByRole('button', { name: 'Add a currency' }).click();
  await edit.getByLabel(`Currency 1 of ${manager.name}`).fill('EUR');
  await edit.getByLabel(`Limit 1 of ${manager.name}`).fill('4000');
  await edit.getByRole('button', { name: `Save ${manager.name}` }).click();
  await row.getByTestId('user-limits').getByText('€4,000.00').waitFor();
  const me = await stack.api.request('GET', '/api/me', { token: manager.token });
  expect(me.body.approvalLimits).toEqual({ EUR: '4000.00', USD: '100.00' });

  await filter.getByLabel('Show the role').selectOption('specialist');
  await filter.getByRole('button', { name: 'Filter' }).click();
  const leavingRow = page.locator(`tr[data-user="${leaving.id}"]`);
  await leavingRow.getByRole('button', { name: `Deactivate ${leaving.name}` }).click();
  await page.locator(`tr[data-user="${leaving.id}"][data-active="false"]`).waitFor();
  expect(await leavingRow.getByTestId('user-state').textContent()).toBe('Inactive');
  expect((await stack.api.request('GET', '/api/me', { token: leaving.token })).status).toBe(401);
  await screenshot(page, '30-people-admin');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration trail' }).click();
  await page.getByRole('heading', { name: 'Administration trail', level: 1 }).waitFor();
  const trail = page.getByTestId('admin-events');
  await trail.getByText('active: true → false').waitFor();
  await trail.getByText('approvalLimits: {"USD":"100.00"} → {"EUR":"4000.00","USD":"100.00"}').waitFor();
  await screenshot(page, '31-admin-trail');
});

it('a manager going away delegates his approvals to another manager, who sees it', async () => {
  const away = await stack.api.user('manager', { name: uniqueId('Abe Away') });
  const standIn = await stack.api.user('manager', { name: uniqueId('Sue Standin') });
  const page = await stack.signedIn(away);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Out of office' }).click();
  await page.getByRole('heading', { name: 'Out of office', level: 1 }).waitFor();
  const form = page.getByRole('form', { name: `Delegate the approvals of ${away.name}` });
  await form.getByLabel('Delegate to').selectOption({ label: standIn.name });
  await form.getByRole('button', { name: 'Delegate' }).click();
  await form.getByRole('status').getByText(`${standIn.name} decides for ${away.name}`).waitFor();
  await page.getByTestId('delegations-given').getByText(standIn.name).waitFor();
  await screenshot(page, '32-out-of-office');

  const mine = await stack.api.request('GET', '/api/me/delegations', { token: away.token });
  expect(mine.body.given.map((d: { delegateId: string }) => d.delegateId)).toEqual([standIn.id]);
  const other = await stack.signedIn(standIn, '/out-of-office');
  await other.getByTestId('delegations-received').getByRole('cell', { name: away.name }).first().waitFor();
});
