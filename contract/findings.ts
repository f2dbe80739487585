// What the analysis finds in an invoice: shared by the evidence activity, the workflow (types only) and the answers.
import { z } from 'zod';
import { FINDING_CODES } from '../domain/types';
import { moneyOutput } from './primitives';

export const findingOut = z.object({
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
export type Finding = z.infer<typeof findingOut>;

export const analysisSchema = z.object({
  findings: z.array(findingOut),
  overbilled: moneyOutput.meta({ description: "Sum of the lines' overbilling (the whole invoice when it is a duplicate)" }),
  recommendedCredit: moneyOutput.meta({ description: 'min(disputed amount, overbilled), summed over the items' }),
  recommendedDebit: moneyOutput.optional().meta({ description: 'The UNDERBILLED findings (absent in answers from before items)' }),
});
export type Analysis = z.infer<typeof analysisSchema>;
