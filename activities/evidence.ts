// The EVIDENCE stage: pull the records behind an invoice, check them, analyse them, and store the evidence,
// the findings and the EVIDENCE_COLLECTED event in one transaction (idempotent on the event's slot).
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { Analysis } from '../contract';
import { analyse } from '../domain/analysis';
import { POISON_RECORD } from '../domain/errors';
import { SYSTEM_ACTOR, type RecordedEvent } from '../domain/events';
import { summariseEvidence } from '../domain/evidence';
import { isValueError, withTransaction } from '../infra/postgres';
import { insertEvents, storeEvidence } from '../read-model/projection';
import { gatherEvidence } from '../records/evidence';
import type { RecordsSource } from '../records/source';

export interface CollectEvidenceInput {
  caseId: string;
  invoiceNumber: string;
  disputedAmount: string;
  slot: { seq: number; at: string };
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
      if (written) await storeEvidence(client, input.caseId, summariseEvidence(evidence), analysis);
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
