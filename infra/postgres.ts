// The pg pool every process uses, with timeouts so that a stuck database surfaces as errors, not hangs.
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { createLogger, type Logger } from './logger';

export interface PoolOptions {
  max?: number;
  /** Server-side cap per statement; 0 disables it (migrations set their own). */
  statementTimeoutMs?: number;
  applicationName?: string;
  log?: Logger;
}

export function createPool(url: string, options: PoolOptions = {}): Pool {
  const log = options.log ?? createLogger('postgres');
  const config: PoolConfig = {
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    // A session left inside an open transaction holds locks; the server ends it rather than wait forever.
    idle_in_transaction_session_timeout: 60_000,
    application_name: options.applicationName ?? 'ar-dispute-engine',
  };
  const pool = new Pool(config);
  // An idle client losing its connection (server restart, network) emits here; unhandled it would kill
  // the process. The pool discards that client and the next query gets a fresh one.
  pool.on('error', (err) => log.error({ err }, 'idle PostgreSQL client error'));
  return pool;
}

/** `postgres://…/admin` → the same server and credentials with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** For log lines: the URL without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

/**
 * PostgreSQL refused a value itself: a data exception (class 22: out of range, invalid text, bad encoding) or a
 * program limit (class 54: too long for an index, too many columns). The same statement will fail the same way
 * however often it is retried; the server's message quotes the value and names tables, so it is for logs only.
 */
export function isValueError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return typeof e?.message === 'string' && typeof e.code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(e.code);
}

// 57014: statement timeout (an overloaded or stalled database); 57P0x: shutting down; 53xxx: out of resources; 08xxx:
// the connection; the rest are the socket's.
const UNAVAILABLE_CODES = new Set(['57014', '57P01', '57P02', '57P03', '53300', '53400', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** PostgreSQL is not there right now (down, restarting, overloaded, out of connections): not the statement's fault. */
export function isPostgresUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.message !== 'string') return false;
  if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
    e.message,
  );
}

/** Runs `work` in one transaction on one pooled connection: committed if it returns, rolled back if it throws. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client is no longer covered by the pool's 'error' listener: a connection lost between two
  // statements (a database restart ends every session) would be an unhandled 'error' event and kill the process.
  // Caught here, the next statement fails instead, the transaction is given up, and the dead client is discarded.
  let lost: Error | undefined;
  const onError = (err: Error) => (lost = err);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
}
