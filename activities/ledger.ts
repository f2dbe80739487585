// The ledger: credit memos, debit memos and write-offs posted against invoices. Every document of an approval is
// written in one transaction with its lines, its number from its series' counter and the trail event, keyed by the
// approval (unique approval, invoice, kind): a crash anywhere leaves either all of it or none, and a retry or a racing
// attempt answers the documents already there.
import { ApplicationFailure } from '@temporalio/common';
import type { Pool, PoolClient } from 'pg';
import { allocate, type AllocatedDocument, type AllocationRule, type LedgerInvoice, type PlannedAdjustment } from '../domain/allocation';
import { INSUFFICIENT_OPEN_BALANCE, INVOICE_VANISHED, LINE_OVER_CREDITED } from '../domain/errors';
import { SYSTEM_ACTOR, type CaseEvent, type IssuedDocument, type ProposedAdjustment, type RecordedEvent } from '../domain/events';
import { formatMoney, parseMoney } from '../domain/money';
import type { AdjustmentKind, MoneyString } from '../domain/types';
import { DOCUMENT_SERIES, formatDocumentNumber } from '../domain/workflow-ids';
import { withTransaction } from '../infra/postgres';
import { ledgerOf } from '../read-model/ledger';
import { insertEvents } from '../read-model/projection';

interface Slot {
  seq: number;
  at: string;
}

export interface IssueAdjustmentsInput {
  caseId: string;
  approvalId: string;
  adjustments: ProposedAdjustment[];
  slot: Slot;
}

export interface IssuedAdjustments {
  documents: IssuedDocument[];
}

/** v1's activity, kept for the runs that call it: one credit memo per approval, its event CREDIT_MEMO_ISSUED. */
export interface IssueCreditMemoInput {
  caseId: string;
  approvalId: string;
  invoiceNumber: string;
  amount: string;
  slot: Slot;
}

export interface IssuedCreditMemo {
  number: string;
  amount: string;
}

const UNIQUE_VIOLATION = '23505';

export async function issueAdjustments(pool: Pool, input: IssueAdjustmentsInput): Promise<IssuedAdjustments> {
  const documents = await issueOnce(pool, input, LINE_OVER_CREDITED, (docs) => ({
    type: 'ADJUSTMENTS_ISSUED',
    actor: SYSTEM_ACTOR,
    data: { approvalId: input.approvalId, documents: docs },
  }));
  return { documents };
}

export async function issueCreditMemo(pool: Pool, input: IssueCreditMemoInput): Promise<IssuedCreditMemo> {
  const planned: IssueAdjustmentsInput = {
    caseId: input.caseId,
    approvalId: input.approvalId,
    adjustments: [{ kind: 'CREDIT', invoiceNumber: input.invoiceNumber, lineNo: null, amount: input.amount }],
    slot: input.slot,
  };
  // The runs that call this know two refusals only; a credit the lines cannot take is one of the open balance.
  const [memo] = await issueOnce(pool, planned, INSUFFICIENT_OPEN_BALANCE, ([doc]) => ({
    type: 'CREDIT_MEMO_ISSUED',
    actor: SYSTEM_ACTOR,
    data: { number: doc.number, amount: doc.amount, approvalId: input.approvalId, invoiceNumber: input.invoiceNumber },
  }));
  return { number: memo.number, amount: memo.amount };
}

async function issueOnce(
  pool: Pool,
  input: IssueAdjustmentsInput,
  overLine: string,
  event: (documents: IssuedDocument[]) => CaseEvent,
): Promise<IssuedDocument[]> {
  try {
    return await withTransaction(pool, async (client) => {
      const done = await existingDocuments(client, input.approvalId);
      if (done.length) return done;
      const documents = await post(client, input, overLine);
      const recorded: RecordedEvent = { ...event(documents), seq: input.slot.seq, at: input.slot.at };
      await insertEvents(client, input.caseId, [recorded]);
      return documents;
    });
  } catch (err) {
    // A concurrent attempt for the same approval committed first: its documents are the documents.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
      const existing = await existingDocuments(pool, input.approvalId);
      if (existing.length) return existing;
    }
    throw err;
  }
}

async function existingDocuments(db: Pick<Pool, 'query'>, approvalId: string): Promise<IssuedDocument[]> {
  const { rows } = await db.query(
    `SELECT a.number, a.kind, a.invoice_number, a.amount_minor::text AS amount_minor,
            (SELECT json_agg(json_build_object('lineNo', l.line_no, 'amount', l.amount_minor::text) ORDER BY l.line_no)
               FROM adjustment_lines l WHERE l.adjustment_number = a.number) AS lines
       FROM adjustments a WHERE a.approval_id = $1 ORDER BY a.number`,
    [approvalId],
  );
  return rows.map((r) => ({
    number: r.number,
    kind: r.kind,
    invoiceNumber: r.invoice_number,
    amount: formatMoney(BigInt(r.amount_minor)),
    lines: (r.lines ?? []).map((l: { lineNo: number; amount: string }) => ({ lineNo: l.lineNo, amount: formatMoney(BigInt(l.amount)) })),
  }));
}

const REFUSAL_OF: Record<AllocationRule, string | null> = {
  NOT_ON_CASE: INVOICE_VANISHED,
  NO_SUCH_LINE: INVOICE_VANISHED,
  OVER_OPEN_BALANCE: INSUFFICIENT_OPEN_BALANCE,
  OVER_LINE: LINE_OVER_CREDITED,
  OVER_DISPUTED: null,
  NOT_POSITIVE: null,
};

async function post(client: PoolClient, input: IssueAdjustmentsInput, overLine: string): Promise<IssuedDocument[]> {
  const planned: PlannedAdjustment[] = input.adjustments.map((a) => ({ ...a, amount: parseMoney(a.amount) }));
  const held = await ledgerOf(client, planned.map((a) => a.invoiceNumber), true);
  const ledger: LedgerInvoice[] = held.map((i) => ({ ...i, disputed: null }));
  const allocation = allocate(planned, ledger);
  if (!allocation.ok) {
    const [problem] = allocation.problems;
    const type = problem.rule === 'OVER_LINE' ? overLine : REFUSAL_OF[problem.rule];
    const message = problem.rule === 'NOT_ON_CASE' ? `invoice ${planned[problem.index].invoiceNumber} vanished from the ledger` : problem.message;
    throw ApplicationFailure.create({ type: type ?? 'AdjustmentRefused', message, nonRetryable: true });
  }
  const currency = new Map(held.map((i) => [i.invoiceNumber, i.currency]));
  const issued: IssuedDocument[] = [];
  // In the allocation's order, debits first: the open balance may never be negative, even between two statements.
  for (const doc of allocation.documents) {
    const origin = { caseId: input.caseId, approvalId: input.approvalId, ruleVersion: null, deductionId: null };
    issued.push(await writeDocument(client, doc, currency.get(doc.invoiceNumber)!, origin, input.slot.at));
  }
  return issued;
}

/** Where a document comes from: an approval of its case, or a write-off rule applied to one deduction. */
export type DocumentOrigin =
  | { caseId: string; approvalId: string; ruleVersion: null; deductionId: null }
  | { caseId: null; approvalId: null; ruleVersion: number; deductionId: string };

/** Writes one allocated document with its lines under the next number of its series. */
export async function writeDocument(
  client: PoolClient,
  doc: AllocatedDocument,
  currency: string,
  origin: DocumentOrigin,
  at: string,
): Promise<IssuedDocument> {
  const number = await nextNumber(client, doc.kind);
  await client.query(
    `INSERT INTO adjustments (number, kind, case_id, approval_id, rule_version, deduction_id, invoice_number, amount_minor, currency, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [number, doc.kind, origin.caseId, origin.approvalId, origin.ruleVersion, origin.deductionId, doc.invoiceNumber, doc.amount, currency, at],
  );
  await client.query(
    `INSERT INTO adjustment_lines (adjustment_number, invoice_number, line_no, amount_minor)
     SELECT $1, $2, l.line_no, l.amount_minor FROM unnest($3::int[], $4::bigint[]) AS l(line_no, amount_minor)`,
    [number, doc.invoiceNumber, doc.lines.map((l) => l.lineNo), doc.lines.map((l) => l.amount.toString())],
  );
  return {
    number,
    kind: doc.kind,
    invoiceNumber: doc.invoiceNumber,
    amount: formatMoney(doc.amount),
    lines: doc.lines.map((l) => ({ lineNo: l.lineNo, amount: formatMoney(l.amount) as MoneyString })),
  };
}

async function nextNumber(client: PoolClient, kind: AdjustmentKind): Promise<string> {
  const { rows } = await client.query('UPDATE document_counters SET last_value = last_value + 1 WHERE series = $1 RETURNING last_value', [
    DOCUMENT_SERIES[kind],
  ]);
  return formatDocumentNumber(kind, BigInt(rows[0].last_value));
}
