// A fresh, migrated database per test file on the run's PostgreSQL server (see global-setup.ts).
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { createScratchDatabase, withAdmin, type ScratchDatabase } from '../../infra/local-stack';
import { createPool } from '../../infra/postgres';

export type TestDatabase = ScratchDatabase;

export function testDatabaseAdminUrl(): string {
  const url = process.env.TEST_DATABASE_ADMIN_URL;
  if (!url) throw new Error('TEST_DATABASE_ADMIN_URL is not set: run the tests with jest (test/support/global-setup.ts)');
  return url;
}

export function createTestDatabase(options: { poolMax?: number } = {}): Promise<TestDatabase> {
  return createScratchDatabase(testDatabaseAdminUrl(), 't', { max: options.poolMax ?? 5 });
}

/** The role the API and the worker are given in production (migrations/0003_app_role.sql). */
export const APP_ROLE = 'ar_dispute_app';

export interface AppRoleLogin {
  login: string;
  /** `db`'s URL as that login (for a process of its own, such as the API's). */
  url: string;
  /** A pool on `db` as that login. */
  pool: Pool;
  /** Closes the pool (if the harness has not) and drops the login. */
  drop(): Promise<void>;
}

/** The SQLSTATE and message a statement failed with, or 'ok'. */
export async function sqlOutcome(db: Pick<Pool, 'query'>, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await db.query(sql, params);
    return 'ok';
  } catch (err) {
    const { code, message } = err as { code?: string; message: string };
    return `${code}: ${message}`;
  }
}

/** A fresh login of the application role, for a test that must run as production does (grants, not ownership). */
export async function createAppRoleLogin(db: TestDatabase, poolMax = 10): Promise<AppRoleLogin> {
  const login = `app_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  await withAdmin(testDatabaseAdminUrl(), (a) => a.query(`CREATE ROLE ${a.escapeIdentifier(login)} LOGIN PASSWORD ${a.escapeLiteral(password)} IN ROLE ${APP_ROLE}`));
  const url = new URL(db.url);
  url.username = login;
  url.password = password;
  const pool = createPool(url.toString(), { max: poolMax, applicationName: `test ${login}` });
  return {
    login,
    url: url.toString(),
    pool,
    drop: async () => {
      if (!pool.ended) await pool.end();
      await withAdmin(testDatabaseAdminUrl(), (a) => a.query(`DROP ROLE IF EXISTS ${a.escapeIdentifier(login)}`));
    },
  };
}
