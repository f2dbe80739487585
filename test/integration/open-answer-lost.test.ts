// An opening whose workflow started while the API could not tell (the start's answer came too late, or the database
// went away right after it) is answered 503, and the client retries with its Idempotency-Key. Found by the chaos run
// (PostgreSQL stopped while cases were being opened): the retry opened a second case, and the first attempt's
// workflow wrote a case of its own that nobody knew about. Now the retry starts the same workflow, which Temporal
// refuses as a duplicate, and there is one case.
import { status as grpcStatus } from '@grpc/grpc-js';
import { startApi, type ApiHarness } from '../support/api';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { storeRecords } from '../../api/records-import';

let api: ApiHarness;
let specialist: TestUser;

beforeAll(async () => {
  api = await startApi({ worker: true });
  specialist = await api.user('specialist');
});
afterAll(async () => {
  await api.close();
});

/** The next `n` workflow starts reach Temporal and start the workflow, and then their answer is lost. */
function loseStartAnswers(n: number): void {
  const real = api.temporal.workflow.start.bind(api.temporal.workflow);
  let left = n;
  api.temporal.workflow.start = (async (...args: Parameters<typeof real>) => {
    const started = await real(...args);
    if (left-- <= 0) return started;
    throw Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: grpcStatus.DEADLINE_EXCEEDED, details: 'Deadline exceeded', metadata: {} });
  }) as typeof real;
}

it('opens one case when the answer of its workflow start is lost and the client retries with its key', async () => {
  const fixture = pricingDispute();
  await storeRecords(api.db.pool, fixture.records);
  const body = { invoiceNumber: fixture.invoiceNumber, disputedAmount: '40.00', reasonCode: 'PRICING' };
  const open = () => api.request('POST', '/api/disputes', { token: specialist.token, body, headers: { 'idempotency-key': 'lost-answer' } });

  loseStartAnswers(1);
  const lost = await open();
  expect(lost.status).toBe(503);
  const retried = await open();
  expect(retried.status).toBe(201);
  expect((await open()).body).toEqual(retried.body);

  // The first attempt's workflow is the case's workflow: it writes no second case, and it is the one that runs.
  const cases = async () =>
    (await api.db.pool.query('SELECT id, workflow_id FROM cases WHERE invoice_number = $1', [fixture.invoiceNumber])).rows;
  const deadline = Date.now() + 10_000;
  while ((await api.db.pool.query(`SELECT 1 FROM case_events WHERE case_id = $1 AND type = 'CASE_OPENED'`, [retried.body.id])).rowCount === 0) {
    if (Date.now() > deadline) throw new Error('the case workflow never recorded CASE_OPENED');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(await cases()).toEqual([{ id: retried.body.id, workflow_id: retried.body.workflowId }]);
  // This file's namespace holds this test's workflows only: the lost start and the retry are one execution.
  const { count } = await api.temporal.workflow.count('WorkflowType = "disputeWorkflow"');
  expect(count).toBe(1);

  const cancelled = await api.request('POST', `/api/disputes/${retried.body.id}/cancel`, { token: specialist.token, body: { reason: 'test cleanup' } });
  expect(cancelled.status).toBe(200);
});
