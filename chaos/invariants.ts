// The invariant check (docs/proving.md) after a chaos run. The rules are the ones the fault tests use
// (testkit/invariants.ts: one set of documents per approved case and none otherwise, documents = the approved
// allocation, credits and write-offs ≤ disputed ≤ open balance, eligible approvers, the balance formula, per-line
// credits, verify_case_trail and a complete trail, gapless CM-/DM-/WO- series, no case stuck, every workflow
// completed; deductions in their cases and cleared by them), given the run's DEDUCTION_CASE_MIN; this adds what only
// the driver knows: what each case (its own and those deductions opened) was scripted to do, what it proposed, and
// how many cases each invoice was opened for; and the figures of money in.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { SYSTEM_OPENER } from '../domain/events';
import { parseMoney } from '../domain/money';
import { checkInvariants as checkEngineInvariants, type InvariantReport } from '../testkit/invariants';
import type { CaseRun } from './driver';
import type { CasePlan } from './plan';

export interface InvariantResult {
  engine: InvariantReport;
  /**
   * An approval whose documents are not what the driver proposed: per invoice and kind exactly one document, of the
   * amount proposed (the CREDIT shorthand's one credit memo, or an ADJUST's adjustments summed per invoice and kind),
   * none missing, none extra; or a document of a case the driver did not open.
   */
  documentMismatches: string[];
  /** Approvals whose documents were checked against the proposal, and of those the ADJUSTs. */
  approvalsChecked: number;
  adjustApprovalsChecked: number;
  /** An Idempotency-Key replay that made a second case. */
  duplicateCases: string[];
  /** A case that ended otherwise than its script (cancelled, closed with or without a memo). */
  scriptMismatches: string[];
  /**
   * A case whose tasks are all done, where a finding's confirmed amount is not what its task's completion confirmed
   * (CONFIRMED: all of it; PARTIAL: the amount named, 0 where not named), or whose recommendations are not, per item,
   * min(disputed, Σ confirmed overbilling) and Σ confirmed UNDERBILLED, summed over the items for the case.
   */
  outcomeMismatches: string[];
  /** Cases whose tasks were completed PARTIAL and all done (the ones outcomeMismatches could check most). */
  partialCases: number;
  /** Money in, as the database holds it after the run. */
  money: MoneyFigures;
}

export interface MoneyFigures {
  payments: number;
  deductions: number;
  /** Deductions by status (OPEN, CLEARED, PARTIAL, INVALID). */
  statuses: Record<string, number>;
  /** Cases opened by the actor system (by deductions), and deductions that joined an open case. */
  systemCases: number;
  joined: number;
  ruleWriteOffs: number;
  unapplied: number;
}

type Row = Record<string, unknown>;

/** `runs`: every case the driver drove, its own and those deductions opened; `deductionCaseMinMinor`: the run's DEDUCTION_CASE_MIN. */
export async function checkInvariants(pool: Pool, temporal: Client, runs: CaseRun[], deductionCaseMinMinor: bigint): Promise<InvariantResult> {
  const q = async (sql: string, params: unknown[] = []): Promise<Row[]> => (await pool.query(sql, params)).rows;
  const engine = await checkEngineInvariants(pool, {
    temporal,
    allClosed: true,
    workflowIds: runs.flatMap((r) => (r.workflowId ? [r.workflowId] : [])),
    deductionCaseMinMinor,
  });

  const byId = new Map(runs.filter((r) => r.id).map((r) => [r.id!, r]));
  const documentMismatches: string[] = [];
  const byApproval = new Map<string, Row[]>();
  // Write-offs by rule have no case nor approval: the engine's check holds them to their deductions (ruleWriteOffs).
  for (const doc of await q(`SELECT number, kind, invoice_number, case_id::text AS case_id, approval_id::text AS approval_id, amount_minor::text AS amount_minor
                                FROM adjustments WHERE approval_id IS NOT NULL ORDER BY number`)) {
    byApproval.set(String(doc.approval_id), [...(byApproval.get(String(doc.approval_id)) ?? []), doc]);
  }
  let adjustApprovalsChecked = 0;
  for (const [approvalId, docs] of byApproval) {
    const run = byId.get(String(docs[0].case_id));
    if (!run) {
      documentMismatches.push(`documents ${docs.map((d) => d.number).join(', ')} belong to a case the driver did not open`);
      continue;
    }
    if (run.plan.adjustments) adjustApprovalsChecked += 1;
    const want = proposedDocuments(run.plan);
    const got = new Map<string, Row[]>();
    for (const doc of docs) got.set(`${doc.kind} on ${doc.invoice_number}`, [...(got.get(`${doc.kind} on ${doc.invoice_number}`) ?? []), doc]);
    const label = `case ${run.plan.n} (${run.plan.kind}) approval ${approvalId}`;
    for (const [key, amount] of want) {
      const issued = got.get(key) ?? [];
      if (issued.length !== 1 || BigInt(String(issued[0].amount_minor)) !== amount) {
        const seen = issued.map((d) => `${d.number} of ${d.amount_minor}`).join(', ') || 'none';
        documentMismatches.push(`${label}: ${key} proposed ${amount} minor units, issued ${seen}`);
      }
    }
    for (const [key, issued] of got) {
      if (!want.has(key)) documentMismatches.push(`${label}: ${issued.map((d) => d.number).join(', ')} (${key}) not proposed`);
    }
  }

  const scripted = new Map<string, number>();
  for (const run of runs) scripted.set(run.plan.invoiceNumber, (scripted.get(run.plan.invoiceNumber) ?? 0) + 1);
  const duplicateCases = (await q(`SELECT invoice_number, count(*)::int AS n FROM cases GROUP BY invoice_number`))
    .filter((r) => Number(r.n) > (scripted.get(String(r.invoice_number)) ?? 0))
    .map((r) => `invoice ${r.invoice_number}: ${r.n} cases, ${scripted.get(String(r.invoice_number)) ?? 0} scripted`);

  const finals = new Map(
    (await q(`SELECT c.id::text AS id, c.status, (SELECT count(DISTINCT m.approval_id)::int FROM adjustments m WHERE m.case_id = c.id) AS memos FROM cases c`)).map(
      (r) => [String(r.id), r],
    ),
  );
  const scriptMismatches: string[] = [];
  for (const run of runs) {
    const final = run.id ? finals.get(run.id) : undefined;
    if (!final || final.status === 'OPEN') continue; // an OPEN case is already a failure of the engine check
    const { outcome, cancelAt, kind } = run.plan;
    const cancelled = final.status === 'CANCELLED';
    const memo = Number(final.memos) === 1;
    const asScripted =
      outcome === 'cancel' && cancelAt !== null
        ? cancelled
        : outcome === 'no-credit'
          ? !cancelled && !memo
          : // A shared invoice's balance may go to its other cases first: then the credit is refused, no memo.
            !cancelled && (memo || kind === 'shared');
    if (!asScripted) {
      scriptMismatches.push(
        `case ${run.plan.n} (${kind}, ${outcome}${cancelAt ? `@${cancelAt}` : ''}): ended ${final.status} with documents of ${final.memos} approvals; steps ${run.steps.join(' → ')}`,
      );
    }
  }

  const outcomeMismatches: string[] = [];
  let partialCases = 0;
  type Finding = { id: string; code: string; invoice: string; line: number | null; confirmed: string | null };
  type Item = { invoice: string; line: number | null; disputed: string; credit: string; debit: string };
  const investigated = await q(
    `SELECT c.id::text AS id, c.recommended_credit_minor::text AS credit, c.recommended_debit_minor::text AS debit,
            (SELECT coalesce(json_agg(json_build_object('id', f.id, 'code', f.code, 'invoice', f.invoice_number, 'line', f.line_no,
                                                        'confirmed', f.confirmed_minor::text)), '[]')
               FROM current_findings f WHERE f.case_id = c.id) AS findings,
            (SELECT json_agg(json_build_object('invoice', i.invoice_number, 'line', i.line_no, 'disputed', i.disputed_minor::text,
                                               'credit', i.recommended_credit_minor::text, 'debit', i.recommended_debit_minor::text) ORDER BY i.ordinal)
               FROM case_items i WHERE i.case_id = c.id) AS items
       FROM cases c
      WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id)
        AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.status <> 'DONE')`,
  );
  for (const row of investigated) {
    const run = byId.get(String(row.id));
    if (!run) continue;
    if (run.plan.partial) partialCases += 1;
    const label = `case ${run.plan.n} (${run.plan.kind}${run.plan.partial ? ', partial' : ''})`;
    const findings = row.findings as Finding[];
    for (const f of findings) {
      const sent = run.confirmed.get(f.id);
      if (sent === undefined || f.confirmed === null || BigInt(f.confirmed) !== sent) {
        outcomeMismatches.push(`${label}: finding ${f.code} confirmed ${f.confirmed ?? 'null'}, its task confirmed ${sent ?? 'nothing'}`);
      }
    }
    // The contract's rule, from what the driver sent: per item min(disputed, Σ confirmed overbilling of its invoice,
    // or its line), Σ confirmed UNDERBILLED; the case's figures the sums.
    let [credit, debit] = [0n, 0n];
    for (const item of row.items as Item[]) {
      const mine = findings.filter((f) => f.invoice === item.invoice && (item.line === null || f.line === item.line));
      const sum = (keep: (f: Finding) => boolean) => mine.filter(keep).reduce((total, f) => total + (run.confirmed.get(f.id) ?? 0n), 0n);
      const over = sum((f) => f.code !== 'UNDERBILLED');
      const itemCredit = over < BigInt(item.disputed) ? over : BigInt(item.disputed);
      const itemDebit = sum((f) => f.code === 'UNDERBILLED');
      if (BigInt(item.credit ?? -1) !== itemCredit || BigInt(item.debit ?? -1) !== itemDebit) {
        outcomeMismatches.push(`${label}: item ${item.invoice}${item.line === null ? '' : ` line ${item.line}`} recommends credit ${item.credit}, debit ${item.debit}; confirmed findings give ${itemCredit}, ${itemDebit}`);
      }
      [credit, debit] = [credit + itemCredit, debit + itemDebit];
    }
    if (BigInt(String(row.credit)) !== credit || BigInt(String(row.debit ?? -1)) !== debit) {
      outcomeMismatches.push(`${label}: recommends credit ${row.credit}, debit ${row.debit}; its items give ${credit}, ${debit}`);
    }
  }

  const [figures] = await q(
    `SELECT (SELECT count(*)::int FROM payments) AS payments, (SELECT count(*)::int FROM deductions) AS deductions,
            (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (SELECT status, count(*)::int AS n FROM deductions GROUP BY status) s) AS statuses,
            (SELECT count(*)::int FROM cases WHERE opened_by = $1) AS system_cases,
            (SELECT count(*)::int FROM case_events WHERE type = 'DEDUCTION_ADDED') AS joined,
            (SELECT count(*)::int FROM adjustments WHERE rule_version IS NOT NULL) AS rule_write_offs,
            (SELECT count(*)::int FROM unapplied_cash) AS unapplied`,
    [SYSTEM_OPENER.id],
  );

  return {
    engine,
    money: {
      payments: Number(figures.payments),
      deductions: Number(figures.deductions),
      statuses: figures.statuses as Record<string, number>,
      systemCases: Number(figures.system_cases),
      joined: Number(figures.joined),
      ruleWriteOffs: Number(figures.rule_write_offs),
      unapplied: Number(figures.unapplied),
    },
    documentMismatches,
    approvalsChecked: byApproval.size,
    adjustApprovalsChecked,
    duplicateCases,
    scriptMismatches,
    outcomeMismatches,
    partialCases,
  };
}

/** What the driver proposes for a case that credits, by `KIND on INVOICE`: minor units summed per invoice and kind. */
function proposedDocuments(plan: CasePlan): Map<string, bigint> {
  const want = new Map<string, bigint>();
  for (const a of plan.adjustments ?? [{ kind: 'CREDIT', invoiceNumber: plan.invoiceNumber, amount: plan.credit }]) {
    const key = `${a.kind} on ${a.invoiceNumber}`;
    want.set(key, (want.get(key) ?? 0n) + parseMoney(a.amount));
  }
  return want;
}
