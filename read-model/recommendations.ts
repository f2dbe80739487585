// The recommendations are a projection of the findings and of what the tasks confirmed, computed by one statement
// whenever either changes (the evidence stored, a task completed), in the transaction of that change.
import type { Queryable } from './sql';

/**
 * Per item of the case: its findings are those of its invoice, limited to its line where it names one. Until every
 * task of the case is done, each finding counts in full; then a finding counts what its task confirmed (a finding no
 * done task answered, e.g. its task was cancelled, still counts in full). An item's recommended credit is
 * min(its disputed amount, Σ counted overbilling), its recommended debit Σ counted UNDERBILLED (money owed to us,
 * which never feeds the credit); the case's figures are the sums over its items.
 */
export async function refreshRecommendations(db: Queryable, caseId: string): Promise<void> {
  await db.query(
    `WITH investigating AS (SELECT EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = $1 AND t.status = 'OPEN') AS open),
          counted AS (
            SELECT f.invoice_number, f.line_no, f.code,
                   CASE WHEN i.open THEN f.amount_minor ELSE coalesce(f.confirmed_minor, f.amount_minor) END AS amount
              FROM findings f CROSS JOIN investigating i
             WHERE f.case_id = $1),
          per_item AS (
            SELECT ci.ordinal,
                   least(ci.disputed_minor, coalesce(sum(f.amount) FILTER (WHERE f.code <> 'UNDERBILLED'), 0)) AS credit,
                   coalesce(sum(f.amount) FILTER (WHERE f.code = 'UNDERBILLED'), 0) AS debit
              FROM case_items ci
              LEFT JOIN counted f ON f.invoice_number = ci.invoice_number AND (ci.line_no IS NULL OR f.line_no = ci.line_no)
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
