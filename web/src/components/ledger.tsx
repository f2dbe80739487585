// The ledger in the pages: adjustments as proposed (kind, invoice, line or spread, amount) and the documents issued.
import { ADJUSTMENT_KIND_LABELS, formatDateTime } from '../lib/format';
import type { Adjustment, ProposedAdjustmentOut } from '../../../contract';
import { Money } from './common';

export function AdjustmentList({ adjustments, currency }: { adjustments: ProposedAdjustmentOut[]; currency: string }) {
  return (
    <ul className="plain" data-testid="proposed-adjustments">
      {adjustments.map((a, i) => (
        <li key={i}>
          {ADJUSTMENT_KIND_LABELS[a.kind]} <Money amount={a.amount} currency={currency} /> on {a.invoiceNumber}
          {a.lineNo === null ? ', spread over its lines' : `, line ${a.lineNo}`}
        </li>
      ))}
    </ul>
  );
}

/** The documents issued: number, kind, amount, invoice and how it fell on the lines. */
export function DocumentList({ documents, currency, testId }: { documents: Adjustment[]; currency: string; testId: string }) {
  return (
    <ul className="plain memo-list" data-testid={testId}>
      {documents.map((m) => (
        <li key={m.number} data-kind={m.kind}>
          <strong>{m.number}</strong> {ADJUSTMENT_KIND_LABELS[m.kind]} <Money amount={m.amount} currency={m.currency ?? currency} strong /> on{' '}
          {m.invoiceNumber}
          <span className="muted">
            {' '}
            (lines {m.lines.map((l) => `${l.lineNo}: ${l.amount}`).join(', ')}) issued {formatDateTime(m.issuedAt)}
          </span>
        </li>
      ))}
    </ul>
  );
}
