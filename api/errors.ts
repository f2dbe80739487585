// The API's one application error type: every failure leaves the API as one of these, in the contract's shape
// `{ error: { code, message, details } }`, with a status that says whose fault it was. What other systems' errors
// mean is decided where each is met (api/error-answer.ts gathers them).

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
  static unavailable(message: string, cause?: unknown): AppError {
    return new AppError(503, 'SERVICE_UNAVAILABLE', message, [], { 'Retry-After': '5' }, cause === undefined ? {} : { cause });
  }
}
