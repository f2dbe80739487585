// The one error middleware: anything thrown on the way to an answer becomes an AppError (each other system's
// failures mapped where that system is met) and leaves in the contract's shape; anything else is a bug, a 500.
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../infra/logger';
import { isPostgresUnavailable, isValueError } from '../infra/postgres';
import { AppError } from './errors';
import { fromJsonBody } from './json-body';
import { fromTemporal, isTemporalUnavailable } from './temporal-errors';

/** Maps anything thrown to the contract's error; null when it is a bug (answered 500). */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  return fromJsonBody(err) ?? fromTemporal(err) ?? fromPostgres(err) ?? fromExpress(err);
}

function fromPostgres(err: unknown): AppError | null {
  if (isPostgresUnavailable(err)) return AppError.unavailable('the database is unavailable');
  if (isValueError(err)) {
    // A value the schema let through but PostgreSQL cannot hold: the caller's input, not a 5xx. A safety net (the
    // edge refuses what it knows the database cannot store), so answered with the 400 every route with input
    // documents. PostgreSQL's own words, which quote the value and name our tables, go to the log, not the caller.
    return new AppError(400, 'VALIDATION_FAILED', 'a value is out of range', [
      { field: '(request)', message: 'holds a value the database cannot hold' },
    ], {}, { cause: err });
  }
  return null;
}

/** http-errors style client errors raised by express itself (e.g. a malformed %-escape in the path). */
function fromExpress(err: unknown): AppError | null {
  const status = (err as { status?: unknown; expose?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose !== false) {
    return new AppError(status, status === 400 ? 'BAD_REQUEST' : 'CLIENT_ERROR', (err as Error).message ?? 'bad request');
  }
  return null;
}

export function sendError(res: Response, error: AppError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details } });
}

/** PostgreSQL or Temporal not answering (their 503s, not ours such as "no worker"), itself or as the cause of ours. */
function isDependencyDown(err: unknown): boolean {
  return (
    isPostgresUnavailable(err) ||
    isTemporalUnavailable(err) ||
    (err instanceof AppError && err.cause !== undefined && isDependencyDown(err.cause))
  );
}

/** `dependencyFailed`: told of every answer that is a 503 because PostgreSQL or Temporal did not answer. */
export function errorMiddleware(logger: Logger, dependencyFailed: () => void = () => undefined): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const log = (res.locals.log as Logger | undefined) ?? logger;
    const mapped = toAppError(err);
    if (mapped) {
      if (mapped.status === 503 && isDependencyDown(err)) dependencyFailed();
      if (mapped.status >= 500) log.warn({ err, path: req.path }, mapped.message);
      else if (mapped.cause !== undefined) log.warn({ err: mapped.cause, path: req.path }, `refused: ${mapped.message}`);
      sendError(res, mapped);
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    sendError(res, new AppError(500, 'INTERNAL', 'something went wrong on our side; it has been logged'));
  };
}
