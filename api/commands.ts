// Commands reach a case's workflow as Workflow Updates: the validator answers 403/404/409/422 synchronously, and
// the handler returns once the change is on the trail (so the read model already shows it).
import type { UpdateDefinition } from '@temporalio/common';
import type { AuthUser } from './auth';
import { toAppError } from './errors';
import type { RouteDeps } from './route';

export interface UpdateOptions {
  /** Names the command in metrics and in the update id. */
  command: string;
  user: AuthUser;
  /** The caller's Idempotency-Key: a repeated command with the same key gets the first answer. */
  idempotencyKey?: string;
}

export async function sendUpdate<Ret, Arg>(
  deps: RouteDeps,
  workflowId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  options: UpdateOptions,
): Promise<Ret> {
  const { temporal } = deps;
  const updateId = options.idempotencyKey ? `${options.command}:${options.user.id}:${options.idempotencyKey}` : undefined;
  try {
    const result = await temporal.withDeadline(Date.now() + deps.temporalTimeoutMs, () =>
      temporal.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg], ...(updateId ? { updateId } : {}) }),
    );
    deps.metrics.commands.inc({ command: options.command, outcome: '200' });
    return result;
  } catch (err) {
    deps.metrics.commands.inc({ command: options.command, outcome: String(toAppError(err)?.status ?? 500) });
    throw err;
  }
}
