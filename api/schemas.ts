// The HTTP shapes: request schemas parse (and normalise) what comes in; response schemas describe what goes out.
// Both feed /openapi.json, so the document and the code cannot drift apart.
import { z } from 'zod';
import { formatMoney, parseMoney } from '../domain/money';
import {
  DECISIONS,
  FINDING_CODES,
  REASON_CODES,
  RESOLUTION_TYPES,
  ROLES,
  STAGES,
  STATUSES,
  TASK_OUTCOMES,
  TASK_STATUSES,
  WORK_ORDER_STATUSES,
} from '../domain/types';

import { identifier, text } from '../schemas/records';

export { recordsImportSchema } from '../schemas/records';

// ---------------------------------------------------------------- building blocks

const MONEY_PATTERN = /^\d{1,13}(\.\d{1,2})?$/;
const MONEY_MESSAGE = 'a decimal string with at most 2 decimals, e.g. "1250.00"';

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

const isoTimestamp = z.string().meta({ format: 'date-time', description: 'ISO 8601 timestamp' });
const uuid = z.string().meta({ format: 'uuid' });

// ---------------------------------------------------------------- shared pieces

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

export const idParams = z.strictObject({ id: z.string().min(1).max(100).meta({ description: 'A case id (UUID) or case number' }) });
export const uuidParams = z.strictObject({ id: z.string().min(1).max(100).meta({ format: 'uuid' }) });
export const invoiceParams = z.strictObject({ number: z.string().min(1).max(100) });

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

// ---------------------------------------------------------------- users

// One shape per kind of role, so that /openapi.json says it: ops need a team, only managers have a limit.
const userName = { name: identifier(200) };
const team = identifier(100);
export const userRequest = z.discriminatedUnion('role', [
  z.strictObject({ ...userName, role: z.literal('ops'), team, approvalLimit: z.null().optional() }),
  z.strictObject({ ...userName, role: z.literal('manager'), team: team.nullable().optional(), approvalLimit: moneyInput.nullable().optional() }),
  z.strictObject({
    ...userName,
    role: z.enum(['admin', 'specialist', 'auditor'] satisfies (typeof ROLES)[number][]),
    team: team.nullable().optional(),
    approvalLimit: z.null().optional(),
  }),
]);

export const userResponse = z.object({
  id: uuid,
  name: z.string(),
  role: z.enum(ROLES),
  team: z.string().nullable(),
  approvalLimit: moneyOutput.nullable(),
});
export const userCreatedResponse = userResponse.extend({
  token: z.string().meta({ description: 'The bearer token; shown once, never stored' }),
});
export const userRevokedResponse = userResponse.extend({ revokedAt: isoTimestamp });

// ---------------------------------------------------------------- records and invoices

const importCount = z.number().int().nonnegative();
const importCounts = z.object({
  customers: importCount,
  contracts: importCount,
  purchaseOrders: importCount,
  workOrders: importCount,
  invoices: importCount,
});
export const importResponse = z.object({ imported: importCounts });

export const importListQuery = z.strictObject({ limit, cursor: cursor.optional() });

export const importOut = z.object({
  id: uuid,
  at: isoTimestamp,
  actor: z.object({ id: uuid, name: z.string() }).meta({ description: 'Who sent it' }),
  counts: importCounts.meta({ description: 'How many records of each kind it upserted' }),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .meta({ description: 'SHA-256, lowercase hex, of the body exactly as received (the bytes of the JSON document)' }),
});

export const importListResponse = z.object({ items: z.array(importOut), nextCursor: z.string().nullable() });

export const invoiceResponse = z.object({
  number: z.string(),
  customerId: z.string(),
  purchaseOrderId: z.string(),
  total: moneyOutput,
  openBalance: moneyOutput,
  currency: z.string(),
  issuedAt: isoTimestamp,
  dueAt: isoTimestamp,
  lines: z.array(
    z.object({ lineNo: z.number().int(), sku: z.string(), quantity: z.number(), unitPrice: moneyOutput, amount: moneyOutput }),
  ),
  creditMemos: z.array(z.object({ number: z.string(), amount: moneyOutput, caseId: uuid, issuedAt: isoTimestamp })),
});

export const invoiceListQuery = z.strictObject({
  number: identifier(100).optional().meta({ description: 'Invoices whose number starts with this' }),
  customer: identifier(200)
    .optional()
    .meta({ description: "Invoices of the customer with this id, or whose customer's name contains this (any case)" }),
  limit,
  cursor: cursor.optional(),
});

export const invoiceSummary = z.object({
  number: z.string(),
  customerId: z.string(),
  customerName: z.string(),
  purchaseOrderId: z.string(),
  total: moneyOutput,
  openBalance: moneyOutput,
  currency: z.string(),
  issuedAt: isoTimestamp,
  dueAt: isoTimestamp,
});

export const invoiceListResponse = z.object({ items: z.array(invoiceSummary), nextCursor: z.string().nullable() });

// The records a case is judged on, a page at a time: a page is up to `limit` of the invoice's lines (by lineNo) with
// what they are compared with: the PO lines, contract prices and work-order lines of their SKUs, and the lines of
// other invoices on the PO that bill them again. What is not long (the records themselves, the list of other
// invoices) comes whole in every page, with the count of what is paged.
export const evidenceQuery = z.strictObject({ limit, cursor: cursor.optional() });

const quantityOut = z.number().meta({ description: 'Up to 3 decimals' });
const lineNoOut = z.number().int();
const sourceLine = z.object({ lineNo: lineNoOut, sku: z.string(), quantity: quantityOut, unitPrice: moneyOutput });
const pagedCount = (what: string) => z.number().int().nonnegative().meta({ description: `How many ${what} in all, on every page` });

export const evidenceOut = z
  .object({
    invoice: z.object({
      number: z.string(),
      customerId: z.string(),
      purchaseOrderId: z.string(),
      issuedAt: z.string(),
      dueAt: z.string(),
      currency: z.string(),
      total: moneyOutput,
      lineCount: pagedCount('lines the invoice has'),
      lines: z.array(sourceLine).meta({ description: "This page's lines" }),
    }),
    purchaseOrder: z
      .object({
        id: z.string(),
        customerId: z.string(),
        contractId: z.string().nullable().optional(),
        orderedAt: z.string(),
        lineCount: pagedCount('lines the PO has'),
        lines: z.array(sourceLine).meta({ description: "Its lines of the SKUs on this page's invoice lines" }),
      })
      .nullable(),
    contract: z
      .object({
        id: z.string(),
        customerId: z.string(),
        currency: z.string(),
        validFrom: z.string(),
        validTo: z.string().nullable(),
        priceCount: pagedCount('prices the contract has'),
        prices: z.array(z.object({ sku: z.string(), unitPrice: moneyOutput })).meta({ description: "Its prices of this page's SKUs" }),
      })
      .nullable(),
    workOrders: z.array(
      z.object({
        id: z.string(),
        purchaseOrderId: z.string(),
        status: z.enum(WORK_ORDER_STATUSES),
        completedAt: z.string().nullable().optional(),
        lineCount: pagedCount('lines the work order has'),
        lines: z
          .array(z.object({ sku: z.string(), quantityCompleted: quantityOut }))
          .meta({ description: "Its lines of this page's SKUs" }),
      }),
    ),
    otherInvoices: z.array(
      z.object({
        number: z.string(),
        issuedAt: z.string(),
        total: moneyOutput,
        lineCount: pagedCount('lines it has'),
        matchingLineCount: pagedCount('of its lines bill what this invoice bills'),
        matchingLines: z.array(sourceLine.extend({ matchesLineNo: lineNoOut })).meta({
          description:
            "Its lines that bill the SKU and quantity of one of this page's lines (matchesLineNo), each line of either " +
            'invoice matched at most once, in lineNo order: what a DUPLICATE_INVOICE finding compares',
        }),
      }),
    ),
    nextCursor: z.string().nullable().meta({ description: "The cursor of the invoice's next lines, null on the last page" }),
  })
  .meta({ description: "The invoice, its PO, the contract in force on its date, the PO's work orders and other invoices" });

// ---------------------------------------------------------------- disputes

export const openDisputeRequest = z.strictObject({
  invoiceNumber: identifier(100),
  disputedAmount: amountInput,
  reasonCode: z.enum(REASON_CODES),
  description: z.string().max(4000).trim().nullable().optional(),
});

export const openDisputeResponse = z.object({
  id: uuid,
  caseNumber: z.string(),
  status: z.literal('OPEN'),
  workflowId: z.string(),
});

export const disputeListQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  stage: z.enum(STAGES).optional(),
  team: identifier(100).optional(),
  customerId: identifier(100).optional(),
  reasonCode: z.enum(REASON_CODES).optional(),
  order: z.enum(['desc', 'asc']).default('desc').meta({ description: 'By opening time: newest first (desc) or oldest first (asc)' }),
  limit,
  cursor: cursor.optional(),
});

const actorOut = z.object({ id: z.string(), name: z.string() });

export const disputeSummary = z.object({
  id: uuid,
  caseNumber: z.string(),
  workflowId: z.string(),
  status: z.enum(STATUSES),
  stage: z.enum(STAGES),
  invoiceNumber: z.string(),
  customerId: z.string(),
  currency: z.string(),
  disputedAmount: moneyOutput,
  reasonCode: z.enum(REASON_CODES),
  recommendedCredit: moneyOutput.nullable(),
  openedAt: isoTimestamp,
  stageEnteredAt: isoTimestamp,
  closedAt: isoTimestamp.nullable(),
});

export const disputeListResponse = z.object({
  items: z.array(disputeSummary),
  nextCursor: z.string().nullable(),
});

export const findingOut = z.object({
  code: z.enum(FINDING_CODES),
  team: z.string(),
  lineNo: z.number().int().optional(),
  expected: z.string(),
  actual: z.string(),
  amount: moneyOutput,
});

export const caseTaskOut = z.object({
  id: uuid,
  team: z.string(),
  title: z.string(),
  status: z.enum(TASK_STATUSES),
  findingCodes: z.array(z.string()),
  createdAt: isoTimestamp,
  dueAt: isoTimestamp,
  overdue: z.boolean(),
  escalated: z.boolean(),
  escalatedAt: isoTimestamp.nullable(),
  completedAt: isoTimestamp.nullable(),
  completedBy: actorOut.nullable(),
  outcome: z.enum(TASK_OUTCOMES).nullable(),
  note: z.string().nullable(),
  amount: moneyOutput.nullable(),
});

export const resolutionOut = z.object({
  id: uuid,
  type: z.enum(RESOLUTION_TYPES),
  amount: moneyOutput.nullable(),
  rootCause: z.string(),
  note: z.string().nullable(),
  proposedBy: actorOut,
  proposedAt: isoTimestamp,
  decision: z.enum(DECISIONS).nullable(),
});

export const approvalOut = z.object({
  id: uuid,
  resolutionId: uuid,
  decision: z.enum(DECISIONS),
  comment: z.string().nullable(),
  amount: moneyOutput,
  decidedBy: actorOut,
  decidedAt: isoTimestamp,
});

export const creditMemoOut = z.object({
  number: z.string(),
  amount: moneyOutput,
  currency: z.string(),
  approvalId: uuid,
  issuedAt: isoTimestamp,
});

export const eventOut = z.object({
  seq: z.number().int(),
  at: isoTimestamp,
  actor: z.string(),
  actorName: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const disputeDetail = disputeSummary.extend({
  description: z.string().nullable(),
  openedBy: actorOut,
  overbilled: moneyOutput.nullable(),
  evidenceError: z.string().nullable(),
  parkedError: z
    .string()
    .nullable()
    .meta({ description: 'Why the case takes no command but cancel: an event of its trail could not be stored as sent' }),
  evidence: evidenceOut
    .nullable()
    .meta({ description: 'Its first page (GET /api/disputes/{id}/evidence for the next); null until the evidence is collected' }),
  invoice: z.object({ total: moneyOutput, openBalance: moneyOutput }),
  findings: z.array(findingOut).meta({ description: "The invoice's own findings and those of the lines on the evidence's first page" }),
  findingCount: z.number().int().nonnegative().meta({ description: 'How many findings the case has in all' }),
  tasks: z.array(caseTaskOut),
  resolution: resolutionOut.nullable(),
  approvals: z.array(approvalOut),
  creditMemos: z.array(creditMemoOut),
  events: z.array(eventOut),
});

export const caseEvidenceResponse = z.object({
  evidence: evidenceOut,
  findings: z.array(findingOut).meta({ description: "The findings of this page's lines (and, on the first page, the invoice's own)" }),
});

// ---------------------------------------------------------------- comments

export const commentRequest = z.strictObject({ body: text(10_000) });

export const commentOut = z.object({
  id: uuid,
  authorId: uuid,
  authorName: z.string(),
  body: z.string(),
  createdAt: isoTimestamp,
});

export const commentListQuery = z.strictObject({ limit, cursor: cursor.optional() });

export const commentListResponse = z.object({ items: z.array(commentOut), nextCursor: z.string().nullable() });

// ---------------------------------------------------------------- tasks

export const taskListQuery = z.strictObject({
  team: identifier(100).optional(),
  status: z.enum(TASK_STATUSES).optional(),
  limit,
  cursor: cursor.optional(),
});

export const taskOut = z.object({
  id: uuid,
  disputeId: uuid,
  caseNumber: z.string(),
  invoiceNumber: z.string(),
  team: z.string(),
  title: z.string(),
  status: z.enum(TASK_STATUSES),
  createdAt: isoTimestamp,
  dueAt: isoTimestamp,
  overdue: z.boolean(),
  escalated: z.boolean(),
  completedAt: isoTimestamp.nullable(),
  outcome: z.enum(TASK_OUTCOMES).nullable(),
  findings: z.array(findingOut),
});

export const taskListResponse = z.object({ items: z.array(taskOut), nextCursor: z.string().nullable() });

// ---------------------------------------------------------------- commands

export const completeTaskRequest = z.strictObject({
  outcome: z.enum(TASK_OUTCOMES),
  note: text(4000),
  amount: amountInput.nullable().optional(),
});

// One shape per type, so that /openapi.json says what the API checks: a CREDIT has an amount, a NO_CREDIT none
// (as one object with a refinement, the document allowed an amount on NO_CREDIT; schemathesis found it).
const resolutionText = { rootCause: text(2000), note: z.string().max(4000).trim().nullable().optional() };
export const resolutionRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('CREDIT'), amount: amountInput, ...resolutionText }),
  z.strictObject({ type: z.literal('NO_CREDIT'), amount: z.null().optional(), ...resolutionText }),
]);

export const decisionRequest = z.strictObject({
  decision: z.enum(DECISIONS),
  comment: z.string().max(4000).trim().nullable().optional(),
});

export const cancelRequest = z.strictObject({ reason: text(2000) });

export const retryEvidenceRequest = z.strictObject({});

export const commandResponse = z.object({
  id: uuid,
  caseNumber: z.string(),
  workflowId: z.string(),
  status: z.enum(STATUSES),
  stage: z.enum(STAGES),
});
export const taskCommandResponse = commandResponse.extend({
  taskId: uuid,
  taskStatus: z.enum(TASK_STATUSES),
});

// ---------------------------------------------------------------- reports

const EARLIEST = Date.parse('1900-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-30T00:00:00Z');
// The shape is a documented pattern (years 1900–9999, real months, days and times); that the day exists in its
// month (no 2026-02-30: V8 would roll it over, PostgreSQL would refuse it) and the bounds hold once the offset is
// applied are rules the document cannot state (a 422).
const DATE_OR_DATE_TIME =
  /^(19\d{2}|[2-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$/;
const dateOrDateTime = z
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

export const GROUP_BYS = ['reasonCode', 'team', 'customerId'] as const;
export const cycleTimeQuery = z.strictObject({
  from: dateOrDateTime.optional(),
  to: dateOrDateTime.optional(),
  groupBy: z.enum(GROUP_BYS).default('reasonCode'),
});

const hours = z.number().nullable().meta({ description: 'Hours, 4 decimals; null when there is nothing to measure' });
export const AGING_BUCKETS = ['0-7', '8-30', '31-60', '61-90', '>90'] as const;

export const cycleTimeResponse = z.object({
  from: isoTimestamp.nullable(),
  to: isoTimestamp,
  groupBy: z.enum(GROUP_BYS),
  overall: z.object({
    count: z.number().int(),
    closedCount: z.number().int(),
    openCount: z.number().int(),
    cancelledCount: z.number().int(),
    medianHours: hours,
    p90Hours: hours,
  }),
  groups: z.array(
    z.object({
      key: z.string(),
      count: z.number().int(),
      closedCount: z.number().int(),
      medianHours: hours,
      p90Hours: hours,
      taskCount: z.number().int().optional(),
      taskMedianHours: hours.optional(),
      taskP90Hours: hours.optional(),
    }),
  ),
  stages: z.array(z.object({ stage: z.enum(STAGES), count: z.number().int(), medianHours: hours, p90Hours: hours })),
  aging: z.array(z.object({ bucket: z.enum(AGING_BUCKETS), count: z.number().int(), amount: moneyOutput })),
});

export const overviewQuery = z.strictObject({
  weeks: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(104, 'at most 104')
    .default(12)
    .meta({ description: 'How many weeks of flow, this one included' }),
});

/** The stages a case can be in while open (DONE is closed). */
export const OPEN_STAGES = ['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL', 'CREDIT_MEMO'] as const satisfies readonly (typeof STAGES)[number][];

export const overviewResponse = z.object({
  openCases: z.array(
    z.object({ stage: z.enum(OPEN_STAGES), bucket: z.enum(AGING_BUCKETS), count: z.number().int(), amount: moneyOutput }),
  ),
  tasks: z.array(z.object({ team: z.string(), open: z.number().int(), overdue: z.number().int(), escalated: z.number().int() })),
  weeks: z.array(
    z.object({
      weekStart: z.string().meta({ format: 'date', description: 'The Monday (UTC) the week starts' }),
      opened: z.number().int(),
      closed: z.number().int(),
      cancelled: z.number().int(),
    }),
  ),
});

// ---------------------------------------------------------------- operations

export const healthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  postgres: z.enum(['ok', 'unavailable']),
  temporal: z.enum(['ok', 'unavailable']),
  workers: z
    .number()
    .int()
    .nonnegative()
    .nullable()
    .meta({ description: 'Workers polling the task queue in the last 70 s; null when Temporal did not say' }),
});

export const meResponse = userResponse;

export const webConfigResponse = z.object({
  temporalUi: z
    .object({
      url: z.string().meta({ description: 'Base URL of the Temporal Web UI' }),
      namespace: z.string(),
    })
    .nullable()
    .meta({ description: "Where a case's workflow can be looked at: {url}/namespaces/{namespace}/workflows/{workflowId}; null when no UI is configured" }),
});
