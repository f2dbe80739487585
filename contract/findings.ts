// What the analysis finds in an invoice: shared by the evidence activity, the workflow (types only) and the answers.
import { z } from 'zod';
import { FINDING_CODES } from '../domain/types';
import { moneyOutput, uuid } from './primitives';

/** A finding as the analysis makes it. */
export const analysisFinding = z.object({
  code: z.enum(FINDING_CODES),
  team: z.string(),
  invoiceNumber: z.string(),
  // The invoice of the case it was found on.
  // Absent for invoice-level findings (PO_NOT_FOUND, CONTRACT_NOT_FOUND).
  lineNo: z.number().int().optional(),
  expected: z.string(),
  actual: z.string(),
  amount: moneyOutput,
});
export type Finding = z.infer<typeof analysisFinding>;

/** A finding as every read answers it: stored, with its id and what its task confirmed. */
export const findingOut = analysisFinding.extend({
  id: uuid,
  confirmedAmount: moneyOutput.nullable().meta({
    description: "null until its task is done; then CONFIRMED: its amount, NOT_CONFIRMED: 0.00, PARTIAL: the amount the task gave it (0.00 where it did not list it)",
  }),
});
export type CaseFinding = z.infer<typeof findingOut>;

export const analysisSchema = z.object({
  findings: z.array(analysisFinding),
  overbilled: moneyOutput.meta({ description: "Sum of the lines' overbilling (the whole invoice when it is a duplicate)" }),
  recommendedCredit: moneyOutput.meta({ description: 'min(disputed amount, overbilled), summed over the items' }),
  recommendedDebit: moneyOutput.optional().meta({ description: 'The UNDERBILLED findings (absent in answers from before items)' }),
});
export type Analysis = z.infer<typeof analysisSchema>;
