// The evidence of a case or an invoice as the pages show it: a page of lines at a time, or why there is none.
import type { EvidencePages } from '../../lib/hooks';
import { ErrorMessage, MoreButton, Notice } from '../common';
import { EvidenceComparison } from './comparison';
import { EvidenceRecords } from './records';

/** The comparison of the lines shown so far, the way to more of them, and the records they come from. */
export function PagedEvidence({ pages, currency, caption }: { pages: EvidencePages; currency: string; caption?: string }) {
  if (!pages.evidence) return null;
  const { lines, lineCount } = pages.evidence.invoice;
  return (
    <>
      <EvidenceComparison evidence={pages.evidence} findings={pages.findings} currency={currency} caption={caption} />
      {lineCount > lines.length ? (
        <p data-testid="evidence-more">
          Lines 1–{lines.length} of {lineCount}.{' '}
          <MoreButton list={pages} label="Show more lines" className="button-secondary button-small" />
        </p>
      ) : null}
      <ErrorMessage error={pages.error} />
      <EvidenceRecords evidence={pages.evidence} currency={currency} />
    </>
  );
}

/** Why there are no records to compare: the collection failed (the source must be fixed), or never ran. */
export function EvidenceMissing({ reason }: { reason: string | null }) {
  return (
    <Notice kind={reason ? 'warning' : 'info'}>
      <p>{reason ? `The evidence could not be collected: ${reason}` : 'No evidence was collected for this case.'}</p>
    </Notice>
  );
}
