// Dispute cases: opening one (its workflow, then its case row; once per Idempotency-Key whatever fails), reading
// them from the PostgreSQL read model, and the specialist's and manager's commands.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import {
  cancelUpdate,
  retryEvidenceUpdate,
  type CommandResult,
  decideUpdate,
  proposeResolutionUpdate,
  type DisputeInput,
} from '../../domain/messages';
import { formatMoney, parseMoney } from '../../domain/money';
import { unstorableFields } from '../../domain/text';
import type { Role } from '../../domain/types';
import { disputeWorkflowId, formatCaseNumber } from '../../domain/workflow-ids';
import type { disputeWorkflow } from '../../workflows/dispute';
import { commandActor, visibleTeam, type AuthUser } from '../auth';
import { sendUpdate } from '../commands';
import { claimKey, earlierUse, keyReused, requestHash, type KeyedRequest } from '../idempotency';
import {
  UUID_PATTERN,
  decodeCursor,
  encodeCursor,
  isoSql,
  preciseSql,
  sqlParams,
  type Queryable,
} from '../db';
import { AppError } from '../errors';
import { caseEvidencePage, type LineWindow } from '../evidence';
import type { RouteDeps } from '../route';
import { LIMIT_DEFAULT } from '../../contract';
import type {
  cancelRequest,
  caseEvidenceResponse,
  commandResponse,
  decisionRequest,
  disputeDetail,
  disputeListQuery,
  disputeListResponse,
  disputeSummary,
  evidenceQuery,
  openDisputeRequest,
  openDisputeResponse,
  resolutionOut,
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
export async function openDispute(
  deps: RouteDeps,
  user: AuthUser,
  input: z.output<typeof openDisputeRequest>,
  idempotencyKey: string,
): Promise<{ opened: Opened; replayed: boolean }> {
  const body = {
    invoiceNumber: input.invoiceNumber,
    disputedAmount: input.disputedAmount,
    reasonCode: input.reasonCode,
    description: input.description ?? null,
  };
  // The body alone, as keys were hashed before other commands shared the table: a retry across the upgrade matches.
  const hash = requestHash(body);

  let earlier = await earlierOpening(deps.pool, user.id, idempotencyKey, hash);
  if (earlier?.caseWritten) return { opened: openedCase(earlier.reservation), replayed: true };

  const { rows: invoices } = await deps.pool.query(
    'SELECT customer_id, currency, open_balance_minor FROM invoices WHERE number = $1',
    [body.invoiceNumber],
  );
  const invoice = invoices[0];
  if (!invoice) throw AppError.unprocessable('invoiceNumber', `no invoice ${body.invoiceNumber} in the records`);
  const openBalance = BigInt(invoice.open_balance_minor);
  // A reservation was accepted already: the balance it was checked against may since have gone to its own credit.
  if (!earlier && parseMoney(body.disputedAmount) > openBalance) {
    throw AppError.unprocessable(
      'disputedAmount',
      `${body.disputedAmount} is more than the invoice's open balance of ${formatMoney(openBalance)}`,
    );
  }

  if (!earlier) {
    const { rows } = await deps.pool.query(`SELECT nextval('case_number_seq') AS n`);
    const caseNumber = formatCaseNumber(BigInt(rows[0].n));
    const fresh: Reservation = { caseId: randomUUID(), caseNumber, workflowId: disputeWorkflowId(caseNumber), openedAt: new Date().toISOString() };
    const { rowCount } = await deps.pool.query(
      `INSERT INTO idempotency_keys (user_id, key, command, request_hash, case_id, case_number, workflow_id, opened_at)
       VALUES ($1, $2, 'open', $3, $4, $5, $6, $7) ON CONFLICT (user_id, key) DO NOTHING`,
      [user.id, idempotencyKey, hash, fresh.caseId, fresh.caseNumber, fresh.workflowId, fresh.openedAt],
    );
    // A concurrent request with the same key reserved first (its insert committed before ours was refused).
    if (!rowCount) earlier = await earlierOpening(deps.pool, user.id, idempotencyKey, hash);
    if (!earlier) {
      const opened = await startCase(deps, user, body, invoice, fresh);
      deps.metrics.casesOpened.inc();
      return { opened, replayed: false };
    }
  }
  return { opened: await startCase(deps, user, body, invoice, earlier.reservation), replayed: true };
}

async function startCase(
  deps: RouteDeps,
  user: AuthUser,
  body: Pick<DisputeInput['opened'], 'invoiceNumber' | 'disputedAmount' | 'reasonCode' | 'description'>,
  invoice: { customer_id: string; currency: string },
  reserved: Reservation,
): Promise<Opened> {
  const workflowInput: DisputeInput = {
    caseId: reserved.caseId,
    opened: {
      caseNumber: reserved.caseNumber,
      workflowId: reserved.workflowId,
      invoiceNumber: body.invoiceNumber,
      customerId: invoice.customer_id,
      currency: invoice.currency,
      disputedAmount: body.disputedAmount,
      reasonCode: body.reasonCode,
      description: body.description,
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
  // No conflict target: this request, a concurrent one with the same key and the workflow's first activity may all
  // write this row at once, and an insert that meets another's uncommitted row on case_number or workflow_id
  // before id would fail instead of doing nothing (seen once in 300 by the chaos run).
  await deps.pool.query(
    `INSERT INTO cases (id, case_number, workflow_id, invoice_number, customer_id, currency, disputed_minor,
                        reason_code, description, opened_by, opened_at, stage_entered_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT DO NOTHING`,
    [reserved.caseId, reserved.caseNumber, reserved.workflowId, body.invoiceNumber, invoice.customer_id, invoice.currency,
      parseMoney(body.disputedAmount), body.reasonCode, body.description, user.id, reserved.openedAt],
  );
  return openedCase(reserved);
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

type Summary = z.input<typeof disputeSummary>;

const SUMMARY_COLUMNS = `
  c.id, c.case_number, c.workflow_id, c.status, c.stage, c.invoice_number, c.customer_id, c.currency,
  c.disputed_minor::text AS disputed_minor, c.reason_code, c.recommended_credit_minor::text AS recommended_credit_minor,
  ${isoSql('c.opened_at')} AS opened_at, ${isoSql('c.stage_entered_at')} AS stage_entered_at,
  ${isoSql('c.closed_at')} AS closed_at`;

// A row (or a json_build_object) as pg hands it over; mapped field by field into the response schemas.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>;

const money = (minor: string | null): string | null => (minor === null ? null : formatMoney(BigInt(minor)));

function summaryOf(row: Row): Summary {
  return {
    id: row.id,
    caseNumber: row.case_number,
    workflowId: row.workflow_id,
    status: row.status,
    stage: row.stage,
    invoiceNumber: row.invoice_number,
    customerId: row.customer_id,
    currency: row.currency,
    disputedAmount: formatMoney(BigInt(row.disputed_minor)),
    reasonCode: row.reason_code,
    recommendedCredit: money(row.recommended_credit_minor),
    openedAt: row.opened_at,
    stageEnteredAt: row.stage_entered_at,
    closedAt: row.closed_at,
  };
}

/** The case's latest proposal (c is the case), with the decision on it if any, as one JSON object or null. */
const LATEST_RESOLUTION = `
  (SELECT json_build_object('id', r.id, 'type', r.type, 'amount', r.amount_minor::text, 'rootCause', r.root_cause,
            'note', r.note, 'proposedById', r.proposed_by, 'proposedByName', ru.name,
            'proposedAt', ${isoSql('r.proposed_at')}, 'decision', ra.decision)
     FROM resolutions r JOIN users ru ON ru.id = r.proposed_by
     LEFT JOIN approvals ra ON ra.resolution_id = r.id
    WHERE r.case_id = c.id ORDER BY r.proposed_at DESC, r.id DESC LIMIT 1)`;

function resolutionOf(r: Row | null): z.input<typeof resolutionOut> | null {
  if (!r) return null;
  return {
    id: r.id,
    type: r.type,
    amount: money(r.amount),
    rootCause: r.rootCause,
    note: r.note,
    proposedBy: { id: r.proposedById, name: r.proposedByName },
    proposedAt: r.proposedAt,
    decision: r.decision,
  };
}

export async function listDisputes(
  db: Queryable,
  user: AuthUser,
  query: z.output<typeof disputeListQuery>,
): Promise<z.input<typeof disputeListResponse>> {
  const team = visibleTeam(user, query.team ?? null, 'cases');
  const { values: params, add: param } = sqlParams();
  const where: string[] = [];
  if (query.status) where.push(`c.status = ${param(query.status)}`);
  if (query.stage) where.push(`c.stage = ${param(query.stage)}`);
  if (query.customerId) where.push(`c.customer_id = ${param(query.customerId)}`);
  if (query.reasonCode) where.push(`c.reason_code = ${param(query.reasonCode)}`);
  if (team !== null) where.push(`EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.team = ${param(team)})`);
  // Both the comparison and the direction are constants picked by the enum, never text from the query.
  const [after, direction] = query.order === 'asc' ? ['>', 'ASC'] : ['<', 'DESC'];
  if (query.cursor) {
    const [at, id] = checkedCursor(query.cursor, (v) => v.length === 2 && isTimestamp(v[0]) && isUuid(v[1]));
    where.push(`(c.opened_at, c.id) ${after} (${param(at)}::timestamptz, ${param(id)}::uuid)`);
  }
  const { rows } = await db.query(
    `SELECT ${SUMMARY_COLUMNS}, ${LATEST_RESOLUTION} AS proposal, ${preciseSql('c.opened_at')} AS cursor_at
       FROM cases c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c.opened_at ${direction}, c.id ${direction} LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({ ...summaryOf(row), proposal: resolutionOf(row.proposal) })),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursor_at, last.id]) : null,
  };
}

export function checkedCursor(cursor: string, valid: (values: unknown[]) => boolean): string[] {
  const values = decodeCursor(cursor);
  // A cursor is input too: decoded, it may hold text the database cannot take (a forged "\u0000"), which must not
  // reach SQL; no cursor the API gave out does.
  if (!values || unstorableFields(values).length || !valid(values)) {
    // A string the document allows (it cannot say "only what the API gave out"): refused by rule, not by shape.
    throw AppError.unprocessable('cursor', 'is not a cursor this API gave out');
  }
  return values as string[];
}

/** The lines an evidence page holds: the first ones, or those after the cursor's lineNo. */
export function lineWindow(query: z.output<typeof evidenceQuery>): LineWindow {
  if (!query.cursor) return { after: null, limit: query.limit };
  const [after] = checkedCursor(query.cursor, (v) => v.length === 1 && typeof v[0] === 'string' && /^[1-9]\d{0,6}$/.test(v[0]));
  return { after: Number(after), limit: query.limit };
}

/** A timestamp as preciseSql renders it; anything else (a forged cursor) must not reach a ::timestamptz cast. */
export const isTimestamp = (v: unknown): boolean =>
  typeof v === 'string' &&
  /^[12]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(v) &&
  !Number.isNaN(Date.parse(v)) &&
  new Date(Date.parse(v)).toISOString().slice(0, 19) === v.slice(0, 19);
export const isUuid = (v: unknown): boolean => typeof v === 'string' && UUID_PATTERN.test(v);

/** A case visible to `$2`, an ops user's team (NULL: anyone's): one with a task for it. */
const VISIBLE_TO_TEAM = '($2::text IS NULL OR EXISTS (SELECT 1 FROM tasks vt WHERE vt.case_id = c.id AND vt.team = $2))';

/** Where a case reference (id or case number) points, in SQL. */
function caseKey(ref: string): { column: string; value: string } {
  return UUID_PATTERN.test(ref) ? { column: 'c.id', value: ref } : { column: 'c.case_number', value: ref };
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
export async function getDispute(db: Queryable, ref: string, reader: AuthUser): Promise<z.input<typeof disputeDetail>> {
  const team = reader.role === 'ops' ? reader.team : null;
  const key = caseKey(ref);
  const { rows } = await db.query(
    `SELECT ${SUMMARY_COLUMNS}, c.description, c.opened_by, u.name AS opened_by_name,
            c.overbilled_minor::text AS overbilled_minor, c.evidence_error, c.parked_error, c.evidence,
            i.total_minor::text AS total_minor, i.open_balance_minor::text AS open_balance_minor,
            (SELECT count(*)::int FROM findings f WHERE f.case_id = c.id) AS finding_count,
            (SELECT coalesce(json_agg(json_build_object('id', t.id, 'team', t.team, 'title', t.title, 'status', t.status,
                       'findingCodes', t.finding_codes, 'createdAt', ${isoSql('t.created_at')}, 'dueAt', ${isoSql('t.due_at')},
                       'overdue', t.status = 'OPEN' AND t.due_at < now(),
                       'escalatedAt', ${isoSql('t.escalated_at')}, 'completedAt', ${isoSql('t.completed_at')},
                       'completedById', t.completed_by, 'completedByName', tu.name, 'outcome', t.outcome, 'note', t.note,
                       'amount', t.amount_minor::text) ORDER BY t.created_at, t.team), '[]')
               FROM tasks t LEFT JOIN users tu ON tu.id = t.completed_by WHERE t.case_id = c.id) AS tasks,
            ${LATEST_RESOLUTION} AS resolution,
            (SELECT coalesce(json_agg(json_build_object('id', a.id, 'resolutionId', a.resolution_id, 'decision', a.decision,
                       'comment', a.comment, 'amount', a.amount_minor::text, 'decidedById', a.decided_by,
                       'decidedByName', au.name, 'decidedAt', ${isoSql('a.decided_at')}) ORDER BY a.decided_at, a.id), '[]')
               FROM approvals a JOIN users au ON au.id = a.decided_by WHERE a.case_id = c.id) AS approvals,
            (SELECT coalesce(json_agg(json_build_object('number', m.number, 'amount', m.amount_minor::text,
                       'currency', m.currency, 'approvalId', m.approval_id, 'issuedAt', ${isoSql('m.issued_at')})
                       ORDER BY m.issued_at, m.number), '[]')
               FROM credit_memos m WHERE m.case_id = c.id) AS credit_memos,
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
  return {
    ...summaryOf(row),
    description: row.description,
    openedBy: { id: row.opened_by, name: row.opened_by_name },
    overbilled: money(row.overbilled_minor),
    evidenceError: row.evidence_error,
    parkedError: row.parked_error,
    evidence: first?.page ?? null,
    invoice: { total: formatMoney(BigInt(row.total_minor)), openBalance: formatMoney(BigInt(row.open_balance_minor)) },
    findings: first ? await findingsOfLines(db, row.id, first.lineNos, true) : [],
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
    })),
    resolution: resolutionOf(row.resolution),
    approvals: row.approvals.map((a: Row) => ({
      id: a.id,
      resolutionId: a.resolutionId,
      decision: a.decision,
      comment: a.comment,
      amount: formatMoney(BigInt(a.amount)),
      decidedBy: { id: a.decidedById, name: a.decidedByName },
      decidedAt: a.decidedAt,
    })),
    creditMemos: row.credit_memos.map((m: Row) => ({
      number: m.number,
      amount: formatMoney(BigInt(m.amount)),
      currency: m.currency,
      approvalId: m.approvalId,
      issuedAt: m.issuedAt,
    })),
    events: visibleEvents(row.events, reader),
  };
}

/** The findings of some of the invoice's lines, in the analysis' order, with the invoice's own (no line) if asked. */
async function findingsOfLines(db: Queryable, caseId: string, lineNos: number[], invoiceLevel: boolean) {
  const { rows } = await db.query(
    `SELECT f.code, f.team, f.line_no AS "lineNo", f.expected, f.actual, f.amount_minor::text AS amount
       FROM findings f WHERE f.case_id = $1 AND (f.line_no = ANY($2::int[]) OR ($3 AND f.line_no IS NULL))
      ORDER BY f.ordinal`,
    [caseId, lineNos, invoiceLevel],
  );
  return rows.map(findingOf);
}

/** A page of the case's evidence, with the findings of its lines. */
export async function getCaseEvidence(
  db: Queryable,
  ref: string,
  team: string | null,
  query: z.output<typeof evidenceQuery>,
): Promise<z.input<typeof caseEvidenceResponse> & { workflowId: string }> {
  const window = lineWindow(query);
  const key = caseKey(ref);
  const { rows } = await db.query(`SELECT c.id, c.workflow_id, c.evidence FROM cases c WHERE ${key.column} = $1 AND ${VISIBLE_TO_TEAM}`, [
    key.value,
    team,
  ]);
  const row = rows[0];
  if (!row) throw AppError.notFound(`no case ${ref}`);
  if (row.evidence === null) throw AppError.conflict('the case has no evidence yet');
  const { page, lineNos } = caseEvidencePage(row.evidence, window);
  return { workflowId: row.workflow_id, evidence: page, findings: await findingsOfLines(db, row.id, lineNos, window.after === null) };
}

export function findingOf(f: Row): z.input<typeof disputeDetail>['findings'][number] {
  return {
    code: f.code,
    team: f.team,
    ...(f.lineNo === null ? {} : { lineNo: f.lineNo }),
    expected: f.expected,
    actual: f.actual,
    amount: formatMoney(BigInt(f.amount)),
  };
}

// ---------------------------------------------------------------- commands

interface CaseForCommand {
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

type CommandAnswer = z.input<typeof commandResponse>;

/** Everything a command on a case needs besides its own body. */
export interface CaseCommand {
  deps: RouteDeps;
  user: AuthUser;
  ref: string;
  idempotencyKey: string;
  touchCase: (workflowId: string) => void;
}

/** How a command becomes its update: the argument, and the checks a first attempt must pass before it is sent. */
interface CommandPlan<Arg> {
  command: string;
  update: UpdateDefinition<CommandResult, [Arg]>;
  /** The body as parsed: with the case, what the Idempotency-Key is bound to. */
  body: unknown;
  argument: Arg;
  check?: (c: CaseForCommand) => Promise<void>;
}

/**
 * Finds the case and sends the update under the command's key. A first attempt is checked here first (a closed
 * case is a 409 without asking Temporal) and binds the key to its request; a retry of it skips the checks, which
 * held when it was first sent, and goes to Temporal, which answers a repeated update id with the first answer.
 */
async function updateCase<Arg>(cmd: CaseCommand, plan: CommandPlan<Arg>): Promise<CommandAnswer> {
  const { deps, user, idempotencyKey } = cmd;
  const c = await caseForCommand(deps.pool, cmd.ref);
  cmd.touchCase(c.workflowId);
  const request: KeyedRequest = { command: plan.command, caseId: c.id, hash: requestHash({ target: c.id, body: plan.body }) };
  if (!(await earlierUse(deps.pool, user.id, idempotencyKey, request))) {
    if (c.status !== 'OPEN') throw AppError.conflict(`the case is ${c.status} and takes no more commands`);
    await plan.check?.(c);
    await claimKey(deps.pool, user.id, idempotencyKey, request);
  }
  const result = await sendUpdate(deps, c.workflowId, plan.update, plan.argument, { command: plan.command, user, idempotencyKey });
  return { id: c.id, caseNumber: c.caseNumber, workflowId: c.workflowId, ...result };
}

export function proposeResolution(cmd: CaseCommand, body: z.output<typeof resolutionRequest>): Promise<CommandAnswer> {
  const amount = body.amount ?? null;
  return updateCase(cmd, {
    command: 'resolution',
    update: proposeResolutionUpdate,
    body,
    argument: { actor: commandActor(cmd.user), type: body.type, amount, rootCause: body.rootCause, note: body.note ?? null },
    check: async (c) => {
      if (amount === null) return;
      const minor = parseMoney(amount);
      if (minor > c.disputedMinor) {
        throw AppError.unprocessable('amount', `${amount} is more than the disputed amount ${formatMoney(c.disputedMinor)}`);
      }
      const { rows } = await cmd.deps.pool.query('SELECT open_balance_minor FROM invoices WHERE number = $1', [c.invoiceNumber]);
      const open = BigInt(rows[0]?.open_balance_minor ?? 0);
      if (minor > open) {
        throw AppError.unprocessable('amount', `${amount} is more than the invoice's open balance ${formatMoney(open)}`);
      }
    },
  });
}

export function decide(cmd: CaseCommand, body: z.output<typeof decisionRequest>): Promise<CommandAnswer> {
  return updateCase(cmd, {
    command: 'decision',
    update: decideUpdate,
    body,
    argument: { actor: commandActor(cmd.user), decision: body.decision, comment: body.comment ?? null },
  });
}

export function cancel(cmd: CaseCommand, body: z.output<typeof cancelRequest>): Promise<CommandAnswer> {
  return updateCase(cmd, { command: 'cancel', update: cancelUpdate, body, argument: { actor: commandActor(cmd.user), reason: body.reason } });
}

export function retryEvidence(cmd: CaseCommand, body: z.output<typeof retryEvidenceRequest>): Promise<CommandAnswer> {
  return updateCase(cmd, { command: 'retryEvidence', update: retryEvidenceUpdate, body, argument: { actor: commandActor(cmd.user) } });
}
