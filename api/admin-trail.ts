// The administration trail: every change to people, delegations and routing, written in the change's own
// transaction so that a change and its record stand or fall together. Append-only in the database.
import type { Queryable } from '../read-model/sql';

export interface AdminEvent {
  actorId: string;
  /** USER_CREATED, USER_CHANGED, USER_REVOKED, DELEGATION_CREATED, ROUTING_CHANGED, … */
  type: string;
  /** The user's id, the routing version, …: what the change is about. */
  subjectId: string;
  data: Record<string, unknown>;
}

export async function recordAdminEvent(db: Queryable, event: AdminEvent): Promise<void> {
  await db.query(`INSERT INTO admin_events (actor_id, type, subject_id, data) VALUES ($1, $2, $3, $4)`, [
    event.actorId,
    event.type,
    event.subjectId,
    JSON.stringify(event.data),
  ]);
}
