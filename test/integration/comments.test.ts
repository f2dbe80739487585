// Comments live in PostgreSQL: thousands of them leave the case's workflow history untouched (F18), they are
// paged, scoped like the case (ops of another team get 404), and nobody can edit or delete them.
import { eventually, startApi, type ApiHarness } from '../support/api';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let specialist: TestUser;
let salesOps: TestUser;
let orderOps: TestUser;
let auditor: TestUser;

beforeAll(async () => {
  api = await startApi({ worker: true });
  [specialist, salesOps, orderOps, auditor] = await Promise.all([
    api.user('specialist'),
    api.user('ops', { team: 'SALES_OPS' }),
    api.user('ops', { team: 'ORDER_MANAGEMENT' }),
    api.user('auditor'),
  ]);
}, 120_000);

afterAll(async () => {
  await api?.close();
});

it('keeps thousands of comments out of the workflow history, paged and scoped like the case', async () => {
  const fixture = pricingDispute();
  expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: fixture.records })).status).toBe(200);
  const opened = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: fixture.invoiceNumber, disputedAmount: '100.00', reasonCode: 'PRICING' },
  });
  const { id, workflowId } = opened.body as { id: string; workflowId: string };
  await eventually('the investigation', async () => {
    const c = await api.request('GET', `/api/disputes/${id}`, { token: specialist.token });
    return c.body.stage === 'INVESTIGATION' ? true : undefined;
  });
  const handle = api.temporal.workflow.getHandle(workflowId);
  const historyLength = async () => (await handle.fetchHistory()).events?.length ?? 0;
  // The workflow settles into waiting for its task a moment after the read model shows the stage.
  let historyBefore = -1;
  await eventually('the workflow to wait quietly', async () => {
    const [first, second] = [await historyLength(), await new Promise((r) => setTimeout(r, 300)).then(historyLength)];
    historyBefore = second;
    return first === second ? true : undefined;
  });

  const COMMENTS = 2_000;
  for (let i = 0; i < COMMENTS; i += 100) {
    const batch = Array.from({ length: 100 }, (_, j) =>
      api.request('POST', `/api/disputes/${id}/comments`, { token: i % 200 ? salesOps.token : specialist.token, body: { body: `note ${i + j}` } }),
    );
    for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
  }

  expect(await historyLength()).toBe(historyBefore);
  expect(historyBefore).toBeLessThan(50);
  expect((await api.db.pool.query('SELECT count(*)::int AS n FROM case_comments')).rows[0].n).toBe(COMMENTS);

  let seen = 0;
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: { body: string }[]; nextCursor: string | null } } = await api.request(
      'GET',
      `/api/disputes/${id}/comments?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token: auditor.token },
    );
    expect(page.status).toBe(200);
    seen += page.body.items.length;
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(seen).toBe(COMMENTS);

  expect((await api.request('GET', `/api/disputes/${id}/comments`, { token: orderOps.token })).status).toBe(404);
  expect((await api.request('POST', `/api/disputes/${id}/comments`, { token: orderOps.token, body: { body: 'x' } })).status).toBe(404);
  expect((await api.request('POST', `/api/disputes/${id}/comments`, { token: auditor.token, body: { body: 'x' } })).status).toBe(403);
  await expect(api.db.pool.query('UPDATE case_comments SET body = $1', ['rewritten'])).rejects.toThrow(/append-only/);
  await expect(api.db.pool.query('DELETE FROM case_comments')).rejects.toThrow(/append-only/);
}, 120_000);
