// Delegations: an absent manager hands his approvals to another manager for a period. Deciding under a delegation
// reads the delegations table (the approval side); here they are given and shown.
import type { z } from 'zod';
import { withTransaction } from '../../infra/postgres';
import { currentDelegationsOf, delegationById, delegationsOf } from '../../read-model/delegations';
import { UUID_PATTERN, type Queryable } from '../../read-model/sql';
import { recordAdminEvent } from '../admin-trail';
import { AppError } from '../errors';
import type { delegationListResponse, delegationOut, delegationRequest, myDelegationsResponse } from '../../contract';
import type { UseCaseContext } from './context';

/** Long enough for a sabbatical; a standing arrangement longer than that is a change of approvers, not an absence. */
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

interface Someone {
  id: string;
  name: string;
  role: string;
  available: boolean;
}

async function someone(db: Queryable, id: string): Promise<Someone | null> {
  if (!UUID_PATTERN.test(id)) return null;
  const { rows } = await db.query(
    `SELECT id, name, role, active AND revoked_at IS NULL AS available FROM users WHERE id = $1 AND role <> 'system'`,
    [id],
  );
  return rows[0] ?? null;
}

/** The manager a request is about: unknown is 404; a manager may only see and give his own delegations. */
async function managerInQuestion(ctx: UseCaseContext, id: string): Promise<Someone> {
  const found = await someone(ctx.deps.pool, id);
  if (!found) throw AppError.notFound(`no user ${id}`);
  if (ctx.user.role === 'manager' && ctx.user.id !== id) throw AppError.forbidden('a manager can only see and give his own delegations');
  return found;
}

export async function createDelegation(
  ctx: UseCaseContext,
  { managerId, body }: { managerId: string; body: z.output<typeof delegationRequest> },
): Promise<z.input<typeof delegationOut>> {
  const manager = await managerInQuestion(ctx, managerId);
  if (manager.role !== 'manager' || !manager.available) throw AppError.unprocessable('id', 'must be an active manager');
  const from = Date.parse(body.from);
  const until = Date.parse(body.until);
  if (until <= from) throw AppError.unprocessable('until', 'must be after from');
  if (until <= Date.now()) throw AppError.unprocessable('until', 'must be in the future');
  if (until - from > MAX_DAYS * DAY_MS) throw AppError.unprocessable('until', `must be at most ${MAX_DAYS} days after from`);
  const delegate = await someone(ctx.deps.pool, body.delegateId);
  if (!delegate || delegate.role !== 'manager' || !delegate.available) throw AppError.unprocessable('delegateId', 'must be an active manager');
  if (delegate.id === manager.id) throw AppError.unprocessable('delegateId', 'must be another manager than the one who is away');
  return withTransaction(ctx.deps.pool, async (client) => {
    const { rows } = await client.query(
      `INSERT INTO delegations (manager_id, delegate_id, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [manager.id, delegate.id, body.from, body.until, ctx.user.id],
    );
    const delegation = await delegationById(client, rows[0].id);
    await recordAdminEvent(client, {
      actorId: ctx.user.id,
      type: 'DELEGATION_CREATED',
      subjectId: manager.id,
      data: { delegationId: delegation.id, delegateId: delegate.id, delegateName: delegate.name, from: delegation.from, until: delegation.until },
    });
    return delegation;
  });
}

/** A user's delegations, given and received, past ones included, newest first. */
export async function listDelegations(ctx: UseCaseContext, { userId }: { userId: string }): Promise<z.input<typeof delegationListResponse>> {
  const user = await managerInQuestion(ctx, userId);
  return { items: await delegationsOf(ctx.deps.pool, user.id) };
}

/** The caller's delegations that run now or are to come. */
export async function myDelegations(ctx: UseCaseContext, _input: Record<string, never>): Promise<z.input<typeof myDelegationsResponse>> {
  return currentDelegationsOf(ctx.deps.pool, ctx.user.id);
}
