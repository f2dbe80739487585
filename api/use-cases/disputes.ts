// Dispute cases: opening one (its workflow, then its case row; once per Idempotency-Key whatever fails), reading
// them from the PostgreSQL read model, and the specialist's and manager's commands.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import {
  cancelUpdate,
  retryEvidenceUpdate,
  type CommandResult,
  decideUpdate,
  proposeResolutionUpdate,
  refreshEvidenceUpdate,
  type DisputeInput,
} from '../../domain/messages';
import { formatMoney, parseMoney, sumBig } from '../../domain/money';
import { SYSTEM_OPENER, type Actor, type OpenedItem } from '../../domain/events';
import { withTransaction } from '../../infra/postgres';
import type { PoolClient } from 'pg';
import type { Role } from '../../domain/types';
import { disputeWorkflowId, formatCaseNumber } from '../../domain/workflow-ids';
import type { disputeWorkflow } from '../../workflows/dispute';
import { commandActor, visibleTeam, type AuthUser } from '../auth';
import { sendUpdate } from '../commands';
import type { OnBehalfOf } from '../../domain/messages';
import {
  currentRoutingVersion,
  decisionAuthority,
  delegationsTo,
  readerAuthority,
  type ReaderAuthority,
  decisionPolicy,
  pendingProposal,
  policyVersion,
  type DecisionAuthority,
  type PendingProposal,
} from '../decision-authority';
import { claimKey, earlierUse, keyReused, requestHash, type KeyedRequest } from '../idempotency';
import {
  encodeCursor,
  isoSql,
  preciseSql,
  sqlParams,
  type Queryable,
  type Row,
} from '../../read-model/sql';
import { AppError } from '../errors';
import { caseEvidencePage } from '../evidence';
import { checkedCursor, isTimestamp, isUuid, lineWindow } from '../paging';
import type { CommandUseCaseContext, UseCaseContext } from './context';
import type { RouteDeps } from '../route';
import { LATEST_RESOLUTION, SUMMARY_COLUMNS, VISIBLE_TO_TEAM, caseKey, money, resolutionOf, summaryOf } from '../../read-model/cases';
import { findingsOfLines } from '../../read-model/findings';
import { CONFIRMED_OVERBILLING, itemExplanations } from '../../read-model/recommendations';
import { insertCase } from '../../read-model/projection';
import { DEDUCTION_COLUMNS, deductionOf } from '../../read-model/deductions';
import { adjustmentOf, adjustmentsJson, caseInvoices, ledgerOf, type CaseInvoice } from '../../read-model/ledger';
import { adjustmentsTotal, allocate, type PlannedAdjustment } from '../../domain/allocation';
import type { ProposedAdjustment } from '../../domain/events';
import { ITEM_FINDINGS_SHOWN, LIMIT_DEFAULT, type Resolution } from '../../contract';
import type {
  cancelRequest,
  caseEvidenceResponse,
  commandResponse,
  decisionRequest,
  disputeDetail,
  disputeListQuery,
  disputeListResponse,
  caseEvidenceQuery,
  OpenDisputeBody,
  openDisputeResponse,
  refreshEvidenceRequest,
  resolutionRequest,
  retryEvidenceRequest,
} from '../../contract';

type Opened = z.input<typeof openDisputeResponse>;

// ---------------------------------------------------------------- opening

/** What a case is opened as: fixed before its workflow starts, and reused by every retry of one Idempotency-Key. */
interface Reservation {
  caseId: string;
  caseNumber: string;
  workflowId: string;
  openedAt: string;
}

/**
 * Opens a case: its workflow is started first, then its row is written (the workflow's first activity writes the
 * same row, so a row lost to a failure after the start still appears). The case's ids are reserved under the
 * Idempotency-Key (the caller's, or one made for it) before the start: a retry after any failure, even one that left
 * the caller unsure whether the workflow started (a start answered too late, a database lost after it), starts the
 * same workflow again, which Temporal refuses as a duplicate, and never opens a second case.
 *
 * No worker need be running: the start is durable, and the case waits in EVIDENCE until a worker picks it up.
 */
export async function openDispute(ctx: CommandUseCaseContext, { body }: { body: OpenDisputeBody }): Promise<Opened> {
  const opened = await openCase(ctx.deps, ctx.user, ctx.idempotencyKey, body);
  ctx.touchCase(opened.workflowId);
  return opened;
}

/** Opens a case for whoever opens it: a person through openDispute, or the system actor for a deduction. */
export async function openCase(deps: RouteDeps, user: Actor, idempotencyKey: string, input: OpenDisputeBody): Promise<Opened> {
  const byItems = 'items' in input;
  // A v1 body is hashed as it always was: a retry across the upgrade matches.
  const body = byItems
    ? {
        reasonCode: input.reasonCode,
        description: input.description ?? null,
        items: input.items.map((i) => ({ invoiceNumber: i.invoiceNumber, lineNo: i.lineNo ?? null, disputedAmount: i.disputedAmount })),
      }
    : { invoiceNumber: input.invoiceNumber, disputedAmount: input.disputedAmount, reasonCode: input.reasonCode, description: input.description ?? null };
  const items: OpenedItem[] = byItems
    ? input.items.map((i) => ({ invoiceNumber: i.invoiceNumber, ...(i.lineNo === undefined ? {} : { lineNo: i.lineNo }), disputedAmount: i.disputedAmount }))
    : [{ invoiceNumber: input.invoiceNumber, disputedAmount: input.disputedAmount }];
  // Each item's fields as the body named them.
  const field = (index: number, name: 'invoiceNumber' | 'lineNo' | 'disputedAmount') => (byItems ? `items.${index}.${name}` : name);
  const hash = requestHash(body);

  let earlier = await earlierOpening(deps.pool, user.id, idempotencyKey, hash);
  if (earlier?.caseWritten) return openedCase(earlier.reservation);

  // A reservation was accepted already: the balances it was checked against may since have gone to its own credit.
  const invoice = await checkedItems(deps.pool, items, field, { amounts: !earlier });
  const opening = { reasonCode: body.reasonCode, description: body.description, items };

  if (!earlier) {
    const fresh = await reserveFresh(deps, user.id, idempotencyKey, hash, items, field);
    if (!fresh) earlier = await earlierOpening(deps.pool, user.id, idempotencyKey, hash);
    if (fresh) {
      const opened = await startCase(deps, user, opening, invoice, fresh);
      deps.metrics.casesOpened.inc();
      return opened;
    }
  }
  if (!earlier) throw new Error('an Idempotency-Key refused as taken has no reservation');
  const reservation = earlier.reservation;
  // Its claims are locked while its workflow starts, so that they cannot be released as abandoned meanwhile; if they
  // were released already (its start failed and it came back late), it claims its items again, or is refused.
  return withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query('SELECT released_at IS NOT NULL AS released FROM case_claims WHERE case_id = $1 FOR UPDATE', [
      reservation.caseId,
    ]);
    if (rows.some((r) => r.released)) await claimItems(client, reservation, items, field);
    return startCase(deps, user, opening, invoice, reservation);
  });
}

/**
 * Reserves a case under the key and claims its items, in one transaction. Answers null when a concurrent request with
 * the same key reserved first. An item held by an opening that was abandoned is released once and the reservation
 * tried again.
 */
async function reserveFresh(
  deps: RouteDeps,
  userId: string,
  idempotencyKey: string,
  hash: string,
  items: readonly OpenedItem[],
  field: ItemField,
): Promise<Reservation | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await withTransaction(deps.pool, async (client) => {
        const { rows } = await client.query(`SELECT nextval('case_number_seq') AS n`);
        const caseNumber = formatCaseNumber(BigInt(rows[0].n));
        const reservation: Reservation = { caseId: randomUUID(), caseNumber, workflowId: disputeWorkflowId(caseNumber), openedAt: new Date().toISOString() };
        const { rowCount } = await client.query(
          `INSERT INTO idempotency_keys (user_id, key, command, request_hash, case_id, case_number, workflow_id, opened_at)
           VALUES ($1, $2, 'open', $3, $4, $5, $6, $7) ON CONFLICT (user_id, key) DO NOTHING`,
          [userId, idempotencyKey, hash, reservation.caseId, reservation.caseNumber, reservation.workflowId, reservation.openedAt],
        );
        // A concurrent request with the same key reserved first (its insert committed before ours was refused).
        if (!rowCount) return null;
        await claimItems(client, reservation, items, field);
        return reservation;
      });
    } catch (err) {
      if (!(err instanceof ClaimRefused) || attempt > 0 || !(await releaseIfAbandoned(deps, err.holder))) throw err;
    }
  }
}

/** How long an opening's claims wait for its workflow before a later opening may release them. */
const ABANDONED_AFTER_SECONDS = 300;

/**
 * An opening whose workflow start failed, and whose key nobody sent again, holds its items for no case at all: with
 * no case row and no workflow after ABANDONED_AFTER_SECONDS (far beyond the start's deadline), its claims are
 * released. Temporal is asked, not guessed: a workflow that exists keeps them. Answers whether they were released.
 */
async function releaseIfAbandoned(deps: RouteDeps, caseNumber: string): Promise<boolean> {
  return withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query(
      `SELECT 1 FROM case_claims c
        WHERE c.case_number = $1 AND c.released_at IS NULL AND c.claimed_at < now() - make_interval(secs => $2)
          AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.id = c.case_id)
          FOR UPDATE`,
      [caseNumber, ABANDONED_AFTER_SECONDS],
    );
    if (rows.length === 0) return false;
    const workflowId = disputeWorkflowId(caseNumber);
    try {
      await deps.temporal.withDeadline(Date.now() + deps.temporalTimeoutMs, () => deps.temporal.workflow.getHandle(workflowId).describe());
      return false;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    await client.query('UPDATE case_claims SET released_at = now() WHERE case_number = $1 AND released_at IS NULL', [caseNumber]);
    deps.logger.warn({ workflowId, caseNumber }, 'claims of an opening whose workflow never started released');
    return true;
  });
}

type ItemField = (index: number, name: 'invoiceNumber' | 'lineNo' | 'disputedAmount') => string;

/** What a line item may still dispute: the line's billed amount less what credits from all cases took of it. */
const LINE_DISPUTABLE_SQL = '(l.amount_minor - l.credited_minor)';

/**
 * Checks the items against the records: each invoice (and line) exists, all of one customer and currency (the first
 * item's), and, when `amounts`, each amount within its invoice's open balance or its line's disputable amount.
 * Answers the customer and currency of the case. Refusals are 422s naming the item's field.
 */
async function checkedItems(
  db: Queryable,
  items: readonly OpenedItem[],
  field: ItemField,
  { amounts }: { amounts: boolean },
): Promise<{ customer_id: string; currency: string }> {
  const { rows } = await db.query(
    `SELECT i.n - 1 AS index, v.number, v.customer_id, v.currency, v.open_balance_minor::text AS open_balance_minor,
            l.line_no, (${LINE_DISPUTABLE_SQL})::text AS line_disputable_minor
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (invoice_number text, line_no integer)) WITH ORDINALITY AS i(invoice_number, line_no, n)
       LEFT JOIN invoices v ON v.number = i.invoice_number
       LEFT JOIN invoice_lines l ON l.invoice_number = i.invoice_number AND l.line_no = i.line_no
      ORDER BY i.n`,
    [JSON.stringify(items.map((i) => ({ invoice_number: i.invoiceNumber, line_no: i.lineNo ?? null })))],
  );
  const first = rows[0];
  items.forEach((item, index) => {
    const row = rows[index];
    if (!row.number) throw AppError.unprocessable(field(index, 'invoiceNumber'), `no invoice ${item.invoiceNumber} in the records`);
    if (row.customer_id !== first.customer_id) {
      throw AppError.unprocessable(
        field(index, 'invoiceNumber'),
        `invoice ${item.invoiceNumber} is of customer ${row.customer_id}; the case's is ${first.customer_id}`,
      );
    }
    if (row.currency !== first.currency) {
      throw AppError.unprocessable(field(index, 'invoiceNumber'), `invoice ${item.invoiceNumber} is in ${row.currency}; the case is in ${first.currency}`);
    }
    if (item.lineNo !== undefined && row.line_no === null) {
      throw AppError.unprocessable(field(index, 'lineNo'), `invoice ${item.invoiceNumber} has no line ${item.lineNo}`);
    }
    if (!amounts) return;
    const amount = parseMoney(item.disputedAmount);
    const limit = BigInt(item.lineNo === undefined ? row.open_balance_minor : row.line_disputable_minor);
    if (amount > limit) {
      const what = item.lineNo === undefined ? "the invoice's open balance" : `what line ${item.lineNo} may still dispute`;
      throw AppError.unprocessable(field(index, 'disputedAmount'), `${item.disputedAmount} is more than ${what} of ${formatMoney(limit)}`);
    }
  });
  return { customer_id: first.customer_id, currency: first.currency };
}

/** An item another open case holds: a 422 naming that case, which the opening may find abandoned. */
class ClaimRefused extends AppError {
  constructor(
    readonly holder: string,
    message: string,
    field: string,
  ) {
    super(422, 'IN_OPEN_CASE', message, [{ field, message: `is in open case ${holder}`, in: 'body' }]);
  }
}

/**
 * Claims the items for the case in the reservation's transaction: the database refuses an invoice or a line another
 * open case holds (migration 0010), and the refusal names that case.
 */
async function claimItems(client: PoolClient, reservation: Reservation, items: readonly OpenedItem[], field: ItemField): Promise<void> {
  for (const [index, item] of items.entries()) {
    try {
      await client.query('INSERT INTO case_claims (case_id, case_number, invoice_number, line_no) VALUES ($1, $2, $3, $4)', [
        reservation.caseId,
        reservation.caseNumber,
        item.invoiceNumber,
        item.lineNo ?? null,
      ]);
    } catch (err) {
      const e = err as { code?: string; constraint?: string; detail?: string };
      if (e.code !== '23P01' || e.constraint !== 'case_claims_no_overlap') throw err;
      const what = item.lineNo === undefined ? `invoice ${item.invoiceNumber}` : `line ${item.lineNo} of invoice ${item.invoiceNumber}`;
      throw new ClaimRefused(String(e.detail), `${what} is in open case ${e.detail}`, field(index, item.lineNo === undefined ? 'invoiceNumber' : 'lineNo'));
    }
  }
}

async function startCase(
  deps: RouteDeps,
  user: Actor,
  body: { reasonCode: DisputeInput['opened']['reasonCode']; description: string | null; items: OpenedItem[] },
  invoice: { customer_id: string; currency: string },
  reserved: Reservation,
): Promise<Opened> {
  const workflowInput: DisputeInput = {
    caseId: reserved.caseId,
    opened: {
      caseNumber: reserved.caseNumber,
      workflowId: reserved.workflowId,
      invoiceNumber: body.items[0].invoiceNumber,
      customerId: invoice.customer_id,
      currency: invoice.currency,
      disputedAmount: formatMoney(sumBig(body.items.map((i) => parseMoney(i.disputedAmount)))),
      reasonCode: body.reasonCode,
      description: body.description,
      items: body.items,
      ownerId: user.id === SYSTEM_OPENER.id ? await ruledOwner(deps.pool, invoice.customer_id) : user.id,
    },
    openedBy: { id: user.id, name: user.name },
    openedAt: reserved.openedAt,
    slas: deps.slas,
  };
  try {
    await deps.temporal.withDeadline(Date.now() + deps.temporalTimeoutMs, () =>
      deps.temporal.workflow.start<typeof disputeWorkflow>('disputeWorkflow', {
        workflowId: reserved.workflowId,
        taskQueue: deps.taskQueue,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        args: [workflowInput],
      }),
    );
  } catch (err) {
    // Only a retry of a reservation gets here: the earlier attempt did start it.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  // The workflow's first activity writes the same row: whichever comes first makes it.
  await insertCase(deps.pool, { id: reserved.caseId, opened: workflowInput.opened, openedBy: user.id, openedAt: reserved.openedAt });
  return openedCase(reserved);
}

/** The specialist the routing version in force names for the customer's cases the system opens; null: none. */
async function ruledOwner(db: Queryable, customerId: string): Promise<string | null> {
  const { rows } = await db.query(
    'SELECT owner_id FROM owner_rules WHERE customer_id = $1 AND version = (SELECT max(version) FROM routing_versions)',
    [customerId],
  );
  return rows[0]?.owner_id ?? null;
}

function openedCase(reserved: Reservation): Opened {
  return { id: reserved.caseId, caseNumber: reserved.caseNumber, status: 'OPEN', workflowId: reserved.workflowId };
}

async function earlierOpening(
  db: Queryable,
  userId: string,
  key: string,
  hash: string,
): Promise<{ reservation: Reservation; caseWritten: boolean } | null> {
  const { rows } = await db.query(
    `SELECT k.command, k.request_hash, k.case_id, k.case_number, k.workflow_id, ${isoSql('k.opened_at')} AS opened_at,
            EXISTS (SELECT 1 FROM cases c WHERE c.id = k.case_id) AS case_written
       FROM idempotency_keys k WHERE k.user_id = $1 AND k.key = $2`,
    [userId, key],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.command !== 'open' || row.request_hash !== hash) throw keyReused();
  return {
    reservation: { caseId: row.case_id, caseNumber: row.case_number, workflowId: row.workflow_id, openedAt: row.opened_at },
    caseWritten: row.case_written,
  };
}

// ---------------------------------------------------------------- reading

export async function listDisputes(
  ctx: UseCaseContext,
  { query }: { query: z.output<typeof disputeListQuery> },
): Promise<z.input<typeof disputeListResponse>> {
  const team = visibleTeam(ctx.user, query.team ?? null, 'cases');
  const { values: params, add: param } = sqlParams();
  const where: string[] = [];
  if (query.status) where.push(`c.status = ${param(query.status)}`);
  if (query.stage) where.push(`c.stage = ${param(query.stage)}`);
  if (query.customerId) where.push(`c.customer_id = ${param(query.customerId)}`);
  if (query.reasonCode) where.push(`c.reason_code = ${param(query.reasonCode)}`);
  if (query.owner) where.push(`c.owner_id = ${param(query.owner === 'me' ? ctx.user.id : query.owner)}`);
  if (team !== null) where.push(`EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.team = ${param(team)})`);
  const offered = `EXISTS (SELECT 1 FROM approval_offers o WHERE o.case_id = c.id AND o.user_id = ${param(ctx.user.id)}
                      AND NOT EXISTS (SELECT 1 FROM approvals oa WHERE oa.resolution_id = o.resolution_id))`;
  if (query.offeredTo === 'me') where.push(offered);
  // Both the comparison and the direction are constants picked by the enum, never text from the query.
  const [after, direction] = query.order === 'asc' ? ['>', 'ASC'] : ['<', 'DESC'];
  if (query.cursor) {
    const [at, id] = checkedCursor(query.cursor, (v) => v.length === 2 && isTimestamp(v[0]) && isUuid(v[1]));
    where.push(`(c.opened_at, c.id) ${after} (${param(at)}::timestamptz, ${param(id)}::uuid)`);
  }
  const { rows } = await ctx.deps.pool.query(
    `SELECT ${SUMMARY_COLUMNS}, ${LATEST_RESOLUTION} AS proposal, ${offered} AS offered_to_me, ${preciseSql('c.opened_at')} AS cursor_at
       FROM cases c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c.opened_at ${direction}, c.id ${direction} LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const items = [];
  const authorityOf = readerAuthorities(ctx);
  for (const row of page) {
    const proposal = resolutionOf(row.proposal);
    items.push({ ...summaryOf(row), proposal, offeredToMe: row.offered_to_me, yourAuthority: await authorityOf(row, proposal) });
  }
  return {
    items,
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursor_at, last.id]) : null,
  };
}

/**
 * For a manager, on a proposal waiting for a decision: with whose authority and under which limit they would approve
 * it (null otherwise). Their delegations are read once, and only when their own limit does not cover a proposal.
 */
function readerAuthorities(ctx: UseCaseContext): (row: Row, proposal: Resolution | null) => Promise<ReaderAuthority | null> {
  const actor = commandActor(ctx.user);
  let delegations: Promise<OnBehalfOf[]> | undefined;
  return async (row, proposal) => {
    if (ctx.user.role !== 'manager' || row.stage !== 'APPROVAL' || row.status !== 'OPEN' || !proposal?.amount || proposal.decision !== null) return null;
    const pending = { currency: row.currency, amount: proposal.amount, proposedBy: proposal.proposedBy.id };
    return readerAuthority(actor, pending, () => (delegations ??= delegationsTo(ctx.deps.pool, ctx.deps.baseCurrency, ctx.user.id)));
  };
}

/**
 * Who may read a manager's approval limit where the trail records it (RESOLUTION_DECIDED): managers, whose peers'
 * limits decide who can approve what, and auditors, who check every approval against the limit it was given under
 * (admins set the limits, but read no cases). Specialists and ops have no need for it: a limit known to the person
 * proposing a credit is a threshold to stay under. The trail itself keeps it, whole and hash-chained; only this read
 * leaves it out.
 */
const LIMIT_READERS: readonly Role[] = ['manager', 'auditor'];

type TrailEvent = z.input<typeof disputeDetail>['events'][number];

/** The trail as `reader` may see it. */
function visibleEvents(events: TrailEvent[], reader: AuthUser): TrailEvent[] {
  if (LIMIT_READERS.includes(reader.role)) return events;
  return events.map((e) => {
    if (e.type !== 'RESOLUTION_DECIDED') return e;
    const { approverLimit: _hidden, ...data } = e.data;
    return { ...e, data };
  });
}

/**
 * The whole case in one round trip, as `reader` may see it: for ops, a case without a task for their team is
 * answered 404, as if it did not exist (its existence is none of their business).
 */
export async function getDispute(ctx: UseCaseContext, { ref }: { ref: string }): Promise<z.input<typeof disputeDetail>> {
  const found = await readCase(ctx, ref);
  ctx.touchCase(found.workflowId);
  return found;
}

async function readCase(ctx: UseCaseContext, ref: string): Promise<z.input<typeof disputeDetail>> {
  const { pool: db } = ctx.deps;
  const reader = ctx.user;
  const team = reader.role === 'ops' ? reader.team : null;
  const key = caseKey(ref);
  const { rows } = await db.query(
    `SELECT ${SUMMARY_COLUMNS}, c.description, c.opened_by, u.name AS opened_by_name,
            c.overbilled_minor::text AS overbilled_minor, (${CONFIRMED_OVERBILLING})::text AS confirmed_minor, c.evidence_error, c.parked_error, c.evidence,
            c.evidence_hash, c.customer_wait_reason, ${isoSql('c.customer_wait_until')} AS customer_wait_until,
            ${isoSql('c.customer_wait_since')} AS customer_wait_since,
            i.total_minor::text AS total_minor, i.open_balance_minor::text AS open_balance_minor,
            (SELECT count(*)::int FROM current_findings f WHERE f.case_id = c.id) AS finding_count,
            c.recommended_debit_minor::text AS recommended_debit_minor,
            (SELECT coalesce(json_agg(json_build_object('ordinal', ci.ordinal, 'invoiceNumber', ci.invoice_number, 'lineNo', ci.line_no,
                       'disputed', ci.disputed_minor::text, 'credit', ci.recommended_credit_minor::text,
                       'debit', ci.recommended_debit_minor::text) ORDER BY ci.ordinal), '[]')
               FROM case_items ci WHERE ci.case_id = c.id) AS items,
            (SELECT coalesce(json_agg(json_build_object('id', t.id, 'team', t.team, 'title', t.title, 'status', t.status,
                       'findingCodes', t.finding_codes, 'createdAt', ${isoSql('t.created_at')}, 'dueAt', ${isoSql('t.due_at')},
                       'overdue', t.status = 'OPEN' AND t.due_at < now(),
                       'escalatedAt', ${isoSql('t.escalated_at')}, 'completedAt', ${isoSql('t.completed_at')},
                       'completedById', t.completed_by, 'completedByName', tu.name, 'outcome', t.outcome, 'note', t.note,
                       'amount', t.amount_minor::text, 'routingVersion', t.routing_version) ORDER BY t.created_at, t.team), '[]')
               FROM tasks t LEFT JOIN users tu ON tu.id = t.completed_by WHERE t.case_id = c.id) AS tasks,
            ${LATEST_RESOLUTION} AS resolution,
            (SELECT coalesce(json_agg(json_build_object('id', a.id, 'resolutionId', a.resolution_id, 'decision', a.decision,
                       'comment', a.comment, 'amount', a.amount_minor::text, 'decidedById', a.decided_by,
                       'decidedByName', au.name, 'decidedAt', ${isoSql('a.decided_at')}, 'evidenceHash', a.evidence_hash,
                       'onBehalfOfId', a.on_behalf_of, 'onBehalfOfName', ou.name, 'policyVersion', a.policy_version)
                       ORDER BY a.decided_at, a.id), '[]')
               FROM approvals a JOIN users au ON au.id = a.decided_by LEFT JOIN users ou ON ou.id = a.on_behalf_of
              WHERE a.case_id = c.id) AS approvals,
            (SELECT coalesce(json_agg(json_build_object('number', m.number, 'amount', m.amount_minor::text,
                       'currency', m.currency, 'approvalId', m.approval_id, 'issuedAt', ${isoSql('m.issued_at')})
                       ORDER BY m.issued_at, m.number), '[]')
               FROM credit_memos m WHERE m.case_id = c.id) AS credit_memos,
            ${adjustmentsJson('m.case_id = c.id')} AS adjustments,
            (SELECT coalesce(json_agg(json_build_object('seq', e.seq, 'at', ${isoSql('e.at')}, 'actor', e.actor_id,
                       'actorName', e.actor_name, 'type', e.type, 'data', e.data) ORDER BY e.seq), '[]')
               FROM case_events e WHERE e.case_id = c.id) AS events
       FROM cases c
       JOIN users u ON u.id = c.opened_by
       JOIN invoices i ON i.number = c.invoice_number
      WHERE ${key.column} = $1 AND ${VISIBLE_TO_TEAM}`,
    [key.value, team],
  );
  const row = rows[0];
  if (!row) throw AppError.notFound(`no case ${ref}`);
  const first = row.evidence === null ? null : caseEvidencePage(row.evidence, { after: null, limit: LIMIT_DEFAULT });
  const explanations = await itemExplanations(db, row.id, ITEM_FINDINGS_SHOWN);
  return {
    ...summaryOf(row),
    description: row.description,
    items: row.items.map((i: Row) => ({
      invoiceNumber: i.invoiceNumber,
      lineNo: i.lineNo,
      disputedAmount: formatMoney(BigInt(i.disputed)),
      recommendedCredit: money(i.credit),
      recommendedDebit: money(i.debit),
      explanation: i.credit === null ? null : (explanations.get(i.ordinal) ?? null),
    })),
    recommendedDebit: money(row.recommended_debit_minor),
    openedBy: { id: row.opened_by, name: row.opened_by_name },
    overbilled: money(row.overbilled_minor),
    confirmedOverbilling: money(row.confirmed_minor),
    evidenceError: row.evidence_error,
    evidenceHash: row.evidence_hash,
    customerWait:
      row.customer_wait_since === null
        ? null
        : { reason: row.customer_wait_reason, until: row.customer_wait_until, since: row.customer_wait_since },
    parkedError: row.parked_error,
    evidence: first?.page ?? null,
    invoice: { total: formatMoney(BigInt(row.total_minor)), openBalance: formatMoney(BigInt(row.open_balance_minor)) },
    findings: first ? await findingsOfLines(db, row.id, null, first.lineNos, true) : [],
    findingCount: row.finding_count,
    tasks: row.tasks.map((t: Row) => ({
      id: t.id,
      team: t.team,
      title: t.title,
      status: t.status,
      findingCodes: t.findingCodes,
      createdAt: t.createdAt,
      dueAt: t.dueAt,
      overdue: t.overdue,
      escalated: t.escalatedAt !== null,
      escalatedAt: t.escalatedAt,
      completedAt: t.completedAt,
      completedBy: t.completedById ? { id: t.completedById, name: t.completedByName } : null,
      outcome: t.outcome,
      note: t.note,
      amount: money(t.amount),
      routingVersion: t.routingVersion,
    })),
    resolution: resolutionOf(row.resolution),
    yourAuthority: await readerAuthorities(ctx)(row, resolutionOf(row.resolution)),
    approvals: row.approvals.map((a: Row) => ({
      id: a.id,
      resolutionId: a.resolutionId,
      decision: a.decision,
      comment: a.comment,
      amount: formatMoney(BigInt(a.amount)),
      decidedBy: { id: a.decidedById, name: a.decidedByName },
      approverId: a.decidedById,
      decidedAt: a.decidedAt,
      evidenceHash: a.evidenceHash,
      onBehalfOf: a.onBehalfOfId ? { id: a.onBehalfOfId, name: a.onBehalfOfName } : null,
      policyVersion: a.policyVersion,
    })),
    creditMemos: row.credit_memos.map((m: Row) => ({
      number: m.number,
      amount: formatMoney(BigInt(m.amount)),
      currency: m.currency,
      approvalId: m.approvalId,
      issuedAt: m.issuedAt,
    })),
    adjustments: row.adjustments.map(adjustmentOf),
    deductions: (await db.query(`SELECT ${DEDUCTION_COLUMNS} FROM deductions d WHERE d.case_id = $1 ORDER BY d.created_at, d.id`, [row.id])).rows.map(
      deductionOf,
    ),
    events: visibleEvents(row.events, reader),
  };
}

/** A page of the evidence of one of the case's invoices (the first item's unless named), with the findings of its lines. */
export async function getCaseEvidence(
  ctx: UseCaseContext,
  { ref, query }: { ref: string; query: z.output<typeof caseEvidenceQuery> },
): Promise<z.input<typeof caseEvidenceResponse>> {
  const db = ctx.deps.pool;
  const team = ctx.user.role === 'ops' ? ctx.user.team : null;
  const window = lineWindow(query);
  const key = caseKey(ref);
  const { rows } = await db.query(
    `SELECT c.id, c.workflow_id, c.invoice_number, c.evidence IS NOT NULL AS collected,
            CASE WHEN $3::text IS NULL OR $3 = c.invoice_number THEN c.evidence
                 ELSE (SELECT e.evidence FROM case_evidence e WHERE e.case_id = c.id AND e.invoice_number = $3) END AS evidence,
            $3::text IS NULL OR EXISTS (SELECT 1 FROM case_items ci WHERE ci.case_id = c.id AND ci.invoice_number = $3) AS has_invoice
       FROM cases c WHERE ${key.column} = $1 AND ${VISIBLE_TO_TEAM}`,
    [key.value, team, query.invoiceNumber ?? null],
  );
  const row = rows[0];
  if (!row) throw AppError.notFound(`no case ${ref}`);
  if (!row.has_invoice) throw AppError.notFound(`invoice ${query.invoiceNumber} is not in case ${ref}`);
  if (!row.collected || row.evidence === null) throw AppError.conflict('the case has no evidence yet');
  ctx.touchCase(row.workflow_id);
  const { page, lineNos } = caseEvidencePage(row.evidence, window);
  return { evidence: page, findings: await findingsOfLines(db, row.id, query.invoiceNumber ?? row.invoice_number, lineNos, window.after === null) };
}

// ---------------------------------------------------------------- commands

export interface CaseForCommand {
  id: string;
  caseNumber: string;
  workflowId: string;
  status: string;
  disputedMinor: bigint;
  invoiceNumber: string;
}

async function caseForCommand(db: Queryable, ref: string): Promise<CaseForCommand> {
  const key = caseKey(ref);
  const { rows } = await db.query(
    `SELECT c.id, c.case_number, c.workflow_id, c.status, c.disputed_minor::text AS disputed_minor, c.invoice_number
       FROM cases c WHERE ${key.column} = $1`,
    [key.value],
  );
  const row = rows[0];
  if (!row) throw AppError.notFound(`no case ${ref}`);
  return {
    id: row.id,
    caseNumber: row.case_number,
    workflowId: row.workflow_id,
    status: row.status,
    disputedMinor: BigInt(row.disputed_minor),
    invoiceNumber: row.invoice_number,
  };
}

export type CommandAnswer = z.input<typeof commandResponse>;

/** The input of a command on a case: the case (id or case number) and the body as parsed. */
export interface CaseCommandInput<B> {
  ref: string;
  body: B;
}

/** How a command becomes its update: the argument, and the checks a first attempt must pass before it is sent. */
interface CommandPlan<Arg> {
  command: string;
  update: UpdateDefinition<CommandResult, [Arg]>;
  /** The body as parsed: with the case, what the Idempotency-Key is bound to. */
  body: unknown;
  /** The argument, or how it follows from the case (asked on every attempt, retries too). */
  argument: Arg | { of: (c: CaseForCommand) => Promise<Arg> };
  check?: (c: CaseForCommand) => Promise<void>;
}

/**
 * Finds the case and sends the update under the command's key. A first attempt is checked here first (a closed
 * case is a 409 without asking Temporal) and binds the key to its request; a retry of it skips the checks, which
 * held when it was first sent, and goes to Temporal, which answers a repeated update id with the first answer.
 */
function isDerived<Arg>(argument: CommandPlan<Arg>['argument']): argument is { of: (c: CaseForCommand) => Promise<Arg> } {
  return typeof argument === 'object' && argument !== null && 'of' in argument && typeof argument.of === 'function';
}

export async function updateCase<Arg>(ctx: CommandUseCaseContext, ref: string, plan: CommandPlan<Arg>): Promise<CommandAnswer> {
  const { deps, user, idempotencyKey } = ctx;
  const c = await caseForCommand(deps.pool, ref);
  ctx.touchCase(c.workflowId);
  const request: KeyedRequest = { command: plan.command, caseId: c.id, hash: requestHash({ target: c.id, body: plan.body }) };
  if (!(await earlierUse(deps.pool, user.id, idempotencyKey, request))) {
    if (c.status !== 'OPEN') throw AppError.conflict(`the case is ${c.status} and takes no more commands`);
    await plan.check?.(c);
    await claimKey(deps.pool, user.id, idempotencyKey, request);
  }
  const argument = isDerived(plan.argument) ? await plan.argument.of(c) : plan.argument;
  const result = await sendUpdate(deps, c.workflowId, plan.update, argument, { command: plan.command, user, idempotencyKey });
  return { id: c.id, caseNumber: c.caseNumber, workflowId: c.workflowId, ...result };
}

/**
 * A proposal: its adjustments (the shorthand is one adjustment on the case's only invoice) checked against the case's
 * invoices and the ledger as it stands, so a proposal the ledger would refuse is a 422 naming the adjustment's field.
 * The workflow checks again what it knows (the stage, the disputed amount); the ledger, once more, on issuing.
 */
export function proposeResolution(
  ctx: CommandUseCaseContext,
  { ref, body }: CaseCommandInput<z.output<typeof resolutionRequest>>,
): Promise<CommandAnswer> {
  const shorthand = body.type === 'CREDIT' || body.type === 'DEBIT' || body.type === 'WRITE_OFF';
  // The shorthand's adjustment is on the case's invoice: known once the case is.
  let planning: Promise<{ planned: PlannedAdjustment[]; invoices: CaseInvoice[] }> | undefined;
  const planOf = (c: CaseForCommand) =>
    (planning ??= caseInvoices(ctx.deps.pool, c.id).then((invoices) => {
      if (body.type === 'NO_CREDIT') return { planned: [], invoices };
      if (body.type === 'ADJUST') {
        const planned = body.adjustments.map((a) => ({ kind: a.kind, invoiceNumber: a.invoiceNumber, lineNo: a.lineNo ?? null, amount: parseMoney(a.amount) }));
        return { planned, invoices };
      }
      if (invoices.length !== 1) {
        throw AppError.unprocessable('type', `the case has ${invoices.length} invoices: name each adjustment with type ADJUST`);
      }
      return { planned: [{ kind: body.type, invoiceNumber: invoices[0].invoiceNumber, lineNo: null, amount: parseMoney(body.amount) }], invoices };
    }));
  return updateCase(ctx, ref, {
    command: 'resolution',
    update: proposeResolutionUpdate,
    body,
    argument: {
      of: async (c) => {
        const { planned } = await planOf(c);
        const adjustments: ProposedAdjustment[] = planned.map((a) => ({ ...a, amount: formatMoney(a.amount) }));
        return {
          actor: commandActor(ctx.user),
          type: body.type,
          amount: body.type === 'NO_CREDIT' ? null : formatMoney(adjustmentsTotal(planned)),
          rootCause: body.rootCause,
          note: body.note ?? null,
          ...(body.type === 'NO_CREDIT' ? {} : { adjustments }),
        };
      },
    },
    check: async (c) => {
      // The stage before the amount, as the workflow checks them: a proposal out of RESOLUTION is a 409 whatever it asks.
      const { rows } = await ctx.deps.pool.query('SELECT c.stage FROM cases c WHERE c.id = $1', [c.id]);
      const stage = rows[0]?.stage;
      if (stage !== 'RESOLUTION') throw AppError.conflict(`a resolution can only be proposed in stage RESOLUTION; the case is in ${stage}`);
      const { planned, invoices } = await planOf(c);
      if (!planned.length) return;
      const disputed = new Map(invoices.map((i) => [i.invoiceNumber, i.disputed]));
      const ledger = await ledgerOf(ctx.deps.pool, invoices.map((i) => i.invoiceNumber), false);
      const allocation = allocate(planned, ledger.map((i) => ({ ...i, disputed: disputed.get(i.invoiceNumber) ?? 0n })));
      if (!allocation.ok) {
        const [problem] = allocation.problems;
        throw AppError.unprocessable(shorthand ? problem.field : `adjustments.${problem.index}.${problem.field}`, problem.message);
      }
    },
  });
}

/**
 * A decision, with the authority it is made with (the manager's own, or an absent manager's under a delegation to
 * them) and the policy version it is made under, both resolved here; the workflow holds them to its own time.
 */
export function decide(ctx: CommandUseCaseContext, { ref, body }: CaseCommandInput<z.output<typeof decisionRequest>>): Promise<CommandAnswer> {
  const actor = commandActor(ctx.user);
  const db = ctx.deps.pool;
  let resolving: Promise<{ proposal: PendingProposal; authority: DecisionAuthority } | null> | undefined;
  // No proposal waits: the workflow answers why (the stage).
  const resolve = (c: CaseForCommand) =>
    (resolving ??= pendingProposal(db, c.id).then(async (proposal) =>
      proposal && { proposal, authority: await decisionAuthority(db, ctx.deps.baseCurrency, actor, proposal, body.decision) },
    ));
  return updateCase(ctx, ref, {
    command: 'decision',
    update: decideUpdate,
    body,
    argument: {
      of: async (c) => {
        const resolved = await resolve(c);
        const onBehalfOf = resolved?.authority.onBehalfOf ?? null;
        const policy = resolved && decisionPolicy(actor, onBehalfOf, resolved.proposal.currency, ctx.deps.slas, await currentRoutingVersion(db));
        return {
          actor,
          decision: body.decision,
          comment: body.comment ?? null,
          evidenceHash: body.evidenceHash ?? null,
          onBehalfOf,
          policyVersion: policy && (await policyVersion(db, policy)),
        };
      },
    },
    check: async (c) => {
      const refusal = (await resolve(c))?.authority.refusal;
      if (refusal) throw AppError.forbidden(refusal);
    },
  });
}

export function cancel(ctx: CommandUseCaseContext, { ref, body }: CaseCommandInput<z.output<typeof cancelRequest>>): Promise<CommandAnswer> {
  return updateCase(ctx, ref, { command: 'cancel', update: cancelUpdate, body, argument: { actor: commandActor(ctx.user), reason: body.reason } });
}

export function retryEvidence(
  ctx: CommandUseCaseContext,
  { ref, body }: CaseCommandInput<z.output<typeof retryEvidenceRequest>>,
): Promise<CommandAnswer> {
  return updateCase(ctx, ref, { command: 'retryEvidence', update: retryEvidenceUpdate, body, argument: { actor: commandActor(ctx.user) } });
}

export function refreshEvidence(
  ctx: CommandUseCaseContext,
  { ref, body }: CaseCommandInput<z.output<typeof refreshEvidenceRequest>>,
): Promise<CommandAnswer> {
  return updateCase(ctx, ref, { command: 'refreshEvidence', update: refreshEvidenceUpdate, body, argument: { actor: commandActor(ctx.user) } });
}
