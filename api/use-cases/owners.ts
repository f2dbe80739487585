// Who owns a case and whom it waits on: assigning it, and the owner's wait on the customer. The workflow decides
// (its validators are the rule); the API checks first what only the database knows (who the new owner is) and
// what a first attempt should be refused for without asking Temporal.
import type { z } from 'zod';
import { assignUpdate, awaitCustomerUpdate, resumeUpdate } from '../../domain/messages';
import { commandActor } from '../auth';
import { AppError } from '../errors';
import { CUSTOMER_WAIT_MAX_DAYS, type assignRequest, type awaitCustomerRequest, type resumeRequest } from '../../contract';
import type { Queryable } from '../../read-model/sql';
import type { CommandUseCaseContext } from './context';
import { updateCase, type CaseCommandInput, type CaseForCommand, type CommandAnswer } from './disputes';

const DAY_MS = 86_400_000;

async function ownerOf(db: Queryable, c: CaseForCommand): Promise<string | null> {
  const { rows } = await db.query('SELECT owner_id FROM cases WHERE id = $1', [c.id]);
  return rows[0]?.owner_id ?? null;
}

/** Managers assign any case to an active specialist; the owner hands it to another. */
export function assign(ctx: CommandUseCaseContext, { ref, body }: CaseCommandInput<z.output<typeof assignRequest>>): Promise<CommandAnswer> {
  const db = ctx.deps.pool;
  let owner: Promise<{ id: string; name: string }> | undefined;
  const newOwner = () =>
    (owner ??= db
      .query(`SELECT id, name FROM users WHERE id = $1 AND role = 'specialist' AND active`, [body.userId])
      .then(({ rows }) => {
        if (!rows[0]) throw AppError.unprocessable('userId', `no active specialist ${body.userId}`);
        return { id: rows[0].id as string, name: rows[0].name as string };
      }));
  return updateCase(ctx, ref, {
    command: 'assign',
    update: assignUpdate,
    body,
    argument: { of: async () => ({ actor: commandActor(ctx.user), owner: await newOwner() }) },
    check: async (c) => {
      if (ctx.user.role !== 'manager' && (await ownerOf(db, c)) !== ctx.user.id) {
        throw AppError.forbidden("only a manager or the case's owner can assign it");
      }
      await newOwner();
    },
  });
}

async function checkOwner(ctx: CommandUseCaseContext, c: CaseForCommand, what: string): Promise<void> {
  if ((await ownerOf(ctx.deps.pool, c)) !== ctx.user.id) throw AppError.forbidden(`only the case's owner can ${what}`);
}

/** The owner waits on the customer: no SLA clock runs until resumed, or until `until` passes. */
export function awaitCustomer(
  ctx: CommandUseCaseContext,
  { ref, body }: CaseCommandInput<z.output<typeof awaitCustomerRequest>>,
): Promise<CommandAnswer> {
  const until = body.until ? new Date(body.until).toISOString() : null;
  return updateCase(ctx, ref, {
    command: 'awaitCustomer',
    update: awaitCustomerUpdate,
    body,
    argument: { actor: commandActor(ctx.user), reason: body.reason, until },
    check: async (c) => {
      await checkOwner(ctx, c, 'wait on the customer');
      const now = Date.now();
      if (until !== null && Date.parse(until) <= now) throw AppError.unprocessable('until', 'must be in the future');
      if (until !== null && Date.parse(until) > now + CUSTOMER_WAIT_MAX_DAYS * DAY_MS) {
        throw AppError.unprocessable('until', `must be at most ${CUSTOMER_WAIT_MAX_DAYS} days ahead`);
      }
    },
  });
}

export function resume(ctx: CommandUseCaseContext, { ref, body }: CaseCommandInput<z.output<typeof resumeRequest>>): Promise<CommandAnswer> {
  return updateCase(ctx, ref, {
    command: 'resume',
    update: resumeUpdate,
    body,
    argument: { actor: commandActor(ctx.user) },
    check: (c) => checkOwner(ctx, c, 'resume the case'),
  });
}
