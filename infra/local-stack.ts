// The servers every local run stands on (`npm start`, the test suite, the bench, the chaos and schemathesis runs):
// a PostgreSQL (the one DATABASE_URL names, or an embedded cluster) and a Temporal (TEMPORAL_ADDRESS, or a dev
// server), started together; and the databases made on that PostgreSQL and migrated. Whichever server fails to
// start, the other is let finish starting and is stopped, not orphaned.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, type Pool } from 'pg';
import { migrate } from '../migrations/migrate';
import { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
import type { Logger } from './logger';
import { createPool, redactUrl, withDatabase, type PoolOptions } from './postgres';
import { StartFailure } from './start-failure';
import { getFreePort, startTemporalDevServer, type DevServer, type DevServerOptions } from './temporal-dev-server';

/** A running server (checked to answer), or an embedded cluster: a throwaway one (persistent: false) needs no dataDir. */
export type PostgresChoice = { url: string } | (Omit<EmbeddedPostgresOptions, 'dataDir' | 'port' | 'log'> & { dataDir?: string; port?: number });
/** A running server, or a dev server started here. */
export type TemporalChoice = { address: string } | Omit<DevServerOptions, 'log'>;

export interface LocalStackOptions {
  /** A promise when finding the choice takes time (where the cluster lives): the dev server starts meanwhile. */
  postgres: PostgresChoice | Promise<PostgresChoice>;
  temporal: TemporalChoice;
  log: Logger;
  /** Each server started here, as soon as it is up (before the other may be): for the caller's stop order. */
  onStarted?: (started: { postgres: EmbeddedPostgres } | { temporal: DevServer }) => void;
  /**
   * A server started here exited though nobody asked it to stop (not the stack itself, after the other server
   * failed to start: that failure is the one to report).
   */
  onUnexpectedExit?: (server: 'PostgreSQL' | 'Temporal', code: number | null) => void;
}

export interface LocalStack {
  /** DATABASE_URL as given, or the embedded server's `postgres` database: where databases are made. */
  adminUrl: string;
  temporalAddress: string;
  /** Set when started here (not for DATABASE_URL / TEMPORAL_ADDRESS). */
  postgres?: EmbeddedPostgres;
  temporal?: DevServer;
  /** Stops what was started here, both at once; a throwaway cluster's folder goes with it. */
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { log, onStarted, onUnexpectedExit } = options;
  let stopping = false;
  const stack: LocalStack = {
    adminUrl: '',
    temporalAddress: '',
    stop: async () => {
      stopping = true;
      await Promise.allSettled([stack.temporal?.stop(), stack.postgres?.stop()]);
    },
  };
  const watch = (server: 'PostgreSQL' | 'Temporal', exited: Promise<number | null>) =>
    void exited.then((code) => !stopping && onUnexpectedExit?.(server, code));
  const postgres = async () => {
    const choice = await options.postgres;
    if ('url' in choice) return void (stack.adminUrl = await checkAnswers(choice.url));
    const dataDir = choice.dataDir ?? (await throwawayDir('ar-pg-'));
    stack.postgres = await startEmbeddedPostgres({ ...choice, dataDir, port: choice.port ?? (await getFreePort()), log });
    stack.adminUrl = stack.postgres.url;
    watch('PostgreSQL', stack.postgres.exited);
    onStarted?.({ postgres: stack.postgres });
  };
  const temporal = async () => {
    const choice = options.temporal;
    if ('address' in choice) return void (stack.temporalAddress = choice.address);
    stack.temporal = await startTemporalDevServer({ ...choice, log });
    stack.temporalAddress = stack.temporal.address;
    watch('Temporal', stack.temporal.exited);
    onStarted?.({ temporal: stack.temporal });
  };
  const [pg, tmprl] = await Promise.allSettled([postgres(), temporal()]);
  if (pg.status === 'rejected' || tmprl.status === 'rejected') {
    await stack.stop();
    throw pg.status === 'rejected' ? pg.reason : (tmprl as PromiseRejectedResult).reason;
  }
  return stack;
}

/**
 * A top-level temp folder: as root, the embedded server runs as the `postgres` user, who must be able to enter the
 * path (a subfolder of a 0700 temp dir would be unreachable).
 */
function throwawayDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** One clear failure up front rather than one per user of the database. */
async function checkAnswers(url: string): Promise<string> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch (err) {
    throw new StartFailure(`DATABASE_URL (${redactUrl(url)}) does not answer (${(err as Error).message}): start that server, or unset DATABASE_URL to use the embedded one.`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates database `name` on the server of `adminUrl` unless it exists; true when it was created. */
async function ensureDatabase(adminUrl: string, name: string): Promise<boolean> {
  return withAdmin(adminUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return true;
    } catch (err) {
      // Another process created it between the check and the create.
      if ((err as { code?: string }).code === '42P04') return false;
      throw err;
    }
  });
}

/**
 * The database a stack's API and worker use, migrated: the one DATABASE_URL names, or database `name` on the
 * embedded server, made when missing.
 */
export async function appDatabase(stack: LocalStack, name: string, log?: Logger): Promise<string> {
  let url = stack.adminUrl;
  if (stack.postgres) {
    await ensureDatabase(stack.adminUrl, name);
    url = withDatabase(stack.adminUrl, name);
  }
  const applied = await migrate(url, log);
  log?.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
  return url;
}

export interface ScratchDatabase {
  name: string;
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database, whoever is still connected to it. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own (one test file, one bench run), with a pool on it. */
export async function createScratchDatabase(adminUrl: string, prefix: string, pool: PoolOptions = {}): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(8).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`));
  const url = withDatabase(adminUrl, name);
  const dropDatabase = () => withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`));
  const db = createPool(url, { applicationName: name, ...pool });
  try {
    await migrate(db, pool.log);
  } catch (err) {
    await db.end();
    await dropDatabase();
    throw err;
  }
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      if (!db.ended) await db.end();
      await dropDatabase();
    })());
  return { name, url, pool: db, drop };
}

/** Runs `work` on a connection to the server's `postgres` database (roles and databases are made there). */
export async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
