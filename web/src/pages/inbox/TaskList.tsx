// The tasks of an inbox, one line each: whose, what it asks, how much the findings add up to, when it is due.
import { Money, StatusBadge, TeamName } from '../../components/common';
import { dueText } from '../../lib/format';
import { totalOf } from '../../lib/money';
import type { TaskItem } from '../../../../contract';

export function isOverdue(t: TaskItem): boolean {
  return t.status === 'OPEN' && t.overdue;
}

export function TaskList({ items, selectedId, showTeam, linkTo }: { items: TaskItem[]; selectedId: string | null; showTeam: boolean; linkTo(taskId: string): string }) {
  return (
    <ul className="task-list" data-testid="task-list" aria-label="Tasks">
      {items.map((t) => {
        const overdue = isOverdue(t);
        const total = t.findings.length ? totalOf(t.findings.map((f) => f.amount)) : null;
        return (
          <li key={t.id}>
            <a
              className={`task-item${t.id === selectedId ? ' selected' : ''}${overdue ? ' task-overdue' : ''}`}
              href={linkTo(t.id)}
              aria-current={t.id === selectedId ? 'true' : undefined}
              data-testid="task-item"
            >
              <span className="task-title">
                {t.caseNumber} · {t.title}
              </span>
              <span className="task-meta">
                {showTeam ? (
                  <>
                    <TeamName team={t.team} /> ·{' '}
                  </>
                ) : null}
                {t.invoiceNumber ? `Invoice ${t.invoiceNumber} · ` : ''}
                {t.findings.length} finding{t.findings.length === 1 ? '' : 's'}
                {total !== null ? (
                  <>
                    {' '}
                    · <Money amount={total} />
                  </>
                ) : null}
              </span>
              <span className={`task-due ${overdue ? 'overdue' : 'muted'}`}>
                {t.status === 'OPEN' ? (overdue ? `Overdue: ${dueText(t.dueAt).replace('overdue by ', '')} late` : dueText(t.dueAt)) : <StatusBadge status={t.status} />}
                {t.escalated ? <span className="badge badge-warn">Escalated</span> : null}
                {t.assigneeName ? <span data-testid="task-assignee"> · assigned to {t.assigneeName}</span> : null}
              </span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}
