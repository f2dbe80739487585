// The recommendations are a projection of the findings and of what the tasks confirmed, computed by one statement
// whenever either changes (the evidence stored, a task completed), in the transaction of that change.
import type { Queryable } from './sql';

/**
 * Until every task of the case is done, each finding counts in full; then a finding counts what its task confirmed
 * (a finding no done task answered, e.g. its task was cancelled, still counts in full). The recommended credit is
 * min(disputed amount, Σ counted overbilling); UNDERBILLED is money owed to us and never feeds the credit.
 */
export async function refreshRecommendations(db: Queryable, caseId: string): Promise<void> {
  await db.query(
    `WITH investigating AS (SELECT EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = $1 AND t.status = 'OPEN') AS open),
          counted AS (
            SELECT coalesce(sum(CASE WHEN i.open THEN f.amount_minor ELSE coalesce(f.confirmed_minor, f.amount_minor) END), 0)
                     AS overbilled
              FROM findings f CROSS JOIN investigating i
             WHERE f.case_id = $1 AND f.code <> 'UNDERBILLED')
     UPDATE cases c SET recommended_credit_minor = LEAST(c.disputed_minor, counted.overbilled)
       FROM counted
      WHERE c.id = $1`,
    [caseId],
  );
}
