// A command that reaches a case before its first workflow task has run (the worker was down, or killed right after
// the case was opened) is delivered together with the start. Found by the chaos run: a cancel delivered that way
// was applied before the case was opened, so the trail began with the cancellation, CASE_OPENED came after it, and
// the closed case was left in stage EVIDENCE.
import { Client, Connection, WorkflowUpdateStage } from '@temporalio/client';
import { storeRecords } from '../../api/records-import';
import { cancelUpdate } from '../../domain/messages';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createUser, pricingDispute } from '../../testkit/fixtures';
import { startCase } from '../support/faults';
import { registerTestNamespace, runDisputeWorker, testTemporalAddress, uniqueTaskQueue, type RunningWorker } from '../support/temporal';

let db: TestDatabase;
let connection: Connection;
let client: Client;
let worker: RunningWorker | undefined;
const taskQueue = uniqueTaskQueue('first-task');

beforeAll(async () => {
  db = await createTestDatabase();
  connection = await Connection.connect({ address: testTemporalAddress() });
  await registerTestNamespace(connection, db.name);
  client = new Client({ connection, namespace: db.name });
});

afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await db?.drop();
});

it('opens the case before applying a cancel that arrived with the start', async () => {
  const specialist = await createUser(db.pool, 'specialist');
  const fixture = pricingDispute();
  await storeRecords(db.pool, fixture.records);
  // No worker polls yet: the first workflow task waits on the server, and the cancel is admitted into it.
  const { handle, input } = await startCase(client, taskQueue, fixture, specialist, { disputedAmount: '100.00' });
  const cancelled = handle.startUpdate(cancelUpdate, {
    args: [{ actor: specialist, reason: 'the customer withdrew the dispute' }],
    waitForStage: WorkflowUpdateStage.ACCEPTED,
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  worker = await runDisputeWorker({ namespace: db.name, taskQueue, pool: db.pool });
  await (await cancelled).result();
  expect(await handle.result()).toMatchObject({ status: 'CANCELLED', stage: 'DONE' });

  // The history shows the cancel really came with the start: accepted in the run's first workflow task.
  const { events } = await handle.fetchHistory();
  const completedTasks = (events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes);
  const acceptedAt = (events ?? []).findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  const [first, second] = completedTasks.map((e) => (events ?? []).indexOf(e));
  expect(acceptedAt).toBeGreaterThan(first);
  expect(acceptedAt).toBeLessThan(second ?? Infinity);

  const { rows } = await db.pool.query(
    `SELECT c.status, c.stage, array_agg(e.type || coalesce(':' || (e.data->>'stage'), '') ORDER BY e.seq) AS trail,
            (SELECT count(*)::int FROM verify_case_trail(c.id)) AS tampered
       FROM cases c JOIN case_events e ON e.case_id = c.id WHERE c.id = $1 GROUP BY c.id`,
    [input.caseId],
  );
  expect(rows[0]).toEqual({
    status: 'CANCELLED',
    stage: 'DONE',
    trail: ['CASE_OPENED', 'STAGE_ENTERED:EVIDENCE', 'STAGE_ENTERED:DONE', 'CASE_CANCELLED'],
    tampered: 0,
  });
}, 60_000);
