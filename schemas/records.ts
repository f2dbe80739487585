// The source records' shapes, checked wherever records enter: the import route and the evidence activity
// (an ERP connector may hand over anything). Never imported by workflow code.
import { z } from 'zod';
import { WORK_ORDER_STATUSES } from '../domain/types';

const MAX_LINES = 5_000;

export const moneyAmount = z
  .string()
  .regex(/^\d{1,13}(\.\d{1,2})?$/, 'a decimal string with at most 2 decimals, e.g. "1250.00"');

const atMostThreeDecimals = (q: number) => /^\d+(\.\d{1,3})?$/.test(String(q));
export const quantity = z.number().finite().nonnegative().max(1e9).refine(atMostThreeDecimals, 'at most 3 decimals');
// positive(), not a refine: the import's /openapi.json must say "greater than 0" too.
const invoicedQuantity = z.number().finite().positive().max(1e9).refine(atMostThreeDecimals, 'at most 3 decimals');

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

const id = identifier(100);
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "USD"');
const isoDateTime = z.iso.datetime({ offset: true }).or(z.iso.date());
const lineNo = z.number().int().positive().max(1_000_000);

function uniqueBy<T>(key: (item: T) => string | number, what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string | number>();
    items.forEach((item, index) => {
      const k = key(item);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `duplicate ${what} ${k}`, path: [index] });
      seen.add(k);
    });
  };
}

export const customerSchema = z.strictObject({ id, name: identifier(200) });

export const contractSchema = z
  .strictObject({
    id,
    customerId: id,
    currency,
    validFrom: isoDateTime,
    validTo: isoDateTime.nullable(),
    prices: z
      .array(z.strictObject({ sku: id, unitPrice: moneyAmount }))
      .max(MAX_LINES)
      .superRefine(uniqueBy((p) => p.sku, 'sku')),
  })
  .refine((c) => c.validTo === null || Date.parse(c.validTo) >= Date.parse(c.validFrom), {
    message: 'validTo is before validFrom',
    path: ['validTo'],
  });

const orderLine = z.strictObject({ lineNo, sku: id, quantity, unitPrice: moneyAmount });

export const purchaseOrderSchema = z.strictObject({
  id,
  customerId: id,
  contractId: id.nullable().optional(),
  orderedAt: isoDateTime,
  lines: z.array(orderLine).min(1).max(MAX_LINES).superRefine(uniqueBy((l) => l.lineNo, 'lineNo')),
});

export const workOrderSchema = z.strictObject({
  id,
  purchaseOrderId: id,
  status: z.enum(WORK_ORDER_STATUSES),
  completedAt: isoDateTime.nullable().optional(),
  lines: z
    .array(z.strictObject({ sku: id, quantityCompleted: quantity }))
    .max(MAX_LINES)
    .superRefine(uniqueBy((l) => l.sku, 'sku')),
});

export const invoiceSchema = z.strictObject({
  number: id,
  customerId: id,
  purchaseOrderId: id,
  issuedAt: isoDateTime,
  dueAt: isoDateTime,
  currency,
  lines: z
    .array(orderLine.extend({ quantity: invoicedQuantity }))
    .min(1)
    .max(MAX_LINES)
    .superRefine(uniqueBy((l) => l.lineNo, 'lineNo')),
});

export const recordsImportSchema = z.strictObject({
  customers: z.array(customerSchema).max(10_000).optional(),
  contracts: z.array(contractSchema).max(10_000).optional(),
  purchaseOrders: z.array(purchaseOrderSchema).max(10_000).optional(),
  workOrders: z.array(workOrderSchema).max(10_000).optional(),
  invoices: z.array(invoiceSchema).max(10_000).optional(),
});
export type RecordsImport = z.infer<typeof recordsImportSchema>;
