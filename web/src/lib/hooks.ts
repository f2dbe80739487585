import { useEffect, useState } from 'react';
import { mergeEvidence } from './evidence';
import type { EvidencePage as Evidence, Finding } from '../../../contract';

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · AR Disputes`;
  }, [title]);
}

export interface EvidencePages {
  /** Every page shown so far, merged. */
  evidence: Evidence | null;
  findings: Finding[];
  /** Named as a cursor list's (useCursorList), so the same button shows the next page. */
  hasMore: boolean;
  more(): void;
  loadingMore: boolean;
  error: unknown;
}

/**
 * The evidence's first page (which a case or an invoice answer carries, refreshed as it may be) and the pages asked
 * for after it, with their findings. Another invoice, or evidence gone or come, starts over.
 */
export function useEvidencePages(
  first: Evidence | null,
  firstFindings: Finding[],
  next: (cursor: string) => Promise<{ evidence: Evidence; findings?: Finding[] }>,
): EvidencePages {
  const subject = first ? first.invoice.number : null;
  const [later, setLater] = useState<{ subject: string | null; pages: { evidence: Evidence; findings: Finding[] }[] }>({ subject, pages: [] });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const pages = later.subject === subject ? later.pages : [];
  const evidence = first ? pages.reduce((shown, page) => mergeEvidence(shown, page.evidence), first) : null;
  const findings = [...firstFindings, ...pages.flatMap((page) => page.findings)];
  const cursor = evidence?.nextCursor ?? null;
  const more = () => {
    if (!cursor) return;
    setLoading(true);
    setError(undefined);
    next(cursor)
      .then((page) => setLater({ subject, pages: [...pages, { evidence: page.evidence, findings: page.findings ?? [] }] }))
      .catch((err: unknown) => setError(err))
      .finally(() => setLoading(false));
  };
  return { evidence, findings, hasMore: cursor !== null, more, loadingMore: loading, error };
}
