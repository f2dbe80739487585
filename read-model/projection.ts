// The case read model in PostgreSQL, projected from the trail: each event is inserted once (unique on
// (case_id, seq)) and its projection is applied in the same transaction only when the insert happened, so a
// retried activity changes nothing twice. The worker projects; the API writes the one row it must see at once (the
// case it opened) with the same statement.
import type { PoolClient } from 'pg';
import type { Finding } from '../contract';
import { openedItems, openingOwner, type CaseOpenedData, type EventPayloads, type RecordedEvent } from '../domain/events';
import type { StoredEvidence } from '../domain/evidence';
import { parseMoney } from '../domain/money';
import { raiseNotification } from './notifications';
import { refreshRecommendations } from './recommendations';
import type { Queryable } from './sql';
import { followWaitingOn, projectOwnersAndWaits } from './waiting';

/**
 * Inserts the events that are not there yet; returns those it inserted. One statement per call (a life writes ~14
 * events in ~8 calls), in the order given, which the trail's hash chain follows; except that each statement holds
 * at most one STAGE_ENTERED: the stage-duration rollup's row trigger runs after its statement and must not see a
 * later stage of the same statement as already there.
 */
export async function insertEvents(client: PoolClient, caseId: string, events: RecordedEvent[]): Promise<RecordedEvent[]> {
  const inserted: RecordedEvent[] = [];
  for (const batch of statements(events)) {
    const rows = batch.map((e) => ({ seq: e.seq, at: e.at, actor_id: e.actor.id, actor_name: e.actor.name, type: e.type, data: e.data }));
    const { rows: written } = await client.query<{ seq: number }>({
      name: 'insert-case-events',
      text: `INSERT INTO case_events (case_id, seq, at, actor_id, actor_name, type, data)
             SELECT $1, e.seq, e.at, e.actor_id, e.actor_name, e.type, e.data
               FROM ROWS FROM (jsonb_to_recordset($2::jsonb)
                      AS (seq integer, at timestamptz, actor_id text, actor_name text, type text, data jsonb))
                    WITH ORDINALITY AS e(seq, at, actor_id, actor_name, type, data, n)
              ORDER BY e.n
             ON CONFLICT (case_id, seq) DO NOTHING
             RETURNING seq`,
      values: [caseId, JSON.stringify(rows)],
    });
    const seqs = new Set(written.map((r) => r.seq));
    inserted.push(...batch.filter((e) => seqs.has(e.seq)));
  }
  return inserted;
}

function statements(events: RecordedEvent[]): RecordedEvent[][] {
  const batches: RecordedEvent[][] = [];
  let stages = 0;
  for (const event of events) {
    const isStage = event.type === 'STAGE_ENTERED';
    if (!batches.length || (isStage && stages > 0)) {
      batches.push([]);
      stages = 0;
    }
    batches[batches.length - 1].push(event);
    if (isStage) stages++;
  }
  return batches;
}

/** Projects the events not recorded yet, in the caller's transaction. */
export async function projectEvents(client: PoolClient, caseId: string, events: RecordedEvent[]): Promise<void> {
  // CASE_OPENED creates the row the trail hangs from (the API normally wrote it already).
  for (const event of events) {
    if (event.type === 'CASE_OPENED') await project(client, caseId, event);
  }
  const inserted = await insertEvents(client, caseId, events);
  for (const event of inserted) {
    if (event.type !== 'CASE_OPENED') await project(client, caseId, event);
    await raiseNotification(client, caseId, event);
  }
  if (inserted.length) await followWaitingOn(client, caseId, inserted[inserted.length - 1].at);
}

/**
 * The case's row as opened: written by the API when it opens the case and by the projection of CASE_OPENED. No
 * conflict target: the API's request, a concurrent one with the same key and the workflow's first activity may all
 * write this row at once, and an insert that meets another's uncommitted row on case_number or workflow_id before id
 * would fail instead of doing nothing (seen once in 300 by the chaos run).
 */
export async function insertCase(
  db: Queryable,
  row: { id: string; opened: CaseOpenedData; openedBy: string; openedAt: string },
): Promise<void> {
  const o = row.opened;
  const ownerId = openingOwner(o, { id: row.openedBy, name: '' });
  // One statement: the case and its items, or neither (the row may already be there, written by another).
  await db.query(
    `WITH c AS (
       INSERT INTO cases (id, case_number, workflow_id, invoice_number, customer_id, currency, disputed_minor,
                          reason_code, description, opened_by, opened_at, stage_entered_at, owner_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $13) ON CONFLICT DO NOTHING
       RETURNING id)
     INSERT INTO case_items (case_id, ordinal, invoice_number, line_no, disputed_minor)
     SELECT c.id, i.n - 1, i.invoice_number, i.line_no, i.disputed_minor
       FROM c, ROWS FROM (jsonb_to_recordset($12::jsonb) AS (invoice_number text, line_no integer, disputed_minor bigint))
            WITH ORDINALITY AS i(invoice_number, line_no, disputed_minor, n)`,
    [row.id, o.caseNumber, o.workflowId, o.invoiceNumber, o.customerId, o.currency, parseMoney(o.disputedAmount),
      o.reasonCode, o.description, row.openedBy, row.openedAt,
      JSON.stringify(openedItems(o).map((i) => ({
        invoice_number: i.invoiceNumber,
        line_no: i.lineNo ?? null,
        disputed_minor: parseMoney(i.disputedAmount).toString(),
      }))), ownerId],
  );
}

/**
 * The projection of EVIDENCE_COLLECTED (and EVIDENCE_REFRESHED, once the evidence it replaces is gone), written by the
 * evidence activity with its event: each invoice's evidence (the first's on the case row, the others' in
 * case_evidence), its hash, every finding as the set of the event's seq, made the case's current one, and the
 * recommendations from them. The sets before stay where they are.
 */
export async function storeEvidence(
  client: PoolClient,
  caseId: string,
  invoices: { invoiceNumber: string; evidence: StoredEvidence }[],
  findings: Finding[],
  figures: { overbilled: string; evidenceHash: string; seq: number },
): Promise<void> {
  const [first, ...others] = invoices;
  if (others.length) {
    await client.query(
      `INSERT INTO case_evidence (case_id, invoice_number, evidence)
       SELECT $1, e.invoice_number, e.evidence FROM jsonb_to_recordset($2::jsonb) AS e(invoice_number text, evidence jsonb)`,
      [caseId, JSON.stringify(others.map((o) => ({ invoice_number: o.invoiceNumber, evidence: o.evidence })))],
    );
  }
  // One statement for all of them: a long invoice has thousands. A finding found again as the current set has it
  // keeps what its done task confirmed: the team is not asked twice.
  await client.query(
    `INSERT INTO findings (case_id, evidence_seq, ordinal, code, team, invoice_number, line_no, expected, actual, amount_minor, confirmed_minor)
     SELECT $1, $3, f.n - 1, f.code, f.team, f.invoice_number, f.line_no, f.expected, f.actual, f.amount_minor,
            (SELECT max(p.confirmed_minor) FROM current_findings p
              WHERE p.case_id = $1 AND p.code = f.code AND p.team = f.team AND p.invoice_number = f.invoice_number
                AND p.line_no IS NOT DISTINCT FROM f.line_no AND p.amount_minor = f.amount_minor)
       FROM ROWS FROM (jsonb_to_recordset($2::jsonb)
              AS (code text, team text, invoice_number text, line_no integer, expected text, actual text, amount_minor bigint))
            WITH ORDINALITY AS f(code, team, invoice_number, line_no, expected, actual, amount_minor, n)`,
    [
      caseId,
      JSON.stringify(
        findings.map((f) => ({
          code: f.code,
          team: f.team,
          invoice_number: f.invoiceNumber,
          line_no: f.lineNo ?? null,
          expected: f.expected,
          actual: f.actual,
          // bigint as a JSON string: PostgreSQL reads it into bigint exactly.
          amount_minor: parseMoney(f.amount).toString(),
        })),
      ),
      figures.seq,
    ],
  );
  await client.query(
    `UPDATE cases SET evidence = $2, evidence_error = NULL, overbilled_minor = $3, evidence_hash = $4, evidence_seq = $5 WHERE id = $1`,
    [caseId, JSON.stringify(first.evidence), parseMoney(figures.overbilled), figures.evidenceHash, figures.seq],
  );
  await refreshRecommendations(client, caseId);
}

/**
 * A closed case's deductions end: on each invoice, its credits and write-offs clear the case's deductions there in the
 * order they were taken, each up to its amount (CLEARED, else PARTIAL); what none cleared is INVALID, collectible
 * again. A cancelled case leaves them OPEN.
 */
async function clearDeductions(client: PoolClient, caseId: string, at: string): Promise<void> {
  await client.query(
    `WITH taken AS (
       SELECT id, invoice_number, amount_minor,
              coalesce(sum(amount_minor) OVER (PARTITION BY invoice_number ORDER BY created_at, id
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
         FROM deductions WHERE case_id = $1 AND status = 'OPEN'),
     lowered AS (
       SELECT invoice_number, sum(amount_minor) AS amount_minor FROM adjustments
        WHERE case_id = $1 AND kind IN ('CREDIT', 'WRITE_OFF') GROUP BY invoice_number),
     cleared AS (
       SELECT t.id, t.amount_minor, least(t.amount_minor, greatest(coalesce(l.amount_minor, 0) - t.before, 0)) AS minor
         FROM taken t LEFT JOIN lowered l USING (invoice_number))
     UPDATE deductions d
        SET cleared_minor = c.minor, resolved_at = $2,
            status = CASE WHEN c.minor = c.amount_minor THEN 'CLEARED' WHEN c.minor > 0 THEN 'PARTIAL' ELSE 'INVALID' END
       FROM cleared c WHERE d.id = c.id`,
    [caseId, at],
  );
}

/** A case no longer open frees its invoices and lines for another case, with the status that closed it. */
async function releaseClaims(client: PoolClient, caseId: string, at: string): Promise<void> {
  await client.query('UPDATE case_claims SET released_at = $2 WHERE case_id = $1 AND released_at IS NULL', [caseId, at]);
}

const money = (amount: string | null): bigint | null => (amount === null ? null : parseMoney(amount));

/**
 * What a completion says of each of its task's findings (those of its case's current set with its team): CONFIRMED
 * their amount, NOT_CONFIRMED 0, PARTIAL the listed amount or 0. One statement, however many findings the task has;
 * the API checked the ids and amounts, and the column's CHECK refuses an amount over the finding's whoever writes.
 */
async function confirmFindings(client: PoolClient, caseId: string, completed: EventPayloads['TASK_COMPLETED']): Promise<void> {
  const listed = (completed.findings ?? []).map((f) => ({ id: f.id, confirmed_minor: parseMoney(f.confirmedAmount).toString() }));
  await client.query(
    `UPDATE findings f
        SET confirmed_minor = CASE $3 WHEN 'CONFIRMED' THEN f.amount_minor
                                      WHEN 'PARTIAL' THEN coalesce(l.confirmed_minor, 0)
                                      ELSE 0 END
       FROM current_findings g LEFT JOIN jsonb_to_recordset($4::jsonb) AS l(id uuid, confirmed_minor bigint) ON l.id = g.id
      WHERE g.case_id = $1 AND g.team = $2 AND f.case_id = g.case_id AND f.evidence_seq = g.evidence_seq AND f.ordinal = g.ordinal`,
    [caseId, completed.team, completed.outcome, JSON.stringify(listed)],
  );
}

async function project(client: PoolClient, caseId: string, event: RecordedEvent): Promise<void> {
  const actorId = event.actor.id === 'system' ? null : event.actor.id;
  switch (event.type) {
    case 'CASE_OPENED':
      await insertCase(client, { id: caseId, opened: event.data, openedBy: event.actor.id, openedAt: event.at });
      return;
    case 'STAGE_ENTERED':
      await client.query('UPDATE cases SET stage = $2, stage_entered_at = $3 WHERE id = $1', [caseId, event.data.stage, event.at]);
      return;
    case 'EVIDENCE_FAILED':
      await client.query('UPDATE cases SET evidence_error = $2 WHERE id = $1', [caseId, event.data.error]);
      return;
    case 'EVIDENCE_RETRY_REQUESTED':
      await client.query('UPDATE cases SET evidence_error = NULL WHERE id = $1', [caseId]);
      return;
    case 'TASK_CREATED': {
      const d = event.data;
      await client.query(
        `INSERT INTO tasks (id, case_id, team, title, finding_codes, created_at, due_at, routing_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [d.taskId, caseId, d.team, d.title, d.findingCodes, event.at, d.dueAt, d.routingVersion ?? 0],
      );
      return;
    }
    case 'TASK_ESCALATED':
      await client.query('UPDATE tasks SET escalated_at = $2, assignee_id = coalesce($3, assignee_id) WHERE id = $1', [
        event.data.taskId,
        event.at,
        event.data.assignee?.id ?? null,
      ]);
      return;
    case 'TASK_COMPLETED': {
      const d = event.data;
      await client.query(
        `UPDATE tasks SET status = 'DONE', completed_at = $2, completed_by = $3, outcome = $4, note = $5, amount_minor = $6
          WHERE id = $1`,
        [d.taskId, event.at, actorId, d.outcome, d.note, money(d.amount)],
      );
      await confirmFindings(client, caseId, d);
      await refreshRecommendations(client, caseId);
      return;
    }
    case 'TASK_CANCELLED':
      await client.query(`UPDATE tasks SET status = 'CANCELLED' WHERE id = $1`, [event.data.taskId]);
      // The last open task gone (a refresh dropped its findings), the others' confirmations count.
      await refreshRecommendations(client, caseId);
      return;
    case 'RESOLUTION_PROPOSED': {
      const d = event.data;
      await client.query(
        `INSERT INTO resolutions (id, case_id, type, amount_minor, root_cause, note, proposed_by, proposed_at, adjustments)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [d.resolutionId, caseId, d.type, money(d.amount), d.rootCause, d.note, actorId, event.at,
          d.adjustments ? JSON.stringify(d.adjustments) : null],
      );
      return;
    }
    case 'RESOLUTION_DECIDED': {
      const d = event.data;
      await client.query(
        `INSERT INTO approvals (id, case_id, resolution_id, decision, comment, amount_minor, approver_limit_minor,
                                decided_by, decided_at, evidence_hash, on_behalf_of, policy_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [d.approvalId, caseId, d.resolutionId, d.decision, d.comment, money(d.amount), money(d.approverLimit), actorId, event.at,
          d.evidenceHash ?? null, d.onBehalfOf?.id ?? null, d.policyVersion ?? null],
      );
      return;
    }
    case 'CASE_CLOSED':
      await client.query(`UPDATE cases SET status = 'CLOSED', closed_at = $2 WHERE id = $1`, [caseId, event.at]);
      await releaseClaims(client, caseId, event.at);
      await clearDeductions(client, caseId, event.at);
      return;
    case 'DEDUCTION_ADDED': {
      const d = event.data;
      const amount = parseMoney(d.amount);
      await client.query('UPDATE cases SET disputed_minor = disputed_minor + $2 WHERE id = $1', [caseId, amount]);
      await client.query(
        `UPDATE case_items SET disputed_minor = disputed_minor + $3
          WHERE case_id = $1 AND ordinal = (SELECT min(ordinal) FROM case_items WHERE case_id = $1 AND invoice_number = $2)`,
        [caseId, d.invoiceNumber, amount],
      );
      await client.query('UPDATE deductions SET case_id = $1 WHERE id = $2 AND case_id IS NULL', [caseId, d.deductionId]);
      return;
    }
    case 'CASE_CANCELLED':
      await client.query(`UPDATE cases SET status = 'CANCELLED', closed_at = $2 WHERE id = $1`, [caseId, event.at]);
      await releaseClaims(client, caseId, event.at);
      return;
    case 'CASE_PARKED':
      await client.query('UPDATE cases SET parked_error = $2 WHERE id = $1', [caseId, event.data.error]);
      return;
    case 'CASE_ASSIGNED':
    case 'CUSTOMER_WAIT_STARTED':
    case 'CUSTOMER_WAIT_ENDED':
      await projectOwnersAndWaits(client, caseId, event);
      return;
    case 'EVIDENCE_COLLECTED':
    case 'EVIDENCE_REFRESHED':
    case 'CREDIT_MEMO_ISSUED':
    case 'ADJUSTMENTS_ISSUED':
      throw new Error(`${event.type} is written by its own activity, with its side effect`);
    case 'APPROVAL_ESCALATED': {
      const offeredTo = event.data.offeredTo ?? [];
      if (offeredTo.length) {
        await client.query(
          `INSERT INTO approval_offers (resolution_id, user_id, case_id, offered_at)
           SELECT $1, u.id, $2, $3 FROM unnest($4::uuid[]) AS u(id) ON CONFLICT DO NOTHING`,
          [event.data.resolutionId, caseId, event.at, offeredTo.map((o) => o.id)],
        );
      }
      return;
    }
    case 'RESOLUTION_ESCALATED':
    case 'CREDIT_MEMO_REFUSED':
    case 'EVIDENCE_REFRESH_FAILED':
      return; // on the trail only
  }
}
