// What every use case is given besides its input: the process's dependencies and the caller of the request. Each
// use case is `(ctx, input)`: routes hand over their handler context, tests and scripts may build one.
import type { AuthUser } from '../auth';
import type { RouteDeps } from '../route';

export interface UseCaseContext {
  deps: RouteDeps;
  user: AuthUser;
  /** Tags the request's log line with the case's workflow id. */
  touchCase(workflowId: string): void;
}

/** A command's context: the Idempotency-Key it is applied under (the caller's, or one made for it). */
export interface CommandUseCaseContext extends UseCaseContext {
  idempotencyKey: string;
}
