// The recommendations are a projection of the findings and of what the tasks confirmed, computed by one statement
// whenever either changes (the evidence stored, a task completed), in the transaction of that change.
import type { Queryable } from './sql';

/**
 * What the case's (alias c) tasks confirmed of its overbilling, once every task is done (a case with tasks): the
 * figure its recommended credit is capped from; null while it is not that yet. What a finding counts is the view
 * counted_findings' (migrations/0012).
 */
export const CONFIRMED_OVERBILLING = `
  CASE WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id)
        AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.status = 'OPEN')
       THEN (SELECT coalesce(sum(f.overbilling_minor), 0) FROM counted_findings f WHERE f.case_id = c.id) END`;

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
               LEFT JOIN counted_findings f
                      ON f.case_id = ci.case_id AND f.invoice_number = ci.invoice_number AND (ci.line_no IS NULL OR f.line_no = ci.line_no)
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
