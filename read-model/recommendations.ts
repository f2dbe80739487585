// The recommendations are a projection of the findings and of what the tasks confirmed, computed by one statement
// whenever either changes (the evidence stored, a task completed), in the transaction of that change.
import type { Queryable } from './sql';

/** Whether the case `caseId` (an SQL expression) still waits for a task: until then its findings count in full. */
const investigating = (caseId: string) => `EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = ${caseId} AND t.status = 'OPEN')`;

/**
 * Σ of what a case's findings say was overbilled, as the recommendation counts it: each finding in full while a task
 * is open; then what its task confirmed (a finding no done task answered, its task cancelled, still in full).
 * UNDERBILLED is money owed to us and never feeds the credit. `caseId` is an SQL expression, never input.
 */
const countedOverbilling = (caseId: string) => `
  (SELECT coalesce(sum(CASE WHEN ${investigating(caseId)} THEN f.amount_minor ELSE coalesce(f.confirmed_minor, f.amount_minor) END), 0)
     FROM findings f WHERE f.case_id = ${caseId} AND f.code <> 'UNDERBILLED')`;

/**
 * What the case's (alias c) tasks confirmed of its overbilling, once every task is done (a case with tasks): the
 * figure its recommended credit is capped from; null while it is not that yet.
 */
export const CONFIRMED_OVERBILLING = `
  CASE WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id) AND NOT ${investigating('c.id')}
       THEN ${countedOverbilling('c.id')} END`;

/** The recommended credit: min(disputed amount, Σ counted overbilling). */
export async function refreshRecommendations(db: Queryable, caseId: string): Promise<void> {
  await db.query(
    `UPDATE cases c SET recommended_credit_minor = LEAST(c.disputed_minor, ${countedOverbilling('c.id')}) WHERE c.id = $1`,
    [caseId],
  );
}
