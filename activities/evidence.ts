// The EVIDENCE stage: pull the records behind each invoice of the case, check them, analyse each item, route the
// findings to teams by the routing version in force (read-model/routing.ts), and store the evidence, the findings,
// their hash and the EVIDENCE_COLLECTED event in one transaction (idempotent on the event's slot). A refresh does the
// same over the evidence the case holds: it replaces the evidence, adds a set of findings that becomes the current
// one (the sets before stay), and EVIDENCE_REFRESHED keeps the findings that were current.
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { Analysis, Evidence, Finding } from '../contract';
import { analyse, routeFindings, routedTeams } from '../domain/analysis';
import { POISON_RECORD } from '../domain/errors';
import { SYSTEM_ACTOR, openedItems, type Actor, type EvidenceSources, type OpenedItem, type RecordedEvent } from '../domain/events';
import { summariseEvidence } from '../domain/evidence';
import { formatMoney, parseMoney, sumBig } from '../domain/money';
import { isValueError, withTransaction } from '../infra/postgres';
import { findingsJsonSql, findingOf } from '../read-model/findings';
import { insertEvents, storeEvidence } from '../read-model/projection';
import { routingAt } from '../read-model/routing';
import type { Queryable } from '../read-model/sql';
import { gatherEvidence } from '../records/evidence';
import { evidenceHash } from '../records/evidence-hash';
import type { RecordsSource } from '../records/source';

export interface CollectEvidenceInput {
  caseId: string;
  /** The first item's invoice. */
  invoiceNumber: string;
  /** The sum of the items'. */
  disputedAmount: string;
  /** Absent from runs opened before items (and from their replays): the one invoice, whole. */
  items?: OpenedItem[];
  slot: { seq: number; at: string };
  /** A refresh asked by this person: the case's evidence is replaced and its findings get a new set (EVIDENCE_REFRESHED). */
  refreshedBy?: Actor;
}

/**
 * What the workflow plans from, the hash of the evidence and findings stored (the one the case now shows), and the
 * routing version that gave the findings their teams.
 */
export type CollectedEvidence = Analysis & { evidenceHash: string; routingVersion: number };

/** Each invoice of the case with its evidence, in the order its items first name it. */
export interface InvoiceEvidence {
  invoiceNumber: string;
  evidence: Evidence;
}

/**
 * Stores the evidence of every invoice of the case (other invoices on a PO summarised: see domain/evidence.ts) and
 * the analysis of each item, and answers the workflow what it plans the investigation from: the amounts, and one
 * finding per team and code. The full list stays in PostgreSQL: a long invoice has thousands of findings, and in the
 * workflow's history they would pass Temporal's payload limits (F15); a case of 50 invoices all the more.
 */
export async function collectEvidence(pool: Pool, records: RecordsSource, input: CollectEvidenceInput): Promise<CollectedEvidence> {
  const items = openedItems(input);
  const invoices: InvoiceEvidence[] = [];
  for (const invoiceNumber of new Set(items.map((i) => i.invoiceNumber))) {
    invoices.push({ invoiceNumber, evidence: await gatherEvidence(records, invoiceNumber) });
  }
  const { findings: analysed, analysis } = analyseItems(items, invoices);
  const stored = invoices.map(({ invoiceNumber, evidence }) => ({ invoiceNumber, evidence: summariseEvidence(evidence) }));
  const slot = { seq: input.slot.seq, at: input.slot.at };
  let collected: { findings: Finding[]; evidenceHash: string; routingVersion: number };
  try {
    collected = await withTransaction(pool, async (client) => {
      // The routing in force now, for a first collection and a refresh alike: the findings' teams, and so the tasks.
      const routing = await routingAt(client);
      const findings = routeFindings(analysed, routedTeams(routing.rules));
      // A case of one invoice hashes its evidence as before items; one of several, the list of its invoices' evidence.
      const hash = evidenceHash(stored.length === 1 ? stored[0].evidence : stored.map((s) => s.evidence), findings);
      const data = {
        ...analysis,
        findings,
        ...sourcesOf(invoices[0].evidence),
        ...(input.items ? { invoices: invoices.map(({ invoiceNumber, evidence }) => ({ invoiceNumber, ...sourcesOf(evidence) })) } : {}),
        evidenceHash: hash,
        routingVersion: routing.version,
      };
      const refreshedBy = input.refreshedBy;
      const event: RecordedEvent = refreshedBy
        ? { type: 'EVIDENCE_REFRESHED', actor: refreshedBy, ...slot, data: { ...data, ...(await heldNow(client, input.caseId)) } }
        : { type: 'EVIDENCE_COLLECTED', actor: SYSTEM_ACTOR, ...slot, data };
      const [written] = await insertEvents(client, input.caseId, [event]);
      // A retry after the commit: the case shows what the first attempt stored, and so must the answer, routed by
      // the version that attempt took (the routing may have changed since).
      if (!written) return storedAnswer(client, input.caseId, slot.seq, analysed, hash);
      if (refreshedBy) await client.query('DELETE FROM case_evidence WHERE case_id = $1', [input.caseId]);
      // The findings are stored as the set of this event's seq: a retry finds the event written and stores none.
      await storeEvidence(client, input.caseId, stored, findings, { overbilled: analysis.overbilled, evidenceHash: hash, seq: slot.seq });
      return { findings, evidenceHash: hash, routingVersion: routing.version };
    });
  } catch (err) {
    // A value the records hold but the database cannot (a total beyond its range): as final as a malformed record.
    if (!isValueError(err)) throw err;
    throw ApplicationFailure.create({
      type: POISON_RECORD,
      message: `the evidence of invoice ${invoices.map((i) => i.invoiceNumber).join(', ')} holds a value the database cannot hold`,
      nonRetryable: true,
      cause: err as Error,
    });
  }
  const oneByTeamAndCode = new Map(collected.findings.map((f) => [`${f.team} ${f.code}`, f]));
  return { ...analysis, findings: [...oneByTeamAndCode.values()], evidenceHash: collected.evidenceHash, routingVersion: collected.routingVersion };
}

/** What an attempt after the one that wrote the event answers: the hash the case holds, the routing that event took. */
async function storedAnswer(
  db: Queryable,
  caseId: string,
  seq: number,
  analysed: Finding[],
  hash: string,
): Promise<{ findings: Finding[]; evidenceHash: string; routingVersion: number }> {
  const { rows } = await db.query(
    `SELECT c.evidence_hash, (e.data->>'routingVersion')::integer AS routing_version
       FROM cases c LEFT JOIN case_events e ON e.case_id = c.id AND e.seq = $2 WHERE c.id = $1`,
    [caseId, seq],
  );
  const routing = await routingAt(db, rows[0]?.routing_version ?? 0);
  return { findings: routeFindings(analysed, routedTeams(routing.rules)), evidenceHash: rows[0]?.evidence_hash ?? hash, routingVersion: routing.version };
}

/**
 * Every item analysed on its invoice's evidence: the findings of the case (an invoice's own findings, about its
 * missing records, once per invoice however many of its lines are items) and the case's figures, the sums of the
 * items'. The read model's recommendations (read-model/recommendations.ts) are projected from the findings stored.
 */
export function analyseItems(
  items: readonly OpenedItem[],
  invoices: readonly InvoiceEvidence[],
): { findings: Finding[]; analysis: Omit<Analysis, 'findings'> & { recommendedDebit: string } } {
  const evidenceOf = new Map(invoices.map((i) => [i.invoiceNumber, i.evidence]));
  const findings: Finding[] = [];
  const invoiceLevelSeen = new Set<string>();
  const figures = items.map((item) => {
    const evidence = evidenceOf.get(item.invoiceNumber);
    if (!evidence) throw new Error(`no evidence gathered for invoice ${item.invoiceNumber}`);
    const analysis = analyse(evidence, item.disputedAmount, item.lineNo ?? null);
    for (const f of analysis.findings) {
      if (f.lineNo === undefined) {
        const key = `${item.invoiceNumber} ${f.code}`;
        if (invoiceLevelSeen.has(key)) continue;
        invoiceLevelSeen.add(key);
      }
      findings.push({ ...f, invoiceNumber: item.invoiceNumber });
    }
    return analysis;
  });
  const total = (pick: (a: (typeof figures)[number]) => string) => formatMoney(sumBig(figures.map((a) => parseMoney(pick(a)))));
  return {
    findings,
    analysis: {
      overbilled: total((a) => a.overbilled),
      recommendedCredit: total((a) => a.recommendedCredit),
      recommendedDebit: total((a) => a.recommendedDebit),
    },
  };
}

function sourcesOf(evidence: Evidence): EvidenceSources {
  return {
    purchaseOrderId: evidence.purchaseOrder?.id ?? null,
    contractId: evidence.contract?.id ?? null,
    workOrderIds: evidence.workOrders.map((w) => w.id),
  };
}

/** The findings and hash the case holds (before a refresh stores new ones). */
async function heldNow(db: Queryable, caseId: string): Promise<{ previousFindings: Finding[]; previousEvidenceHash: string | null }> {
  const { rows } = await db.query(`SELECT c.evidence_hash, ${findingsJsonSql('f.case_id = c.id')} AS findings FROM cases c WHERE c.id = $1`, [
    caseId,
  ]);
  return { previousFindings: (rows[0]?.findings ?? []).map(findingOf), previousEvidenceHash: rows[0]?.evidence_hash ?? null };
}
