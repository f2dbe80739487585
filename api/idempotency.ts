// Idempotency-Key as the IETF draft has it: a key names one request of one user. The same key with the same request
// again gets the first answer; with another request (another body, another case or task, another command) it is
// a 422, and nothing is applied. Keys are kept in PostgreSQL, one row per (user, key), whatever the command, so a
// key used to open a case cannot be reused to cancel another. Keys are per user: two users' keys never meet.
import { createHash, randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { setTimeout } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../infra/postgres';
import type { Queryable } from '../read-model/sql';
import { AppError } from './errors';
import type { CommandUseCaseContext } from './use-cases/context';

/**
 * The key a command is applied under, answered in its Idempotency-Key header: the caller's, or a fresh one when it
 * sent none, so that a caller can still retry safely with it, on success and on failure alike.
 */
export function commandKey(sent: string | undefined, res: Response): string {
  const key = sent ?? randomUUID();
  res.setHeader('Idempotency-Key', key);
  return key;
}

/** What a key was (or is about to be) used for. */
export interface KeyedRequest {
  /** e.g. 'open', 'resolution', 'complete-task', 'comment'. */
  command: string;
  /** The case the command is about (for an opening: the case reserved for it); null for a command on money. */
  caseId: string | null;
  /** requestHash of what the request asks. */
  hash: string;
}

/**
 * SHA-256 (hex) of a request as parsed and normalised (so "12.5" and "12.50" are the same amount); the value's key
 * order is its schema's, fixed by the code.
 */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

export function keyReused(): AppError {
  return new AppError(
    422,
    'IDEMPOTENCY_KEY_REUSED',
    'this Idempotency-Key was already used for another request; a new request needs a new key',
    [{ field: 'Idempotency-Key', message: 'was already used for another request', in: 'header' }],
  );
}

/** What the first use of a key left behind, for its retries to answer the same. */
export interface EarlierUse {
  /** The comment a comment's key posted. */
  commentId: string | null;
  /** What a command on money answered, bound with its key in the transaction that applied it. */
  answer: unknown;
}

/**
 * The key's earlier use for this very request (a retry: it must get the first answer), or null when the key was
 * never used. A key used for another request is refused.
 */
export async function earlierUse(db: Queryable, userId: string, key: string, request: KeyedRequest): Promise<EarlierUse | null> {
  const { rows } = await db.query(
    'SELECT command, case_id, request_hash, comment_id, answer FROM idempotency_keys WHERE user_id = $1 AND key = $2',
    [userId, key],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.command !== request.command || row.case_id !== request.caseId || row.request_hash !== request.hash) throw keyReused();
  return { commentId: row.comment_id, answer: row.answer };
}

/**
 * Binds the key to the request before it is applied: null when this request bound it. A concurrent request that
 * bound it first wins: this one is then its retry (its earlier use is answered), or a 422 when it asks something else.
 */
export async function claimKey(
  db: Queryable,
  userId: string,
  key: string,
  request: KeyedRequest,
  commentId: string | null = null,
  answer: unknown = null,
): Promise<EarlierUse | null> {
  const { rowCount } = await db.query(
    `INSERT INTO idempotency_keys (user_id, key, command, case_id, request_hash, comment_id, answer) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (user_id, key) DO NOTHING`,
    [userId, key, request.command, request.caseId, request.hash, commentId, answer === null ? null : JSON.stringify(answer)],
  );
  return rowCount ? null : earlierUse(db, userId, key, request);
}

/** A rollback that answers what the key's first use answered: a concurrent retry under the same key won. */
class AnsweredEarlier extends Error {
  constructor(readonly answer: unknown) {
    super('answered by the earlier use of the key');
  }
}

/**
 * What a keyed command did after its transaction (the cases a posting's deductions opened) becomes part of the answer
 * its key gives again.
 */
export async function completeAnswer(ctx: CommandUseCaseContext, answer: unknown): Promise<void> {
  await ctx.deps.pool.query('UPDATE idempotency_keys SET answer = $3 WHERE user_id = $1 AND key = $2 AND answer IS NOT NULL', [
    ctx.user.id,
    ctx.idempotencyKey,
    JSON.stringify(answer),
  ]);
}

/** How long a posting waits for another posting of the same payments before it is refused (503: nothing applied). */
const ONE_AT_A_TIME_WAIT_MS = 120_000;

/**
 * Runs `work` (several transactions and what follows them) while no other process runs work under the same `name`:
 * the same payments posted again, under the key of a retry or under another, wait for the posting in progress to
 * answer whole (its cases counted), then find its answer or nothing left to do, rather than open the same cases beside
 * it. A session's advisory lock, held on a connection of its own: a process that dies lets it go. A waiter holds no
 * connection; it asks again until the lock is free (pg_try_advisory_lock), and past ONE_AT_A_TIME_WAIT_MS is a 503.
 */
export async function oneAtATime<T>(pool: Pool, name: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ONE_AT_A_TIME_WAIT_MS;
  for (;;) {
    const held = await whileLocked(pool, name, work);
    if (held) return held.answer;
    if (Date.now() > deadline) throw AppError.unavailable(`another request is still applying the same content (${name}): retry later`);
    await setTimeout(50 + Math.random() * 100);
  }
}

/** `work`'s answer when the lock was free, run under it; null when another session holds it. */
async function whileLocked<T>(pool: Pool, name: string, work: () => Promise<T>): Promise<{ answer: T } | null> {
  const client = await pool.connect();
  const lock = [`one-at-a-time:${name}`];
  let broken: Error | undefined;
  // Checked out, the client is not covered by the pool's 'error' listener: a connection lost while the work runs (a
  // database restart) would be an unhandled 'error' event and end the process (as withTransaction guards too).
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    const { rows } = await client.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', lock);
    if (!rows[0].locked) return null;
    try {
      return { answer: await work() };
    } finally {
      // A connection that cannot unlock is dropped below, and its lock with it: the work's answer stands.
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', lock).catch((err: Error) => (broken = err));
    }
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/** Runs a command with no case (money, mappings) under its Idempotency-Key: a retry gets the first answer, stored with the key. */
export async function keyed<T>(ctx: CommandUseCaseContext, request: KeyedRequest, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const { deps: { pool }, user, idempotencyKey } = ctx;
  const earlier = await earlierUse(pool, user.id, idempotencyKey, request);
  if (earlier) return earlier.answer as T;
  try {
    return await withTransaction(pool, async (client) => {
      const answer = await work(client);
      const concurrent = await claimKey(client, user.id, idempotencyKey, request, null, answer);
      if (concurrent) throw new AnsweredEarlier(concurrent.answer);
      return answer;
    });
  } catch (err) {
    if (err instanceof AnsweredEarlier) return err.answer as T;
    throw err;
  }
}
