// The invariant check of docs/proving.md, straight against a run's PostgreSQL (and, when given, its Temporal):
// exactly one set of documents (credit memos, debit memos, write-offs) per approved case and none otherwise, matching
// the approved allocation (one per invoice and kind), each on an APPROVE of its case by an eligible manager, credits
// and write-offs ≤ disputed, per invoice and for the case; invoice balances that follow their documents
// and payments (total − credited + debited − written off − paid, paid = Σ applications) and never go negative; every
// payment whole (matcher applications + unapplied cash = amount), applied once per invoice, its unapplied cash
// applied within it; every deduction in at most one case (its column), on an invoice that case disputes, OPEN while
// its case is open or cancelled and resolved once it closed, cleared within its case's credits and write-offs on the
// invoice, a rule write-off's deduction CLEARED with no case, and (when asked) every deduction from the minimum in a
// case or written off; per-line credits within the billed amount; every decision by a manager other than the proposer, within the limit recorded; the trail untampered
// (verify_case_trail), numbered 1..n, opened once, closed once and last, and agreeing with the read model; each SLA
// escalated at most once; the three document series without gaps; no case stuck; no activity retried in a loop. Free of jest, so the chaos run (chaos/) and the fault tests
// (test/faults/) share one definition.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { AdjustmentKind } from '../domain/types';

/**
 * The most attempts any activity may take. The workflow's retry policies grow their intervals threefold (1, 3, 9,
 * 27 s…), so five attempts outlast the 30 s database outage and the worker kills the chaos run injects, with room
 * to spare; what fails for good is typed non-retryable and takes one. A sixth attempt is a retry loop: the one
 * this rule was written for (an event the database could never store) was at attempt 23 after 12 minutes.
 */
export const MAX_ACTIVITY_ATTEMPTS = 5;

export interface InvariantOptions {
  /**
   * Checks every case's workflow: an OPEN case's must be RUNNING, a closed one's COMPLETED; and no activity of its
   * current run attempted more than MAX_ACTIVITY_ATTEMPTS times (its history and its pending activities).
   */
  temporal?: Client;
  /** Workflows the caller started: each must have its case row (its CASE_OPENED was written). */
  workflowIds?: readonly string[];
  /** Every case must be closed (CLOSED or CANCELLED): nothing stuck. */
  allClosed?: boolean;
  /** How long a workflow may take to catch up with its case's status before it counts as stuck (default 10 s). */
  settleMs?: number;
  /**
   * The run's DEDUCTION_CASE_MIN in minor units: every deduction from it that no rule wrote off must have its case
   * (once the run is over: the answer to its posting waits for its case). Unset: not checked.
   */
  deductionCaseMinMinor?: bigint;
}

/** What broke, by rule; each entry names the case (case number) or the row. */
export interface InvariantViolations {
  duplicateMemos: string[];
  missingMemos: string[];
  unexpectedMemos: string[];
  /** A document without an APPROVE of its case by a manager other than the proposer, within the limit recorded. */
  unapprovedDocuments: string[];
  /**
   * Documents apart from their approval's allocation: per invoice and kind not the amount proposed (or missing, or
   * extra), not adding up to the approval, not on an invoice of the case, lines not adding up to the document, or
   * credits and write-offs on an invoice over what the case disputes on it.
   */
  allocationMismatches: string[];
  /** An invoice whose figures are not its documents', or whose balance is not total − credited + debited − written off − paid, or is negative. */
  balanceMismatches: string[];
  /** A line credited (by all cases ever) more than it billed, or whose credit is not its credit lines'. */
  lineOverCredits: string[];
  /**
   * A payment whose matched applications and unapplied cash do not add up to it, applied to another customer's or
   * currency's invoice, or unapplied cash applied beyond it or apart from its applications.
   */
  paymentMismatches: string[];
  /**
   * A payment applied twice: more than one matcher application of it to one invoice (the matcher applies each
   * invoice once per payment), or more than one unapplied item (it leaves at most one).
   */
  duplicateApplications: string[];
  /** A deduction whose case does not dispute its invoice (a deduction is in one case at most: its case_id). */
  deductionCases: string[];
  /**
   * A deduction whose status is not its case's: OPEN while the case is OPEN or CANCELLED, resolved (CLEARED, PARTIAL,
   * INVALID) once it is CLOSED; one with no case OPEN unless a rule wrote it off.
   */
  deductionStatuses: string[];
  /** A case whose deductions on an invoice cleared more than its credits and write-offs on that invoice. */
  deductionClearances: string[];
  /** A write-off by rule whose deduction is not CLEARED in whole, with no case, on its invoice for its amount. */
  ruleWriteOffs: string[];
  /** A deduction from the run's DEDUCTION_CASE_MIN, not written off by rule, without a case (InvariantOptions). */
  uncasedDeductions: string[];
  ineligibleApprovals: string[];
  trailProblems: string[];
  escalations: string[];
  memoNumberGaps: string[];
  stuck: string[];
  workflowProblems: string[];
  retryLoops: string[];
}

export interface InvariantReport {
  cases: number;
  open: number;
  closed: number;
  cancelled: number;
  memos: number;
  /** Documents by kind: credit memos (CM-), debit memos (DM-), write-offs (WO-). */
  documents: Record<AdjustmentKind, number>;
  events: number;
  violations: InvariantViolations;
  /** Every violation, flattened. */
  problems: string[];
}

type Row = Record<string, unknown>;

export async function checkInvariants(pool: Pick<Pool, 'query'>, options: InvariantOptions = {}): Promise<InvariantReport> {
  const q = async (sql: string, params: unknown[] = []): Promise<Row[]> => (await pool.query(sql, params)).rows;
  const v: InvariantViolations = {
    duplicateMemos: [],
    missingMemos: [],
    unexpectedMemos: [],
    unapprovedDocuments: [],
    allocationMismatches: [],
    balanceMismatches: [],
    paymentMismatches: [],
    duplicateApplications: [],
    deductionCases: [],
    deductionStatuses: [],
    deductionClearances: [],
    ruleWriteOffs: [],
    uncasedDeductions: [],
    lineOverCredits: [],
    ineligibleApprovals: [],
    trailProblems: [],
    escalations: [],
    memoNumberGaps: [],
    stuck: [],
    workflowProblems: [],
    retryLoops: [],
  };
  const report = (into: string[], rows: Row[], render: (r: Row) => string) => into.push(...rows.map(render));
  const big = (value: unknown) => BigInt(String(value));

  const [counts] = await q(
    `SELECT count(*)::int AS cases, count(*) FILTER (WHERE status = 'OPEN')::int AS open,
            count(*) FILTER (WHERE status = 'CLOSED')::int AS closed, count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
            (SELECT count(*)::int FROM credit_memos) AS memos, (SELECT count(*)::int FROM case_events) AS events,
            (SELECT count(*)::int FROM adjustments WHERE kind = 'DEBIT') AS debits,
            (SELECT count(*)::int FROM adjustments WHERE kind = 'WRITE_OFF') AS write_offs
       FROM cases`,
  );

  // ---- exactly one set of documents per approved case, none otherwise
  report(
    v.duplicateMemos,
    await q(
      `SELECT c.case_number, count(DISTINCT m.approval_id)::int AS n FROM adjustments m JOIN cases c ON c.id = m.case_id
        GROUP BY c.case_number HAVING count(DISTINCT m.approval_id) > 1
       UNION ALL
       SELECT c.case_number, count(*)::int FROM case_events e JOIN cases c ON c.id = e.case_id
        WHERE e.type IN ('CREDIT_MEMO_ISSUED', 'ADJUSTMENTS_ISSUED') GROUP BY c.case_number, e.data->>'approvalId' HAVING count(*) > 1`,
    ),
    (r) => `case ${r.case_number}: ${r.n} approvals issued (or issuing events) where one is allowed`,
  );
  // Each APPROVE ends in its documents or one refusal by the ledger, unless it is being issued right now.
  report(
    v.missingMemos,
    await q(
      `SELECT c.case_number, a.id, c.status, c.stage,
              (SELECT count(*) > 0 FROM adjustments m WHERE m.approval_id = a.id)::int AS memos,
              (SELECT count(*) FROM case_events e WHERE e.case_id = a.case_id AND e.type = 'CREDIT_MEMO_REFUSED'
                  AND e.data->>'approvalId' = a.id::text)::int AS refusals
         FROM approvals a JOIN cases c ON c.id = a.case_id WHERE a.decision = 'APPROVE'`,
    ).then((rows) =>
      rows.filter((r) => {
        const outcomes = Number(r.memos) + Number(r.refusals);
        const issuing = r.status === 'OPEN' && r.stage === 'CREDIT_MEMO';
        return issuing ? outcomes > 1 : outcomes !== 1;
      }),
    ),
    (r) => `case ${r.case_number}: approval ${r.id} ended in ${r.memos} memos and ${r.refusals} refusals (${r.status}/${r.stage})`,
  );
  report(
    v.unexpectedMemos,
    await q(
      `SELECT c.case_number, c.status, c.stage, closing.data->>'outcome' AS outcome,
              (SELECT count(DISTINCT m.approval_id) FROM adjustments m WHERE m.case_id = c.id)::int AS memos
         FROM cases c
         LEFT JOIN LATERAL (SELECT e.data FROM case_events e
                             WHERE e.case_id = c.id AND e.type = 'CASE_CLOSED' ORDER BY e.seq LIMIT 1) closing ON true`,
    ).then((rows) =>
      rows.filter((r) => {
        const memos = Number(r.memos);
        if (r.status === 'CANCELLED' || (r.status === 'CLOSED' && r.outcome === 'NO_CREDIT')) return memos !== 0;
        if (r.status === 'CLOSED') return memos !== 1 || r.outcome === 'NO_CREDIT';
        // An OPEN case holds its memo only between the memo's commit and the closing events that follow it.
        return memos === 1 && r.stage !== 'CREDIT_MEMO';
      }),
    ),
    (r) => `case ${r.case_number}: ${r.status}/${r.stage} (closed with outcome ${r.outcome}) has documents of ${r.memos} approvals`,
  );

  // ---- every document stands on an approval that may post it: an APPROVE of its own case, by a manager other than
  //      the proposer, within the limit recorded (the ledger's trigger checks this on insert; this checks what is there)
  report(
    v.unapprovedDocuments,
    await q(
      `SELECT m.number, c.case_number, a.id AS approval_id, a.case_id = m.case_id AS same_case, a.decision, u.role,
              a.decided_by = r.proposed_by AS own, a.amount_minor, a.approver_limit_minor
         FROM adjustments m JOIN cases c ON c.id = m.case_id
         LEFT JOIN approvals a ON a.id = m.approval_id LEFT JOIN resolutions r ON r.id = a.resolution_id
         LEFT JOIN users u ON u.id = a.decided_by
        WHERE a.id IS NULL OR a.case_id <> m.case_id OR a.decision <> 'APPROVE' OR u.role IS DISTINCT FROM 'manager'
           OR r.id IS NULL OR a.decided_by = r.proposed_by OR a.on_behalf_of = r.proposed_by
           OR (a.approver_limit_minor IS NOT NULL AND a.amount_minor > a.approver_limit_minor)`,
    ),
    (r) =>
      `case ${r.case_number}: document ${r.number} on approval ${r.approval_id} (${r.decision} by a ${r.role}, own proposal ${r.own}, ` +
      `same case ${r.same_case}, ${r.amount_minor} against limit ${r.approver_limit_minor})`,
  );

  // ---- documents = the approved allocation = proposed: one per invoice and kind, none missing, none extra; credits
  //      and write-offs ≤ disputed, per invoice and for the case; on the case's invoices; each document's lines add
  //      up to it
  report(
    v.allocationMismatches,
    await q(
      `WITH planned AS (
         SELECT a.id AS approval_id, p.invoice_number, p.kind, sum(p.amount_minor) AS amount_minor
           FROM approvals a JOIN resolutions r ON r.id = a.resolution_id JOIN cases c ON c.id = a.case_id
          CROSS JOIN LATERAL (
            SELECT x->>'invoiceNumber' AS invoice_number, x->>'kind' AS kind,
                   (replace(x->>'amount', '.', ''))::bigint AS amount_minor
              FROM jsonb_array_elements(r.adjustments) x WHERE r.adjustments IS NOT NULL
            UNION ALL
            SELECT c.invoice_number, 'CREDIT', r.amount_minor WHERE r.adjustments IS NULL
          ) p
          WHERE a.decision = 'APPROVE' AND r.type <> 'NO_CREDIT'
          GROUP BY 1, 2, 3),
       issued AS (
         SELECT approval_id, invoice_number, kind, sum(amount_minor) AS amount_minor FROM adjustments GROUP BY 1, 2, 3)
       SELECT c.case_number, coalesce(p.approval_id, i.approval_id) AS approval_id, coalesce(p.invoice_number, i.invoice_number) AS invoice,
              coalesce(p.kind, i.kind) AS kind, p.amount_minor AS planned, i.amount_minor AS issued
         FROM planned p FULL JOIN issued i USING (approval_id, invoice_number, kind)
         JOIN approvals a ON a.id = coalesce(p.approval_id, i.approval_id) JOIN cases c ON c.id = a.case_id
        WHERE EXISTS (SELECT 1 FROM adjustments x WHERE x.approval_id = a.id) AND p.amount_minor IS DISTINCT FROM i.amount_minor`,
    ),
    (r) => `case ${r.case_number}: approval ${r.approval_id} planned ${r.planned} of ${r.kind} on ${r.invoice}, issued ${r.issued}`,
  );
  report(
    v.allocationMismatches,
    await q(
      `SELECT c.case_number, m.approval_id, m.invoice_number, sum(m.amount_minor) AS lowered,
              (SELECT sum(ci.disputed_minor) FROM case_items ci WHERE ci.case_id = m.case_id AND ci.invoice_number = m.invoice_number) AS disputed
         FROM adjustments m JOIN cases c ON c.id = m.case_id
        WHERE m.kind IN ('CREDIT', 'WRITE_OFF')
        GROUP BY c.case_number, m.case_id, m.approval_id, m.invoice_number`,
    ).then((rows) => rows.filter((r) => r.disputed !== null && big(r.lowered) > big(r.disputed))),
    (r) => `case ${r.case_number}: approval ${r.approval_id} credits and writes off ${r.lowered} on ${r.invoice_number}, which the case disputes by ${r.disputed}`,
  );
  report(
    v.allocationMismatches,
    await q(
      `SELECT c.case_number, a.id, a.decision, a.amount_minor AS approved, r.type, r.amount_minor AS proposed, c.disputed_minor,
              (SELECT sum(m.amount_minor) FROM adjustments m WHERE m.approval_id = a.id) AS issued,
              (SELECT sum(m.amount_minor) FROM adjustments m WHERE m.approval_id = a.id AND m.kind <> 'DEBIT') AS lowered,
              (SELECT count(*) FROM adjustments m WHERE m.approval_id = a.id
                  AND m.invoice_number NOT IN (SELECT ci.invoice_number FROM case_items ci WHERE ci.case_id = c.id))::int AS elsewhere
         FROM approvals a JOIN cases c ON c.id = a.case_id JOIN resolutions r ON r.id = a.resolution_id
        WHERE EXISTS (SELECT 1 FROM adjustments m WHERE m.approval_id = a.id)`,
    ).then((rows) =>
      rows.filter(
        (r) =>
          r.decision !== 'APPROVE' ||
          r.type === 'NO_CREDIT' ||
          big(r.issued) !== big(r.approved) ||
          big(r.approved) !== big(r.proposed) ||
          big(r.lowered ?? 0) > big(r.disputed_minor) ||
          Number(r.elsewhere) > 0,
      ),
    ),
    (r) =>
      `case ${r.case_number}: approval ${r.id} (${r.decision}) of ${r.approved}, proposed ${r.type} ${r.proposed}, issued ${r.issued} ` +
      `(credits and write-offs ${r.lowered}, disputed ${r.disputed_minor}, ${r.elsewhere} documents on an invoice not of the case)`,
  );
  report(
    v.allocationMismatches,
    await q(
      `SELECT m.number, m.amount_minor, coalesce(sum(l.amount_minor), 0) AS lines
         FROM adjustments m LEFT JOIN adjustment_lines l ON l.adjustment_number = m.number
        GROUP BY m.number, m.amount_minor HAVING m.amount_minor <> coalesce(sum(l.amount_minor), 0)`,
    ),
    (r) => `document ${r.number} of ${r.amount_minor} has lines adding up to ${r.lines}`,
  );
  // ---- every invoice: its figures are its documents', the balance formula holds and is never negative
  report(
    v.balanceMismatches,
    await q(
      `SELECT i.number, i.total_minor, i.credited_minor, i.debited_minor, i.written_off_minor, i.paid_minor, i.open_balance_minor,
              coalesce(sum(m.amount_minor) FILTER (WHERE m.kind = 'CREDIT'), 0) AS credits,
              coalesce(sum(m.amount_minor) FILTER (WHERE m.kind = 'DEBIT'), 0) AS debits,
              coalesce(sum(m.amount_minor) FILTER (WHERE m.kind = 'WRITE_OFF'), 0) AS write_offs,
              (SELECT coalesce(sum(pa.amount_minor), 0) FROM payment_applications pa WHERE pa.invoice_number = i.number) AS payments
         FROM invoices i LEFT JOIN adjustments m ON m.invoice_number = i.number GROUP BY i.number`,
    ).then((rows) =>
      rows.filter((r) => {
        const [total, credited, debited, writtenOff, paid, open] = [
          r.total_minor, r.credited_minor, r.debited_minor, r.written_off_minor, r.paid_minor, r.open_balance_minor,
        ].map(big);
        return (
          credited !== big(r.credits) ||
          debited !== big(r.debits) ||
          writtenOff !== big(r.write_offs) ||
          paid !== big(r.payments) ||
          open !== total - credited + debited - writtenOff - paid ||
          open < 0n
        );
      }),
    ),
    (r) =>
      `invoice ${r.number}: total ${r.total_minor}, credited ${r.credited_minor} (documents ${r.credits}), debited ${r.debited_minor} ` +
      `(${r.debits}), written off ${r.written_off_minor} (${r.write_offs}), paid ${r.paid_minor} (applications ${r.payments}), open ${r.open_balance_minor}`,
  );
  // ---- every payment: applied and unapplied add up to it, on invoices of its customer and currency
  report(
    v.paymentMismatches,
    await q(
      `SELECT p.id, p.amount_minor,
              (SELECT coalesce(sum(amount_minor), 0) FROM payment_applications WHERE payment_id = p.id AND unapplied_id IS NULL) AS applied,
              (SELECT coalesce(sum(amount_minor), 0) FROM unapplied_cash WHERE payment_id = p.id) AS unapplied,
              (SELECT count(*) FROM payment_applications pa JOIN invoices i ON i.number = pa.invoice_number
                WHERE pa.payment_id = p.id AND (i.currency <> p.currency OR i.customer_id IS DISTINCT FROM p.customer_id)) AS foreign_applications,
              (SELECT count(*) FROM unapplied_cash u
                WHERE u.payment_id = p.id AND u.applied_minor <> (SELECT coalesce(sum(amount_minor), 0) FROM payment_applications
                                                                   WHERE unapplied_id = u.id)) AS worklist_apart,
              (SELECT count(*) FROM unapplied_cash u WHERE u.payment_id = p.id AND u.applied_minor > u.amount_minor) AS over_applied
         FROM payments p`,
    ).then((rows) =>
      rows.filter(
        (r) =>
          big(r.applied) + big(r.unapplied) !== big(r.amount_minor) ||
          Number(r.foreign_applications) > 0 ||
          Number(r.worklist_apart) > 0 ||
          Number(r.over_applied) > 0,
      ),
    ),
    (r) =>
      `payment ${r.id} of ${r.amount_minor}: applied ${r.applied}, unapplied ${r.unapplied}, ` +
      `${r.foreign_applications} applications to another customer or currency, ${r.worklist_apart} unapplied items apart from their applications, ` +
      `${r.over_applied} unapplied items applied beyond their amount`,
  );
  // ---- no payment applied twice: one matcher application per payment and invoice, one unapplied item per payment
  report(
    v.duplicateApplications,
    await q(
      `SELECT payment_id, 'applied by the matcher ' || count(*) || ' times to invoice ' || invoice_number AS what
         FROM payment_applications WHERE unapplied_id IS NULL GROUP BY payment_id, invoice_number HAVING count(*) > 1
       UNION ALL
       SELECT payment_id, 'left ' || count(*) || ' unapplied items' FROM unapplied_cash GROUP BY payment_id HAVING count(*) > 1`,
    ),
    (r) => `payment ${r.payment_id}: ${r.what}`,
  );
  // ---- every deduction: in its case's invoices, its status its case's, cleared within its case's credits and
  //      write-offs on the invoice; a rule's write-off clears its deduction whole, with no case
  report(
    v.deductionCases,
    await q(
      `SELECT d.id, d.invoice_number, c.case_number FROM deductions d JOIN cases c ON c.id = d.case_id
        WHERE NOT EXISTS (SELECT 1 FROM case_items ci WHERE ci.case_id = d.case_id AND ci.invoice_number = d.invoice_number)`,
    ),
    (r) => `deduction ${r.id} on invoice ${r.invoice_number}: its case ${r.case_number} does not dispute that invoice`,
  );
  report(
    v.deductionStatuses,
    await q(
      `SELECT d.id, d.status, c.case_number, c.status AS case_status,
              EXISTS (SELECT 1 FROM adjustments a WHERE a.deduction_id = d.id) AS by_rule
         FROM deductions d LEFT JOIN cases c ON c.id = d.case_id`,
    ).then((rows) =>
      rows.filter((r) =>
        r.case_status === null ? r.status !== 'OPEN' && !r.by_rule : r.case_status === 'CLOSED' ? r.status === 'OPEN' : r.status !== 'OPEN',
      ),
    ),
    (r) => `deduction ${r.id} is ${r.status}, ` + (r.case_status === null ? 'with no case and no write-off by rule' : `its case ${r.case_number} ${r.case_status}`),
  );
  report(
    v.deductionClearances,
    await q(
      `SELECT c.case_number, d.invoice_number, sum(d.cleared_minor) AS cleared,
              (SELECT coalesce(sum(a.amount_minor), 0) FROM adjustments a
                WHERE a.case_id = d.case_id AND a.invoice_number = d.invoice_number AND a.kind IN ('CREDIT', 'WRITE_OFF')) AS lowered
         FROM deductions d JOIN cases c ON c.id = d.case_id GROUP BY c.case_number, d.case_id, d.invoice_number`,
    ).then((rows) => rows.filter((r) => big(r.cleared) > big(r.lowered))),
    (r) => `case ${r.case_number}: its deductions on ${r.invoice_number} cleared ${r.cleared}, its credits and write-offs there ${r.lowered}`,
  );
  report(
    v.ruleWriteOffs,
    await q(
      `SELECT a.number, a.deduction_id, a.amount_minor, d.status, d.case_id, d.cleared_minor, d.amount_minor AS deducted
         FROM adjustments a LEFT JOIN deductions d ON d.id = a.deduction_id
        WHERE a.rule_version IS NOT NULL
          AND (d.id IS NULL OR d.status <> 'CLEARED' OR d.case_id IS NOT NULL OR d.cleared_minor <> d.amount_minor
               OR d.amount_minor <> a.amount_minor OR d.invoice_number <> a.invoice_number)`,
    ),
    (r) =>
      `write-off ${r.number} of ${r.amount_minor} by rule: its deduction ${r.deduction_id} is ${r.status ?? 'missing'} ` +
      `(cleared ${r.cleared_minor} of ${r.deducted}), case ${r.case_id ?? 'none'}`,
  );
  if (options.deductionCaseMinMinor !== undefined) {
    report(
      v.uncasedDeductions,
      await q(
        `SELECT d.id, d.invoice_number, d.amount_minor, d.status FROM deductions d
          WHERE d.case_id IS NULL AND d.amount_minor >= $1 AND NOT EXISTS (SELECT 1 FROM adjustments a WHERE a.deduction_id = d.id)`,
        [options.deductionCaseMinMinor.toString()],
      ),
      (r) => `deduction ${r.id} of ${r.amount_minor} on invoice ${r.invoice_number} (${r.status}) has no case, from ${options.deductionCaseMinMinor} on`,
    );
  }
  // ---- every line: credits from all cases ever within what it billed
  report(
    v.lineOverCredits,
    await q(
      `SELECT l.invoice_number, l.line_no, l.amount_minor, l.credited_minor,
              coalesce((SELECT sum(al.amount_minor) FROM adjustment_lines al JOIN adjustments m ON m.number = al.adjustment_number
                         WHERE al.invoice_number = l.invoice_number AND al.line_no = l.line_no AND m.kind = 'CREDIT'), 0) AS credits
         FROM invoice_lines l`,
    ).then((rows) => rows.filter((r) => big(r.credited_minor) !== big(r.credits) || big(r.credits) > big(r.amount_minor))),
    (r) => `invoice ${r.invoice_number} line ${r.line_no}: billed ${r.amount_minor}, credited ${r.credited_minor}, credit lines ${r.credits}`,
  );

  // ---- every decision by an eligible other user: a manager, not the proposer (nor deciding for them), an approval
  //      within the limit recorded, which is that of whose authority was used in the case's currency (a rejection
  //      needs no limit: one in a currency its maker has none in records none)
  report(
    v.ineligibleApprovals,
    await q(
      `SELECT a.id, c.case_number, u.role, a.decided_by = r.proposed_by OR a.on_behalf_of = r.proposed_by AS own,
              a.amount_minor, a.approver_limit_minor, w.limit_minor AS user_limit, r.amount_minor AS proposed,
              r.case_id = a.case_id AS same_case
         FROM approvals a JOIN cases c ON c.id = a.case_id JOIN resolutions r ON r.id = a.resolution_id
         JOIN users u ON u.id = a.decided_by
         CROSS JOIN LATERAL (
           SELECT coalesce((SELECT l.limit_minor FROM approval_limits l WHERE l.user_id = wu.id AND l.currency = c.currency),
                           wu.approval_limit_minor) AS limit_minor
             FROM users wu WHERE wu.id = coalesce(a.on_behalf_of, a.decided_by)) w
        WHERE u.role <> 'manager' OR a.decided_by = r.proposed_by OR a.on_behalf_of = r.proposed_by OR r.case_id <> a.case_id
           OR r.type = 'NO_CREDIT' OR a.amount_minor <> r.amount_minor
           OR (a.approver_limit_minor IS DISTINCT FROM w.limit_minor AND NOT (a.decision = 'REJECT' AND a.approver_limit_minor IS NULL))
           OR (a.decision = 'APPROVE' AND a.approver_limit_minor IS NOT NULL AND a.amount_minor > a.approver_limit_minor)`,
    ),
    (r) =>
      `case ${r.case_number}: approval ${r.id} by a ${r.role}, own proposal ${r.own}, amount ${r.amount_minor} ` +
      `(proposed ${r.proposed}) against limit ${r.approver_limit_minor} (the user's: ${r.user_limit}), same case ${r.same_case}`,
  );

  // ---- the trail: untampered, 1..n, opened first, closed once and last, its last stage the case's stage
  report(
    v.trailProblems,
    await q(`SELECT c.case_number, t.seq, t.problem FROM cases c CROSS JOIN LATERAL verify_case_trail(c.id) t`),
    (r) => `case ${r.case_number} seq ${r.seq}: ${r.problem}`,
  );
  report(
    v.trailProblems,
    await q(
      `SELECT c.case_number, c.status, c.stage, c.closed_at IS NOT NULL AS has_closed_at,
              count(e.*)::int AS n, min(e.seq) AS lo, max(e.seq) AS hi,
              (array_agg(e.type ORDER BY e.seq))[1] AS first_type,
              (array_agg(e.type ORDER BY e.seq DESC))[1] AS last_type,
              count(*) FILTER (WHERE e.type = 'CASE_OPENED')::int AS opened,
              count(*) FILTER (WHERE e.type = 'CASE_CLOSED')::int AS closed,
              count(*) FILTER (WHERE e.type = 'CASE_CANCELLED')::int AS cancelled,
              (array_agg(e.data->>'stage' ORDER BY e.seq DESC) FILTER (WHERE e.type = 'STAGE_ENTERED'))[1] AS last_stage
         FROM cases c LEFT JOIN case_events e ON e.case_id = c.id GROUP BY c.id`,
    ).then((rows) =>
      rows.filter((r) => {
        const n = Number(r.n);
        const closings = Number(r.closed) + Number(r.cancelled);
        const statusAgrees =
          r.status === 'OPEN' ? closings === 0 : r.status === 'CLOSED' ? Number(r.closed) === 1 : Number(r.cancelled) === 1;
        return (
          n === 0 ||
          Number(r.lo) !== 1 ||
          Number(r.hi) !== n ||
          r.first_type !== 'CASE_OPENED' ||
          Number(r.opened) !== 1 ||
          closings !== (r.status === 'OPEN' ? 0 : 1) ||
          !statusAgrees ||
          (closings === 1 && r.last_type !== 'CASE_CLOSED' && r.last_type !== 'CASE_CANCELLED') ||
          r.last_stage !== r.stage ||
          (r.status === 'OPEN') === Boolean(r.has_closed_at) ||
          (r.status !== 'OPEN' && r.stage !== 'DONE')
        );
      }),
    ),
    (r) =>
      `case ${r.case_number} (${r.status}/${r.stage}): ${r.n} events numbered ${r.lo}..${r.hi}, first ${r.first_type}, last ${r.last_type}, ` +
      `${r.opened} opened, ${r.closed} closed, ${r.cancelled} cancelled, last stage entered ${r.last_stage}, closedAt set ${r.has_closed_at}`,
  );
  // The read model's rows each stand on their event, with the same content.
  report(
    v.trailProblems,
    await q(
      `WITH issued AS (
         SELECT e.case_id, e.seq, e.type, e.data->>'approvalId' AS approval_id, e.data->>'number' AS number
           FROM case_events e WHERE e.type = 'CREDIT_MEMO_ISSUED'
         UNION ALL
         SELECT e.case_id, e.seq, e.type, e.data->>'approvalId', d->>'number'
           FROM case_events e CROSS JOIN LATERAL jsonb_array_elements(e.data->'documents') d WHERE e.type = 'ADJUSTMENTS_ISSUED')
       SELECT 'document ' || m.number AS what, c.case_number FROM adjustments m JOIN cases c ON c.id = m.case_id
        WHERE (SELECT count(*) FROM issued e WHERE e.case_id = m.case_id AND e.number = m.number
                 AND e.approval_id = m.approval_id::text) <> 1
       UNION ALL
       SELECT e.type || ' seq ' || e.seq, c.case_number FROM issued e JOIN cases c ON c.id = e.case_id
        WHERE NOT EXISTS (SELECT 1 FROM adjustments m WHERE m.case_id = e.case_id AND m.number = e.number)
       UNION ALL
       SELECT 'approval ' || a.id, c.case_number FROM approvals a JOIN cases c ON c.id = a.case_id
        WHERE (SELECT count(*) FROM case_events e WHERE e.case_id = a.case_id AND e.type = 'RESOLUTION_DECIDED'
                 AND e.data->>'approvalId' = a.id::text AND e.data->>'decision' = a.decision
                 AND e.actor_id = a.decided_by::text AND e.data->>'resolutionId' = a.resolution_id::text) <> 1
       UNION ALL
       SELECT 'RESOLUTION_DECIDED seq ' || e.seq, c.case_number FROM case_events e JOIN cases c ON c.id = e.case_id
        WHERE e.type = 'RESOLUTION_DECIDED' AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.id::text = e.data->>'approvalId')
       UNION ALL
       SELECT 'resolution ' || r.id, c.case_number FROM resolutions r JOIN cases c ON c.id = r.case_id
        WHERE (SELECT count(*) FROM case_events e WHERE e.case_id = r.case_id AND e.type = 'RESOLUTION_PROPOSED'
                 AND e.data->>'resolutionId' = r.id::text AND e.data->>'type' = r.type AND e.actor_id = r.proposed_by::text) <> 1
       UNION ALL
       SELECT 'task ' || t.id, c.case_number FROM tasks t JOIN cases c ON c.id = t.case_id
        WHERE (SELECT count(*) FROM case_events e WHERE e.case_id = t.case_id AND e.type = 'TASK_CREATED'
                 AND e.data->>'taskId' = t.id::text) <> 1
          OR (t.status = 'DONE') <> EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = t.case_id
                 AND e.type = 'TASK_COMPLETED' AND e.data->>'taskId' = t.id::text)`,
    ),
    (r) => `case ${r.case_number}: ${r.what} does not match the trail`,
  );

  // ---- each SLA fires at most once: once per task, once per entry into a stage
  report(
    v.escalations,
    await q(
      `SELECT c.case_number, e.type, coalesce(e.data->>'taskId', e.data->>'since') AS key, count(*)::int AS n
         FROM case_events e JOIN cases c ON c.id = e.case_id
        WHERE e.type IN ('TASK_ESCALATED', 'RESOLUTION_ESCALATED', 'APPROVAL_ESCALATED')
        GROUP BY 1, 2, 3 HAVING count(*) > 1`,
    ),
    (r) => `case ${r.case_number}: ${r.n} × ${r.type} for ${r.key}`,
  );

  // ---- document numbers: one counter per series (CM-, DM-, WO-), bumped in the document's own transaction:
  //      000001..N, no gap, no reuse
  report(
    v.memoNumberGaps,
    await q(
      `SELECT s.series, s.last_value::int AS counter, count(m.number)::int AS n,
              coalesce(max(substring(m.number FROM 4)::int), 0) AS hi
         FROM document_counters s LEFT JOIN adjustments m ON left(m.number, 2) = s.series GROUP BY s.series, s.last_value`,
    ).then((rows) => rows.filter((r) => Number(r.n) !== Number(r.hi) || Number(r.counter) !== Number(r.n))),
    (r) => `${r.n} documents in series ${r.series}, highest ${r.series}-${r.hi}, counter at ${r.counter}`,
  );

  // ---- nothing stuck: every case closed (when asked), every started workflow with its case, each workflow's
  //      state agreeing with its case's
  if (options.allClosed) {
    report(
      v.stuck,
      await q(`SELECT case_number, stage, stage_entered_at::text AS since FROM cases WHERE status = 'OPEN' ORDER BY case_number`),
      (r) => `case ${r.case_number} still OPEN in ${r.stage} since ${r.since}`,
    );
  }
  if (options.workflowIds) {
    const known = new Set((await q('SELECT workflow_id FROM cases')).map((r) => String(r.workflow_id)));
    v.stuck.push(...options.workflowIds.filter((id) => !known.has(id)).map((id) => `workflow ${id} has no case row`));
  }
  if (options.temporal) {
    const temporal = options.temporal;
    const cases = await q('SELECT case_number, workflow_id, status FROM cases ORDER BY case_number');
    const disagreeing = async (c: Row): Promise<string | null> => {
      try {
        const { status } = await temporal.workflow.getHandle(String(c.workflow_id)).describe();
        const want = c.status === 'OPEN' ? 'RUNNING' : 'COMPLETED';
        return status.name === want ? null : `case ${c.case_number} is ${c.status} but its workflow is ${status.name}`;
      } catch (err) {
        return `case ${c.case_number}: workflow ${c.workflow_id}: ${(err as Error).message}`;
      }
    };
    let pending: Row[] = [];
    for (let i = 0; i < cases.length; i += 50) {
      const batch = cases.slice(i, i + 50);
      const found = await Promise.all(batch.map(disagreeing));
      pending.push(...batch.filter((_, j) => found[j] !== null));
    }
    // A workflow completes a moment after it writes its closing events: it is stuck only if it stays apart.
    const deadline = Date.now() + (options.settleMs ?? 10_000);
    let last: (string | null)[] = [];
    while (pending.length) {
      last = await Promise.all(pending.map(disagreeing));
      pending = pending.filter((_, j) => last[j] !== null);
      if (!pending.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    v.workflowProblems.push(...last.filter((p): p is string => p !== null));
    // Every case's workflow, and those started whose case has no row yet (a loop may be what keeps it from one).
    const workflows = new Map(cases.map((c) => [String(c.workflow_id), `case ${c.case_number}`]));
    for (const id of options.workflowIds ?? []) if (!workflows.has(id)) workflows.set(id, `workflow ${id}`);
    const entries = [...workflows];
    for (let i = 0; i < entries.length; i += 50) {
      const found = await Promise.all(entries.slice(i, i + 50).map(([id, name]) => retryLoops(temporal, name, id)));
      v.retryLoops.push(...found.flat());
    }
  }

  return {
    cases: Number(counts.cases),
    open: Number(counts.open),
    closed: Number(counts.closed),
    cancelled: Number(counts.cancelled),
    memos: Number(counts.memos),
    documents: { CREDIT: Number(counts.memos), DEBIT: Number(counts.debits), WRITE_OFF: Number(counts.write_offs) },
    events: Number(counts.events),
    violations: v,
    problems: Object.values(v).flat(),
  };
}

/**
 * Activities of the workflow's current run attempted more than MAX_ACTIVITY_ATTEMPTS times: those still pending
 * (describe() counts their attempts) and those that ended (their ActivityTaskStarted event records the attempt that
 * ended them). Runs before a continue-as-new are not read: a looping activity holds its run, it never continues.
 */
async function retryLoops(temporal: Client, name: string, workflowId: string): Promise<string[]> {
  const handle = temporal.workflow.getHandle(workflowId);
  try {
    const [{ raw }, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    const attempts: { activity: string; attempt: number; state: string }[] = (raw.pendingActivities ?? []).map((a) => ({
      activity: a.activityType?.name ?? '?',
      attempt: a.attempt ?? 0,
      state: 'still pending',
    }));
    const scheduled = new Map<string, string>();
    for (const e of history.events ?? []) {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (name) scheduled.set(String(e.eventId), name);
      const started = e.activityTaskStartedEventAttributes;
      if (started) {
        attempts.push({ activity: scheduled.get(String(started.scheduledEventId)) ?? '?', attempt: started.attempt ?? 0, state: 'ended' });
      }
    }
    return attempts
      .filter((a) => a.attempt > MAX_ACTIVITY_ATTEMPTS)
      .map((a) => `${name}: ${a.activity} attempted ${a.attempt} times (${a.state}), more than ${MAX_ACTIVITY_ATTEMPTS}`);
  } catch (err) {
    return [`${name}: the attempts of workflow ${workflowId} could not be read: ${(err as Error).message}`];
  }
}
