// A case's recommendations, projected from its findings: per item, credit = min(disputed, Σ its overbilling) and
// debit = Σ its UNDERBILLED; the case's figures are the sums over its items. An item's findings are those of its
// invoice, limited to its line where it names one. One statement, so that the figures read back always agree with
// the findings stored beside them.
import type { PoolClient } from 'pg';

export async function refreshRecommendations(client: PoolClient, caseId: string): Promise<void> {
  await client.query(
    `WITH per_item AS (
       SELECT i.case_id, i.ordinal,
              coalesce(sum(f.amount_minor) FILTER (WHERE f.code <> 'UNDERBILLED'), 0) AS overbilled,
              least(i.disputed_minor, coalesce(sum(f.amount_minor) FILTER (WHERE f.code <> 'UNDERBILLED'), 0)) AS credit,
              coalesce(sum(f.amount_minor) FILTER (WHERE f.code = 'UNDERBILLED'), 0) AS debit
         FROM case_items i
         LEFT JOIN findings f
           ON f.case_id = i.case_id AND f.invoice_number = i.invoice_number AND (i.line_no IS NULL OR f.line_no = i.line_no)
        WHERE i.case_id = $1
        GROUP BY i.case_id, i.ordinal, i.disputed_minor),
     items AS (
       UPDATE case_items ci SET recommended_credit_minor = p.credit, recommended_debit_minor = p.debit
         FROM per_item p WHERE ci.case_id = p.case_id AND ci.ordinal = p.ordinal)
     UPDATE cases c
        SET overbilled_minor = t.overbilled, recommended_credit_minor = t.credit, recommended_debit_minor = t.debit
       FROM (SELECT sum(overbilled) AS overbilled, sum(credit) AS credit, sum(debit) AS debit FROM per_item) t
      WHERE c.id = $1`,
    [caseId],
  );
}
