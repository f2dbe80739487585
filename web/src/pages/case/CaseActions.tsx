// The commands a case offers this user now: those its stage and the user's role allow, and a word on what it waits
// for where there is none.
import type { ReactNode } from 'react';
import { CancelForm } from '../../components/actions/cancel';
import { CompleteTaskForm } from '../../components/actions/complete-task';
import { DecisionForm } from '../../components/actions/decide';
import { ProposeForm } from '../../components/actions/propose';
import { RefreshEvidenceForm } from '../../components/actions/refresh-evidence';
import { ErrorMessage, Loading, Section, useMe } from '../../components/common';
import { useCaseTasks } from '../../lib/queries';
import type { CaseTask, DisputeDetail } from '../../../../contract';

export function CaseActions({ dispute: d, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  const me = useMe();
  if (d.status !== 'OPEN') return null;
  const openTasks = d.tasks.filter((t) => t.status === 'OPEN').length;
  const myOpenTasks = me.role === 'ops' ? d.tasks.filter((t) => t.status === 'OPEN' && t.team === me.team) : [];
  const parts: ReactNode[] = [];

  if (me.role === 'specialist') {
    if (d.stage === 'RESOLUTION') parts.push(
        // A new recommendation (a refresh of the evidence) is a new starting point for the proposal.
        <ProposeForm key={`propose-${d.recommendedCredit ?? ''}`} dispute={d} onDone={onDone} />,
      );
    else if (d.stage === 'INVESTIGATION')
      parts.push(
        <p key="wait" className="muted">
          Waiting for {openTasks} investigation task{openTasks === 1 ? '' : 's'}; you can propose a resolution when every task is done.
        </p>,
      );
    else if (d.stage === 'APPROVAL')
      parts.push(
        <p key="wait" className="muted">
          Waiting for a manager to approve the proposal.
        </p>,
      );
  }
  if (me.role === 'specialist' && (d.stage === 'INVESTIGATION' || d.stage === 'RESOLUTION') && !d.parkedError)
    parts.push(<RefreshEvidenceForm key="refresh" dispute={d} onDone={onDone} />);
  if (me.role === 'manager' && d.stage === 'APPROVAL') parts.push(<DecisionForm key="decide" dispute={d} me={me} onDone={onDone} />);
  for (const task of myOpenTasks)
    parts.push(
      <div key={task.id}>
        <h3>{task.title}</h3>
        <TaskAnswer task={task} dispute={d} onDone={onDone} />
      </div>,
    );
  if ((me.role === 'specialist' || me.role === 'manager') && d.stage !== 'CREDIT_MEMO') parts.push(<CancelForm key="cancel" dispute={d} onDone={onDone} />);
  if (!parts.length) return null;
  return (
    <Section title="Actions" id="actions">
      {parts}
    </Section>
  );
}

/** The answer to one of the case's tasks, given on all of its findings (the case carries those of one page only). */
function TaskAnswer({ task, dispute: d, onDone }: { task: CaseTask; dispute: DisputeDetail; onDone(message: string): void }) {
  const tasks = useCaseTasks(d.id);
  const full = tasks.data?.items.find((t) => t.id === task.id);
  if (tasks.error) return <ErrorMessage error={tasks.error} />;
  if (!full) return <Loading what="the task's findings" />;
  return <CompleteTaskForm task={task} findings={full.findings} currency={d.currency} onDone={onDone} />;
}
