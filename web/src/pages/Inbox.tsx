// A team's worklist: its open tasks, overdue first (the server sorts by due time), each with the findings it asks
// about and the evidence behind them, completed in one step.
import { useState } from 'react';
import { CompleteTaskForm } from '../components/actions';
import { ErrorMessage, Field, Loading, Money, Notice, Section, StatusBadge, TeamName, useMe } from '../components/common';
import { EvidenceMissing, FindingsTable, PagedEvidence } from '../components/evidence';
import { api } from '../lib/api';
import { dueText, formatDateTime, teamLabel } from '../lib/format';
import { useCursorList } from '../lib/cursor-list';
import { useDocumentTitle, useEvidencePages } from '../lib/hooks';
import { sumMoney } from '../lib/money';
import { useCase } from '../lib/queries';
import { href, navigate, useLocation } from '../lib/router';
import { DEFAULT_TEAMS, TASK_STATUSES, type TaskItem } from '../lib/types';

const PAGE_SIZE = 50;

export function InboxPage() {
  const me = useMe();
  const location = useLocation();
  const isOps = me.role === 'ops';
  const status = location.query.get('status') ?? 'OPEN';
  const team = isOps ? (me.team ?? '') : (location.query.get('team') ?? '');
  const selectedId = location.query.get('task');
  useDocumentTitle(isOps ? `${teamLabel(me.team)} inbox` : 'Tasks');

  const [message, setMessage] = useState<string | null>(null);
  const taskQuery = { status: status === 'ANY' ? undefined : status, team: team || undefined };
  // New tasks arrive while the inbox is open: look again every half minute while the tab is visible.
  const list = useCursorList(['tasks', taskQuery], (cursor, signal) => api.tasks({ ...taskQuery, limit: PAGE_SIZE, cursor }, signal), { pollMs: 30_000 });
  const { items, error } = list;

  const selected = items.find((t) => t.id === selectedId) ?? null;
  const overdueCount = items.filter(isOverdue).length;
  const query = (extra: Record<string, string | undefined>) => ({ status: status === 'OPEN' ? undefined : status, team: isOps ? undefined : team || undefined, ...extra });

  return (
    <div className="page">
      <div className="page-header">
        <h1>{isOps ? `${teamLabel(me.team)} inbox` : 'Investigation tasks'}</h1>
        <p className="muted" aria-live="polite">
          {list.pending ? '' : `${items.length}${list.hasMore ? '+' : ''} task${items.length === 1 ? '' : 's'}`}
          {overdueCount ? (
            <>
              , <strong className="overdue">{overdueCount} overdue</strong>
            </>
          ) : null}
        </p>
      </div>
      <form className="filters card" aria-label="Filter tasks" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">
          {(props) => (
            <select {...props} value={status} onChange={(e) => navigate('/inbox', { ...query({}), status: e.target.value === 'OPEN' ? undefined : e.target.value })}>
              {TASK_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s === 'OPEN' ? 'Open' : s === 'DONE' ? 'Done' : 'Cancelled'}
                </option>
              ))}
              <option value="ANY">Any status</option>
            </select>
          )}
        </Field>
        {!isOps ? (
          <Field label="Team">
            {(props) => (
              <select {...props} value={team} onChange={(e) => navigate('/inbox', { ...query({}), team: e.target.value || undefined })}>
                <option value="">All teams</option>
                {DEFAULT_TEAMS.map((t) => (
                  <option key={t} value={t}>
                    {teamLabel(t)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
      </form>
      <ErrorMessage error={error} />
      {message ? (
        <Notice kind="success">
          <p>{message}</p>
        </Notice>
      ) : null}
      <div className="inbox-layout">
        <div className="inbox-list">
          {list.pending ? <Loading what="tasks" /> : null}
          {!list.pending && !items.length && !error ? <p className="empty">{status === 'OPEN' ? 'Nothing to do: no open tasks.' : 'No tasks.'}</p> : null}
          <ul className="task-list" data-testid="task-list" aria-label="Tasks">
            {items.map((t) => {
              const overdue = isOverdue(t);
              const total = t.findings.length ? sumMoney(t.findings.map((f) => f.amount)) : null;
              return (
                <li key={t.id}>
                  <a
                    className={`task-item${t.id === selectedId ? ' selected' : ''}${overdue ? ' task-overdue' : ''}`}
                    href={href('/inbox', query({ task: t.id }))}
                    aria-current={t.id === selectedId ? 'true' : undefined}
                    data-testid="task-item"
                  >
                    <span className="task-title">
                      {t.caseNumber} · {t.title}
                    </span>
                    <span className="task-meta">
                      {!isOps ? (
                        <>
                          <TeamName team={t.team} /> ·{' '}
                        </>
                      ) : null}
                      {t.invoiceNumber ? `Invoice ${t.invoiceNumber} · ` : ''}
                      {t.findings.length} finding{t.findings.length === 1 ? '' : 's'}
                      {total ? (
                        <>
                          {' '}
                          · <Money amount={total} />
                        </>
                      ) : null}
                    </span>
                    <span className={`task-due ${overdue ? 'overdue' : 'muted'}`}>
                      {t.status === 'OPEN' ? (overdue ? `Overdue: ${dueText(t.dueAt).replace('overdue by ', '')} late` : dueText(t.dueAt)) : <StatusBadge status={t.status} />}
                      {t.escalated ? <span className="badge badge-warn">Escalated</span> : null}
                    </span>
                  </a>
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
        <div className="inbox-detail">
          {selected ? (
            <TaskDetail
              key={selected.id}
              task={selected}
              canComplete={isOps && selected.team === me.team && selected.status === 'OPEN'}
              onDone={(text) => {
                setMessage(text);
                navigate('/inbox', query({}), { replace: true });
              }}
            />
          ) : items.length ? (
            <p className="empty">Choose a task to see its findings and evidence{isOps ? ' and complete it' : ''}.</p>
          ) : null}
        </div>
      </div>
    </div>
  );
}

function isOverdue(t: TaskItem): boolean {
  return t.status === 'OPEN' && t.overdue;
}

function TaskDetail({ task, canComplete, onDone }: { task: TaskItem; canComplete: boolean; onDone(message: string): void }) {
  const dispute = useCase(task.disputeId);
  const d = dispute.data;
  const pages = useEvidencePages(d?.evidence ?? null, d?.findings ?? [], (cursor) => api.caseEvidence(task.disputeId, cursor));
  const currency = d?.currency ?? 'USD';
  return (
    <div data-testid="task-detail">
      <Section
        title={task.title}
        id="task"
        actions={
          <a href={href(`/cases/${task.caseNumber}`)} className="button button-secondary button-small">
            Open case {task.caseNumber}
          </a>
        }
      >
        <p>
          <TeamName team={task.team} /> · due <time dateTime={task.dueAt}>{formatDateTime(task.dueAt)}</time>{' '}
          {task.status === 'OPEN' ? <span className={isOverdue(task) ? 'overdue' : 'muted'}>({dueText(task.dueAt)})</span> : <StatusBadge status={task.status} />}
        </p>
        {d ? (
          <p className="muted">
            Case {d.caseNumber}: {d.customerId} disputes <Money amount={d.disputedAmount} currency={currency} /> on invoice {d.invoiceNumber}
            {d.description ? ` — “${d.description}”` : ''}
          </p>
        ) : null}
        <h3>What you are asked to confirm</h3>
        <FindingsTable findings={task.findings} currency={currency} showTeam={false} />
        {canComplete ? (
          <>
            <h3>Your answer</h3>
            <CompleteTaskForm task={task} findings={task.findings} currency={currency} onDone={onDone} />
          </>
        ) : null}
      </Section>
      <Section title="Evidence" id="task-evidence">
        {dispute.error ? <ErrorMessage error={dispute.error} /> : null}
        {!d && !dispute.error ? <Loading what="the evidence" /> : null}
        {d && d.evidence ? <PagedEvidence pages={pages} currency={currency} /> : null}
        {d && !d.evidence ? <EvidenceMissing reason={d.evidenceError} /> : null}
      </Section>
    </div>
  );
}
