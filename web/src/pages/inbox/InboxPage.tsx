// A team's worklist: its open tasks, overdue first (the server sorts by due time), each with the findings it asks
// about and the evidence behind them, completed in one step.
import { useState } from 'react';
import { DoneNotice, ErrorMessage, Field, Loading, MoreButton, useMe } from '../../components/common';
import { TeamOptions } from '../../components/options';
import { api } from '../../lib/api';
import { teamLabel } from '../../lib/format';
import { useCursorList } from '../../lib/cursor-list';
import { useDocumentTitle } from '../../lib/hooks';
import { href, navigate, useLocation } from '../../lib/router';
import { TASK_STATUSES } from '../../../../domain/types';
import { TaskDetail } from './TaskDetail';
import { TaskList, isOverdue } from './TaskList';

const PAGE_SIZE = 50;

export function InboxPage() {
  const me = useMe();
  const location = useLocation();
  const isOps = me.role === 'ops';
  const status = location.query.get('status') ?? 'OPEN';
  const team = isOps ? (me.team ?? '') : (location.query.get('team') ?? '');
  const selectedId = location.query.get('task');
  const assignedToMe = location.query.get('assignee') === 'me';
  useDocumentTitle(isOps ? `${teamLabel(me.team)} inbox` : 'Tasks');

  const [message, setMessage] = useState<string | null>(null);
  const taskQuery = { status: status === 'ANY' ? undefined : status, team: team || undefined, assignee: assignedToMe ? 'me' : undefined };
  // New tasks arrive while the inbox is open: look again every half minute while the tab is visible.
  const list = useCursorList(['tasks', taskQuery], (cursor, signal) => api.tasks({ ...taskQuery, limit: PAGE_SIZE, cursor }, signal), { pollMs: 30_000 });
  const { items, error } = list;

  const selected = items.find((t) => t.id === selectedId) ?? null;
  const overdueCount = items.filter(isOverdue).length;
  const query = (extra: Record<string, string | undefined>) => ({
    status: status === 'OPEN' ? undefined : status,
    team: isOps ? undefined : team || undefined,
    assignee: assignedToMe ? 'me' : undefined,
    ...extra,
  });

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
        <label className="checkbox">
          <input
            type="checkbox"
            name="assignee"
            checked={assignedToMe}
            onChange={(e) => navigate('/inbox', { ...query({}), assignee: e.target.checked ? 'me' : undefined })}
          />{' '}
          Assigned to me
        </label>
        {!isOps ? (
          <Field label="Team">
            {(props) => (
              <select {...props} value={team} onChange={(e) => navigate('/inbox', { ...query({}), team: e.target.value || undefined })}>
                <option value="">All teams</option>
                <TeamOptions />
              </select>
            )}
          </Field>
        ) : null}
      </form>
      <ErrorMessage error={error} />
      <DoneNotice message={message} />
      <div className="inbox-layout">
        <div className="inbox-list">
          {list.pending ? <Loading what="tasks" /> : null}
          {!list.pending && !items.length && !error ? <p className="empty">{status === 'OPEN' ? 'Nothing to do: no open tasks.' : 'No tasks.'}</p> : null}
          <TaskList items={items} selectedId={selectedId} showTeam={!isOps} linkTo={(task) => href('/inbox', query({ task }))} />
          <MoreButton list={list} label="Load more" />
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
