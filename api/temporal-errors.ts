// What Temporal's failures mean to the caller: a workflow's refusal (a non-retryable ApplicationFailure typed by
// domain/errors.ts) is the status its type names; a case with no run, or a closed one, is a 404 or a 409; a
// Temporal that does not answer is a 503.
import {
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { REFUSALS, isRefusalType, type RefusalType } from '../domain/errors';
import { AppError } from './errors';

const REFUSAL_CODES: Record<RefusalType, string> = {
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  Unprocessable: 'UNPROCESSABLE',
};

// gRPC status codes that mean "Temporal is not there right now", not "your request is wrong".
const GRPC_UNAVAILABLE_CODES = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

/** The answer a Temporal failure calls for; null when it is not one, or is a bug (answered 500). */
export function fromTemporal(err: unknown): AppError | null {
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && isRefusalType(cause.type)) return refusal(cause.type, cause.message);
    return null;
  }
  if (err instanceof ApplicationFailure && isRefusalType(err.type)) return refusal(err.type, err.message);
  if (err instanceof WorkflowNotFoundError) {
    // The server answers NOT_FOUND both for unknown workflows and for updates sent after the run completed.
    return /complete|closed/i.test(err.message)
      ? AppError.conflict('the case is closed and takes no more commands')
      : AppError.notFound('the case has no running workflow');
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return AppError.unavailable('the case did not answer in time; the command may still apply');
  }
  if (isTemporalUnavailable(err)) return AppError.unavailable('the workflow service is unavailable');
  return null;
}

function refusal(type: RefusalType, message: string): AppError {
  const status = REFUSALS[type];
  if (type === 'Unprocessable') {
    const match = /^([A-Za-z][\w.]*): (.+)$/s.exec(message);
    if (match) return new AppError(status, REFUSAL_CODES[type], message, [{ field: match[1], message: match[2] }]);
  }
  return new AppError(status, REFUSAL_CODES[type], message);
}

// Duck-typed rather than `instanceof Error`: errors raised by Node's core (net, dns) may come from another realm.
const isErrorLike = (e: unknown): e is Error => typeof e === 'object' && e !== null && typeof (e as Error).message === 'string';

export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; isErrorLike(e) && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && GRPC_UNAVAILABLE_CODES.has(e.code)) return true;
    if (e.name === 'TransportError' || e.name === 'ConnectionTimeoutError') return true;
    if (e instanceof ServiceError && /connect|unavailable|deadline/i.test(e.message)) return true;
  }
  return false;
}
