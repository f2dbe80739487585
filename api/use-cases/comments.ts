// Notes on a case, kept in PostgreSQL only: they never touch the workflow, so its history stays small however
// long the conversation gets. Whoever can read a case can comment on it, except auditors, who only read.
import type { z } from 'zod';
import type { AuthUser } from '../auth';
import { encodeCursor, isoSql, preciseSql, UUID_PATTERN, type Queryable } from '../db';
import { AppError } from '../errors';
import type { commentListQuery, commentListResponse, commentOut, commentRequest } from '../schemas';
import { checkedCursor, isTimestamp, isUuid } from './disputes';

/** The case's id if this user may see it: ops only see cases with a task for their team (others get 404). */
async function visibleCaseId(db: Queryable, user: AuthUser, ref: string): Promise<string> {
  const column = UUID_PATTERN.test(ref) ? 'c.id' : 'c.case_number';
  const { rows } = await db.query(
    `SELECT c.id FROM cases c
      WHERE ${column} = $1
        AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.team = $2))`,
    [ref, user.role === 'ops' ? user.team : null],
  );
  if (!rows[0]) throw AppError.notFound(`no case ${ref}`);
  return rows[0].id;
}

const COMMENT_COLUMNS = `k.id, k.author_id AS "authorId", u.name AS "authorName", k.body, ${isoSql('k.created_at')} AS "createdAt"`;

export async function addComment(
  db: Queryable,
  user: AuthUser,
  ref: string,
  body: z.output<typeof commentRequest>,
): Promise<z.input<typeof commentOut>> {
  const caseId = await visibleCaseId(db, user, ref);
  const { rows } = await db.query(
    `WITH k AS (INSERT INTO case_comments (case_id, author_id, body) VALUES ($1, $2, $3) RETURNING *)
     SELECT ${COMMENT_COLUMNS} FROM k JOIN users u ON u.id = k.author_id`,
    [caseId, user.id, body.body],
  );
  return rows[0];
}

export async function listComments(
  db: Queryable,
  user: AuthUser,
  ref: string,
  query: z.output<typeof commentListQuery>,
): Promise<z.input<typeof commentListResponse>> {
  const caseId = await visibleCaseId(db, user, ref);
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
