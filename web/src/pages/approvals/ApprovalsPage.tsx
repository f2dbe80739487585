// What waits for a manager: cases in stage APPROVAL, each with its proposal (the list carries it), the findings and
// evidence behind it on demand, and the decision in place. Approve is withheld where the server would refuse it.
import { useState } from 'react';
import { approvalBlock } from '../../components/actions/decide';
import { DoneNotice, ErrorMessage, Loading, MoreButton, useMe } from '../../components/common';
import { api } from '../../lib/api';
import { useCursorList } from '../../lib/cursor-list';
import { useDocumentTitle } from '../../lib/hooks';
import { showMoney } from '../../lib/money';
import type { DisputeListItem } from '../../../../contract';
import { ApprovalCard } from './ApprovalCard';

const PAGE_SIZE = 25;
const APPROVAL_QUERY = { status: 'OPEN', stage: 'APPROVAL', order: 'asc' };

export function ApprovalsPage() {
  useDocumentTitle('Approvals');
  const me = useMe();
  const [message, setMessage] = useState<string | null>(null);
  // Decided here: hidden at once, whatever the next list says while the read model catches up.
  const [decided, setDecided] = useState<Set<string>>(() => new Set());
  const list = useCursorList(['disputes', APPROVAL_QUERY], (cursor, signal) => api.disputes({ ...APPROVAL_QUERY, limit: PAGE_SIZE, cursor }, signal));
  const { error } = list;

  // The server pages the oldest cases first; within what is loaded, what this manager can decide comes first, then
  // what needs someone else, longest waiting first in each.
  const canDecide = (c: DisputeListItem) => !approvalBlock(me, c.proposal, c.currency, c.yourAuthority);
  const ordered = list.items
    .filter((c) => !decided.has(c.id))
    .sort((a, b) => Number(canDecide(b)) - Number(canDecide(a)) || Date.parse(a.stageEnteredAt) - Date.parse(b.stageEnteredAt));
  const decidable = ordered.filter(canDecide).length;
  // What this manager may approve only for an absent manager, under that manager's delegation.
  const forAbsent = new Map<string, { name: string; cases: string[] }>();
  for (const c of ordered) {
    const absent = c.yourAuthority?.refusal ? null : c.yourAuthority?.onBehalfOf;
    if (absent) forAbsent.set(absent.id, { name: absent.name, cases: [...(forAbsent.get(absent.id)?.cases ?? []), c.caseNumber] });
  }
  const offered = ordered.filter((c) => c.offeredToMe).length;

  return (
    <div className="page">
      <div className="page-header">
        <h1>Approvals</h1>
        <p className="muted" aria-live="polite">
          {list.pending ? '' : `${ordered.length}${list.hasMore ? '+' : ''} waiting, ${decidable} within your authority`}
          {me.approvalLimit !== null ? ` (limit ${showMoney(me.approvalLimit)})` : ' (no limit)'}
          {offered ? `; ${offered} offered to you after waiting too long` : ''}
        </p>
      </div>
      {forAbsent.size ? (
        <div className="card" data-testid="delegated-to-me">
          <p>While they are away you may approve, within their limits:</p>
          <ul>
            {[...forAbsent.values()].map((a) => (
              <li key={a.name}>
                for {a.name}: {a.cases.join(', ')}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <ErrorMessage error={error} />
      <DoneNotice message={message} />
      {list.pending ? <Loading what="approvals" /> : null}
      {!list.pending && !ordered.length && !error ? <p className="empty">Nothing waits for approval.</p> : null}
      <ul className="approval-list plain" data-testid="approval-list">
        {ordered.map((c) => (
          <ApprovalCard
            key={c.id}
            item={c}
            onDone={(text) => {
              setMessage(`Case ${c.caseNumber}: ${text}`);
              setDecided((current) => new Set(current).add(c.id));
            }}
          />
        ))}
      </ul>
      <MoreButton list={list} label="Load more" />
    </div>
  );
}
