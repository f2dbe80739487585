// The recommendations are a projection of the findings and of what the tasks confirmed, computed by one statement
// whenever either changes (the evidence stored, a task completed), in the transaction of that change.
import type { Queryable } from './sql';

/** Whether the case `caseId` (an SQL expression) still waits for a task: until then its findings count in full. */
const investigating = (caseId: string) => `EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = ${caseId} AND t.status = 'OPEN')`;

/**
 * What a finding (alias f) of the case `caseId` counts: in full while a task is open; then what its task confirmed
 * (a finding no done task answered, its task cancelled, still in full). `caseId` is an SQL expression, never input.
 */
const counted = (caseId: string) =>
  `CASE WHEN ${investigating(caseId)} THEN f.amount_minor ELSE coalesce(f.confirmed_minor, f.amount_minor) END`;

/**
 * What the case's (alias c) tasks confirmed of its overbilling, once every task is done (a case with tasks): the
 * figure its recommended credit is capped from; null while it is not that yet. UNDERBILLED is money owed to us and
 * never overbilling.
 */
export const CONFIRMED_OVERBILLING = `
  CASE WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id) AND NOT ${investigating('c.id')}
       THEN (SELECT coalesce(sum(${counted('c.id')}), 0) FROM current_findings f WHERE f.case_id = c.id AND f.code <> 'UNDERBILLED') END`;

/**
 * Per item of the case: its findings are those of its invoice, limited to its line where it names one. An item's
 * recommended credit is min(its disputed amount, Σ counted overbilling), its recommended debit Σ counted
 * UNDERBILLED (which never feeds the credit); the case's figures are the sums over its items.
 */
export async function refreshRecommendations(db: Queryable, caseId: string): Promise<void> {
  await db.query(
    `WITH counted AS (
             SELECT f.invoice_number, f.line_no, f.code, ${counted('$1')} AS amount
               FROM current_findings f
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
