// One application error type and one error middleware: every failure leaves the API in the contract's shape
// `{ error: { code, message, details } }`, with a status that says whose fault it was.
import {
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { ErrorRequestHandler, Response } from 'express';
import { ZodError, type core } from 'zod';
import { REFUSALS, isRefusalType, type RefusalType } from '../domain/errors';
import type { Logger } from '../infra/logger';
import { isValueError } from '../infra/postgres';

export interface ErrorDetail {
  field: string;
  message: string;
  /** Where the field was: body, query, path or header. */
  in?: 'body' | 'query' | 'path' | 'header';
}

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
    /** `cause`: what the database (or another system) said, for the log only; the answer is in our own words. */
    options: ErrorOptions = {},
  ) {
    super(message, options);
  }

  static badRequest(message: string, details: ErrorDetail[] = []): AppError {
    return new AppError(400, 'VALIDATION_FAILED', message, details);
  }
  static unauthorized(message = 'a valid bearer token is required'): AppError {
    return new AppError(401, 'UNAUTHORIZED', message, [], { 'WWW-Authenticate': 'Bearer' });
  }
  static forbidden(message: string): AppError {
    return new AppError(403, 'FORBIDDEN', message);
  }
  static notFound(message: string): AppError {
    return new AppError(404, 'NOT_FOUND', message);
  }
  static conflict(message: string, code = 'CONFLICT'): AppError {
    return new AppError(409, code, message);
  }
  static unprocessable(field: string, message: string): AppError {
    return new AppError(422, 'UNPROCESSABLE', `${field}: ${message}`, [{ field, message }]);
  }
  static unavailable(message: string): AppError {
    return new AppError(503, 'SERVICE_UNAVAILABLE', message, [], { 'Retry-After': '5' });
  }
}

/** A zod failure as a 400 naming each bad field (unknown keys are named one by one). */
export function validationError(error: ZodError, where: ErrorDetail['in']): AppError {
  return AppError.badRequest('the request is invalid', zodDetails(error.issues, where));
}

export function zodDetails(issues: readonly core.$ZodIssue[], where: ErrorDetail['in']): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        details.push({ field: fieldName([...issue.path, key], where), message: 'is not an accepted field', in: where });
      }
    } else {
      details.push({ field: fieldName(issue.path, where), message: issue.message, in: where });
    }
  }
  return details;
}

function fieldName(path: readonly PropertyKey[], where: ErrorDetail['in']): string {
  return path.length ? path.map(String).join('.') : `(${where ?? 'request'})`;
}

// Duck-typed rather than `instanceof Error`: errors raised by Node's core (net, dns) may come from another realm.
const isErrorLike = (e: unknown): e is Error => typeof e === 'object' && e !== null && typeof (e as Error).message === 'string';

const REFUSAL_CODES: Record<RefusalType, string> = {
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  Unprocessable: 'UNPROCESSABLE',
};

// gRPC status codes that mean "Temporal is not there right now", not "your request is wrong".
const GRPC_UNAVAILABLE_CODES = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

// 57014: statement timeout (an overloaded or stalled database); 57P0x: shutting down; 53xxx: out of resources.
const PG_UNAVAILABLE_CODES = new Set(['57014', '57P01', '57P02', '57P03', '53300', '53400', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** Maps anything thrown to the contract's error; null when it is a bug (answered 500). */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return validationError(err, 'body');

  const bodyParser = bodyParserError(err);
  if (bodyParser) return bodyParser;

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
  if (isPostgresUnavailable(err)) return AppError.unavailable('the database is unavailable');
  if (isValueError(err)) {
    // A value the schema let through but PostgreSQL cannot hold: the caller's input, not a 5xx. A safety net (the
    // edge refuses what it knows the database cannot store), so answered with the 400 every route with input
    // documents. PostgreSQL's own words, which quote the value and name our tables, go to the log, not the caller.
    return new AppError(400, 'VALIDATION_FAILED', 'a value is out of range', [
      { field: '(request)', message: 'holds a value the database cannot hold' },
    ], {}, { cause: err });
  }
  // http-errors style client errors raised by express itself (e.g. a malformed %-escape in the path).
  const status = (err as { status?: unknown; expose?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose !== false) {
    return new AppError(status, status === 400 ? 'BAD_REQUEST' : 'CLIENT_ERROR', (err as Error).message ?? 'bad request');
  }
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

function bodyParserError(err: unknown): AppError | null {
  if (!err || typeof err !== 'object' || !('type' in err) || typeof err.type !== 'string') return null;
  const e = err as { type: string; status?: number; limit?: number };
  switch (e.type) {
    case 'entity.too.large':
      return new AppError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than the limit of ${e.limit ?? 262_144} bytes`, [
        { field: '(body)', message: 'too large', in: 'body' },
      ]);
    case 'entity.parse.failed':
      return AppError.badRequest('the body is not valid JSON', [{ field: '(body)', message: 'malformed JSON', in: 'body' }]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return AppError.badRequest('the body encoding is not supported', [{ field: '(body)', message: e.type, in: 'body' }]);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return AppError.badRequest('the body could not be read', [{ field: '(body)', message: e.type, in: 'body' }]);
    default:
      return null;
  }
}

export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; isErrorLike(e) && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && GRPC_UNAVAILABLE_CODES.has(e.code)) return true;
    if (e.name === 'TransportError' || e.name === 'ConnectionTimeoutError') return true;
    if (e instanceof ServiceError && /connect|unavailable|deadline/i.test(e.message)) return true;
  }
  return false;
}

export function isPostgresUnavailable(err: unknown): boolean {
  if (!isErrorLike(err)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (PG_UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
    err.message,
  );
}

export function sendError(res: Response, error: AppError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details } });
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const log = (res.locals.log as Logger | undefined) ?? logger;
    const mapped = toAppError(err);
    if (mapped) {
      if (mapped.status >= 500) log.warn({ err, path: req.path }, mapped.message);
      else if (mapped.cause !== undefined) log.warn({ err: mapped.cause, path: req.path }, `refused: ${mapped.message}`);
      sendError(res, mapped);
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    sendError(res, new AppError(500, 'INTERNAL', 'something went wrong on our side; it has been logged'));
  };
}
