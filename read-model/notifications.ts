// The outbox: the projection raises a notification with the trail event that causes it, in the event's transaction,
// so an event notifies once (unique on (case_id, event_seq)) and never before it is on the trail. Delivery runs
// afterwards, a workflow per notification (activities/notify.ts).
import type { PoolClient } from 'pg';
import type { NotificationKind, NotificationRecipient } from '../contract';
import type { RecordedEvent } from '../domain/events';

/** Who hears of it, as the event names them or as the people tables say now. */
type Audience =
  | { people: NotificationRecipient[] }
  | { user: string }
  | { team: string }
  /** The managers who may decide: every active one but the proposer of the case's latest resolution. */
  | { managers: true };

interface Raised {
  kind: NotificationKind;
  audience: Audience;
  /** A format() template, %s the case number. */
  title: string;
  dueAt?: string;
}

function raisedBy(event: RecordedEvent): Raised | undefined {
  switch (event.type) {
    case 'CASE_OPENED': {
      // The system opens a deduction's case for the owner its rule names: they did not open it, so they are told.
      const owner = event.data.ownerId;
      if (!owner || owner === event.actor.id) return undefined;
      return { kind: 'CASE_ASSIGNED', audience: { user: owner }, title: 'Case %s is yours' };
    }
    case 'CASE_ASSIGNED':
      // Nobody is told of what they did themselves.
      if (event.data.ownerId === event.actor.id) return undefined;
      return { kind: 'CASE_ASSIGNED', audience: { people: [{ id: event.data.ownerId, name: event.data.ownerName }] }, title: 'Case %s is yours' };
    case 'TASK_CREATED':
      return {
        kind: 'TASK_ASSIGNED',
        audience: { team: event.data.team },
        title: `Case %s: ${event.data.title.replaceAll('%', '%%')}`,
        dueAt: event.data.dueAt,
      };
    case 'STAGE_ENTERED':
      if (event.data.stage !== 'APPROVAL') return undefined;
      return { kind: 'APPROVAL_WAITING', audience: { managers: true }, title: 'Case %s waits for an approval' };
    case 'TASK_ESCALATED':
      return {
        kind: 'TASK_ESCALATED',
        // Escalations from before leads name nobody: the team hears of it.
        audience: event.data.assignee ? { people: [event.data.assignee] } : { team: event.data.team },
        title: `Case %s: the ${event.data.team} task is overdue`,
        dueAt: event.data.dueAt,
      };
    case 'APPROVAL_ESCALATED':
      return {
        kind: 'APPROVAL_ESCALATED',
        audience: event.data.offeredTo?.length ? { people: event.data.offeredTo } : { managers: true },
        title: 'Case %s: the approval is overdue',
      };
    default:
      return undefined;
  }
}

/** Whether the event may raise a notification: an activity that recorded none of these has none to deliver. */
export const mayNotify = (event: RecordedEvent): boolean => raisedBy(event) !== undefined;

const ACTIVE = 'u.active AND u.revoked_at IS NULL';

async function recipients(client: PoolClient, caseId: string, audience: Audience): Promise<NotificationRecipient[]> {
  if ('people' in audience) return audience.people;
  if ('user' in audience) {
    const { rows } = await client.query<NotificationRecipient>(`SELECT u.id::text, u.name FROM users u WHERE u.id = $1 AND ${ACTIVE}`, [audience.user]);
    return rows;
  }
  const { rows } =
    'team' in audience
      ? await client.query<NotificationRecipient>(
          `SELECT u.id::text, u.name FROM users u WHERE u.role = 'ops' AND u.team = $1 AND ${ACTIVE} ORDER BY u.name, u.id`,
          [audience.team],
        )
      : await client.query<NotificationRecipient>(
          `SELECT u.id::text, u.name FROM users u
            WHERE u.role = 'manager' AND ${ACTIVE}
              AND u.id IS DISTINCT FROM (SELECT r.proposed_by FROM resolutions r WHERE r.case_id = $1
                                          ORDER BY r.proposed_at DESC, r.id LIMIT 1)
            ORDER BY u.name, u.id`,
          [caseId],
        );
  return rows;
}

/** Raises the notification `event` causes, if any, in the caller's transaction (the event's own). */
export async function raiseNotification(client: PoolClient, caseId: string, event: RecordedEvent): Promise<void> {
  const raised = raisedBy(event);
  if (!raised) return;
  const people = await recipients(client, caseId, raised.audience);
  await client.query(
    `INSERT INTO notifications (kind, case_id, event_seq, recipients, payload)
     SELECT $2, c.id, $3, $4::jsonb,
            jsonb_strip_nulls(jsonb_build_object(
              'kind', $2::text, 'caseNumber', c.case_number, 'caseId', c.id, 'workflowId', c.workflow_id,
              'link', '/cases/' || c.case_number, 'title', format($5, c.case_number), 'dueAt', $6::text))
       FROM cases c WHERE c.id = $1`,
    [caseId, raised.kind, event.seq, JSON.stringify(people), raised.title, raised.dueAt ?? null],
  );
}
