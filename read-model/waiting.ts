// Owners and waits in the read model: the owner, the owner's wait on the customer, and whom an open case waits on
// (cases.waiting_on, by the rule of migration 0018's case_waiting_on) with one case_waits span per party.
import type { PoolClient } from 'pg';
import type { RecordedEvent } from '../domain/events';

type WaitEvent = Extract<RecordedEvent, { type: 'CASE_ASSIGNED' | 'CUSTOMER_WAIT_STARTED' | 'CUSTOMER_WAIT_ENDED' }>;

export async function projectOwnersAndWaits(client: PoolClient, caseId: string, event: WaitEvent): Promise<void> {
  switch (event.type) {
    case 'CASE_ASSIGNED':
      await client.query('UPDATE cases SET owner_id = $2 WHERE id = $1', [caseId, event.data.ownerId]);
      return;
    case 'CUSTOMER_WAIT_STARTED':
      await client.query('UPDATE cases SET customer_wait_reason = $2, customer_wait_until = $3, customer_wait_since = $4 WHERE id = $1', [
        caseId,
        event.data.reason,
        event.data.until,
        event.at,
      ]);
      return;
    case 'CUSTOMER_WAIT_ENDED':
      await client.query('UPDATE cases SET customer_wait_reason = NULL, customer_wait_until = NULL, customer_wait_since = NULL WHERE id = $1', [
        caseId,
      ]);
      // The inbox shows the moved due times, and an escalation already made stays.
      await client.query(
        `UPDATE tasks t SET due_at = d."dueAt" FROM jsonb_to_recordset($2::jsonb) AS d("taskId" uuid, "dueAt" timestamptz)
          WHERE t.id = d."taskId" AND t.case_id = $1`,
        [caseId, JSON.stringify(event.data.dueAts)],
      );
      return;
  }
}

/**
 * After the case's events of one write are projected (at `at`, the last one's time): whom it waits on now. A change
 * ends the open span and begins the next; a closed case waits on nobody.
 */
export async function followWaitingOn(client: PoolClient, caseId: string, at: string): Promise<void> {
  const { rows } = await client.query<{ party: string | null; current: string | null }>(
    'SELECT case_waiting_on(c.id) AS party, c.waiting_on AS current FROM cases c WHERE c.id = $1',
    [caseId],
  );
  const row = rows[0];
  if (!row || row.party === row.current) return;
  await client.query('UPDATE case_waits SET ended_at = greatest(started_at, $2) WHERE case_id = $1 AND ended_at IS NULL', [caseId, at]);
  if (row.party !== null) await client.query('INSERT INTO case_waits (case_id, party, started_at) VALUES ($1, $2, $3)', [caseId, row.party, at]);
  await client.query('UPDATE cases SET waiting_on = $2 WHERE id = $1', [caseId, row.party]);
}
