// Notes on a case, kept in PostgreSQL only: they never touch the workflow, so its history stays small however
// long the conversation gets. Whoever can read a case can comment on it, except auditors, who only read.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { withTransaction } from '../../infra/postgres';
import type { AuthUser } from '../auth';
import { VISIBLE_TO_TEAM, caseKey } from '../../read-model/cases';
import { encodeCursor, isoSql, preciseSql, type Queryable } from '../../read-model/sql';
import { AppError } from '../errors';
import { claimKey, requestHash, type KeyedRequest } from '../idempotency';
import type { commentListQuery, commentListResponse, commentOut, commentRequest } from '../../contract';
import { checkedCursor, isTimestamp, isUuid } from '../paging';
import type { CommandUseCaseContext, UseCaseContext } from './context';

/** The case's id if this user may see it: ops only see cases with a task for their team (others get 404). */
export async function visibleCaseId(db: Queryable, user: AuthUser, ref: string): Promise<string> {
  const key = caseKey(ref);
  const { rows } = await db.query(`SELECT c.id FROM cases c WHERE ${key.column} = $1 AND ${VISIBLE_TO_TEAM}`, [
    key.value,
    user.role === 'ops' ? user.team : null,
  ]);
  if (!rows[0]) throw AppError.notFound(`no case ${ref}`);
  return rows[0].id;
}

const COMMENT_COLUMNS = `k.id, k.author_id AS "authorId", u.name AS "authorName", k.body, ${isoSql('k.created_at')} AS "createdAt"`;

/** Posts once per Idempotency-Key: a retry of a submit (a lost answer, a double click) answers the first comment. */
export async function addComment(
  ctx: CommandUseCaseContext,
  { ref, body }: { ref: string; body: z.output<typeof commentRequest> },
): Promise<z.input<typeof commentOut>> {
  const { deps: { pool }, user, idempotencyKey } = ctx;
  const caseId = await visibleCaseId(pool, user, ref);
  const request: KeyedRequest = { command: 'comment', caseId, hash: requestHash({ target: caseId, body }) };
  const commentId = await withTransaction(pool, async (client) => {
    const id = randomUUID();
    const earlier = await claimKey(client, user.id, idempotencyKey, request, id);
    if (earlier) return earlier.commentId!;
    await client.query('INSERT INTO case_comments (id, case_id, author_id, body) VALUES ($1, $2, $3, $4)', [id, caseId, user.id, body.body]);
    return id;
  });
  const { rows } = await pool.query(`SELECT ${COMMENT_COLUMNS} FROM case_comments k JOIN users u ON u.id = k.author_id WHERE k.id = $1`, [
    commentId,
  ]);
  return rows[0];
}

export async function listComments(
  ctx: UseCaseContext,
  { ref, query }: { ref: string; query: z.output<typeof commentListQuery> },
): Promise<z.input<typeof commentListResponse>> {
  const db = ctx.deps.pool;
  const caseId = await visibleCaseId(db, ctx.user, ref);
  const params: unknown[] = [caseId, query.limit + 1];
  let after = '';
  if (query.cursor) {
    const [at, id] = checkedCursor(query.cursor, (v) => v.length === 2 && isTimestamp(v[0]) && isUuid(v[1]));
    params.push(at, id);
    after = 'AND (k.created_at, k.id) > ($3::timestamptz, $4::uuid)';
  }
  const { rows } = await db.query(
    `SELECT ${COMMENT_COLUMNS}, ${preciseSql('k.created_at')} AS cursor_at
       FROM case_comments k JOIN users u ON u.id = k.author_id
      WHERE k.case_id = $1 ${after}
      ORDER BY k.created_at, k.id LIMIT $2`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ cursor_at: _cursor, ...comment }) => comment),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursor_at, last.id]) : null,
  };
}
