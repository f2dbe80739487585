// A fresh, migrated database per test file on the run's PostgreSQL server (see global-setup.ts).
import { randomBytes } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { createPool, withDatabase } from '../../infra/postgres';
import { migrate } from '../../migrations/migrate';

export interface TestDatabase {
  name: string;
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database, whoever is still connected to it. */
  drop(): Promise<void>;
}

export function testDatabaseAdminUrl(): string {
  const url = process.env.TEST_DATABASE_ADMIN_URL;
  if (!url) throw new Error('TEST_DATABASE_ADMIN_URL is not set: run the tests with jest (test/support/global-setup.ts)');
  return url;
}

async function withAdmin<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testDatabaseAdminUrl(), connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(options: { poolMax?: number } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`));
  const url = withDatabase(testDatabaseAdminUrl(), name);
  const pool = createPool(url, { max: options.poolMax ?? 5, applicationName: `test ${name}` });
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`));
    throw err;
  }
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      await pool.end();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`));
    })());
  return { name, url, pool, drop };
}

/** The role the API and the worker are given in production (migrations/0003_app_role.sql). */
export const APP_ROLE = 'ar_dispute_app';

export interface AppRoleLogin {
  login: string;
  /** A pool on `db` as that login. */
  pool: Pool;
  /** Closes the pool (if the harness has not) and drops the login. */
  drop(): Promise<void>;
}

/** A fresh login of the application role, for a test that must run as production does (grants, not ownership). */
export async function createAppRoleLogin(db: TestDatabase, poolMax = 10): Promise<AppRoleLogin> {
  const login = `app_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  await withAdmin((a) => a.query(`CREATE ROLE ${a.escapeIdentifier(login)} LOGIN PASSWORD ${a.escapeLiteral(password)} IN ROLE ${APP_ROLE}`));
  const url = new URL(db.url);
  url.username = login;
  url.password = password;
  const pool = createPool(url.toString(), { max: poolMax, applicationName: `test ${login}` });
  return {
    login,
    pool,
    drop: async () => {
      if (!pool.ended) await pool.end();
      await withAdmin((a) => a.query(`DROP ROLE IF EXISTS ${a.escapeIdentifier(login)}`));
    },
  };
}
