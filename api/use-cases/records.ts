// Source records: an import (stored by api/records-import.ts, kept with who sent it) and the trail of imports.
import type { z } from 'zod';
import type { importListQuery, importListResponse, importResponse, RecordsImport } from '../../contract';
import { encodeCursor, isoSql, preciseSql, sqlParams } from '../../read-model/sql';
import { checkedCursor, isTimestamp, isUuid } from '../paging';
import { storeRecords } from '../records-import';
import type { UseCaseContext } from './context';

export async function importRecords(
  ctx: UseCaseContext,
  { body, sha256 }: { body: RecordsImport; sha256: string },
): Promise<z.input<typeof importResponse>> {
  return { imported: await storeRecords(ctx.deps.pool, body, { actorId: ctx.user.id, sha256 }) };
}

// ---------------------------------------------------------------- the import trail

/** Imports, newest first, keyset-paged. */
export async function listImports(
  ctx: UseCaseContext,
  { query }: { query: z.output<typeof importListQuery> },
): Promise<z.input<typeof importListResponse>> {
  const { values: params, add: param } = sqlParams();
  let after = '';
  if (query.cursor) {
    const [at, id] = checkedCursor(query.cursor, (v) => v.length === 2 && isTimestamp(v[0]) && isUuid(v[1]));
    after = `WHERE (r.at, r.id) < (${param(at)}::timestamptz, ${param(id)}::uuid)`;
  }
  const { rows } = await ctx.deps.pool.query(
    `SELECT r.id, ${isoSql('r.at')} AS at, r.actor_id, u.name AS actor_name, r.counts, r.sha256, ${preciseSql('r.at')} AS cursor_at
       FROM record_imports r JOIN users u ON u.id = r.actor_id
      ${after}
      ORDER BY r.at DESC, r.id DESC LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ id: r.id, at: r.at, actor: { id: r.actor_id, name: r.actor_name }, counts: r.counts, sha256: r.sha256 })),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursor_at, last.id]) : null,
  };
}
