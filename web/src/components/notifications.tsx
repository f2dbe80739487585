// Whom the case told what, without their watching an inbox (a task, an approval waiting, an escalation), and
// whether it reached them: the outbox as the server keeps it.
import type { CaseNotification, NotificationKind } from '../../../contract';
import { formatDateTime } from '../lib/format';
import { useCaseNotifications } from '../lib/queries';
import { DataTable, ErrorMessage, Loading, StatusBadge } from './common';

const KIND_LABELS: Record<NotificationKind, string> = {
  TASK_ASSIGNED: 'Task assigned',
  APPROVAL_WAITING: 'Approval waiting',
  TASK_ESCALATED: 'Task overdue',
  APPROVAL_ESCALATED: 'Approval overdue',
  CASE_ASSIGNED: 'Case assigned',
};

function whenText(n: CaseNotification): string {
  if (n.sentAt) return `sent ${formatDateTime(n.sentAt)}`;
  const tries = n.attempts === 1 ? '1 attempt' : `${n.attempts} attempts`;
  return `raised ${formatDateTime(n.createdAt)}${n.attempts ? `, ${tries}` : ''}`;
}

export function Notifications({ caseId, open }: { caseId: string; open: boolean }) {
  const { data, error, isPending } = useCaseNotifications(caseId, { open });
  if (isPending) return <Loading what="notifications" />;
  if (!data) return <ErrorMessage error={error} />;
  if (!data.items.length) return <p className="muted">No notifications yet.</p>;
  return (
    <DataTable
      testId="notifications-table"
      caption="Notifications"
      columns={['What', 'To', 'Status', 'When']}
    >
      {data.items.map((n) => (
        <tr key={n.id}>
          <th scope="row">{KIND_LABELS[n.kind]}</th>
          <td>{n.recipients.length ? n.recipients.map((r) => r.name).join(', ') : <span className="muted">nobody named</span>}</td>
          <td>
            <StatusBadge status={n.status} />
          </td>
          <td>{whenText(n)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
