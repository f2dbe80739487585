// What waits for a manager: cases in stage APPROVAL, each with its proposal, the findings and evidence behind it,
// and the decision in place. Approve is withheld where the server would refuse it (own proposal, over the limit).
import { useEffect, useState } from 'react';
import { DecisionForm, approvalBlock } from '../components/actions';
import { DefinitionList, ErrorMessage, Loading, Money, Notice, useMe } from '../components/common';
import { FindingsTable, PagedEvidence } from '../components/evidence';
import { api } from '../lib/api';
import { REASON_LABELS, ageOf, formatDateTime, label } from '../lib/format';
import { useDocumentTitle, useEvidencePages } from '../lib/hooks';
import { formatMoney } from '../lib/money';
import { href } from '../lib/router';
import type { DisputeDetail, DisputeSummary } from '../lib/types';

const PAGE_SIZE = 25;

export function ApprovalsPage() {
  useDocumentTitle('Approvals');
  const me = useMe();
  const [summaries, setSummaries] = useState<DisputeSummary[]>([]);
  const [details, setDetails] = useState<Record<string, DisputeDetail | Error>>({});
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  // Decided here: hidden at once, whatever the next list says while the read model catches up.
  const [decided, setDecided] = useState<Set<string>>(() => new Set());

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    api
      .disputes({ status: 'OPEN', stage: 'APPROVAL', order: 'asc', limit: PAGE_SIZE }, controller.signal)
      .then((page) => {
        setSummaries(page.items);
        setCursor(page.nextCursor ?? null);
      })
      .catch((err: unknown) => !controller.signal.aborted && setError(err))
      .finally(() => !controller.signal.aborted && setLoading(false));
    return () => controller.abort();
  }, [tick]);

  // The proposal is on the case itself: fetch each listed case, a few at a time.
  useEffect(() => {
    const controller = new AbortController();
    const missing = summaries.filter((s) => !details[s.id]);
    let next = 0;
    const worker = async () => {
      while (next < missing.length && !controller.signal.aborted) {
        const s = missing[next++];
        try {
          const d = await api.dispute(s.id, controller.signal);
          setDetails((current) => ({ ...current, [s.id]: d }));
        } catch (err) {
          if (!controller.signal.aborted) setDetails((current) => ({ ...current, [s.id]: err as Error }));
        }
      }
    };
    void Promise.all([worker(), worker(), worker(), worker()]);
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [summaries]);

  async function loadMore() {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await api.disputes({ status: 'OPEN', stage: 'APPROVAL', order: 'asc', limit: PAGE_SIZE, cursor });
      setSummaries((current) => [...current, ...page.items]);
      setCursor(page.nextCursor ?? null);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }

  // The server pages the oldest cases first; within what is loaded, what this manager can decide comes first, then
  // what needs someone else, longest waiting first in each.
  const canDecide = (s: DisputeSummary) => {
    const d = details[s.id];
    return Boolean(d && !(d instanceof Error) && !approvalBlock(me, d.resolution, d.currency));
  };
  const ordered = summaries
    .filter((s) => {
      const d = details[s.id];
      return !decided.has(s.id) && !(d && !(d instanceof Error) && (d.stage !== 'APPROVAL' || d.status !== 'OPEN'));
    })
    .sort(
      (a, b) =>
        Number(canDecide(b)) - Number(canDecide(a)) ||
        Date.parse(a.stageEnteredAt ?? a.openedAt) - Date.parse(b.stageEnteredAt ?? b.openedAt),
    );
  const decidable = ordered.filter(canDecide).length;

  return (
    <div className="page">
      <div className="page-header">
        <h1>Approvals</h1>
        <p className="muted" aria-live="polite">
          {loading && !summaries.length ? '' : `${ordered.length}${cursor ? '+' : ''} waiting, ${decidable} within your authority`}
          {me.approvalLimit !== null ? ` (limit ${formatMoney(me.approvalLimit)})` : ' (no limit)'}
        </p>
      </div>
      <ErrorMessage error={error} />
      {message ? (
        <Notice kind="success">
          <p>{message}</p>
        </Notice>
      ) : null}
      {loading && !summaries.length ? <Loading what="approvals" /> : null}
      {!loading && !ordered.length && !error ? <p className="empty">Nothing waits for approval.</p> : null}
      <ul className="approval-list plain" data-testid="approval-list">
        {ordered.map((s) => {
          const d = details[s.id];
          return (
            <li key={s.id} className="card approval-card" data-testid="approval-card" data-case={s.caseNumber}>
              <div className="card-header">
                <h2>
                  <a href={href(`/cases/${s.caseNumber}`)}>Case {s.caseNumber}</a>
                </h2>
                <span className="muted">
                  waiting {ageOf(s.stageEnteredAt ?? s.openedAt)} · {label(REASON_LABELS, s.reasonCode)} · customer {s.customerId} · invoice {s.invoiceNumber}
                </span>
              </div>
              {!d ? <Loading what="the proposal" /> : null}
              {d instanceof Error ? <ErrorMessage error={d} /> : null}
              {d && !(d instanceof Error) ? (
                <div className="approval-body">
                  <div>
                    <DefinitionList
                      items={[
                        ['Proposed credit', <Money key="a" amount={d.resolution?.amount} currency={d.currency} strong />],
                        ['Recommended', <Money key="r" amount={d.recommendedCredit} currency={d.currency} />],
                        ['Disputed', <Money key="d" amount={d.disputedAmount} currency={d.currency} />],
                        ['Root cause', d.resolution?.rootCause ?? '—'],
                        ['Proposed by', d.resolution?.proposedBy ? `${d.resolution.proposedBy.name}${d.resolution.proposedAt ? `, ${formatDateTime(d.resolution.proposedAt)}` : ''}` : '—'],
                      ]}
                    />
                    {d.resolution?.note ? <p className="description">“{d.resolution.note}”</p> : null}
                    <details>
                      <summary>Findings and evidence</summary>
                      <ApprovalEvidence dispute={d} />
                      <p>
                        Tasks:{' '}
                        {d.tasks.length
                          ? d.tasks.map((t) => `${t.title}: ${t.outcome === 'CONFIRMED' ? 'confirmed' : t.outcome === 'NOT_CONFIRMED' ? 'not confirmed' : t.status.toLowerCase()}${t.note ? ` (“${t.note}”)` : ''}`).join('; ')
                          : 'none'}
                      </p>
                    </details>
                  </div>
                  <DecisionForm
                    dispute={d}
                    me={me}
                    onDone={(text) => {
                      setMessage(`Case ${d.caseNumber}: ${text}`);
                      setDecided((current) => new Set(current).add(d.id));
                      setDetails((current) => {
                        const { [d.id]: _dropped, ...rest } = current;
                        void _dropped;
                        return rest;
                      });
                      setTick((n) => n + 1);
                    }}
                  />
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
      {cursor ? (
        <button type="button" className="button-secondary" onClick={loadMore} disabled={loading}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </div>
  );
}

/** The findings and the evidence behind a proposal, more of its lines on demand. */
function ApprovalEvidence({ dispute }: { dispute: DisputeDetail }) {
  const pages = useEvidencePages(dispute.evidence, dispute.findings, (cursor) => api.caseEvidence(dispute.id, cursor));
  const currency = dispute.currency ?? 'USD';
  return (
    <>
      <FindingsTable findings={pages.findings} currency={currency} />
      <PagedEvidence pages={pages} currency={currency} />
    </>
  );
}
