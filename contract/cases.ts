// Disputes: opening one, the lists, the detail, and the answers of the commands on a case.
import { z } from 'zod';
import { REASON_CODES, STAGES, STATUSES, TASK_OUTCOMES, TASK_STATUSES } from '../domain/types';
import { actorOut, adjustmentOut, approvalOut, resolutionOut } from './approvals';
import { findingOut } from './findings';
import { deductionOut } from './payments';
import { evidenceOut } from './invoices';
import { amountInput, identifier, isoTimestamp, moneyOutput, page, pageQuery, sha256Hex, text, uuid } from './primitives';

export const idParams = z.strictObject({ id: z.string().min(1).max(100).meta({ description: 'A case id (UUID) or case number' }) });

const description = z.string().max(4000).trim().nullable().optional();

/** v1: one whole invoice. */
export const openWholeInvoiceRequest = z.strictObject({
  invoiceNumber: identifier(100),
  disputedAmount: amountInput,
  reasonCode: z.enum(REASON_CODES),
  description,
});

export const MAX_CASE_ITEMS = 50;

export const caseItemInput = z.strictObject({
  invoiceNumber: identifier(100),
  lineNo: z.number().int().min(1).max(1_000_000).optional().meta({ description: 'One line of the invoice; absent: the whole invoice' }),
  disputedAmount: amountInput,
});

/** Where two items of one opening overlap: the same invoice or line twice, or a whole invoice beside one of its lines. */
function overlappingItems(items: readonly { invoiceNumber: string; lineNo?: number }[]): { index: number; field: string; message: string }[] {
  const seen = new Map<string, { whole: boolean; lines: Set<number> }>();
  const found: { index: number; field: string; message: string }[] = [];
  items.forEach((item, index) => {
    const invoice = seen.get(item.invoiceNumber) ?? { whole: false, lines: new Set<number>() };
    seen.set(item.invoiceNumber, invoice);
    if (item.lineNo === undefined) {
      if (invoice.whole || invoice.lines.size) {
        found.push({ index, field: 'invoiceNumber', message: `invoice ${item.invoiceNumber} is already an item of this case` });
      }
      invoice.whole = true;
    } else {
      if (invoice.whole || invoice.lines.has(item.lineNo)) {
        found.push({ index, field: 'lineNo', message: `line ${item.lineNo} of invoice ${item.invoiceNumber} is already in an item of this case` });
      }
      invoice.lines.add(item.lineNo);
    }
  });
  return found;
}

/** Items: whole invoices or lines of them, of one customer and currency (checked against the records by the API). */
export const openItemsRequest = z.strictObject({
  reasonCode: z.enum(REASON_CODES),
  description,
  items: z
    .array(caseItemInput)
    .min(1, 'at least one item')
    .max(MAX_CASE_ITEMS, `at most ${MAX_CASE_ITEMS} items`)
    .superRefine((items, ctx) => {
      for (const { index, field, message } of overlappingItems(items)) ctx.addIssue({ code: 'custom', path: [index, field], message });
    }),
});

export const openDisputeRequest = z
  .union([openWholeInvoiceRequest, openItemsRequest])
  .meta({ description: 'One whole invoice (v1), or items: whole invoices and lines of one customer and currency' });
export type OpenDisputeBody = z.output<typeof openDisputeRequest>;
export type CaseItemInput = z.output<typeof caseItemInput>;

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
  owner: z
    .union([z.literal('me'), z.guid()])
    .optional()
    .meta({ description: "The owner's user id, or me: the cases you own" }),
  order: z.enum(['desc', 'asc']).default('desc').meta({ description: 'By opening time: newest first (desc) or oldest first (asc)' }),
  offeredTo: z
    .literal('me')
    .optional()
    .meta({ description: 'Only the cases whose waiting approval was escalated and offered to you (managers whose limits cover it)' }),
  ...pageQuery,
});

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
  ownerId: uuid.nullable().meta({ description: 'Who owns the case; null: nobody (a case the system opened with no owner rule)' }),
  ownerName: z.string().nullable(),
  waitingOn: z.string().nullable().meta({
    description: 'Whom the open case waits on: the team whose open task is due first, SPECIALIST, APPROVER or CUSTOMER; null once closed',
  }),
});

/** For a manager, on a proposal waiting for a decision: with whose authority, under which limit, they would approve it. */
export const authorityOut = z.object({
  limit: moneyOutput
    .nullable()
    .meta({ description: "The limit applied in the case's currency: yours, or that of the absent manager you would approve for; null: none" }),
  onBehalfOf: actorOut.nullable().meta({ description: 'The absent manager whose delegation to you covers it when your own limit does not' }),
  refusal: z.string().nullable().meta({ description: 'Why you cannot approve it (you may still reject it); null when you can' }),
});
const yourAuthority = () =>
  authorityOut.nullable().meta({ description: 'For a manager, on a proposal waiting for a decision; null otherwise' });

/** A case in a list: its summary and what it waits on a manager for, so an approval queue needs no case one by one. */
export const disputeListItem = disputeSummary.extend({
  proposal: resolutionOut.nullable().meta({ description: "The case's latest proposal, as the case's resolution; null when none" }),
  offeredToMe: z.boolean().meta({ description: 'Its waiting approval was escalated and offered to you' }),
  yourAuthority: yourAuthority(),
});
export const disputeListResponse = page(disputeListItem);

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
  routingVersion: z.number().int().nonnegative().meta({ description: "The routing version the task was made under (0: the code's defaults)" }),
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

/** How many of an item's findings its explanation lists; the rest are summed (their lines: the evidence's pages). */
export const ITEM_FINDINGS_SHOWN = 10;

/** Which rule makes an item's recommendation: the findings as found (a task is still open), or what the tasks confirmed. */
export const RECOMMENDATION_BASES = ['FOUND', 'CONFIRMED'] as const;

export const itemFindingOut = findingOut.extend({
  counted: moneyOutput.meta({
    description: "What it adds to the item's recommendation: its amount while a task is open (basis FOUND); then what its task confirmed, its amount where no done task answered it",
  }),
});

export const itemExplanationOut = z
  .object({
    basis: z.enum(RECOMMENDATION_BASES).meta({
      description: 'FOUND: a task is open (or none was made), the findings count in full; CONFIRMED: every task is done, each finding counts what its task confirmed',
    }),
    overbilling: moneyOutput.meta({ description: 'Σ counted of its findings other than UNDERBILLED: the credit is the lesser of it and the disputed amount' }),
    cappedByDisputed: z.boolean().meta({ description: 'The overbilling is more than the disputed amount: the credit is the disputed amount' }),
    underbilling: moneyOutput.meta({ description: 'Σ counted of its UNDERBILLED findings: the recommended debit' }),
    findings: z.array(itemFindingOut).max(ITEM_FINDINGS_SHOWN).meta({ description: `Its first ${ITEM_FINDINGS_SHOWN} findings in the analysis' order` }),
    more: z
      .object({ count: z.number().int().nonnegative(), overbilling: moneyOutput, underbilling: moneyOutput })
      .meta({ description: 'The findings not listed: how many, and what they count (already in the sums above)' }),
  })
  .meta({ description: 'Finding → confirmed amount → recommendation, for this item' });

export const caseItemOut = z.object({
  invoiceNumber: z.string(),
  lineNo: z.number().int().nullable().meta({ description: 'null: the whole invoice' }),
  disputedAmount: moneyOutput,
  recommendedCredit: moneyOutput.nullable().meta({ description: 'min(disputed, its overbilling); null until the evidence is in' }),
  recommendedDebit: moneyOutput.nullable().meta({ description: 'Its UNDERBILLED findings; null until the evidence is in' }),
  explanation: itemExplanationOut.nullable().meta({ description: 'Why it recommends what it does; null until the evidence is in' }),
});

export const disputeDetail = disputeSummary.extend({
  description: z.string().nullable(),
  items: z.array(caseItemOut).meta({ description: 'What the case disputes, in the order opened; invoiceNumber is the first item\'s' }),
  recommendedDebit: moneyOutput.nullable().meta({ description: "The sum of the items' recommended debits" }),
  openedBy: actorOut,
  overbilled: moneyOutput.nullable(),
  confirmedOverbilling: moneyOutput.nullable().meta({
    description: 'What the tasks confirmed of the overbilling, once every task is done (the recommended credit is at most it); null until then',
  }),
  evidenceError: z.string().nullable(),
  evidenceHash: sha256Hex
    .nullable()
    .meta({ description: 'SHA-256 of the evidence and findings the case holds now; null until collected (or collected before it existed)' }),
  customerWait: z
    .object({ reason: z.string(), until: isoTimestamp.nullable(), since: isoTimestamp })
    .nullable()
    .meta({ description: "The owner's wait on the customer while it lasts (no SLA clock runs); until: when it ends by itself" }),
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
  yourAuthority: yourAuthority(),
  approvals: z.array(approvalOut),
  creditMemos: z.array(creditMemoOut).meta({ description: 'The credit memos among the adjustments' }),
  adjustments: z.array(adjustmentOut).meta({ description: "The ledger's documents issued for this case" }),
  deductions: z.array(deductionOut).meta({ description: 'The deductions that opened or joined this case, in the order they were taken' }),
  events: z.array(eventOut),
});

export const caseEvidenceQuery = z.strictObject({
  invoiceNumber: identifier(100).optional().meta({ description: "One of the case's invoices; absent: the first item's" }),
  ...pageQuery,
});

export const caseEvidenceResponse = z.object({
  evidence: evidenceOut,
  findings: z.array(findingOut).meta({ description: "The findings of this page's lines (and, on the first page, the invoice's own)" }),
});

export const cancelRequest = z.strictObject({ reason: text(2000) });

export const retryEvidenceRequest = z.strictObject({});

export const assignRequest = z.strictObject({ userId: z.guid().meta({ description: 'An active specialist' }) });

/** How far ahead a customer wait may end by itself. */
export const CUSTOMER_WAIT_MAX_DAYS = 366;

export const awaitCustomerRequest = z.strictObject({
  reason: text(2000),
  until: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .meta({ description: 'When the wait ends by itself: in the future, at most a year ahead; absent: until resumed' }),
});

export const resumeRequest = z.strictObject({});

export const refreshEvidenceRequest = z.strictObject({});

export const commandResponse = z.object({
  id: uuid,
  caseNumber: z.string(),
  workflowId: z.string(),
  status: z.enum(STATUSES),
  stage: z.enum(STAGES),
});

export type DisputeSummary = z.infer<typeof disputeSummary>;
export type DisputeListItem = z.infer<typeof disputeListItem>;
export type DisputeDetail = z.infer<typeof disputeDetail>;
export type Authority = z.infer<typeof authorityOut>;
export type CaseItem = z.infer<typeof caseItemOut>;
export type ItemExplanation = z.infer<typeof itemExplanationOut>;
export type ItemFinding = z.infer<typeof itemFindingOut>;
export type CaseTask = z.infer<typeof caseTaskOut>;
export type CreditMemo = z.infer<typeof creditMemoOut>;
export type CaseEvent = z.infer<typeof eventOut>;
export type CaseEvidencePage = z.infer<typeof caseEvidenceResponse>;
export type CommandAnswer = z.infer<typeof commandResponse>;
