// Once per `jest` run: one Temporal dev server and one PostgreSQL server shared by every test file.
// Test files get their own database (database.ts) and task queues (temporal.ts), so they run in parallel.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../infra/embedded-postgres';
import { LOG_LEVELS } from '../../infra/config';
import { createLogger, temporalLogger } from '../../infra/logger';
import { redactUrl } from '../../infra/postgres';
import { getFreePort, startTemporalDevServer, type DevServer } from '../../infra/temporal-dev-server';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../worker/create-worker';

export interface TestInfrastructure {
  temporal?: DevServer;
  postgres?: EmbeddedPostgres;
  bundleDir?: string;
  onSignal: (signal: NodeJS.Signals) => void;
}

export const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

function exitOnSignal(signal: NodeJS.Signals): void {
  process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
}

// Global setup and teardown run in the same (parent) process: this is how teardown finds the handles.
export const INFRA_KEY = '__arDisputeTestInfrastructure';

export default async function globalSetup(): Promise<void> {
  const wanted = process.env.LOG_LEVEL as (typeof LOG_LEVELS)[number] | undefined;
  const log = createLogger('test-infra').child({}, { level: wanted && LOG_LEVELS.includes(wanted) ? wanted : 'warn' });
  const infra: TestInfrastructure = { onSignal: exitOnSignal };
  (globalThis as Record<string, unknown>)[INFRA_KEY] = infra;
  // The servers run in their own process groups and are signalled from process 'exit' handlers. Jest
  // has no signal handlers, so a Ctrl-C or `kill` would end it without 'exit' and leave them running.
  for (const signal of SIGNALS) process.on(signal, exitOnSignal);

  const temporal = startTemporalDevServer({ headless: true, log }).then((server) => {
    infra.temporal = server;
    return server;
  });
  const adminUrl = process.env.DATABASE_URL
    ? checkReachable(process.env.DATABASE_URL)
    : (async () => {
        const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ar-dispute-test-pg-'));
        infra.postgres = await startEmbeddedPostgres({ dataDir, port: await getFreePort(), persistent: false, log });
        return infra.postgres.url;
      })();

  // Bundled once for the run: every test worker loads this file instead of bundling the workflows again.
  const bundle = bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: temporalLogger(log) }).then(async ({ code }) => {
    infra.bundleDir = await mkdtemp(path.join(os.tmpdir(), 'ar-dispute-test-bundle-'));
    const file = path.join(infra.bundleDir, 'workflow-bundle.js');
    await writeFile(file, code);
    return file;
  });

  const [server, url, bundlePath] = await Promise.allSettled([temporal, adminUrl, bundle]);
  if (bundlePath.status === 'rejected') throw bundlePath.reason;
  if (server.status === 'rejected' || url.status === 'rejected') {
    await Promise.allSettled([infra.temporal?.stop(), infra.postgres?.stop()]);
    for (const signal of SIGNALS) process.removeListener(signal, exitOnSignal);
    throw server.status === 'rejected' ? server.reason : (url as PromiseRejectedResult).reason;
  }
  // Test workers are forked after global setup and inherit this environment.
  process.env.TEST_TEMPORAL_ADDRESS = server.value.address;
  process.env.TEST_DATABASE_ADMIN_URL = url.value;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath.value;
}

/** One clear failure up front rather than one per test file. */
async function checkReachable(url: string): Promise<string> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch (err) {
    throw new Error(`DATABASE_URL (${redactUrl(url)}) does not answer: ${(err as Error).message}`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}
