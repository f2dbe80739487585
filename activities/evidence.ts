// The EVIDENCE stage: pull the records behind an invoice, check them, analyse them, and store the evidence,
// the findings and the EVIDENCE_COLLECTED event in one transaction (idempotent on the event's slot).
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { z } from 'zod';
import { analyse } from '../domain/analysis';
import { POISON_RECORD } from '../domain/errors';
import { SYSTEM_ACTOR, type RecordedEvent } from '../domain/events';
import { parseMoney } from '../domain/money';
import { summariseEvidence } from '../domain/evidence';
import { unstorableFields } from '../domain/text';
import type { Analysis, Evidence, Invoice } from '../contract';
import { contractSchema, invoiceSchema, purchaseOrderSchema, workOrderSchema } from '../contract';
import { isValueError, withTransaction } from '../infra/postgres';
import { insertEvents } from './case-store';
import type { RecordsSource } from './records-source';

export interface CollectEvidenceInput {
  caseId: string;
  invoiceNumber: string;
  disputedAmount: string;
  slot: { seq: number; at: string };
}

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

/**
 * Stores the evidence (other invoices on the PO summarised: see domain/evidence.ts) and its analysis of the whole,
 * and answers the workflow what it plans the investigation from: the amounts, and one finding per team and code.
 * The full list stays in PostgreSQL: a long invoice has thousands of findings, and in the workflow's history they
 * would pass Temporal's payload limits (F15).
 */
export async function collectEvidence(pool: Pool, records: RecordsSource, input: CollectEvidenceInput): Promise<Analysis> {
  const evidence = await gatherEvidence(records, input.invoiceNumber);
  const analysis = analyse(evidence, input.disputedAmount);
  const event: RecordedEvent = {
    type: 'EVIDENCE_COLLECTED',
    actor: SYSTEM_ACTOR,
    seq: input.slot.seq,
    at: input.slot.at,
    data: {
      ...analysis,
      purchaseOrderId: evidence.purchaseOrder?.id ?? null,
      contractId: evidence.contract?.id ?? null,
      workOrderIds: evidence.workOrders.map((w) => w.id),
    },
  };
  try {
    await withTransaction(pool, async (client) => {
      const [written] = await insertEvents(client, input.caseId, [event]);
      if (!written) return;
      await client.query(
        `UPDATE cases SET evidence = $2, evidence_error = NULL, overbilled_minor = $3, recommended_credit_minor = $4
          WHERE id = $1`,
        [input.caseId, JSON.stringify(summariseEvidence(evidence)), parseMoney(analysis.overbilled), parseMoney(analysis.recommendedCredit)],
      );
      // One statement for all of them: a long invoice has thousands.
      await client.query(
        `INSERT INTO findings (case_id, ordinal, code, team, line_no, expected, actual, amount_minor)
         SELECT $1, f.n - 1, f.code, f.team, f.line_no, f.expected, f.actual, f.amount_minor
           FROM ROWS FROM (jsonb_to_recordset($2::jsonb)
                  AS (code text, team text, line_no integer, expected text, actual text, amount_minor bigint))
                WITH ORDINALITY AS f(code, team, line_no, expected, actual, amount_minor, n)`,
        [
          input.caseId,
          JSON.stringify(
            analysis.findings.map((f) => ({
              code: f.code,
              team: f.team,
              line_no: f.lineNo ?? null,
              expected: f.expected,
              actual: f.actual,
              // bigint as a JSON string: PostgreSQL reads it into bigint exactly.
              amount_minor: parseMoney(f.amount).toString(),
            })),
          ),
        ],
      );
    });
  } catch (err) {
    // A value the records hold but the database cannot (a total beyond its range): as final as a malformed record.
    if (!isValueError(err)) throw err;
    throw ApplicationFailure.create({
      type: POISON_RECORD,
      message: `the evidence of invoice ${input.invoiceNumber} holds a value the database cannot hold`,
      nonRetryable: true,
      cause: err as Error,
    });
  }
  const oneByTeamAndCode = new Map(analysis.findings.map((f) => [`${f.team} ${f.code}`, f]));
  return { ...analysis, findings: [...oneByTeamAndCode.values()] };
}
