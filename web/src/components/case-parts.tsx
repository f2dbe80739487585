import { FINDING_LABELS, OUTCOME_LABELS, RESOLUTION_LABELS, ROOT_CAUSE_LABELS, STAGE_LABELS, dueText, formatDateTime, label, teamLabel } from '../lib/format';
import { showMoney } from '../lib/money';
import type { CaseEvent, CaseTask } from '../../../contract';
import { DataTable, StatusBadge, TeamName } from './common';

export function TasksTable({ tasks, currency = 'USD' }: { tasks: CaseTask[]; currency?: string }) {
  if (!tasks.length) return <p>No investigation tasks.</p>;
  return (
    <DataTable
      testId="tasks-table"
      caption="Investigation tasks"
      columns={['Team', 'Task', 'Status', 'Due', 'Outcome', 'Note']}
    >
      {tasks.map((t) => {
        const overdue = t.overdue ?? (t.status === 'OPEN' && Date.parse(t.dueAt) < Date.now());
        return (
          <tr key={t.id} className={overdue ? 'row-overdue' : undefined}>
            <th scope="row">
              <TeamName team={t.team} />
              <div className="muted">routing v{t.routingVersion}</div>
            </th>
            <td>
              {t.title}
              {t.findingCodes?.length ? <div className="muted">{t.findingCodes.map((c) => label(FINDING_LABELS, c)).join(', ')}</div> : null}
            </td>
            <td>
              <StatusBadge status={t.status} />
              {t.escalated || t.escalatedAt ? <span className="badge badge-warn">Escalated</span> : null}
            </td>
            <td>
              <time dateTime={t.dueAt}>{formatDateTime(t.dueAt)}</time>
              {t.status === 'OPEN' ? <div className={overdue ? 'overdue' : 'muted'}>{dueText(t.dueAt)}</div> : null}
            </td>
            <td>
              {t.outcome ? label(OUTCOME_LABELS, t.outcome) : '—'}
              {t.amount ? <div>{showMoney(t.amount, currency)}</div> : null}
              {t.completedBy ? <div className="muted">by {t.completedBy.name}</div> : null}
            </td>
            <td className="note-cell">{t.note ?? '—'}</td>
          </tr>
        );
      })}
    </DataTable>
  );
}

const EVENT_LABELS: Record<string, string> = {
  CASE_OPENED: 'Case opened',
  STAGE_ENTERED: 'Stage entered',
  EVIDENCE_COLLECTED: 'Evidence collected and analysed',
  EVIDENCE_FAILED: 'Evidence could not be collected',
  EVIDENCE_RETRY_REQUESTED: 'Evidence collection retried',
  EVIDENCE_REFRESHED: 'Evidence refreshed from the records',
  EVIDENCE_REFRESH_FAILED: 'Evidence refresh refused',
  TASK_CREATED: 'Task assigned',
  TASK_ESCALATED: 'Task overdue, escalated',
  TASK_COMPLETED: 'Task completed',
  TASK_CANCELLED: 'Task cancelled',
  RESOLUTION_PROPOSED: 'Resolution proposed',
  RESOLUTION_ESCALATED: 'Resolution overdue, escalated',
  APPROVAL_ESCALATED: 'Approval overdue, escalated',
  RESOLUTION_DECIDED: 'Resolution decided',
  CREDIT_MEMO_ISSUED: 'Credit memo issued',
  ADJUSTMENTS_ISSUED: 'Adjustments issued',
  CREDIT_MEMO_REFUSED: 'Refused by the ledger',
  CASE_CLOSED: 'Case closed',
  CASE_CANCELLED: 'Case cancelled',
  DEDUCTION_ADDED: 'Deduction joined the case',
  CASE_ASSIGNED: 'Case assigned',
  CUSTOMER_WAIT_STARTED: 'Waiting on the customer',
  CUSTOMER_WAIT_ENDED: 'Resumed',
};

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** One line in words for an event's data. */
function eventSummary(e: CaseEvent, currency: string): string | null {
  const d = e.data ?? {};
  const money = (v: unknown) => (str(v) ? showMoney(str(v), currency) : null);
  switch (e.type) {
    case 'CASE_OPENED':
      return `${money(d.disputedAmount) ?? ''} disputed on invoice ${str(d.invoiceNumber) ?? ''}, reason ${str(d.reasonCode) ?? ''}`.trim();
    case 'STAGE_ENTERED':
      return label(STAGE_LABELS, str(d.stage));
    case 'EVIDENCE_COLLECTED': {
      const findings = Array.isArray(d.findings) ? d.findings.length : 0;
      return `${findings} finding${findings === 1 ? '' : 's'}, overbilled ${money(d.overbilled) ?? '—'}, recommended credit ${money(d.recommendedCredit) ?? '—'}`;
    }
    case 'EVIDENCE_FAILED':
    case 'EVIDENCE_REFRESH_FAILED':
      return str(d.error);
    case 'EVIDENCE_REFRESHED':
      return findingsChange(d.previousFindings, d.findings, money);
    case 'TASK_CREATED':
      return `${teamLabel(str(d.team))}: ${str(d.title) ?? ''}${str(d.dueAt) ? `, due ${formatDateTime(str(d.dueAt))}` : ''}`;
    case 'TASK_ESCALATED':
    case 'TASK_CANCELLED':
      return teamLabel(str(d.team));
    case 'TASK_COMPLETED':
      return `${teamLabel(str(d.team))}: ${label(OUTCOME_LABELS, str(d.outcome) ?? '').toLowerCase()}${Array.isArray(d.findings) ? `, ${d.findings.length} finding${d.findings.length === 1 ? '' : 's'} named` : ''}${money(d.amount) ? ` (${money(d.amount)})` : ''}${str(d.note) ? ` — “${str(d.note)}”` : ''}`;
    case 'RESOLUTION_PROPOSED':
      return `${d.type === 'NO_CREDIT' ? 'No adjustment' : `${label(RESOLUTION_LABELS, str(d.type))} ${money(d.amount) ?? ''}`}; root cause: ${label(ROOT_CAUSE_LABELS, str(d.rootCause))}${str(d.note) ? ` — “${str(d.note)}”` : ''}`;
    case 'RESOLUTION_DECIDED':
      return `${d.decision === 'APPROVE' ? 'Approved' : 'Rejected'}${money(d.amount) ? ` ${money(d.amount)}` : ''}${str(d.comment) ? ` — “${str(d.comment)}”` : ''}`;
    case 'CREDIT_MEMO_ISSUED':
      return `${str(d.number) ?? ''} for ${money(d.amount) ?? ''} against ${str(d.invoiceNumber) ?? ''}`;
    case 'ADJUSTMENTS_ISSUED':
      return Array.isArray(d.documents)
        ? d.documents.map((doc: { number?: unknown; amount?: unknown; invoiceNumber?: unknown }) => `${str(doc.number) ?? ''} for ${money(doc.amount) ?? ''} against ${str(doc.invoiceNumber) ?? ''}`).join('; ')
        : null;
    case 'CREDIT_MEMO_REFUSED':
      return str(d.reason);
    case 'CASE_CLOSED':
      return d.outcome === 'NO_CREDIT' ? 'Closed without adjustment' : `Closed with ${label(RESOLUTION_LABELS, str(d.outcome)).toLowerCase()}`;
    case 'CASE_CANCELLED':
      return str(d.reason);
    case 'DEDUCTION_ADDED':
      return `${money(d.amount) ?? ''} deducted on ${str(d.invoiceNumber) ?? ''}; the case now disputes ${money(d.disputedAmount) ?? ''}`;
    case 'CASE_ASSIGNED':
      return `to ${str(d.ownerName) ?? ''}`;
    case 'CUSTOMER_WAIT_STARTED':
      return `${str(d.reason) ?? ''}${str(d.until) ? `, until ${formatDateTime(str(d.until))}` : ''}`;
    case 'CUSTOMER_WAIT_ENDED':
      return typeof d.pausedHours === 'number' ? `after ${d.pausedHours.toFixed(1)} h: the due times moved as much` : null;
    default:
      return null;
  }
}

type FindingData = { code?: unknown; lineNo?: unknown; amount?: unknown };

/** What a refresh changed, finding by finding (a code on a line): gone, new, and amounts that moved. */
function findingsChange(before: unknown, after: unknown, money: (v: unknown) => string | null): string {
  const list = (v: unknown): FindingData[] => (Array.isArray(v) ? (v as FindingData[]) : []);
  const keyOf = (f: FindingData) => `${str(f.code) ?? ''} ${typeof f.lineNo === 'number' ? f.lineNo : ''}`;
  const name = (f: FindingData) =>
    `${label(FINDING_LABELS, str(f.code))}${typeof f.lineNo === 'number' ? ` on line ${f.lineNo}` : ''}${money(f.amount) ? ` (${money(f.amount)})` : ''}`;
  const [was, now] = [list(before), list(after)];
  const nowByKey = new Map(now.map((f) => [keyOf(f), f]));
  const wasByKey = new Map(was.map((f) => [keyOf(f), f]));
  const some = (fs: string[]) => (fs.length > 5 ? `${fs.slice(0, 5).join(', ')} and ${fs.length - 5} more` : fs.join(', '));
  const gone = was.filter((f) => !nowByKey.has(keyOf(f))).map(name);
  const added = now.filter((f) => !wasByKey.has(keyOf(f))).map(name);
  const moved = now
    .filter((f) => wasByKey.has(keyOf(f)) && wasByKey.get(keyOf(f))!.amount !== f.amount)
    .map((f) => `${label(FINDING_LABELS, str(f.code))}${typeof f.lineNo === 'number' ? ` on line ${f.lineNo}` : ''} ${money(wasByKey.get(keyOf(f))!.amount) ?? '—'} → ${money(f.amount) ?? '—'}`);
  const parts = [
    `${was.length} finding${was.length === 1 ? '' : 's'} before, ${now.length} now`,
    ...(gone.length ? [`gone: ${some(gone)}`] : []),
    ...(added.length ? [`new: ${some(added)}`] : []),
    ...(moved.length ? [`changed: ${some(moved)}`] : []),
    ...(gone.length || added.length || moved.length ? [] : ['no finding changed']),
  ];
  return parts.join('; ');
}

/** The case's trail, oldest first: who did what, when. Read only, like the trail itself. */
export function Timeline({ events, currency = 'USD' }: { events: CaseEvent[]; currency?: string }) {
  if (!events.length) return <p>No events yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e, i) => {
        const summary = eventSummary(e, currency);
        return (
          <li key={e.seq ?? i} className={`timeline-item timeline-${e.type.toLowerCase()}`}>
            <div className="timeline-marker" aria-hidden="true" />
            <div className="timeline-body">
              <p className="timeline-title">
                <strong>{EVENT_LABELS[e.type] ?? e.type}</strong>
                {summary ? <span>: {summary}</span> : null}
              </p>
              <p className="muted">
                <time dateTime={e.at}>{formatDateTime(e.at)}</time> · {e.actorName}
              </p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** A SHA-256 in short, the whole of it in the tooltip (and to screen readers). */
export function EvidenceHash({ hash, testId }: { hash: string; testId: string }) {
  return (
    <code title={hash} aria-label={`SHA-256 ${hash}`} data-testid={testId}>
      {hash.slice(0, 12)}…
    </code>
  );
}
