// The invariant check (docs/proving.md) after a chaos run. The rules are the ones the fault tests use
// (testkit/invariants.ts: one memo per approved case and none otherwise, memo = approved ≤ disputed ≤ open
// balance, eligible approvers, verify_case_trail and a complete trail, memo numbering, no case stuck, every
// workflow completed); this adds what only the driver knows: what each case was scripted to do, what it proposed,
// and how many cases each invoice was opened for.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { parseMoney } from '../domain/money';
import { checkInvariants as checkEngineInvariants, type InvariantReport } from '../testkit/invariants';
import type { CaseRun } from './driver';

export interface InvariantResult {
  engine: InvariantReport;
  /** A case whose memo is not the credit the driver proposed for it. */
  amountMismatches: string[];
  /** An Idempotency-Key replay that made a second case. */
  duplicateCases: string[];
  /** A case that ended otherwise than its script (cancelled, closed with or without a memo). */
  scriptMismatches: string[];
  /**
   * A case whose tasks are all done, where a finding's confirmed amount is not what its task's completion confirmed
   * (CONFIRMED: all of it; PARTIAL: the amount named, 0 where not named), or whose recommended credit is not
   * min(disputed, Σ confirmed overbilling).
   */
  outcomeMismatches: string[];
  /** Cases whose tasks were completed PARTIAL and all done (the ones outcomeMismatches could check most). */
  partialCases: number;
}

type Row = Record<string, unknown>;

export async function checkInvariants(pool: Pool, temporal: Client, runs: CaseRun[]): Promise<InvariantResult> {
  const q = async (sql: string): Promise<Row[]> => (await pool.query(sql)).rows;
  const engine = await checkEngineInvariants(pool, { temporal, allClosed: true, workflowIds: runs.flatMap((r) => (r.workflowId ? [r.workflowId] : [])) });

  const byId = new Map(runs.filter((r) => r.id).map((r) => [r.id!, r]));
  const amountMismatches: string[] = [];
  for (const memo of await q(`SELECT number, case_id::text AS case_id, amount_minor FROM credit_memos`)) {
    const run = byId.get(String(memo.case_id));
    if (!run) {
      amountMismatches.push(`memo ${memo.number} belongs to a case the driver did not open`);
    } else if (BigInt(String(memo.amount_minor)) !== parseMoney(run.plan.credit)) {
      amountMismatches.push(`memo ${memo.number} (case ${run.plan.n}): ${memo.amount_minor} minor units, proposed ${run.plan.credit}`);
    }
  }

  const scripted = new Map<string, number>();
  for (const run of runs) scripted.set(run.plan.invoiceNumber, (scripted.get(run.plan.invoiceNumber) ?? 0) + 1);
  const duplicateCases = (await q(`SELECT invoice_number, count(*)::int AS n FROM cases GROUP BY invoice_number`))
    .filter((r) => Number(r.n) > (scripted.get(String(r.invoice_number)) ?? 0))
    .map((r) => `invoice ${r.invoice_number}: ${r.n} cases, ${scripted.get(String(r.invoice_number)) ?? 0} scripted`);

  const finals = new Map(
    (await q(`SELECT c.id::text AS id, c.status, (SELECT count(*)::int FROM credit_memos m WHERE m.case_id = c.id) AS memos FROM cases c`)).map(
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
        `case ${run.plan.n} (${kind}, ${outcome}${cancelAt ? `@${cancelAt}` : ''}): ended ${final.status} with ${final.memos} memos; steps ${run.steps.join(' → ')}`,
      );
    }
  }

  const outcomeMismatches: string[] = [];
  let partialCases = 0;
  const investigated = await q(
    `SELECT c.id::text AS id, c.disputed_minor::text AS disputed, c.recommended_credit_minor::text AS recommended,
            coalesce(json_agg(json_build_object('id', f.id, 'code', f.code, 'confirmed', f.confirmed_minor::text)) FILTER (WHERE f.id IS NOT NULL), '[]') AS findings
       FROM cases c LEFT JOIN findings f ON f.case_id = c.id
      WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id)
        AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.status <> 'DONE')
      GROUP BY c.id`,
  );
  for (const row of investigated) {
    const run = byId.get(String(row.id));
    if (!run) continue;
    if (run.plan.partial) partialCases += 1;
    let overbilled = 0n;
    for (const finding of row.findings as { id: string; code: string; confirmed: string | null }[]) {
      const sent = run.confirmed.get(finding.id);
      if (sent === undefined || finding.confirmed === null || BigInt(finding.confirmed) !== sent) {
        outcomeMismatches.push(`case ${run.plan.n}: finding ${finding.code} confirmed ${finding.confirmed ?? 'null'}, its task confirmed ${sent ?? 'nothing'}`);
      }
      if (finding.code !== 'UNDERBILLED') overbilled += sent ?? 0n;
    }
    const disputed = BigInt(String(row.disputed));
    const expected = overbilled < disputed ? overbilled : disputed;
    if (BigInt(String(row.recommended)) !== expected) {
      outcomeMismatches.push(`case ${run.plan.n}${run.plan.partial ? ' (partial)' : ''}: recommended credit ${row.recommended}, confirmed findings give ${expected}`);
    }
  }

  return {
    engine,
    amountMismatches,
    duplicateCases,
    scriptMismatches,
    outcomeMismatches,
    partialCases,
  };
}
