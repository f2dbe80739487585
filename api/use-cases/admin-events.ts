// The administration trail as auditors read it: newest first, a page at a time, by subject or type.
import type { z } from 'zod';
import type { adminEventListResponse, adminEventQuery } from '../../contract';
import { encodeCursor, isoSql, sqlParams } from '../../read-model/sql';
import { checkedCursor } from '../paging';
import type { UseCaseContext } from './context';

export async function listAdminEvents(
  ctx: UseCaseContext,
  { query }: { query: z.output<typeof adminEventQuery> },
): Promise<z.input<typeof adminEventListResponse>> {
  const { values: params, add: param } = sqlParams();
  const where: string[] = [];
  if (query.subjectId) where.push(`e.subject_id = ${param(query.subjectId)}`);
  if (query.type) where.push(`e.type = ${param(query.type)}`);
  if (query.cursor) {
    const [seq] = checkedCursor(query.cursor, (v) => v.length === 1 && typeof v[0] === 'string' && /^[1-9]\d{0,17}$/.test(v[0]));
    where.push(`e.seq < ${param(seq)}::bigint`);
  }
  const { rows } = await ctx.deps.pool.query(
    `SELECT e.seq::text AS seq, ${isoSql('e.at')} AS at, e.actor_id, u.name AS actor_name, e.type, e.subject_id, e.data
       FROM admin_events e JOIN users u ON u.id = e.actor_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY e.seq DESC LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ seq: Number(r.seq), at: r.at, actor: { id: r.actor_id, name: r.actor_name }, type: r.type, subjectId: r.subject_id, data: r.data })),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.seq]) : null,
  };
}
