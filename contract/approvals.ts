// A resolution proposed and the approvals decided on it.
import { z } from 'zod';
import { ADJUSTMENT_KINDS, DECISIONS, RESOLUTION_TYPES, ROOT_CAUSES } from '../domain/types';
import { amountInput, identifier, isoTimestamp, moneyOutput, sha256Hex, uuid } from './primitives';

export const actorOut = z.object({ id: z.string(), name: z.string() });

const lineNo = z.number().int().min(1).max(2_147_483_647);

/** An adjustment as proposed: on one line of an invoice of the case, or (no lineNo) spread over its lines in order. */
export const adjustmentIn = z.strictObject({
  kind: z.enum(ADJUSTMENT_KINDS),
  invoiceNumber: identifier(100),
  lineNo: lineNo.nullable().optional().meta({ description: "A line of the invoice; absent: spread over the invoice's lines in line order" }),
  amount: amountInput,
});

export const proposedAdjustmentOut = z.object({
  kind: z.enum(ADJUSTMENT_KINDS),
  invoiceNumber: z.string(),
  lineNo: z.number().int().nullable(),
  amount: moneyOutput,
});

/** A document of the ledger: a credit memo (CM-), debit memo (DM-) or write-off (WO-), and its lines. */
export const adjustmentOut = z.object({
  number: z.string(),
  kind: z.enum(ADJUSTMENT_KINDS),
  invoiceNumber: z.string(),
  amount: moneyOutput,
  currency: z.string(),
  lines: z.array(z.object({ lineNo: z.number().int(), amount: moneyOutput })),
  /** Null for a write-off by rule (a deduction below AUTO_WRITE_OFF_MAX): it names its rule's version and deduction instead. */
  approvalId: uuid.nullable(),
  caseId: uuid.nullable(),
  ruleVersion: z.number().int().nullable(),
  deductionId: uuid.nullable(),
  issuedAt: isoTimestamp,
});

export const resolutionOut = z.object({
  id: uuid,
  type: z.enum(RESOLUTION_TYPES),
  amount: moneyOutput.nullable().meta({ description: 'The sum of the adjustments, debits included; null for NO_CREDIT' }),
  rootCause: z.string().meta({ description: 'One of the root cause codes; resolutions stored before them keep their text' }),
  note: z.string().nullable(),
  adjustments: z.array(proposedAdjustmentOut),
  proposedBy: actorOut,
  proposedAt: isoTimestamp,
  decision: z.enum(DECISIONS).nullable(),
});

export const approvalOut = z.object({
  id: uuid,
  resolutionId: uuid,
  decision: z.enum(DECISIONS),
  comment: z.string().nullable(),
  amount: moneyOutput.meta({ description: "The sum of the resolution's adjustments" }),
  decidedBy: actorOut,
  approverId: uuid.meta({ description: "decidedBy's id: the manager who decided, the delegate when onBehalfOf is set" }),
  decidedAt: isoTimestamp,
  evidenceHash: sha256Hex.nullable().meta({ description: 'The evidenceHash the case had when it was decided; null for decisions made before it existed' }),
  onBehalfOf: actorOut.nullable().meta({ description: 'The absent manager whose authority a delegate decided with; null: the approver\'s own' }),
  policyVersion: z.number().int().nullable().meta({ description: 'The policy the decision was made under (limit applied, SLAs, routing version); null before policy versions' }),
});

// One shape per type, so that /openapi.json says what the API checks: an ADJUST has adjustments, the shorthand an
// amount, a NO_CREDIT neither (as one object with a refinement, the document allowed an amount on NO_CREDIT;
// schemathesis found it).
const resolutionText = { rootCause: z.enum(ROOT_CAUSES), note: z.string().max(4000).trim().nullable().optional() };
const shorthand = (type: 'CREDIT' | 'DEBIT' | 'WRITE_OFF') =>
  z
    .strictObject({ type: z.literal(type), amount: amountInput, ...resolutionText })
    .meta({ description: `One ${type} adjustment of amount on the case's invoice, spread over its lines (a case of one invoice only)` });
export const resolutionRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ADJUST'), adjustments: z.array(adjustmentIn).min(1).max(200), ...resolutionText }),
  shorthand('CREDIT'),
  shorthand('DEBIT'),
  shorthand('WRITE_OFF'),
  z.strictObject({ type: z.literal('NO_CREDIT'), amount: z.null().optional(), ...resolutionText }),
]);

export const decisionRequest = z.strictObject({
  decision: z.enum(DECISIONS),
  comment: z.string().max(4000).trim().nullable().optional(),
  evidenceHash: sha256Hex
    .optional()
    .meta({ description: 'The evidenceHash of the case as the manager saw it: when it is no longer the current one (the evidence was refreshed), a 409' }),
});

export type Actor = z.infer<typeof actorOut>;
export type Resolution = z.infer<typeof resolutionOut>;
export type Approval = z.infer<typeof approvalOut>;
export type Adjustment = z.infer<typeof adjustmentOut>;
export type ProposedAdjustmentOut = z.infer<typeof proposedAdjustmentOut>;
export type ResolutionRequest = z.input<typeof resolutionRequest>;
