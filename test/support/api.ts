// The API in-process on port 0, against a fresh database and the shared Temporal dev server, optionally with the
// real dispute worker on a task queue of its own; or `npm run api` as a process of its own, for a test that kills it.
// Requests go through global fetch, like any client's would.
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { createApp, type AppOptions } from '../../api/app';
import { listen } from '../../api/listen';
import { errorResponse } from '../../contract';
import { createLogger } from '../../infra/logger';
import { spawnGroup, type GroupChild } from '../../infra/process-group';
import { getFreePort } from '../../infra/temporal-dev-server';
import { createAppRoleLogin, createTestDatabase, type AppRoleLogin, type TestDatabase } from './database';
import { createUser, type TestUser } from '../../testkit/fixtures';
import { registerTestNamespace, runDisputeWorker, testTemporalAddress, uniqueTaskQueue } from './temporal';

export interface ApiResponse<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is (e.g. malformed JSON, an XML file's bytes); overrides body. */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface ApiHarness {
  url: string;
  db: TestDatabase;
  temporal: Client;
  taskQueue: string;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  user(role: TestUser['role'], opts?: Parameters<typeof createUser>[2]): Promise<TestUser>;
  /**
   * Another app on this harness's pool, namespace and task queue, on port 0, configured as production is (throttled,
   * its answers not checked against the contract) but for `options`; closed with the harness if not before.
   */
  serve(options?: Partial<AppOptions>): Promise<ServedApp>;
  close(): Promise<void>;
}

export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

export const TEST_TEAMS = ['ORDER_MANAGEMENT', 'SALES_OPS'];

export interface StartApiOptions {
  worker?: boolean;
  app?: Partial<AppOptions>;
}

export interface AppRoleApiHarness extends ApiHarness {
  /** The login the API and the worker run as; `api.db.pool` stays the owner's. */
  appRole: AppRoleLogin;
}

/** The API and the worker as the database's owner: the tables' grants are not in play. */
export function startApi(options: StartApiOptions = {}): Promise<ApiHarness> {
  return launch(options, async (db) => db.pool);
}

/**
 * The API and the worker as a fresh login of the application role, as production runs them, so that what the role
 * may not do fails here too; closing the harness drops the login.
 */
export async function startApiAsAppRole(options: StartApiOptions = {}): Promise<AppRoleApiHarness> {
  let appRole: AppRoleLogin | undefined;
  let api: ApiHarness;
  try {
    api = await launch(options, async (db) => (appRole = await createAppRoleLogin(db)).pool);
  } catch (err) {
    await appRole?.drop();
    throw err;
  }
  const login = appRole!;
  return {
    ...api,
    appRole: login,
    close: async () => {
      await api.close();
      await login.drop();
    },
  };
}

/** `poolFor` gives the pool the API and the worker use; one other than the database's own is closed with the harness. */
async function launch(options: StartApiOptions, poolFor: (db: TestDatabase) => Promise<Pool>): Promise<ApiHarness> {
  const taskQueue = uniqueTaskQueue('api');
  const db = await createTestDatabase();
  const pool = await poolFor(db);
  const connection = await Connection.connect({ address: testTemporalAddress() });
  const namespace = db.name;
  await registerTestNamespace(connection, namespace);
  const temporal = new Client({ connection, namespace });

  const worker = options.worker ? await runDisputeWorker({ namespace, taskQueue, pool }) : undefined;

  const served: ServedApp[] = [];
  const serve = async (app: Partial<AppOptions> = {}, logLevel = 'silent') => {
    const one = await serveApp({
      pool,
      temporal,
      taskQueue,
      teams: TEST_TEAMS,
      slas: { taskHours: 48, resolutionHours: 72, approvalHours: 24 },
      logger: createLogger('api-test').child({}, { level: logLevel }),
      ...app,
    });
    served.push(one);
    return one;
  };
  const { url } = await serve({ validateResponses: true, rateLimit: false, ...options.app }, process.env.LOG_LEVEL ?? 'error');

  const request = async (method: string, path: string, opts: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Uint8Array | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    // fetch upper-cases GET, POST, PUT and the like but sends any other method as spelt: `patch` would be refused.
    const res = await fetch(url + path, { method: method.toUpperCase(), headers, body });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const parsed = type.includes('json') && text ? JSON.parse(text) : text;
    if (res.status >= 400) {
      // Every error answer has the contract's shape.
      const checked = errorResponse.safeParse(parsed);
      if (!checked.success) throw new Error(`${method} ${path} → ${res.status} outside the error shape: ${text}`);
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const one of served) await one.close();
      await worker?.stop();
      await connection.close();
      if (pool !== db.pool) await pool.end();
      await db.drop();
    })());

  return {
    url,
    db,
    temporal,
    taskQueue,
    request,
    user: (role, opts) => createUser(db.pool, role, opts),
    serve: (app) => serve(app),
    close,
  };
}

async function serveApp(options: AppOptions): Promise<ServedApp> {
  const server = await listen(createApp(options), 0, '127.0.0.1');
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/** Polls until `probe` returns a value (not undefined). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ApiProcess {
  url: string;
  /** The API's process group: `signal('SIGKILL')` is a kill -9, `stop()` a deployment's SIGTERM. */
  group: GroupChild;
}

/**
 * `npm run api` as an OS process of its own, on a free port, against `databaseUrl` and the run's Temporal dev server
 * (namespace and task queue given); resolves once it answers /health. Node with tsx's loader, not the tsx CLI, so
 * that a SIGKILL hits the API itself, not a wrapper around it.
 */
export async function startApiProcess(options: { databaseUrl: string; namespace: string; taskQueue: string; env?: Record<string, string> }): Promise<ApiProcess> {
  const port = await getFreePort();
  const group = spawnGroup(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_NAMESPACE: options.namespace,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    stopTimeoutMs: 5_000,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(`the API process on port ${port} to answer /health`, async () => {
      if (group.child.exitCode !== null || group.child.signalCode !== null) throw new Error(`the API process exited while starting (${group.child.exitCode ?? group.child.signalCode})`);
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    }, 90_000);
  } catch (err) {
    await group.stop();
    throw err;
  }
  return { url, group };
}
