// The pieces every read of cases shares: the summary's columns, the latest proposal, who may see a case, how a
// reference finds it; each with its mapping to the contract's shapes.
import type { DisputeSummary, Resolution } from '../contract';
import { formatMoney } from '../domain/money';
import { UUID_PATTERN, isoSql, type Row } from './sql';

/** The columns of a case's summary (alias c), as summaryOf reads them. */
export const SUMMARY_COLUMNS = `
  c.id, c.case_number, c.workflow_id, c.status, c.stage, c.invoice_number, c.customer_id, c.currency,
  c.disputed_minor::text AS disputed_minor, c.reason_code, c.recommended_credit_minor::text AS recommended_credit_minor,
  ${isoSql('c.opened_at')} AS opened_at, ${isoSql('c.stage_entered_at')} AS stage_entered_at,
  ${isoSql('c.closed_at')} AS closed_at, c.owner_id, (SELECT ou.name FROM users ou WHERE ou.id = c.owner_id) AS owner_name,
  c.waiting_on`;

export const money = (minor: string | null): string | null => (minor === null ? null : formatMoney(BigInt(minor)));

export function summaryOf(row: Row): DisputeSummary {
  return {
    id: row.id,
    caseNumber: row.case_number,
    workflowId: row.workflow_id,
    status: row.status,
    stage: row.stage,
    invoiceNumber: row.invoice_number,
    customerId: row.customer_id,
    currency: row.currency,
    disputedAmount: formatMoney(BigInt(row.disputed_minor)),
    reasonCode: row.reason_code,
    recommendedCredit: money(row.recommended_credit_minor),
    openedAt: row.opened_at,
    stageEnteredAt: row.stage_entered_at,
    closedAt: row.closed_at,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    waitingOn: row.waiting_on,
  };
}

/**
 * The case's (alias c) latest proposal, with the decision on it if any, as one JSON object or null. A proposal whose
 * approval the ledger refused is over (the case is back in RESOLUTION): there is no proposal then. A proposal from
 * before adjustments was one credit on the case's invoice.
 */
export const LATEST_RESOLUTION = `
  (SELECT CASE WHEN ra.decision = 'APPROVE' AND EXISTS (
                 SELECT 1 FROM case_events re WHERE re.case_id = c.id AND re.type = 'CREDIT_MEMO_REFUSED'
                    AND re.data->>'approvalId' = ra.id::text)
          THEN NULL ELSE
          json_build_object('id', r.id, 'type', r.type, 'amount', r.amount_minor::text, 'rootCause', r.root_cause,
            'note', r.note, 'proposedById', r.proposed_by, 'proposedByName', ru.name,
            'proposedAt', ${isoSql('r.proposed_at')}, 'decision', ra.decision,
            'adjustments', coalesce(r.adjustments, CASE WHEN r.type = 'CREDIT' THEN jsonb_build_array(jsonb_build_object(
              'kind', 'CREDIT', 'invoiceNumber', c.invoice_number, 'lineNo', NULL, 'amount', to_char(r.amount_minor / 100.0, 'FM9999999999999990.00')))
              ELSE '[]'::jsonb END)) END
     FROM resolutions r JOIN users ru ON ru.id = r.proposed_by
     LEFT JOIN approvals ra ON ra.resolution_id = r.id
    WHERE r.case_id = c.id ORDER BY r.proposed_at DESC, r.id DESC LIMIT 1)`;

export function resolutionOf(r: Row | null): Resolution | null {
  if (!r) return null;
  return {
    id: r.id,
    type: r.type,
    amount: money(r.amount),
    rootCause: r.rootCause,
    note: r.note,
    adjustments: r.adjustments.map((a: Row) => ({ kind: a.kind, invoiceNumber: a.invoiceNumber, lineNo: a.lineNo ?? null, amount: a.amount })),
    proposedBy: { id: r.proposedById, name: r.proposedByName },
    proposedAt: r.proposedAt,
    decision: r.decision,
  };
}

/** A case (alias c) visible to `$2`, an ops user's team (NULL: anyone's): one with a task for it. */
export const VISIBLE_TO_TEAM = '($2::text IS NULL OR EXISTS (SELECT 1 FROM tasks vt WHERE vt.case_id = c.id AND vt.team = $2))';

/** Where a case reference (id or case number) points, in SQL. */
export function caseKey(ref: string): { column: string; value: string } {
  return UUID_PATTERN.test(ref) ? { column: 'c.id', value: ref } : { column: 'c.case_number', value: ref };
}
