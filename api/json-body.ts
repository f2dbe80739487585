// The JSON body: parsed within its limit (413 over it), its bytes kept for a use case that keeps their digest, and
// the parser's own failures answered in the contract's words.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import express, { type Request } from 'express';
import { AppError } from './errors';

const BODY_LIMIT = '256kb';

type WithRawBody = Request & { rawBody?: Buffer };

export const jsonBody = express.json({
  limit: BODY_LIMIT,
  strict: true,
  type: ['application/json', 'application/*+json'],
  verify: keepRawBody,
});

/** A body parser's `verify`: keeps the body as received (after any Content-Encoding) for bodySha256. */
export function keepRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  (req as WithRawBody).rawBody = buf;
}

/** SHA-256 (lowercase hex) of the body's bytes as received. */
export function bodySha256(req: Request): string {
  return createHash('sha256').update((req as WithRawBody).rawBody ?? '').digest('hex');
}

/** The parsed JSON body; no body at all reads as {}, a body that is not JSON is refused. */
export function bodyOf(req: Request): unknown {
  if (req.body !== undefined) return req.body;
  const length = Number(req.get('content-length') ?? 0);
  if (length > 0 || req.get('transfer-encoding')) {
    throw AppError.badRequest('the body must be JSON', [
      { field: '(body)', message: 'send Content-Type: application/json', in: 'body' },
    ]);
  }
  return {};
}

/** The answer a failure of the JSON parser calls for; null when it is not one. */
export function fromJsonBody(err: unknown): AppError | null {
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
