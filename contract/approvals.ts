// A resolution proposed and the approvals decided on it.
import { z } from 'zod';
import { DECISIONS, RESOLUTION_TYPES } from '../domain/types';
import { amountInput, isoTimestamp, moneyOutput, sha256Hex, text, uuid } from './primitives';

export const actorOut = z.object({ id: z.string(), name: z.string() });

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
  evidenceHash: sha256Hex.nullable().meta({ description: 'The evidenceHash the case had when it was decided; null for decisions made before it existed' }),
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
  evidenceHash: sha256Hex
    .optional()
    .meta({ description: 'The evidenceHash of the case as the manager saw it: when it is no longer the current one (the evidence was refreshed), a 409' }),
});

export type Actor = z.infer<typeof actorOut>;
export type Resolution = z.infer<typeof resolutionOut>;
export type Approval = z.infer<typeof approvalOut>;
