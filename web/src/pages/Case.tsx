// One case, everything about it on one page: where it is, what the records say, what each team found, what was
// proposed and decided, the credit memo, and the trail. Only the actions its stage allows are offered.
import { useState, type ReactNode } from 'react';
import { CancelForm, CompleteTaskForm, DecisionForm, ProposeForm } from '../components/actions';
import { TasksTable, Timeline } from '../components/case-parts';
import {
  DefinitionList,
  ErrorMessage,
  Loading,
  Money,
  Notice,
  Section,
  StageStepper,
  StatusBadge,
  useMe,
} from '../components/common';
import { Comments } from '../components/comments';
import { EvidenceMissing, FindingsTable, PagedEvidence } from '../components/evidence';
import { ApiError, api } from '../lib/api';
import { useCommand } from '../lib/commands';
import { REASON_LABELS, ageOf, formatDateTime, label } from '../lib/format';
import { useDocumentTitle, useEvidencePages } from '../lib/hooks';
import { useCase, useConfig } from '../lib/queries';
import { href, useLocation } from '../lib/router';
import type { DisputeDetail, Me, WebConfig } from '../lib/types';

export function CasePage({ id }: { id: string }) {
  useDocumentTitle(`Case ${id}`);
  const me = useMe();
  const location = useLocation();
  const [message, setMessage] = useState<string | null>(location.query.get('opened') ? 'Case opened: the evidence is being collected and analysed.' : null);

  const dispute = useCase(id, { poll: true });
  const config = useConfig();
  const d = dispute.data;
  const pages = useEvidencePages(d?.evidence ?? null, d?.findings ?? [], (cursor) => api.caseEvidence(id, cursor));
  const open = d?.status === 'OPEN';
  if (!d) {
    return (
      <div className="page">
        <h1>Case {id}</h1>
        {dispute.error ? (
          <ErrorMessage
            error={dispute.error}
            title={dispute.error instanceof ApiError && dispute.error.status === 404 ? 'This case does not exist or is not visible to you' : undefined}
          />
        ) : (
          <Loading what="the case" />
        )}
        <p>
          <a href={href(me.role === 'ops' ? '/inbox' : '/cases')}>Back to {me.role === 'ops' ? 'the inbox' : 'the cases'}</a>
        </p>
      </div>
    );
  }

  const currency = d.currency ?? 'USD';
  const myOpenTasks = me.role === 'ops' ? d.tasks.filter((t) => t.status === 'OPEN' && t.team === me.team) : [];
  const openTasks = d.tasks.filter((t) => t.status === 'OPEN');

  return (
    <div className="page case-page" data-testid="case-page" data-stage={d.stage} data-status={d.status}>
      <div className="page-header">
        <div>
          <p className="eyebrow">
            {label(REASON_LABELS, d.reasonCode)} dispute · invoice {d.invoiceNumber} · customer {d.customerId}
          </p>
          <h1>
            Case {d.caseNumber} <StatusBadge status={d.status} />
          </h1>
          <WorkflowLink workflowId={d.workflowId} config={config.data} />
        </div>
        {dispute.error ? <ErrorMessage error={dispute.error} title="Could not refresh" /> : null}
      </div>
      <StageStepper stage={d.stage} status={d.status} />
      {message ? (
        <Notice kind="success">
          <p>{message}</p>
        </Notice>
      ) : null}
      {d.parkedError && open ? (
        <Notice kind="warning">
          <p>This case takes no command but cancel: {d.parkedError}</p>
        </Notice>
      ) : null}

      <div className="case-layout">
        <div className="case-main">
          <Section title="Evidence" id="evidence">
            {d.stage === 'EVIDENCE' && !d.evidenceError && !d.parkedError ? (
              <p role="status">
                <span className="spinner" aria-hidden="true" /> Collecting the invoice, PO, contract and work orders…
              </p>
            ) : null}
            {d.evidence ? (
              <PagedEvidence pages={pages} currency={currency} />
            ) : d.evidenceError || d.stage !== 'EVIDENCE' ? (
              <EvidenceMissing reason={d.evidenceError} />
            ) : null}
            {d.evidenceError && open && (me.role === 'specialist' || me.role === 'manager') ? <RetryEvidence caseId={d.id} onDone={setMessage} /> : null}
          </Section>

          <Section title="Findings" id="findings">
            {d.stage === 'EVIDENCE' ? (
              <p>The analysis runs once the evidence is in.</p>
            ) : (
              <>
                <FindingsTable findings={pages.findings} currency={currency} />
                {d.findingCount > pages.findings.length ? (
                  <p className="muted">
                    The findings of the invoice lines shown: {pages.findings.length} of {d.findingCount}. Show more lines in the evidence for the rest.
                  </p>
                ) : null}
              </>
            )}
            <DefinitionList
              items={[
                ['Overbilled', <Money key="o" amount={d.overbilled} currency={currency} />],
                ['Disputed', <Money key="d" amount={d.disputedAmount} currency={currency} />],
                ['Recommended credit', <Money key="r" amount={d.recommendedCredit} currency={currency} strong />],
              ]}
            />
          </Section>

          <Section title="Investigation tasks" id="tasks">
            <TasksTable tasks={d.tasks} currency={currency} />
          </Section>

          <Section title="Notes" id="notes">
            <Comments caseId={d.id} canWrite={me.role === 'specialist' || me.role === 'manager' || me.role === 'ops'} />
          </Section>

          <Section title="Trail" id="trail">
            <Timeline events={d.events} currency={currency} />
          </Section>
        </div>

        <aside className="case-side" aria-label="Case summary and actions">
          <Section title="Summary" id="summary">
            <DefinitionList
              items={[
                ['Disputed amount', <Money key="d" amount={d.disputedAmount} currency={currency} strong />],
                ['Recommended credit', <Money key="r" amount={d.recommendedCredit} currency={currency} />],
                ['Invoice open balance', <Money key="b" amount={d.invoice.openBalance} currency={currency} />],
                ['Opened', `${formatDateTime(d.openedAt)}${d.openedBy ? ` by ${d.openedBy.name}` : ''}`],
                [d.closedAt ? 'Closed' : 'Age', d.closedAt ? formatDateTime(d.closedAt) : ageOf(d.openedAt)],
                ...(d.stageEnteredAt && open ? ([['In this stage', ageOf(d.stageEnteredAt)]] as [string, string][]) : []),
              ]}
            />
            {d.description ? <p className="description">“{d.description}”</p> : null}
          </Section>

          {d.creditMemos.length ? (
            <Section title="Credit memo" id="credit-memos">
              <ul className="plain memo-list" data-testid="credit-memos">
                {d.creditMemos.map((m) => (
                  <li key={m.number}>
                    <strong>{m.number}</strong> <Money amount={m.amount} currency={m.currency ?? currency} strong />
                    {m.issuedAt ? <span className="muted"> issued {formatDateTime(m.issuedAt)}</span> : null}
                  </li>
                ))}
              </ul>
            </Section>
          ) : null}

          {d.resolution ? (
            <Section title="Proposal" id="proposal">
              <div data-testid="proposal">
                <DefinitionList
                  items={[
                    ['Resolution', d.resolution.type === 'CREDIT' ? 'Credit' : 'No credit'],
                    ...(d.resolution.amount ? ([['Amount', <Money key="a" amount={d.resolution.amount} currency={currency} strong />]] as [string, ReactNode][]) : []),
                    ['Root cause', d.resolution.rootCause],
                    ...(d.resolution.proposedBy
                      ? ([['Proposed', `${d.resolution.proposedBy.name}${d.resolution.proposedAt ? `, ${formatDateTime(d.resolution.proposedAt)}` : ''}`]] as [string, string][])
                      : []),
                    ...(d.resolution.note ? ([['Note', d.resolution.note]] as [string, string][]) : []),
                  ]}
                />
                {d.approvals.length ? (
                  <ul className="plain approvals">
                    {d.approvals.map((a, i) => (
                      <li key={a.id ?? i}>
                        <strong className={a.decision === 'APPROVE' ? 'ok' : 'overdue'}>{a.decision === 'APPROVE' ? 'Approved' : 'Rejected'}</strong>
                        {a.decidedBy ? ` by ${a.decidedBy.name}` : ''}
                        {a.decidedAt ? `, ${formatDateTime(a.decidedAt)}` : ''}
                        {a.amount ? <> (<Money amount={a.amount} currency={currency} />)</> : null}
                        {a.comment ? <div className="muted">“{a.comment}”</div> : null}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            </Section>
          ) : null}

          <Actions dispute={d} me={me} myOpenTasks={myOpenTasks} openTasks={openTasks.length} onDone={setMessage} />
        </aside>
      </div>
    </div>
  );
}

function Actions({
  dispute: d,
  me,
  myOpenTasks,
  openTasks,
  onDone,
}: {
  dispute: DisputeDetail;
  me: Me;
  myOpenTasks: DisputeDetail['tasks'];
  openTasks: number;
  onDone(message: string): void;
}) {
  if (d.status !== 'OPEN') return null;
  const parts: ReactNode[] = [];

  if (me.role === 'specialist') {
    if (d.stage === 'RESOLUTION') parts.push(<ProposeForm key="propose" dispute={d} onDone={onDone} />);
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
  if (me.role === 'manager' && d.stage === 'APPROVAL') parts.push(<DecisionForm key="decide" dispute={d} me={me} onDone={onDone} />);
  if (me.role === 'ops')
    for (const task of myOpenTasks)
      parts.push(
        <div key={task.id}>
          <h3>{task.title}</h3>
          <CompleteTaskForm task={task} findings={d.findings.filter((f) => f.team === task.team)} currency={d.currency} onDone={onDone} />
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

/** The case's durable workflow in the Temporal Web UI, where the deployment has one (GET /api/config). */
function WorkflowLink({ workflowId, config }: { workflowId: string; config?: WebConfig }) {
  const ui = config?.temporalUi;
  if (!ui) return null;
  const url = `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return (
    <p className="muted workflow-link">
      Workflow <code>{workflowId}</code>:{' '}
      <a href={url} target="_blank" rel="noreferrer" data-testid="temporal-ui-link">
        open in the Temporal Web UI
      </a>
    </p>
  );
}

function RetryEvidence({ caseId, onDone }: { caseId: string; onDone(message: string): void }) {
  const { error, busy, run } = useCommand();
  const retry = () => run((key) => api.retryEvidence(caseId, key), () => onDone('Collecting the evidence again.'));
  return (
    <div className="form-actions">
      <ErrorMessage error={error} />
      <p className="muted">Once the source record is corrected (Import records), collect the evidence again.</p>
      <button type="button" onClick={retry} disabled={busy}>
        {busy ? 'Asking…' : 'Collect the evidence again'}
      </button>
    </div>
  );
}
