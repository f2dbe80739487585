// Applies the numbered plain-SQL migrations (NNNN_name.sql) of a folder, each in its own transaction,
// recording them in schema_migrations. Safe to run from many replicas at once: a session-level
// advisory lock lets one runner work while the others wait, then find nothing left to do.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client, Pool, type ClientBase, type PoolClient } from 'pg';
import type { Logger } from '../infra/logger';

export const MIGRATIONS_DIR = __dirname;

// Any fixed bigint works; it only has to be the same for every runner of this application.
const MIGRATION_LOCK_KEY = '7290143321887001';
const FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$/;

export interface Migration {
  version: number;
  /** The file name without `.sql`, e.g. `0001_init`. */
  name: string;
  file: string;
}

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await fs.readdir(dir);
  const migrations: Migration[] = [];
  for (const entry of entries) {
    if (!entry.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(entry);
    if (!match) throw new Error(`migration file ${entry} is not named NNNN_snake_case_name.sql`);
    migrations.push({ version: Number(match[1]), name: entry.slice(0, -'.sql'.length), file: path.join(dir, entry) });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new Error(`two migrations share version ${migrations[i].version}: ${migrations[i - 1].name}, ${migrations[i].name}`);
    }
  }
  return migrations;
}

function describeError(err: unknown, sql: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = Number((err as { position?: string }).position);
  if (!Number.isFinite(position) || position <= 0) return message;
  const line = sql.slice(0, position - 1).split('\n').length;
  return `${message} (line ${line})`;
}

async function runMigrations(client: ClientBase, dir: string, log: Logger | undefined): Promise<string[]> {
  const migrations = await readMigrations(dir);
  // No statement_timeout for a migration (a big index build may take minutes), nor for the lock wait.
  await client.query('SET statement_timeout = 0');
  await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    const applied = new Map(rows.map((row) => [row.version, row.name]));
    const known = new Set(migrations.map((m) => m.version));
    const newest = rows.length ? rows[rows.length - 1].version : 0;

    for (const row of rows) {
      if (!known.has(row.version)) {
        // A newer release ran here first (rolling deploy): its schema is meant to be backward compatible.
        log?.warn({ migration: row.name }, 'database has a migration this code does not know');
      }
    }

    const done: string[] = [];
    for (const migration of migrations) {
      const appliedAs = applied.get(migration.version);
      if (appliedAs !== undefined) {
        if (appliedAs !== migration.name) {
          log?.warn({ version: migration.version, appliedAs, file: migration.name }, 'migration was renamed after it ran');
        }
        continue;
      }
      if (migration.version < newest) {
        log?.warn({ migration: migration.name, newest }, 'applying a migration older than the newest applied one');
      }
      const sql = await fs.readFile(migration.file, 'utf8');
      const started = Date.now();
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${migration.name} failed: ${describeError(err, sql)}`, { cause: err });
      }
      log?.info({ migration: migration.name, ms: Date.now() - started }, 'migration applied');
      done.push(migration.name);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
  }
}

/**
 * Applies the pending migrations of `options.dir` (default: this folder) and returns their names
 * (`0001_init`, …), empty when the database is up to date.
 */
export async function migrate(db: Pool | string, log?: Logger, options: { dir?: string } = {}): Promise<string[]> {
  const dir = options.dir ?? MIGRATIONS_DIR;
  if (typeof db === 'string') {
    const client = new Client({ connectionString: db, connectionTimeoutMillis: 5_000 });
    // A dropped connection also rejects the pending query, which is what reports it.
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await runMigrations(client, dir, log);
    } finally {
      await client.end();
    }
  }
  const client: PoolClient = await db.connect();
  try {
    return await runMigrations(client, dir, log);
  } finally {
    // The session changed statement_timeout: never hand it back to the pool. Destroying it also ends
    // the advisory lock should the unlock above not have gone through.
    client.release(true);
  }
}
