// Invoices as the desk sees them, and the paged evidence of a case.
import { z } from 'zod';
import { WORK_ORDER_STATUSES } from '../domain/types';
import { adjustmentOut } from './approvals';
import { identifier, isoTimestamp, moneyOutput, page, pageQuery, uuid } from './primitives';

export const invoiceParams = z.strictObject({ number: z.string().min(1).max(100) });

/** What an invoice says of itself after its number and customer, in a list and alone. */
const invoiceFigures = {
  purchaseOrderId: z.string(),
  total: moneyOutput,
  openBalance: moneyOutput,
  inDispute: moneyOutput.meta({ description: "What open cases dispute on it (the sum of their items' amounts), at most openBalance" }),
  collectible: moneyOutput.meta({ description: 'openBalance − inDispute' }),
  currency: z.string(),
  issuedAt: isoTimestamp,
  dueAt: isoTimestamp,
};

export const invoiceResponse = z.object({
  number: z.string(),
  customerId: z.string(),
  ...invoiceFigures,
  lines: z.array(
    z.object({ lineNo: z.number().int(), sku: z.string(), quantity: z.number(), unitPrice: moneyOutput, amount: moneyOutput }),
  ),
  creditMemos: z.array(z.object({ number: z.string(), amount: moneyOutput, caseId: uuid, issuedAt: isoTimestamp })),
  credited: moneyOutput,
  debited: moneyOutput,
  writtenOff: moneyOutput,
  paid: moneyOutput,
  adjustments: z.array(adjustmentOut),
});

export const invoiceListQuery = z.strictObject({
  number: identifier(100).optional().meta({ description: 'Invoices whose number starts with this' }),
  customer: identifier(200)
    .optional()
    .meta({ description: "Invoices of the customer with this id, or whose customer's name contains this (any case)" }),
  ...pageQuery,
});

export const invoiceSummary = z.object({
  number: z.string(),
  customerId: z.string(),
  customerName: z.string(),
  ...invoiceFigures,
});

export const invoiceListResponse = page(invoiceSummary);

// The records a case is judged on, a page at a time: a page is up to `limit` of the invoice's lines (by lineNo) with
// what they are compared with: the PO lines, contract prices and work-order lines of their SKUs, and the lines of
// other invoices on the PO that bill them again. What is not long (the records themselves, the list of other
// invoices) comes whole in every page, with the count of what is paged.
export const evidenceQuery = z.strictObject({ ...pageQuery });

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

export type InvoiceAnswer = z.infer<typeof invoiceResponse>;
export type InvoiceSummary = z.infer<typeof invoiceSummary>;
export type EvidencePage = z.infer<typeof evidenceOut>;
