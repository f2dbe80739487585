// A worker process killed with SIGKILL while credit memos are being issued; a new one finishes every case with
// exactly one memo each and balances that agree with the memos.
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { spawnGroup, type GroupChild } from '../../infra/process-group';
import { storeRecords } from '../../api/records-import';
import { completeTaskUpdate, decideUpdate, proposeResolutionUpdate, viewQuery } from '../../domain/messages';
import { disputeWorkflow } from '../../workflows';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createUser, pricingDispute, type TestUser } from '../../testkit/fixtures';
import { startCase } from '../support/faults';
import { registerTestNamespace, testTemporalAddress, uniqueTaskQueue } from '../support/temporal';

const ROOT = path.resolve(__dirname, '..', '..');
const CASES = 20;

let db: TestDatabase;
let connection: Connection;
let client: Client;
const taskQueue = uniqueTaskQueue('crash');
const workers: GroupChild[] = [];

function startWorkerProcess(): GroupChild {
  // node with tsx's loader, not the tsx CLI: SIGKILL must hit the worker itself, not a wrapper around it.
  const worker = spawnGroup(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_NAMESPACE: db.name,
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.push(worker);
  return worker;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  connection = await Connection.connect({ address: testTemporalAddress() });
  await registerTestNamespace(connection, db.name);
  client = new Client({ connection, namespace: db.name });
});

afterAll(async () => {
  for (const w of workers) w.signal('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await connection?.close();
  await db?.drop();
});

it('finishes every case with exactly one credit memo after the worker is killed mid-issue', async () => {
  const specialist: TestUser = await createUser(db.pool, 'specialist');
  const manager: TestUser = await createUser(db.pool, 'manager', { approvalLimit: null });
  const salesOps: TestUser = await createUser(db.pool, 'ops', { team: 'SALES_OPS' });

  const first = startWorkerProcess();
  const handles: WorkflowHandle<typeof disputeWorkflow>[] = [];
  for (let i = 0; i < CASES; i++) {
    const fixture = pricingDispute();
    await storeRecords(db.pool, fixture.records);
    handles.push((await startCase(client, taskQueue, fixture, specialist, { disputedAmount: '100.00' })).handle);
  }

  await Promise.all(
    handles.map(async (handle) => {
      const taskId = await until('a task', async () => (await handle.query(viewQuery)).openTaskIds[0]);
      await handle.executeUpdate(completeTaskUpdate, { args: [{ actor: salesOps, taskId, outcome: 'CONFIRMED', note: 'n', amount: null }] });
      await handle.executeUpdate(proposeResolutionUpdate, {
        args: [{ actor: specialist, type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP', note: null }],
      });
    }),
  );

  // Approve everything at once and kill the worker as soon as the first memos are committed.
  const approvals = handles.map((h) => h.executeUpdate(decideUpdate, { args: [{ actor: manager, decision: 'APPROVE', comment: null }] }));
  const memosAtKill = await until('the first memo', async () => {
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM credit_memos');
    return rows[0].n > 0 ? (rows[0].n as number) : undefined;
  });
  first.signal('SIGKILL');
  await first.exited;
  expect(memosAtKill).toBeLessThan(CASES);

  startWorkerProcess();
  await Promise.all(approvals);
  const results = await Promise.all(handles.map((h) => h.result()));
  expect(results.every((r) => r.status === 'CLOSED')).toBe(true);

  const { rows } = await db.pool.query(
    `SELECT c.id,
            (SELECT count(*)::int FROM credit_memos m WHERE m.case_id = c.id) AS memos,
            i.total_minor - i.open_balance_minor AS credited,
            (SELECT coalesce(sum(amount_minor), 0) FROM credit_memos m WHERE m.invoice_number = i.number) AS memo_sum,
            (SELECT count(*)::int FROM verify_case_trail(c.id)) AS trail_problems
       FROM cases c JOIN invoices i ON i.number = c.invoice_number`,
  );
  expect(rows).toHaveLength(CASES);
  for (const row of rows) {
    expect(row).toMatchObject({ memos: 1, credited: '10000', memo_sum: '10000', trail_problems: 0 });
  }
  const { rows: numbers } = await db.pool.query('SELECT number FROM credit_memos ORDER BY number');
  expect(numbers.map((n) => n.number)).toEqual(
    Array.from({ length: CASES }, (_, i) => `CM-${String(i + 1).padStart(6, '0')}`),
  );
}, 180_000);
