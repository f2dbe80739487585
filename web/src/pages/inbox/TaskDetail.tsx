// One task in the inbox: what it asks the team to confirm, the case it belongs to and the evidence behind it, and
// the answer where this user may give it.
import { CompleteTaskForm } from '../../components/actions/complete-task';
import { ErrorMessage, Loading, Money, Section, StatusBadge, TeamName } from '../../components/common';
import { FindingsTable } from '../../components/evidence/findings';
import { EvidenceMissing, PagedEvidence } from '../../components/evidence/paged';
import { api } from '../../lib/api';
import { dueText, formatDateTime } from '../../lib/format';
import { useEvidencePages } from '../../lib/hooks';
import { useCase } from '../../lib/queries';
import { href } from '../../lib/router';
import type { TaskItem } from '../../../../contract';
import { isOverdue } from './TaskList';

export function TaskDetail({ task, canComplete, onDone }: { task: TaskItem; canComplete: boolean; onDone(message: string): void }) {
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
          <TeamName team={task.team} /> (routing version {task.routingVersion}) · due <time dateTime={task.dueAt}>{formatDateTime(task.dueAt)}</time>{' '}
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
