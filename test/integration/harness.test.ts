// The test harness itself: a fresh migrated database, the shared dev server, a time-skipping server,
// and the migration runner's guarantees (idempotent, one transaction per file, safe in parallel).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { migrate } from '../../migrations/migrate';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, registerTestNamespace, testTemporalAddress } from '../support/temporal';

describe('test harness', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('gives the test file its own database with the migrations applied', async () => {
    const { rows } = await db.pool.query<{ database: string; migrations: number }>(
      'SELECT current_database() AS database, (SELECT count(*)::int FROM schema_migrations) AS migrations',
    );
    expect(rows[0].database).toBe(db.name);
    expect(rows[0].migrations).toBeGreaterThan(0);
    expect(await migrate(db.pool)).toEqual([]);
  });

  it('drops a test database completely, even with connections open', async () => {
    const other = await createTestDatabase({ poolMax: 1 });
    expect(other.name).not.toBe(db.name);
    await other.drop();
    const { rowCount } = await db.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [other.name]);
    expect(rowCount).toBe(0);
  });

  it('registers a namespace of its own per test database on the shared Temporal dev server', async () => {
    const connection = await Connection.connect({ address: testTemporalAddress() });
    try {
      await registerTestNamespace(connection, db.name);
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: db.name });
      expect(namespaceInfo?.name).toBe(db.name);
    } finally {
      await connection.close();
    }
  });

  it('starts and stops a time-skipping environment', async () => {
    const env = await createTimeSkippingEnv();
    try {
      expect(env.supportsTimeSkipping).toBe(true);
      const before = await env.currentTimeMs();
      await env.sleep('2 days');
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(2 * 24 * 3600_000);
    } finally {
      await env.teardown();
    }
  });

  describe('migration runner', () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
      await writeFile(path.join(dir, '0001_first.sql'), 'CREATE TABLE harness_a (id int PRIMARY KEY);\nINSERT INTO harness_a VALUES (1);');
      await writeFile(path.join(dir, '0002_second.sql'), 'CREATE TABLE harness_b (id int PRIMARY KEY REFERENCES harness_a);');
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('applies each migration once, even from concurrent runners', async () => {
      const target = await createTestDatabase({ poolMax: 1 });
      try {
        // The test database already carries the project's migrations: these files reuse versions 1 and 2,
        // so run them in a database of their own.
        await target.pool.query('DROP TABLE schema_migrations');
        const runs = await Promise.all([migrate(target.url, undefined, { dir }), migrate(target.url, undefined, { dir }), migrate(target.url, undefined, { dir })]);
        expect(runs.flat().sort()).toEqual(['0001_first', '0002_second']);
        const { rows } = await target.pool.query('SELECT version, name FROM schema_migrations ORDER BY version');
        expect(rows).toEqual([
          { version: 1, name: '0001_first' },
          { version: 2, name: '0002_second' },
        ]);
      } finally {
        await target.drop();
      }
    });

    it('rolls back a failing migration as a whole and names it', async () => {
      const target = await createTestDatabase({ poolMax: 1 });
      try {
        await target.pool.query('DROP TABLE schema_migrations');
        await writeFile(path.join(dir, '0003_broken.sql'), 'CREATE TABLE harness_c (id int);\nSELECT nonsense FROM nowhere;');
        await expect(migrate(target.url, undefined, { dir })).rejects.toThrow(/0003_broken failed: .*nowhere.*line 2/);
        const { rows } = await target.pool.query<{ table: string | null }>("SELECT to_regclass('harness_c')::text AS table");
        expect(rows[0].table).toBeNull();
        const applied = await target.pool.query('SELECT version FROM schema_migrations ORDER BY version');
        expect(applied.rows.map((row) => row.version)).toEqual([1, 2]);
      } finally {
        await rm(path.join(dir, '0003_broken.sql'), { force: true });
        await target.drop();
      }
    });
  });
});
