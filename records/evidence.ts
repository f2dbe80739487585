// The evidence behind an invoice, gathered from the records source and checked record by record: read by the
// evidence activity for a case, and by the API for an invoice no case was opened on yet.
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { contractSchema, invoiceSchema, purchaseOrderSchema, workOrderSchema, type Evidence, type Invoice } from '../contract';
import { POISON_RECORD } from '../domain/errors';
import { unstorableFields } from '../domain/text';
import type { RecordsSource } from './source';

/** The invoice and the records it is checked against (other invoices on its PO aside), each checked. */
export async function gatherRecords(records: RecordsSource, invoiceNumber: string): Promise<Omit<Evidence, 'otherInvoices'>> {
  const invoice = await invoiceOf(records, invoiceNumber);
  return { invoice, ...(await recordsAround(records, invoice)) };
}

export async function gatherEvidence(records: RecordsSource, invoiceNumber: string): Promise<Evidence> {
  const invoice = await invoiceOf(records, invoiceNumber);
  const [around, rawInvoices] = await Promise.all([recordsAround(records, invoice), records.invoicesOn(invoice.purchaseOrderId)]);
  return {
    invoice,
    ...around,
    otherInvoices: rawInvoices
      .map((inv, i) => checked(invoiceSchema, `invoice #${i + 1} on the PO`, inv)!)
      .filter((other) => other.number !== invoice.number),
  };
}

async function invoiceOf(records: RecordsSource, invoiceNumber: string): Promise<Invoice> {
  const invoice = checked(invoiceSchema, `invoice ${invoiceNumber}`, await records.invoice(invoiceNumber));
  if (!invoice) throw ApplicationFailure.create({ type: POISON_RECORD, message: `invoice ${invoiceNumber} is not in the records`, nonRetryable: true });
  return invoice;
}

async function recordsAround(records: RecordsSource, invoice: Invoice): Promise<Pick<Evidence, 'purchaseOrder' | 'contract' | 'workOrders'>> {
  const purchaseOrder = checked(purchaseOrderSchema, `purchase order ${invoice.purchaseOrderId}`, await records.purchaseOrder(invoice.purchaseOrderId));
  const [rawContract, rawWorkOrders] = await Promise.all([
    records.contractInForce({
      customerId: invoice.customerId,
      currency: invoice.currency,
      onDate: invoice.issuedAt,
      preferredContractId: purchaseOrder?.contractId ?? null,
    }),
    purchaseOrder ? records.workOrdersOf(purchaseOrder.id) : Promise.resolve([]),
  ]);
  return {
    purchaseOrder,
    contract: checked(contractSchema, 'contract', rawContract),
    workOrders: rawWorkOrders.map((w, i) => checked(workOrderSchema, `work order #${i + 1}`, w)!),
  };
}

/**
 * A record the source hands over in a shape we cannot trust, or with text the database cannot store (it would
 * fail the evidence's write for ever): final, a person must fix the source.
 */
function checked<S extends z.ZodType>(schema: S, what: string, raw: unknown): z.infer<S> | null {
  if (raw === null || raw === undefined) return null;
  const parsed = schema.safeParse(raw);
  const issues = parsed.success
    ? unstorableFields(parsed.data).map((f) => `${f.field || '(record)'}: holds ${f.problem}`)
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);
  if (parsed.success && !issues.length) return parsed.data;
  throw ApplicationFailure.create({ type: POISON_RECORD, message: `${what} is malformed: ${issues.join('; ')}`, nonRetryable: true });
}
