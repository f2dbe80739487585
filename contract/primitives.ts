// The building blocks of every shape: money, quantities, text, ids, timestamps, paging, the error answer.
import { z } from 'zod';
import { formatMoney, parseMoney } from '../domain/money';

const MONEY_PATTERN = /^\d{1,13}(\.\d{1,2})?$/;
const MONEY_MESSAGE = 'a decimal string with at most 2 decimals, e.g. "1250.00"';

/** Money in a source record, kept as sent. */
export const moneyAmount = z.string().regex(MONEY_PATTERN, MONEY_MESSAGE);

/** A non-negative amount as sent: "12", "12.5" or "12.50"; answered and stored as "12.50". */
// zod runs refinements and transforms after a failed regex too: each step re-checks the pattern before parsing.
const normalised = (s: string): string => (MONEY_PATTERN.test(s) ? formatMoney(parseMoney(s)) : s);

export const moneyInput = z
  .string()
  .regex(MONEY_PATTERN, MONEY_MESSAGE)
  .transform(normalised)
  .meta({ description: 'Money: a decimal string with at most 2 decimals', examples: ['1250.00'] });

/** An amount that must be > 0. */
export const amountInput = z
  .string()
  .regex(MONEY_PATTERN, MONEY_MESSAGE)
  // A pattern, not a refine: /openapi.json must say "greater than 0" too (a refine does not reach JSON Schema, so
  // the document promised that "0" was valid; schemathesis found it). It reads: has a non-zero digit, or is not a
  // number at all (the pattern above refuses that, so such input gets one message, not two).
  .regex(/^(\D*|.*[1-9].*)$/, 'must be greater than 0.00')
  .transform(normalised)
  .meta({ description: 'Money greater than 0: a decimal string with at most 2 decimals', examples: ['150.00'] });

export const moneyOutput = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .meta({ description: 'Money: a decimal string with two decimals', examples: ['1250.00'] });

export const atMostThreeDecimals = (q: number) => /^\d+(\.\d{1,3})?$/.test(String(q));
export const quantity = z.number().finite().nonnegative().max(1e9).refine(atMostThreeDecimals, 'at most 3 decimals');

// Not blank: a character that String#trim keeps. Spelled out rather than \S, which means other things in other
// regex engines (Python's, which schemathesis generates from, counts U+FEFF as a letter and U+001C as a space), so
// that /openapi.json refuses exactly the blank strings the API refuses.
export const NOT_BLANK = /[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;
/** Free text: at least one character that is not white space, at most `max` as sent (what the document says), then trimmed. */
export const text = (max: number) => z.string().regex(NOT_BLANK, 'must not be empty').max(max).trim();

// Ids and names are read and compared by people, so they get a stricter rule than free text. They need a character
// that shows: not only white space, control characters, zero-width and other format characters, fillers, or
// combining marks alone (U+200B alone would look like an empty name). And no bidirectional control anywhere: one
// reorders what is displayed after it (an "INV-\u202e1001" shows as another number than it is). Free text
// (descriptions, notes, comments, reasons) keeps them, since right-to-left text pasted from Arabic or Hebrew needs
// them, and it is never used to find or tell apart a record. Both patterns are in /openapi.json, so they are
// spelled with \u escapes that JavaScript (without the u flag) and Python's re read alike: only BMP characters, no
// \s or \S, and `$` after a class that takes "\n" (Python's `$` also matches before a final newline). Invisible
// characters outside the BMP (the tag block) are not covered: a range there reads differently in the two engines.
// Control characters and combining marks are among the characters that do not show: matched one by one on purpose.
// eslint-disable-next-line no-control-regex, no-misleading-character-class
export const VISIBLE = /[^\u0000-\u0020\u007f-\u00a0\u00ad\u0300-\u036f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f\u1ab0-\u1aff\u1dc0-\u1dff\u2000-\u200f\u2028-\u202f\u205f-\u206f\u20d0-\u20ff\u2800\u3000\u3164\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\uffa0\ufff9-\ufffb]/;
export const NO_BIDI_CONTROLS = /^[^\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$/;
/** An id or a name: a character that shows, no bidirectional control, at most `max` as sent, then trimmed. */
export const identifier = (max: number) =>
  z
    .string()
    .regex(VISIBLE, 'must have a character that shows (not only spaces, invisible characters or marks)')
    .regex(NO_BIDI_CONTROLS, 'must not contain bidirectional control characters')
    .max(max)
    .trim();

const EARLIEST = Date.parse('1900-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-30T00:00:00Z');
// The shape is a documented pattern (years 1900–9999, real months, days and times); that the day exists in its
// month (no 2026-02-30: V8 would roll it over, PostgreSQL would refuse it) and the bounds hold once the offset is
// applied are rules the document cannot state (a 422).
const DATE_OR_DATE_TIME =
  /^(19\d{2}|[2-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$/;
export const dateOrDateTime = z
  .string()
  .regex(DATE_OR_DATE_TIME, 'an ISO 8601 date or date-time between 1900 and 9999')
  .refine((s) => {
    // V8 would roll a day that does not exist over (2026-02-30 is March 2); PostgreSQL would refuse it.
    const [year, month, day] = s.slice(0, 10).split('-').map(Number);
    if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return false;
    const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
    return t >= EARLIEST && t <= LATEST;
  }, 'a day that exists, between 1900 and 9999')
  .meta({ description: 'ISO 8601 date (whole day) or date-time' });

/** A date (midnight UTC) or date-time with its offset, as the UTC instant it names: what PostgreSQL stores. */
export const instantInput = dateOrDateTime.transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s).toISOString());

export const isoTimestamp = z.string().meta({ format: 'date-time', description: 'ISO 8601 timestamp' });
export const uuid = z.string().meta({ format: 'uuid' });

export const errorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(
        z.object({
          field: z.string(),
          message: z.string(),
          in: z.enum(['body', 'query', 'path', 'header']).optional(),
        }),
      ),
    }),
  })
  .meta({ description: 'The error shape of every non-2xx answer' });
export type ApiError = z.infer<typeof errorResponse>;

export const idempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'at most 200 characters')
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .meta({
      description:
        'Names this request (per user): sent again with the same body it gets the first answer and applies once; with ' +
        'another body (or case, or task) it is a 422. Without one the API makes one, and answers it in the ' +
        'Idempotency-Key header either way.',
    }),
});

export const uuidParams = z.strictObject({ id: z.string().min(1).max(100).meta({ format: 'uuid' }) });

export const LIMIT_DEFAULT = 50;
export const LIMIT_MAX = 200;
/** Page sizes above the maximum are clamped, not refused. */
const limit = z.coerce
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .default(LIMIT_DEFAULT)
  .transform((n) => Math.min(n, LIMIT_MAX))
  .meta({ description: `Page size, default ${LIMIT_DEFAULT}; values above ${LIMIT_MAX} are clamped` });
const cursor = z.string().max(500).meta({ description: 'Opaque: the nextCursor of the previous page' });
/** The query of a cursor-paged list. */
export const pageQuery = { limit, cursor: cursor.optional() };
/** A page of a cursor-paged list. */
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
/** The answer of a cursor-paged list. */
export type Page<T> = { items: T[]; nextCursor: string | null };

/** A SHA-256 as the API writes it: 64 lowercase hex digits. */
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in 64 lowercase hex digits');
