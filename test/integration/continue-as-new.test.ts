// A case whose history grows long continues as new between stages and carries on where it was: same state, the
// trail numbered on without a gap, exactly one memo. A dev server of its own suggests continue-as-new after a few
// dozen events (the real limit is thousands), so a handful of rejected proposals is enough to force it.
import { Client, Connection } from '@temporalio/client';
import { storeRecords } from '../../api/records-import';
import { completeTaskUpdate, decideUpdate, proposeResolutionUpdate, viewQuery } from '../../domain/messages';
import { startTemporalDevServer, type DevServer } from '../../infra/temporal-dev-server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createUser, pricingDispute } from '../../testkit/fixtures';
import { startCase } from '../support/faults';
import { keepHistory, runDisputeWorker, uniqueTaskQueue, type RunningWorker } from '../support/temporal';

const SUGGEST_AFTER_EVENTS = 40;

let server: DevServer;
let db: TestDatabase;
let connection: Connection;
let worker: RunningWorker | undefined;
const taskQueue = uniqueTaskQueue('continue-as-new');

beforeAll(async () => {
  [server, db] = await Promise.all([
    startTemporalDevServer({
      headless: true,
      extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_AFTER_EVENTS}`],
    }),
    createTestDatabase(),
  ]);
  connection = await Connection.connect({ address: server.address });
  worker = await runDisputeWorker({ address: server.address, namespace: 'default', taskQueue, pool: db.pool });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await db?.drop();
  await server?.stop();
});

it('continues as new when the history grows long and finishes with one memo and an unbroken trail', async () => {
  const client = new Client({ connection });
  const [specialist, manager, salesOps] = await Promise.all([
    createUser(db.pool, 'specialist'),
    createUser(db.pool, 'manager', { approvalLimit: null }),
    createUser(db.pool, 'ops', { team: 'SALES_OPS' }),
  ]);
  const fixture = pricingDispute();
  await storeRecords(db.pool, fixture.records);
  const { handle, input } = await startCase(client, taskQueue, fixture, specialist, { disputedAmount: '100.00' });
  const firstRunId = (await handle.describe()).runId;

  let taskId: string | undefined;
  while (!taskId) taskId = (await handle.query(viewQuery)).openTaskIds[0];
  await handle.executeUpdate(completeTaskUpdate, { args: [{ actor: salesOps, taskId, outcome: 'CONFIRMED', note: 'n', amount: null }] });

  const propose = (amount: string) =>
    handle.executeUpdate(proposeResolutionUpdate, { args: [{ actor: specialist, type: 'CREDIT', amount, rootCause: 'PRICING_SETUP', note: null }] });
  // Updates go to the workflow id, so each lands on whichever run is current.
  let rejections = 0;
  while ((await handle.describe()).runId === firstRunId) {
    expect(rejections).toBeLessThan(20);
    await propose('100.00');
    await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'REJECT', comment: `round ${rejections + 1}` }] });
    rejections += 1;
  }

  await propose('100.00');
  await handle.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: null }] });
  const result = await handle.result();
  expect(result.status).toBe('CLOSED');
  await keepHistory(client.workflow.getHandle(handle.workflowId, firstRunId), 'continued-as-new-first-run');
  await keepHistory(client.workflow.getHandle(handle.workflowId), 'continued-as-new-last-run');

  const { rows: events } = await db.pool.query('SELECT seq, type, data FROM case_events WHERE case_id = $1 ORDER BY seq', [input.caseId]);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => e.type === 'CASE_OPENED')).toHaveLength(1);
  const decisions = events.filter((e) => e.type === 'RESOLUTION_DECIDED').map((e) => e.data.decision);
  expect(decisions).toEqual([...Array(rejections).fill('REJECT'), 'APPROVE']);
  const { rows: checks } = await db.pool.query(
    `SELECT (SELECT count(*)::int FROM credit_memos WHERE case_id = $1) AS memos,
            (SELECT count(*)::int FROM verify_case_trail($1)) AS trail_problems,
            (SELECT status FROM cases WHERE id = $1) AS status`,
    [input.caseId],
  );
  expect(checks[0]).toEqual({ memos: 1, trail_problems: 0, status: 'CLOSED' });
}, 120_000);
