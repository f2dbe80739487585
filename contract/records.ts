// The source records' shapes, checked wherever records enter: the import route and the evidence activity
// (an ERP connector may hand over anything); and the answers of the import route.
import { z } from 'zod';
import { WORK_ORDER_STATUSES } from '../domain/types';
import { atMostThreeDecimals, identifier, isoTimestamp, moneyAmount, page, pageQuery, quantity, uuid } from './primitives';

const MAX_LINES = 5_000;

// positive(), not a refine: the import's /openapi.json must say "greater than 0" too.
const invoicedQuantity = z.number().finite().positive().max(1e9).refine(atMostThreeDecimals, 'at most 3 decimals');
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
export type Customer = z.infer<typeof customerSchema>;
export type Contract = z.infer<typeof contractSchema>;
export type PurchaseOrder = z.infer<typeof purchaseOrderSchema>;
export type WorkOrder = z.infer<typeof workOrderSchema>;
export type Invoice = z.infer<typeof invoiceSchema>;
export type InvoiceLine = Invoice['lines'][number];

/** Everything the analysis looks at, as pulled from the records source in the EVIDENCE stage. */
export const evidenceSchema = z.object({
  invoice: invoiceSchema,
  purchaseOrder: purchaseOrderSchema.nullable().meta({ description: "null: the invoice's PO is not in the records (PO_NOT_FOUND)" }),
  contract: contractSchema.nullable().meta({ description: 'The contract in force on the invoice date; null when none (CONTRACT_NOT_FOUND)' }),
  workOrders: z.array(workOrderSchema).meta({ description: "The work orders of the invoice's PO" }),
  otherInvoices: z.array(invoiceSchema).meta({ description: 'Other invoices on the same PO (any issue date); the analysis picks the earlier ones' }),
});
export type Evidence = z.infer<typeof evidenceSchema>;

const importCount = z.number().int().nonnegative();
const importCounts = z.object({
  customers: importCount,
  contracts: importCount,
  purchaseOrders: importCount,
  workOrders: importCount,
  invoices: importCount,
});
export const importResponse = z.object({ imported: importCounts });

export const importListQuery = z.strictObject({ ...pageQuery });

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

export const importListResponse = page(importOut);
