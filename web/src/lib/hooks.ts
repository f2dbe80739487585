import { useCallback, useEffect, useRef, useState } from 'react';
import { mergeEvidence } from './evidence';
import type { Evidence, Finding } from './types';

export interface Loadable<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Runs `load` when `deps` change (aborting the previous run) and on reload(); keeps the last data while reloading,
 * so a refresh never blanks the page. `pollMs`: reload on a timer while the tab is visible.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], pollMs?: number | null): Loadable<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadRef
      .current(controller.signal)
      .then((value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted || (err as Error)?.name === 'AbortError') return;
        setError(err);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  // A new subject (deps changed): forget the old one's data.
  const depsKey = JSON.stringify(deps);
  const lastKey = useRef(depsKey);
  if (lastKey.current !== depsKey) {
    lastKey.current = depsKey;
    if (data !== undefined) setData(undefined);
  }

  useEffect(() => {
    if (!pollMs) return;
    const id = window.setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, pollMs);
    return () => window.clearInterval(id);
  }, [pollMs, reload]);

  return { data, error, loading, reload };
}

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · AR Disputes`;
  }, [title]);
}

export interface EvidencePages {
  /** Every page shown so far, merged. */
  evidence: Evidence | null;
  findings: Finding[];
  /** Shows the next page; null on the last. */
  more: (() => void) | null;
  loading: boolean;
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
  const more = cursor
    ? () => {
        setLoading(true);
        setError(undefined);
        next(cursor)
          .then((page) => setLater({ subject, pages: [...pages, { evidence: page.evidence, findings: page.findings ?? [] }] }))
          .catch((err: unknown) => setError(err))
          .finally(() => setLoading(false));
      }
    : null;
  return { evidence, findings, more, loading, error };
}
