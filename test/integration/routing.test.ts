// Teams and routing as data, through HTTP against the real worker, as the application role: each bad PUT refused
// naming its field with nothing written; versions 1, 2, … each with its ROUTING_CHANGED row on the administration
// trail; a case opened after a PUT that routes SERVICE_NOT_COMPLETED to SERVICE_OPERATIONS (configured in TEAMS)
// gives that team the task, under the version, and its ops user completes it; a case opened before keeps version 0
// until a refresh of its evidence routes it by the version in force then; the evidence activity attempted again after
// its commit answers the version its first attempt took. And the check that refuses to start when
// TEAMS drops a team still in use, in the API's and the worker's own processes.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { collectEvidence } from '../../activities/evidence';
import { refuseDroppedTeams } from '../../read-model/routing';
import { PostgresRecordsSource } from '../../records/source';
import { StartFailure } from '../../infra/start-failure';
import { eventually, startApiAsAppRole, TEST_TEAMS, type AppRoleApiHarness } from '../support/api';
import { keepHistory, testTemporalAddress } from '../support/temporal';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

const TEAMS = [...TEST_TEAMS, 'SERVICE_OPERATIONS'];

let api: AppRoleApiHarness;
let admin: TestUser;
let specialist: TestUser;
let manager: TestUser;
let auditor: TestUser;
let serviceOps: TestUser;
let orderOps: TestUser;

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true, app: { teams: TEAMS } });
  [admin, specialist, manager, auditor, serviceOps, orderOps] = await Promise.all([
    api.user('admin'),
    api.user('specialist'),
    api.user('manager'),
    api.user('auditor'),
    api.user('ops', { team: 'SERVICE_OPERATIONS' }),
    api.user('ops', { team: 'ORDER_MANAGEMENT' }),
  ]);
}, 120_000);

afterAll(() => api?.close());

const put = (body: unknown, token = admin.token) => api.request('PUT', '/api/routing', { token, body });

const post = (path: string, token: string, body: unknown) => api.request('POST', path, { token, body });

/** What the routing tables and the administration trail hold. */
async function written() {
  const count = async (table: string) => (await api.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  return {
    versions: await count('routing_versions'),
    rules: await count('routing_rules'),
    owners: await count('owner_rules'),
    trail: await count(`admin_events WHERE type = 'ROUTING_CHANGED'`),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function untilCase(id: string, what: string, done: (c: any) => boolean) {
  return eventually(what, async () => {
    const res = await api.request('GET', `/api/disputes/${id}`, { token: specialist.token });
    return done(res.body) ? res.body : undefined;
  });
}

/** A case on an invoice billed above the contract for 10 units of which 8 were completed: PRICE_VARIANCE and SERVICE_NOT_COMPLETED. */
async function openCase() {
  const fixture = pricingDispute({ completedQty: 8 });
  expect((await post('/api/records/import', specialist.token, fixture.records)).status).toBe(200);
  const opened = await post('/api/disputes', specialist.token, { invoiceNumber: fixture.invoiceNumber, disputedAmount: '150.00', reasonCode: 'PRICING' });
  expect(opened.status).toBe(201);
  const investigating = await untilCase(opened.body.id, 'both tasks', (c) => c.tasks.length === 2);
  return { ...(opened.body as { id: string; workflowId: string }), fixture, tasks: investigating.tasks as CaseTask[] };
}

interface CaseTask {
  id: string;
  team: string;
  status: string;
  routingVersion: number;
}

const byTeam = (tasks: CaseTask[]) =>
  Object.fromEntries(tasks.map((t) => [`${t.team} ${t.status}`, t.routingVersion]));

describe('PUT /api/routing refuses, naming the field, and writes nothing', () => {
  it.each([
    ['a finding code twice', { rules: [{ findingCode: 'PRICE_VARIANCE', team: 'SALES_OPS' }, { findingCode: 'PRICE_VARIANCE', team: 'ORDER_MANAGEMENT' }] }, 422, 'rules.1.findingCode'],
    ['an unknown finding code', { rules: [{ findingCode: 'NOT_A_CODE', team: 'SALES_OPS' }] }, 400, 'rules.0.findingCode'],
    ['a team not configured', { rules: [{ findingCode: 'PRICE_VARIANCE', team: 'SALES_OPS' }, { findingCode: 'PO_NOT_FOUND', team: 'NOBODY' }] }, 422, 'rules.1.team'],
    ['an owner who is no specialist', () => ({ rules: [], owners: [{ customerId: 'C-1', ownerId: manager.id }] }), 422, 'owners.0.ownerId'],
    ['an owner who does not exist', { rules: [], owners: [{ customerId: 'C-1', ownerId: randomUUID() }] }, 422, 'owners.0.ownerId'],
    ['a customer twice', () => ({ rules: [], owners: [{ customerId: 'C-1', ownerId: specialist.id }, { customerId: 'C-1', ownerId: specialist.id }] }), 422, 'owners.1.customerId'],
    ['a field it does not take', { rules: [], version: 7 }, 400, 'version'],
    ['no rules', { owners: [] }, 400, 'rules'],
  ])('%s', async (_what, body, status, field) => {
    const before = await written();
    const res = await put(typeof body === 'function' ? body() : body);
    expect({ status: res.status, fields: res.body.error.details.map((d: { field: string }) => d.field) }).toEqual({ status, fields: [field] });
    expect(await written()).toEqual(before);
  });

  it('is for admins only; the current version is read by admins, managers, auditors and specialists', async () => {
    expect((await put({ rules: [] }, specialist.token)).status).toBe(403);
    for (const user of [admin, manager, auditor, specialist]) expect((await api.request('GET', '/api/routing', { token: user.token })).status).toBe(200);
    expect((await api.request('GET', '/api/routing', { token: serviceOps.token })).status).toBe(403);
  });
});

it('routes the tasks of cases opened after a PUT by its version; those opened before keep version 0 until their evidence is refreshed', async () => {
  const defaults = await api.request('GET', '/api/routing', { token: auditor.token });
  expect(defaults.body).toMatchObject({ version: 0, owners: [], createdBy: null, createdAt: null });
  expect(defaults.body.rules).toContainEqual({ findingCode: 'SERVICE_NOT_COMPLETED', team: 'ORDER_MANAGEMENT', isDefault: true });
  expect(defaults.body.rules).toHaveLength(8);

  const before = await openCase();
  expect(byTeam(before.tasks)).toEqual({ 'ORDER_MANAGEMENT OPEN': 0, 'SALES_OPS OPEN': 0 });

  const body = { rules: [{ findingCode: 'SERVICE_NOT_COMPLETED', team: 'SERVICE_OPERATIONS' }], owners: [{ customerId: before.fixture.customerId, ownerId: specialist.id }] };
  const v1 = await put(body);
  expect(v1.status).toBe(200);
  expect(v1.body).toMatchObject({
    version: 1,
    owners: [{ customerId: before.fixture.customerId, owner: { id: specialist.id, name: specialist.name } }],
    createdBy: { id: admin.id, name: admin.name },
  });
  expect(v1.body.rules).toContainEqual({ findingCode: 'SERVICE_NOT_COMPLETED', team: 'SERVICE_OPERATIONS', isDefault: false });
  expect(v1.body.rules).toContainEqual({ findingCode: 'PRICE_VARIANCE', team: 'SALES_OPS', isDefault: true });
  expect((await api.request('GET', '/api/routing', { token: specialist.token })).body).toEqual(v1.body);

  const { rows: trail } = await api.db.pool.query(`SELECT actor_id, subject_id, data FROM admin_events WHERE type = 'ROUTING_CHANGED'`);
  expect(trail).toEqual([
    {
      actor_id: admin.id,
      subject_id: '1',
      data: {
        before: { version: 0, rules: {}, owners: [] },
        after: {
          version: 1,
          rules: { SERVICE_NOT_COMPLETED: 'SERVICE_OPERATIONS' },
          owners: [{ customerId: before.fixture.customerId, ownerId: specialist.id }],
        },
      },
    },
  ]);

  // Opened now: the service finding goes to SERVICE_OPERATIONS, whose ops user sees the task and completes it.
  const after = await openCase();
  expect(byTeam(after.tasks)).toEqual({ 'SALES_OPS OPEN': 1, 'SERVICE_OPERATIONS OPEN': 1 });
  const inbox = await api.request('GET', '/api/tasks?team=SERVICE_OPERATIONS&status=OPEN', { token: serviceOps.token });
  const task = inbox.body.items.find((t: { disputeId: string }) => t.disputeId === after.id);
  expect(task).toMatchObject({ team: 'SERVICE_OPERATIONS', routingVersion: 1, findings: [expect.objectContaining({ code: 'SERVICE_NOT_COMPLETED', team: 'SERVICE_OPERATIONS' })] });
  expect((await post(`/api/tasks/${task.id}/complete`, orderOps.token, { outcome: 'CONFIRMED', note: 'not ours' })).status).toBe(403);
  expect((await post(`/api/tasks/${task.id}/complete`, serviceOps.token, { outcome: 'CONFIRMED', note: '2 visits missing' })).status).toBe(200);
  const done = await untilCase(after.id, 'the service task done', (c) => c.tasks.some((t: CaseTask) => t.team === 'SERVICE_OPERATIONS' && t.status === 'DONE'));
  expect(byTeam(done.tasks)).toEqual({ 'SALES_OPS OPEN': 1, 'SERVICE_OPERATIONS DONE': 1 });
  const created = done.events.filter((e: { type: string }) => e.type === 'TASK_CREATED').map((e: { data: { team: string; routingVersion: number } }) => [e.data.team, e.data.routingVersion]);
  expect(created.sort()).toEqual([['SALES_OPS', 1], ['SERVICE_OPERATIONS', 1]]);
  await keepHistory(api.temporal.workflow.getHandle(after.workflowId), 'routed-task');

  // Opened before: version 0, until a refresh routes its findings by the version in force.
  expect(byTeam((await untilCase(before.id, 'the case', () => true)).tasks)).toEqual({ 'ORDER_MANAGEMENT OPEN': 0, 'SALES_OPS OPEN': 0 });
  expect((await post(`/api/disputes/${before.id}/refresh-evidence`, specialist.token, {})).status).toBe(200);
  const refreshed = await untilCase(before.id, 'the refreshed tasks', (c) => c.tasks.length === 3);
  expect(byTeam(refreshed.tasks)).toEqual({ 'ORDER_MANAGEMENT CANCELLED': 0, 'SALES_OPS OPEN': 0, 'SERVICE_OPERATIONS OPEN': 1 });

  // Versions increase: the next PUT is version 2, the defaults again for every code.
  const v2 = await put({ rules: [] });
  expect({ status: v2.status, version: v2.body.version, routed: v2.body.rules.filter((r: { isDefault: boolean }) => !r.isDefault) }).toEqual({ status: 200, version: 2, routed: [] });
  expect(await written()).toEqual({ versions: 2, rules: 1, owners: 1, trail: 2 });
  // Sent again (its answer lost): what is in force is answered, no third version.
  const resent = await put({ rules: [] });
  expect({ status: resent.status, version: resent.body.version }).toEqual({ status: 200, version: 2 });
  expect(await written()).toEqual({ versions: 2, rules: 1, owners: 1, trail: 2 });

  // The evidence activity attempted again after its commit (its answer lost) answers what that attempt stored: routed
  // by version 1, though version 2 is in force now.
  const { rows: [collected] } = await api.db.pool.query(
    `SELECT seq, at FROM case_events WHERE case_id = $1 AND type = 'EVIDENCE_COLLECTED'`,
    [after.id],
  );
  const again = await collectEvidence(api.db.pool, new PostgresRecordsSource(api.db.pool), {
    caseId: after.id,
    invoiceNumber: after.fixture.invoiceNumber,
    disputedAmount: '150.00',
    items: [{ invoiceNumber: after.fixture.invoiceNumber, disputedAmount: '150.00' }],
    slot: { seq: collected.seq, at: (collected.at as Date).toISOString() },
  });
  expect({ routingVersion: again.routingVersion, teams: again.findings.map((f) => [f.code, f.team]).sort() }).toEqual({
    routingVersion: 1,
    teams: [['PRICE_VARIANCE', 'SALES_OPS'], ['SERVICE_NOT_COMPLETED', 'SERVICE_OPERATIONS']],
  });
}, 180_000);

describe('the start-up check of TEAMS', () => {
  it('refuses a TEAMS that drops a team with open tasks or one the routing in force routes to, naming each', async () => {
    // SERVICE_OPERATIONS holds an open task (the refreshed case's); version 2 routes to the defaults only.
    await expect(refuseDroppedTeams(api.db.pool, TEAMS)).resolves.toBeUndefined();
    const refusal = await refuseDroppedTeams(api.db.pool, ['ORDER_MANAGEMENT']).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(StartFailure);
    expect((refusal as Error).message).toMatch(
      /^TEAMS \(ORDER_MANAGEMENT\) drops SALES_OPS \(\d+ open task\(s\), routing version 2 routes to it\); SERVICE_OPERATIONS \(1 open task\(s\)\): add them to TEAMS/,
    );
    expect((refusal as Error).message).not.toContain('\n');
  });

  it('stops `npm run api` and `npm run worker` before they serve or poll: exit code 1, that line in their fatal log line', async () => {
    for (const [entry, says] of [['api/main.ts', 'api failed to start'], ['worker/main.ts', 'worker failed']]) {
      const { code, stdout } = await runToExit(entry, { DATABASE_URL: api.appRole.url, TEAMS: 'ORDER_MANAGEMENT,SALES_OPS', LOG_LEVEL: 'warn' });
      const fatal = stdout.split('\n').filter((line) => line.includes('"level":"fatal"')).map((line) => JSON.parse(line).msg as string);
      expect({ entry, code, fatal }).toEqual({
        entry,
        code: 1,
        fatal: [expect.stringMatching(new RegExp(`^${says}: TEAMS \\(ORDER_MANAGEMENT,SALES_OPS\\) drops SERVICE_OPERATIONS \\(1 open task\\(s\\)\\): add them to TEAMS`))],
      });
    }
  }, 120_000);
});

/** A process of ours (node with tsx's loader, as npm runs it) until it exits on its own. */
function runToExit(entry: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: { ...process.env, TEMPORAL_ADDRESS: testTemporalAddress(), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })));
}
