// Investigation tasks: the worklist of each team, and completing a task (ops of the task's team only).
import type { z } from 'zod';
import { completeTaskUpdate } from '../../domain/messages';
import { commandActor, visibleTeam } from '../auth';
import { sendUpdate } from '../commands';
import { UUID_PATTERN, encodeCursor, isoSql, preciseSql, sqlParams, type Queryable, type Row } from '../../read-model/sql';
import type { FindingConfirmation } from '../../domain/events';
import { formatMoney, parseMoney } from '../../domain/money';
import { AppError, type ErrorDetail } from '../errors';
import { claimKey, requestHash, earlierUse, type KeyedRequest } from '../idempotency';
import type { completeTaskRequest, taskCommandResponse, taskListQuery, taskListResponse } from '../../contract';
import { findingOf, findingsJsonSql } from '../../read-model/findings';
import { checkedCursor, isTimestamp, isUuid } from '../paging';
import type { CommandUseCaseContext, UseCaseContext } from './context';

/** Open tasks first, then by due time (so overdue ones lead), then by id for a stable keyset. */
export async function listTasks(
  ctx: UseCaseContext,
  { query }: { query: z.output<typeof taskListQuery> },
): Promise<z.input<typeof taskListResponse>> {
  const team = visibleTeam(ctx.user, query.team ?? null, 'tasks');
  const { values: params, add: param } = sqlParams();
  const where: string[] = [];
  if (team !== null) where.push(`t.team = ${param(team)}`);
  if (query.status) where.push(`t.status = ${param(query.status)}`);
  if (query.disputeId) where.push(`t.case_id = ${param(query.disputeId)}`);
  if (query.assignee === 'me') where.push(`t.assignee_id = ${param(ctx.user.id)}`);
  if (query.cursor) {
    const [closed, due, id] = checkedCursor(
      query.cursor,
      (v) => v.length === 3 && typeof v[0] === 'boolean' && isTimestamp(v[1]) && isUuid(v[2]),
    ) as unknown as [boolean, string, string];
    where.push(`(t.status <> 'OPEN', t.due_at, t.id) > (${param(closed)}::boolean, ${param(due)}::timestamptz, ${param(id)}::uuid)`);
  }
  const { rows } = await ctx.deps.pool.query(
    `SELECT t.id, t.case_id, c.case_number, c.invoice_number, t.team, t.title, t.status, t.outcome,
            ${isoSql('t.created_at')} AS created_at, ${isoSql('t.due_at')} AS due_at,
            ${isoSql('t.completed_at')} AS completed_at, t.escalated_at IS NOT NULL AS escalated, t.routing_version,
            t.status = 'OPEN' AND t.due_at < now() AS overdue, t.assignee_id, au.name AS assignee_name,
            t.status <> 'OPEN' AS cursor_closed, ${preciseSql('t.due_at')} AS cursor_due,
            ${findingsJsonSql('f.case_id = t.case_id AND f.team = t.team')} AS findings
       FROM tasks t JOIN cases c ON c.id = t.case_id LEFT JOIN users au ON au.id = t.assignee_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY t.status <> 'OPEN', t.due_at, t.id LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row: Row) => ({
      id: row.id,
      disputeId: row.case_id,
      caseNumber: row.case_number,
      invoiceNumber: row.invoice_number,
      team: row.team,
      title: row.title,
      status: row.status,
      createdAt: row.created_at,
      dueAt: row.due_at,
      overdue: row.overdue,
      escalated: row.escalated,
      assigneeId: row.assignee_id,
      assigneeName: row.assignee_name,
      completedAt: row.completed_at,
      outcome: row.outcome,
      routingVersion: row.routing_version,
      findings: row.findings.map(findingOf),
    })),
    nextCursor:
      rows.length > query.limit && last ? encodeCursor([last.cursor_closed, last.cursor_due, last.id]) : null,
  };
}

export async function completeTask(
  ctx: CommandUseCaseContext,
  { taskId, body }: { taskId: string; body: z.output<typeof completeTaskRequest> },
): Promise<z.input<typeof taskCommandResponse>> {
  const { deps, user, idempotencyKey, touchCase } = ctx;
  if (!UUID_PATTERN.test(taskId)) throw AppError.notFound(`no task ${taskId}`);
  const { rows } = await deps.pool.query(
    `SELECT t.team, t.status, c.id AS case_id, c.case_number, c.workflow_id, c.status AS case_status
       FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.id = $1`,
    [taskId],
  );
  const task = rows[0];
  if (!task) throw AppError.notFound(`no task ${taskId}`);
  // Decided here, before any call to Temporal; the workflow's validator checks the same again.
  if (user.role !== 'ops' || user.team !== task.team) throw AppError.forbidden('only ops of the task’s team can complete it');
  touchCase(task.workflow_id);
  const command = 'complete-task';
  const request: KeyedRequest = { command, caseId: task.case_id, hash: requestHash({ target: taskId, body }) };
  // A retry goes to Temporal, which answers a repeated update id with the first answer, whatever the task is now.
  if (!(await earlierUse(deps.pool, user.id, idempotencyKey, request))) {
    if (task.status !== 'OPEN') throw AppError.conflict(`the task is ${task.status}, not OPEN`);
    if (task.case_status !== 'OPEN') throw AppError.conflict(`the case is ${task.case_status}`);
    if (body.outcome === 'PARTIAL') await checkConfirmations(deps.pool, task.case_id, task.team, body.findings);
    await claimKey(deps.pool, user.id, idempotencyKey, request);
  }
  const result = await sendUpdate(
    deps,
    task.workflow_id,
    completeTaskUpdate,
    {
      actor: commandActor(user),
      taskId,
      outcome: body.outcome,
      note: body.note,
      amount: body.amount ?? null,
      // The confirmations ride in the update and in its TASK_COMPLETED event (both bounded by the 256 KB body);
      // the projection writes them to the findings.
      ...(body.outcome === 'PARTIAL' ? { findings: body.findings } : {}),
    },
    { command, user, idempotencyKey },
  );
  return {
    id: task.case_id,
    caseNumber: task.case_number,
    workflowId: task.workflow_id,
    ...result,
    taskId,
    taskStatus: 'DONE',
  };
}

/**
 * A PARTIAL completion names findings of its task (its case's, with its team) each at most once, and confirms of
 * each at most its amount: a 422 naming every entry that does not, before anything is written.
 */
async function checkConfirmations(
  db: Queryable,
  caseId: string,
  team: string,
  confirmations: FindingConfirmation[],
): Promise<void> {
  const { rows } = await db.query<{ amount_minor: string | null }>(
    `SELECT f.amount_minor::text AS amount_minor
       FROM unnest($3::uuid[]) WITH ORDINALITY AS l(id, n)
       LEFT JOIN current_findings f ON f.id = l.id AND f.case_id = $1 AND f.team = $2
      ORDER BY l.n`,
    [caseId, team, confirmations.map((c) => c.id)],
  );
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  confirmations.forEach((c, i) => {
    const amount = rows[i].amount_minor;
    if (amount === null) {
      details.push({ field: `findings.${i}.id`, message: `${c.id} is not a finding of this task`, in: 'body' });
    } else if (seen.has(c.id)) {
      details.push({ field: `findings.${i}.id`, message: `finding ${c.id} is named more than once`, in: 'body' });
    } else if (parseMoney(c.confirmedAmount) > BigInt(amount)) {
      details.push({
        field: `findings.${i}.confirmedAmount`,
        message: `${c.confirmedAmount} is more than the finding's amount ${formatMoney(BigInt(amount))}`,
        in: 'body',
      });
    }
    seen.add(c.id);
  });
  if (details.length) {
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    throw new AppError(422, 'UNPROCESSABLE', `${details[0].field}: ${details[0].message}${more}`, details);
  }
}
