// Commands reach a case's workflow as Workflow Updates: the validator answers 403/404/409/422 synchronously, and
// the handler returns once the change is on the trail (so the read model already shows it).
import { WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import type { AuthUser } from './auth';
import { toAppError } from './error-answer';
import { AppError } from './errors';
import type { RouteDeps } from './route';

export interface UpdateOptions {
  /** Names the command in metrics and in the update id. */
  command: string;
  /** Whose command: a user, or the system actor that joins deductions to cases. */
  user: Pick<AuthUser, 'id'>;
  /** The key the command is applied under: the update id is built from it, so a retry with it gets the first answer. */
  idempotencyKey: string;
}

export async function sendUpdate<Ret, Arg>(
  deps: RouteDeps,
  workflowId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  options: UpdateOptions,
): Promise<Ret> {
  const { temporal } = deps;
  const { command, user, idempotencyKey } = options;
  try {
    // Sent with no worker to run it, an update would wait out the deadline and still apply when a worker returns,
    // long after its caller was told it failed: refused here, never sent.
    if ((await deps.workers.count()) === 0) throw AppError.unavailable('no worker is running to apply the command; nothing was applied');
    const result = await temporal.withDeadline(Date.now() + deps.temporalTimeoutMs, () =>
      temporal.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg], updateId: `${command}:${user.id}:${idempotencyKey}` }),
    );
    deps.metrics.commands.inc({ command, outcome: '200' });
    return result;
  } catch (err) {
    const refined = err instanceof WorkflowNotFoundError ? await whyNotFound(deps, workflowId, err) : err;
    const mapped = toAppError(refined);
    deps.metrics.commands.inc({ command, outcome: String(mapped?.status ?? 500) });
    // Whatever made it unavailable, the caller retries with the key this command was applied under.
    if (mapped?.status === 503) throw AppError.unavailable(`${mapped.message}: retry with Idempotency-Key ${idempotencyKey}`, refined);
    throw refined;
  }
}

/**
 * The server answers NOT_FOUND for a workflow that does not exist, and also for an update that meets the run as it
 * completes (found by the chaos run: the second of two approvals sent at once got a 404, with a message that says
 * nothing of completion). The case's workflow itself says which: closed is a 409, still running means the update
 * was lost on the way (a 503: retry with the same Idempotency-Key), gone is the 404.
 */
async function whyNotFound(deps: RouteDeps, workflowId: string, err: WorkflowNotFoundError): Promise<unknown> {
  try {
    const { status } = await deps.temporal.workflow.getHandle(workflowId).describe();
    return status.name === 'RUNNING'
      ? AppError.unavailable('the command did not reach the case')
      : AppError.conflict('the case is closed and takes no more commands');
  } catch (describeErr) {
    return describeErr instanceof WorkflowNotFoundError ? err : describeErr;
  }
}
