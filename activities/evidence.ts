// The EVIDENCE stage: pull the records behind an invoice, check them, analyse them, and store the evidence,
// the findings, their hash and the EVIDENCE_COLLECTED event in one transaction (idempotent on the event's slot).
// A refresh does the same over the evidence the case holds: it replaces it, and EVIDENCE_REFRESHED keeps the
// findings it replaced.
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { Analysis, Finding } from '../contract';
import { analyse } from '../domain/analysis';
import { POISON_RECORD } from '../domain/errors';
import { SYSTEM_ACTOR, type Actor, type RecordedEvent } from '../domain/events';
import { summariseEvidence } from '../domain/evidence';
import { isValueError, withTransaction } from '../infra/postgres';
import { findingsJsonSql, findingOf } from '../read-model/findings';
import { insertEvents, storeEvidence } from '../read-model/projection';
import type { Queryable } from '../read-model/sql';
import { gatherEvidence } from '../records/evidence';
import { evidenceHash } from '../records/evidence-hash';
import type { RecordsSource } from '../records/source';

export interface CollectEvidenceInput {
  caseId: string;
  invoiceNumber: string;
  disputedAmount: string;
  slot: { seq: number; at: string };
  /** A refresh asked by this person: the case's evidence and findings are replaced (EVIDENCE_REFRESHED). */
  refreshedBy?: Actor;
}

/** What the workflow plans from, and the hash of the evidence and findings stored (the one the case now shows). */
export type CollectedEvidence = Analysis & { evidenceHash: string };

/**
 * Stores the evidence (other invoices on the PO summarised: see domain/evidence.ts) and its analysis of the whole,
 * and answers the workflow what it plans the investigation from: the amounts, and one finding per team and code.
 * The full list stays in PostgreSQL: a long invoice has thousands of findings, and in the workflow's history they
 * would pass Temporal's payload limits (F15).
 */
export async function collectEvidence(pool: Pool, records: RecordsSource, input: CollectEvidenceInput): Promise<CollectedEvidence> {
  const evidence = await gatherEvidence(records, input.invoiceNumber);
  const analysis = analyse(evidence, input.disputedAmount);
  const stored = summariseEvidence(evidence);
  const hash = evidenceHash(stored, analysis.findings);
  const data = {
    ...analysis,
    purchaseOrderId: evidence.purchaseOrder?.id ?? null,
    contractId: evidence.contract?.id ?? null,
    workOrderIds: evidence.workOrders.map((w) => w.id),
    evidenceHash: hash,
  };
  const slot = { seq: input.slot.seq, at: input.slot.at };
  let current: string;
  try {
    current = await withTransaction(pool, async (client) => {
      const refreshedBy = input.refreshedBy;
      const event: RecordedEvent = refreshedBy
        ? { type: 'EVIDENCE_REFRESHED', actor: refreshedBy, ...slot, data: { ...data, ...(await heldNow(client, input.caseId)) } }
        : { type: 'EVIDENCE_COLLECTED', actor: SYSTEM_ACTOR, ...slot, data };
      const [written] = await insertEvents(client, input.caseId, [event]);
      // A retry after the commit: the case shows what the first attempt stored, and so must the answer.
      if (!written) {
        const { rows } = await client.query('SELECT evidence_hash FROM cases WHERE id = $1', [input.caseId]);
        return rows[0]?.evidence_hash ?? hash;
      }
      if (refreshedBy) await client.query('DELETE FROM findings WHERE case_id = $1', [input.caseId]);
      await storeEvidence(client, input.caseId, stored, analysis, hash);
      return hash;
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
  return { ...analysis, findings: [...oneByTeamAndCode.values()], evidenceHash: current };
}

/** The findings and hash the case holds (before a refresh replaces them). */
async function heldNow(db: Queryable, caseId: string): Promise<{ previousFindings: Finding[]; previousEvidenceHash: string | null }> {
  const { rows } = await db.query(`SELECT c.evidence_hash, ${findingsJsonSql('f.case_id = c.id')} AS findings FROM cases c WHERE c.id = $1`, [
    caseId,
  ]);
  return { previousFindings: (rows[0]?.findings ?? []).map(findingOf), previousEvidenceHash: rows[0]?.evidence_hash ?? null };
}
