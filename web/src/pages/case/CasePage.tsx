// One case, everything about it on one page: where it is, what the records say, what each team found, what was
// proposed and decided, the credit memo, and the trail. Only the actions its stage allows are offered.
import { useState } from 'react';
import { TasksTable, Timeline } from '../../components/case-parts';
import { DoneNotice, ErrorMessage, Loading, Notice, Section, StageStepper, StatusBadge, useMe, useRoleIn } from '../../components/common';
import { Comments } from '../../components/comments';
import { Notifications } from '../../components/notifications';
import { Ownership } from '../../components/actions/ownership';
import { ApiError, api } from '../../lib/api';
import { REASON_LABELS, label } from '../../lib/format';
import { useDocumentTitle, useEvidencePages } from '../../lib/hooks';
import { useCase, useConfig } from '../../lib/queries';
import { href, useLocation } from '../../lib/router';
import type { WebConfig } from '../../../../contract';
import { INVOICE_READERS } from '../../../../domain/types';
import { CustomerLink } from '../OpenItems';
import { CaseActions } from './CaseActions';
import { CaseItems } from './CaseItems';
import { CaseEvidence, CaseFindings } from './CaseRecords';
import { CaseSummary } from './CaseSummary';

export function CasePage({ id }: { id: string }) {
  useDocumentTitle(`Case ${id}`);
  const me = useMe();
  const readsInvoices = useRoleIn(INVOICE_READERS);
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

  return (
    <div className="page case-page" data-testid="case-page" data-stage={d.stage} data-status={d.status}>
      <div className="page-header">
        <div>
          <p className="eyebrow">
            {label(REASON_LABELS, d.reasonCode)} dispute · invoice {d.invoiceNumber} · customer {readsInvoices ? <CustomerLink customerId={d.customerId} /> : d.customerId}
          </p>
          <h1>
            Case {d.caseNumber} <StatusBadge status={d.status} />
          </h1>
          <WorkflowLink workflowId={d.workflowId} config={config.data} />
        </div>
        {dispute.error ? <ErrorMessage error={dispute.error} title="Could not refresh" /> : null}
      </div>
      <StageStepper stage={d.stage} status={d.status} />
      <DoneNotice message={message} />
      {d.parkedError && open ? (
        <Notice kind="warning">
          <p>This case takes no command but cancel: {d.parkedError}</p>
        </Notice>
      ) : null}

      <div className="case-layout">
        <div className="case-main">
          <CaseItems dispute={d} />
          <CaseEvidence dispute={d} pages={pages} onDone={setMessage} />
          <CaseFindings dispute={d} pages={pages} />

          <Section title="Investigation tasks" id="tasks">
            <TasksTable tasks={d.tasks} currency={currency} />
          </Section>

          <Section title="Notes" id="notes">
            <Comments caseId={d.id} canWrite={me.role === 'specialist' || me.role === 'manager' || me.role === 'ops'} />
          </Section>

          <Section title="Notifications" id="notifications">
            <Notifications caseId={d.id} open={open} />
          </Section>

          <Section title="Trail" id="trail">
            <Timeline events={d.events} currency={currency} />
          </Section>
        </div>

        <aside className="case-side" aria-label="Case summary and actions">
          <Ownership dispute={d} onDone={setMessage} />
          <CaseSummary dispute={d} />
          <CaseActions dispute={d} onDone={setMessage} />
        </aside>
      </div>
    </div>
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
