// The notifications a case raised and how their delivery went, for whoever reads the case.
import type { z } from 'zod';
import type { notificationListResponse } from '../../contract';
import { isoSql } from '../../read-model/sql';
import { visibleCaseId } from './comments';
import type { UseCaseContext } from './context';

/** Oldest first: a case raises a handful (a task per team, an approval or two, their escalations). */
export async function listNotifications(ctx: UseCaseContext, { ref }: { ref: string }): Promise<z.input<typeof notificationListResponse>> {
  const db = ctx.deps.pool;
  const caseId = await visibleCaseId(db, ctx.user, ref);
  const { rows } = await db.query(
    `SELECT n.id, n.kind, n.recipients, n.status, n.attempts, ${isoSql('n.created_at')} AS "createdAt",
            ${isoSql('n.sent_at')} AS "sentAt"
       FROM notifications n WHERE n.case_id = $1
      ORDER BY n.event_seq`,
    [caseId],
  );
  return { items: rows };
}
