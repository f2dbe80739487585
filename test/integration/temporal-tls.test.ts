// A secured Temporal from configuration alone: `npm run api` and `npm run worker`, as processes, reach the dev server
// through a TLS-terminating proxy (standing in for Temporal Cloud or a cluster behind TLS) with TEMPORAL_API_KEY,
// TEMPORAL_TLS_CERT / _KEY (mTLS), TEMPORAL_TLS_CA and TEMPORAL_TLS_SERVER_NAME. The proxy requires the client
// certificate and records what arrives: every call of both processes carries it and the API key. A case is opened
// through the API (its client starts the workflow), run by the worker, and moved on by an update.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { getFreePort } from '../../infra/temporal-dev-server';
import { spawnGroup, type GroupChild } from '../../infra/process-group';
import { eventually } from '../support/api';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { pricingDispute } from '../../testkit/fixtures';
import { registerTestNamespace, testTemporalAddress, uniqueTaskQueue } from '../support/temporal';
import { makeCertificates, startTlsProxy, type TlsProxy } from '../support/tls';

const ROOT = path.resolve(__dirname, '..', '..');
const API_KEY = 'test-api-key-7f3a9c';
const ADMIN_TOKEN = 'tls-test-admin-token-0123456789abcdefghijkl';

let dir: string;
let proxy: TlsProxy;
let db: TestDatabase;
let api: string;
const processes: GroupChild[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ar-tls-'));
  const certs = makeCertificates(dir, ['temporal.test']);
  proxy = await startTlsProxy(testTemporalAddress(), certs, (file) => readFileSync(file));
  db = await createTestDatabase();
  const direct = await Connection.connect({ address: testTemporalAddress() });
  await registerTestNamespace(direct, db.name);
  await direct.close();

  const port = await getFreePort();
  api = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    // The proxy's address by IP; its certificate is checked against the name below, not the IP.
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_NAMESPACE: db.name,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('tls'),
    TEMPORAL_API_KEY: API_KEY,
    TEMPORAL_TLS_CERT: certs.clientCert,
    TEMPORAL_TLS_KEY: certs.clientKey,
    TEMPORAL_TLS_CA: certs.ca,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    ADMIN_TOKEN,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  for (const entry of ['worker/main.ts', 'api/main.ts']) {
    processes.push(spawnGroup(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  await eventually('the API, healthy through the proxy', async () => {
    const res = await fetch(`${api}/health`).catch(() => null);
    return res?.status === 200 ? true : undefined;
  }, 90_000);
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await proxy?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(token: string, method: string, route: string, body?: unknown) {
  const res = await fetch(api + route, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as any };
}

it('the API and the worker reach Temporal over mTLS with the API key, and a case runs through them', async () => {
  const specialist = (await call(ADMIN_TOKEN, 'POST', '/api/users', { name: 'Sam', role: 'specialist' })).body.token;
  const salesOps = (await call(ADMIN_TOKEN, 'POST', '/api/users', { name: 'Sol', role: 'ops', team: 'SALES_OPS' })).body.token;
  const fixture = pricingDispute();
  expect((await call(specialist, 'POST', '/api/records/import', fixture.records)).status).toBe(200);
  const opened = await call(specialist, 'POST', '/api/disputes', { invoiceNumber: fixture.invoiceNumber, disputedAmount: '100.00', reasonCode: 'PRICING' });
  expect(opened.status).toBe(201);

  // The worker collected the evidence and opened the Sales Ops task; the API's update completes it.
  const investigating = await eventually('the investigation', async () => {
    const d = (await call(specialist, 'GET', `/api/disputes/${opened.body.id}`)).body;
    return d.stage === 'INVESTIGATION' ? d : undefined;
  });
  const done = await call(salesOps, 'POST', `/api/tasks/${investigating.tasks[0].id}/complete`, { outcome: 'CONFIRMED', note: 'Price list loaded at 100.00' });
  expect(done.body).toMatchObject({ stage: 'RESOLUTION', taskStatus: 'DONE' });

  const calls = (method: string) => proxy.calls.filter((c) => c.path.endsWith(`/${method}`));
  // The API's client (grpc-js) started the workflow and sent the update; the worker (the SDK's Rust core) polled.
  expect(calls('StartWorkflowExecution').length).toBeGreaterThan(0);
  expect(calls('UpdateWorkflowExecution').length).toBeGreaterThan(0);
  expect(calls('PollWorkflowTaskQueue').length).toBeGreaterThan(0);
  expect(calls('PollActivityTaskQueue').length).toBeGreaterThan(0);
  const agents = (method: string) => new Set(calls(method).map((c) => c.userAgent?.split('/')[0]));
  expect([...agents('StartWorkflowExecution')]).not.toEqual([...agents('PollWorkflowTaskQueue')]);
  // Every call of both: the client certificate and the API key.
  expect(new Set(proxy.calls.map((c) => `${c.client} ${c.authorization}`))).toEqual(new Set([`ar-dispute-client Bearer ${API_KEY}`]));
}, 120_000);
