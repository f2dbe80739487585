// A case's findings as the reads answer them: one JSON shape in SQL, one mapping to the contract's.
import type { CaseFinding } from '../contract';
import { formatMoney } from '../domain/money';
import type { Queryable, Row } from './sql';

/** A finding (alias f) as one JSON object, the shape findingOf reads. */
export const FINDING_JSON = `json_build_object('id', f.id, 'code', f.code, 'team', f.team, 'invoiceNumber', f.invoice_number,
                                        'lineNo', f.line_no, 'expected', f.expected, 'actual', f.actual,
                                        'amount', f.amount_minor::text, 'confirmedAmount', f.confirmed_minor::text)`;

/** The current findings (alias f) that `where` selects, as one JSON array in the analysis' order. */
export const findingsJsonSql = (where: string): string =>
  `(SELECT coalesce(json_agg(${FINDING_JSON} ORDER BY f.ordinal), '[]') FROM current_findings f WHERE ${where})`;

export function findingOf(f: Row): CaseFinding {
  return {
    id: f.id,
    code: f.code,
    team: f.team,
    invoiceNumber: f.invoiceNumber,
    ...(f.lineNo === null ? {} : { lineNo: f.lineNo }),
    expected: f.expected,
    actual: f.actual,
    amount: formatMoney(BigInt(f.amount)),
    confirmedAmount: f.confirmedAmount === null ? null : formatMoney(BigInt(f.confirmedAmount)),
  };
}

/**
 * The findings of some of one invoice's lines, in the analysis' order, with the invoice's own (no line) if asked.
 * `invoiceNumber` null: the case's first invoice.
 */
export async function findingsOfLines(
  db: Queryable,
  caseId: string,
  invoiceNumber: string | null,
  lineNos: number[],
  invoiceLevel: boolean,
): Promise<CaseFinding[]> {
  const { rows } = await db.query(
    `SELECT ${findingsJsonSql(
      `f.case_id = $1 AND f.invoice_number = coalesce($4, (SELECT c.invoice_number FROM cases c WHERE c.id = $1))
       AND (f.line_no = ANY($2::int[]) OR ($3 AND f.line_no IS NULL))`,
    )} AS findings`,
    [caseId, lineNos, invoiceLevel, invoiceNumber],
  );
  return rows[0].findings.map(findingOf);
}
