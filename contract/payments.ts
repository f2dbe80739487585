// Money in (issue 11): posting payments, the unapplied-cash worklist, deductions and a customer's open items.
import { z } from 'zod';
import { DEDUCTION_STATUSES, REASON_CODES } from '../domain/types';
import { amountInput, identifier, instantInput, moneyInput, moneyOutput, page, pageQuery, text, uuid } from './primitives';

export const MAX_PAYMENTS = 1000;
export const MAX_REMITTANCE_LINES = 200;
export const MAX_DEDUCTIONS_PER_LINE = 20;
export const MAX_REASON_MAPPINGS = 500;

const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "USD"');

const deductionInput = z.strictObject({
  amount: amountInput,
  reasonCode: identifier(50).meta({ description: "The customer's own code, as given (mapped to ours later)" }),
  reference: text(200).optional(),
  note: text(1000).optional(),
});

const remittanceInput = z.strictObject({
  invoiceNumber: identifier(100),
  paid: moneyInput.meta({ description: 'What the customer says it pays of this invoice' }),
  deductions: z.array(deductionInput).max(MAX_DEDUCTIONS_PER_LINE).optional(),
});

const paymentInput = z.strictObject({
  id: identifier(100).meta({ description: 'The payment id: posting it again changes nothing; other content under it is a 422' }),
  customerId: identifier(100).optional(),
  receivedAt: instantInput,
  currency,
  amount: amountInput,
  remittance: z.array(remittanceInput).max(MAX_REMITTANCE_LINES),
});

export const postPaymentsRequest = z.strictObject({
  payments: z
    .array(paymentInput)
    .min(1, 'at least one payment')
    .max(MAX_PAYMENTS)
    .superRefine((payments, ctx) => {
      const seen = new Set<string>();
      payments.forEach((p, index) => {
        if (seen.has(p.id)) ctx.addIssue({ code: 'custom', message: `duplicate payment id ${p.id}`, path: [index, 'id'] });
        seen.add(p.id);
      });
    }),
});
export type PostPaymentsBody = z.output<typeof postPaymentsRequest>;

/** POST /api/payments/camt054's body: the bank's file as sent, checked against its XSD by records/camt054. */
export const camt054Request = z.string().describe('An ISO 20022 camt.054 document, version 001.02, 001.04 or 001.08');

const count = z.number().int().nonnegative();
export const postPaymentsResponse = z
  .object({ payments: count, applied: count, deductions: count, casesOpened: count, unapplied: count })
  .meta({ description: 'What this call newly did: payments posted, applications, deductions, cases opened, unapplied items' });

export const unappliedCashQuery = z.strictObject({ customerId: identifier(100).optional(), ...pageQuery });
export const unappliedCashOut = z.object({
  id: uuid,
  paymentId: z.string(),
  customerId: z.string().nullable(),
  amount: moneyOutput.meta({ description: 'What is left to apply' }),
  currency: z.string(),
  reference: z.string().nullable(),
});
export const unappliedCashListResponse = page(unappliedCashOut);

export const applyUnappliedRequest = z.strictObject({ invoiceNumber: identifier(100), amount: amountInput });
export const applyUnappliedResponse = unappliedCashOut;

export const deductionListQuery = z.strictObject({
  status: z.enum(DEDUCTION_STATUSES).optional(),
  customerId: identifier(100).optional(),
  ...pageQuery,
});
export const deductionOut = z.object({
  id: uuid,
  paymentId: z.string(),
  invoiceNumber: z.string(),
  amount: moneyOutput,
  cleared: moneyOutput.meta({ description: "What its case's credits and write-offs (or the write-off rule) cleared of it" }),
  reasonCode: z.enum(REASON_CODES).nullable().meta({ description: "Ours, mapped from customerCode by the customer's mapping when posted" }),
  customerCode: z.string(),
  mappingVersion: z.number().int().positive().nullable().meta({ description: 'The mapping version reasonCode came from; null: none (OTHER)' }),
  status: z.enum(DEDUCTION_STATUSES),
  caseId: uuid.nullable(),
});
export const deductionListResponse = page(deductionOut);

export const customerParams = z.strictObject({ id: identifier(100) });
export const openItemsResponse = z.object({
  items: z.array(
    z.object({
      invoiceNumber: z.string(),
      currency: z.string(),
      openBalance: moneyOutput,
      inDispute: moneyOutput,
      collectible: moneyOutput,
      dunningHold: z.boolean().meta({ description: 'collectible is 0 and a case is open on the invoice: no dunning' }),
    }),
  ),
});

export const reasonMappingParams = z.strictObject({ customerId: identifier(100) });
const reasonMapping = z.strictObject({
  code: identifier(50).meta({ description: "The customer's deduction code" }),
  reasonCode: z.enum(REASON_CODES),
});
export const reasonMappingsRequest = z.strictObject({
  mappings: z
    .array(reasonMapping)
    .max(MAX_REASON_MAPPINGS)
    .superRefine((mappings, ctx) => {
      const seen = new Set<string>();
      mappings.forEach((m, index) => {
        if (seen.has(m.code)) ctx.addIssue({ code: 'custom', message: `code ${m.code} is mapped twice`, path: [index, 'code'] });
        seen.add(m.code);
      });
    }),
});
export const reasonMappingsResponse = z.object({
  customerId: z.string(),
  version: z.number().int().positive(),
  mappings: z.array(z.object({ code: z.string(), reasonCode: z.enum(REASON_CODES) })),
});
