// What waits for a manager: cases in stage APPROVAL, each with its proposal, the findings and evidence behind it,
// and the decision in place. Approve is withheld where the server would refuse it (own proposal, over the limit).
import { useQueries } from '@tanstack/react-query';
import { useState } from 'react';
import { DecisionForm, approvalBlock } from '../components/actions/decide';
import { DefinitionList, ErrorMessage, Loading, Money, Notice, useMe } from '../components/common';
import { FindingsTable } from '../components/evidence/findings';
import { PagedEvidence } from '../components/evidence/paged';
import { api } from '../lib/api';
import { REASON_LABELS, ageOf, formatDateTime, label } from '../lib/format';
import { useCursorList } from '../lib/cursor-list';
import { useDocumentTitle, useEvidencePages } from '../lib/hooks';
import { showMoney } from '../lib/money';
import { href } from '../lib/router';
import type { DisputeDetail, DisputeSummary } from '../lib/types';

const PAGE_SIZE = 25;
const APPROVAL_QUERY = { status: 'OPEN', stage: 'APPROVAL', order: 'asc' };

export function ApprovalsPage() {
  useDocumentTitle('Approvals');
  const me = useMe();
  const [message, setMessage] = useState<string | null>(null);
  // Decided here: hidden at once, whatever the next list says while the read model catches up.
  const [decided, setDecided] = useState<Set<string>>(() => new Set());
  const list = useCursorList(['disputes', APPROVAL_QUERY], (cursor, signal) => api.disputes({ ...APPROVAL_QUERY, limit: PAGE_SIZE, cursor }, signal));
  const summaries = list.items;
  const { error } = list;
  // The proposal is on the case itself: each listed case is read (and cached) on its own.
  const cases = useQueries({ queries: summaries.map((s) => ({ queryKey: ['dispute', s.id], queryFn: ({ signal }: { signal: AbortSignal }) => api.dispute(s.id, signal) })) });
  const details: Record<string, DisputeDetail | Error> = {};
  summaries.forEach((s, i) => {
    const c = cases[i];
    if (c.data) details[s.id] = c.data;
    else if (c.error) details[s.id] = c.error;
  });

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
          {list.pending ? '' : `${ordered.length}${list.hasMore ? '+' : ''} waiting, ${decidable} within your authority`}
          {me.approvalLimit !== null ? ` (limit ${showMoney(me.approvalLimit)})` : ' (no limit)'}
        </p>
      </div>
      <ErrorMessage error={error} />
      {message ? (
        <Notice kind="success">
          <p>{message}</p>
        </Notice>
      ) : null}
      {list.pending ? <Loading what="approvals" /> : null}
      {!list.pending && !ordered.length && !error ? <p className="empty">Nothing waits for approval.</p> : null}
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
                    }}
                  />
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
      {list.hasMore ? (
        <button type="button" className="button-secondary" onClick={list.more} disabled={list.loadingMore}>
          {list.loadingMore ? 'Loading…' : 'Load more'}
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
