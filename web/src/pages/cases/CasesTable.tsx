// One row per case: where it is, how much is disputed and recommended, how old it is.
import { Money, StageBadge, StatusBadge } from '../../components/common';
import { WaitingOnBadge } from '../../components/actions/ownership';
import { REASON_LABELS, ageOf, formatDateTime, label } from '../../lib/format';
import { href } from '../../lib/router';
import type { DisputeSummary } from '../../../../contract';

export function CasesTable({ items }: { items: DisputeSummary[] }) {
  return (
    <div className="table-scroll card">
      <table className="data cases-table" data-testid="cases-table">
        <caption className="visually-hidden">Cases</caption>
        <thead>
          <tr>
            <th scope="col">Case</th>
            <th scope="col">Invoice</th>
            <th scope="col">Customer</th>
            <th scope="col">Reason</th>
            <th scope="col">Stage</th>
            <th scope="col">Owner</th>
            <th scope="col">Waiting on</th>
            <th scope="col" className="num">
              Disputed
            </th>
            <th scope="col" className="num">
              Recommended
            </th>
            <th scope="col">Age</th>
            <th scope="col">In stage</th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={c.id}>
              <th scope="row">
                <a href={href(`/cases/${c.caseNumber}`)}>{c.caseNumber}</a>
              </th>
              <td>{c.invoiceNumber}</td>
              <td>{c.customerId}</td>
              <td>{label(REASON_LABELS, c.reasonCode)}</td>
              <td>
                <StageBadge stage={c.stage} />
                {c.status !== 'OPEN' ? <StatusBadge status={c.status} /> : null}
              </td>
              <td data-testid="owner">{c.ownerName ?? '—'}</td>
              <td>
                <WaitingOnBadge party={c.waitingOn} />
              </td>
              <td className="num">
                <Money amount={c.disputedAmount} currency={c.currency} />
              </td>
              <td className="num">
                <Money amount={c.recommendedCredit} currency={c.currency} />
              </td>
              <td title={`Opened ${formatDateTime(c.openedAt)}`}>{c.closedAt ? `closed after ${ageOf(c.openedAt, Date.parse(c.closedAt))}` : ageOf(c.openedAt)}</td>
              <td>{c.stageEnteredAt && !c.closedAt ? ageOf(c.stageEnteredAt) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
