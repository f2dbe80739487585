// The recommendations are a projection of the findings and of what the tasks confirmed, computed by one statement
// whenever either changes (the evidence stored, a task completed), in the transaction of that change. What a finding
// counts is the view counted_findings' (migrations/0012), the rule's one home.
import type { ItemExplanation } from '../contract';
import { formatMoney } from '../domain/money';
import { FINDING_JSON, findingOf } from './findings';
import type { Queryable, Row } from './sql';

/** Whether the case `caseId` (an SQL expression, never input) had tasks and every one is done. */
const everyTaskDone = (caseId: string) =>
  `(EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = ${caseId}) AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = ${caseId} AND t.status = 'OPEN'))`;

/**
 * What the case's (alias c) tasks confirmed of its overbilling, once every task is done (a case with tasks): the
 * figure its recommended credit is capped from; null while it is not that yet.
 */
export const CONFIRMED_OVERBILLING = `
  CASE WHEN ${everyTaskDone('c.id')}
       THEN (SELECT coalesce(sum(f.overbilling_minor), 0) FROM counted_findings f WHERE f.case_id = c.id) END`;

/** The findings (alias f) of an item (alias ci): those of its invoice, limited to its line where it names one. */
const OF_ITEM = 'f.invoice_number = ci.invoice_number AND (ci.line_no IS NULL OR f.line_no = ci.line_no)';

/**
 * Per item of the case: its findings are those of its invoice, limited to its line where it names one. An item's
 * recommended credit is min(its disputed amount, Σ counted overbilling), its recommended debit Σ counted
 * UNDERBILLED; the case's figures are the sums over its items.
 */
export async function refreshRecommendations(db: Queryable, caseId: string): Promise<void> {
  await db.query(
    `WITH per_item AS (
             SELECT ci.ordinal,
                    least(ci.disputed_minor, coalesce(sum(f.overbilling_minor), 0)) AS credit,
                    coalesce(sum(f.underbilling_minor), 0) AS debit
               FROM case_items ci
               LEFT JOIN counted_findings f ON f.case_id = ci.case_id AND ${OF_ITEM}
              WHERE ci.case_id = $1
              GROUP BY ci.ordinal, ci.disputed_minor),
           items AS (
             UPDATE case_items ci SET recommended_credit_minor = p.credit, recommended_debit_minor = p.debit
               FROM per_item p WHERE ci.case_id = $1 AND ci.ordinal = p.ordinal)
     UPDATE cases c SET recommended_credit_minor = t.credit, recommended_debit_minor = t.debit
       FROM (SELECT sum(credit) AS credit, sum(debit) AS debit FROM per_item) t
      WHERE c.id = $1`,
    [caseId],
  );
}

/**
 * Why each item of the case recommends what it does, by ordinal: the same rule and sums as refreshRecommendations,
 * with its first `shown` findings and what each counts. The rest are summed only: a case of 50 whole invoices
 * could list thousands of findings.
 */
export async function itemExplanations(db: Queryable, caseId: string, shown: number): Promise<Map<number, ItemExplanation>> {
  const { rows } = await db.query(
    `WITH counted AS (
             SELECT ci.ordinal AS item, f.id, f.code, f.team, f.invoice_number, f.line_no, f.expected, f.actual, f.amount_minor,
                    f.confirmed_minor, f.counted_minor AS counted, f.overbilling_minor, f.underbilling_minor,
                    row_number() OVER (PARTITION BY ci.ordinal ORDER BY f.ordinal) AS n
               FROM case_items ci JOIN counted_findings f ON f.case_id = ci.case_id AND ${OF_ITEM}
              WHERE ci.case_id = $1)
     SELECT ci.ordinal, ci.disputed_minor::text AS disputed, ${everyTaskDone('$1')} AS confirmed,
            s.overbilling::text, s.underbilling::text, s.more_count, s.more_overbilling::text, s.more_underbilling::text,
            (SELECT coalesce(json_agg(${FINDING_JSON}::jsonb || jsonb_build_object('counted', f.counted::text) ORDER BY f.n), '[]')
               FROM counted f WHERE f.item = ci.ordinal AND f.n <= $2) AS findings
       FROM case_items ci
       CROSS JOIN LATERAL (
             SELECT coalesce(sum(f.overbilling_minor), 0) AS overbilling,
                    coalesce(sum(f.underbilling_minor), 0) AS underbilling,
                    count(*) FILTER (WHERE f.n > $2)::int AS more_count,
                    coalesce(sum(f.overbilling_minor) FILTER (WHERE f.n > $2), 0) AS more_overbilling,
                    coalesce(sum(f.underbilling_minor) FILTER (WHERE f.n > $2), 0) AS more_underbilling
               FROM counted f WHERE f.item = ci.ordinal) s
      WHERE ci.case_id = $1`,
    [caseId, shown],
  );
  const money = (minor: string) => formatMoney(BigInt(minor));
  return new Map(
    rows.map((r: Row) => [
      r.ordinal,
      {
        basis: r.confirmed ? 'CONFIRMED' : 'FOUND',
        overbilling: money(r.overbilling),
        cappedByDisputed: BigInt(r.overbilling) > BigInt(r.disputed),
        underbilling: money(r.underbilling),
        findings: r.findings.map((f: Row) => ({ ...findingOf(f), counted: money(f.counted) })),
        more: { count: r.more_count, overbilling: money(r.more_overbilling), underbilling: money(r.more_underbilling) },
      },
    ]),
  );
}
