// The deductions tile (GET /api/reports/deductions): per currency, what is open at the end of the period, what the
// period cleared and found invalid, and days deduction outstanding; and the share of remittance lines the matcher
// applied without a person. Amounts are never added across currencies. Its numbers download as CSV.
import { useId } from 'react';
import { CsvButton, type CsvTable } from '../../components/chart';
import { formatDate } from '../../lib/format';
import { showMoney } from '../../lib/money';
import type { DeductionsReport } from '../../../../contract';

const TITLE = 'Deductions';
const ddo = (days: number | null) => (days === null ? '—' : `${days.toFixed(1)} days`);
const percent = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)} %`);

function csvOf(report: DeductionsReport): CsvTable {
  const r = report.remittance;
  return {
    filename: `deductions-${report.from.slice(0, 10)}-to-${report.to.slice(0, 10)}.csv`,
    header: [
      'currency',
      'open',
      'open amount',
      'cleared',
      'of which partial',
      'cleared amount',
      'invalid',
      'invalid amount',
      'DDO (days)',
      'lines applied by the matcher',
      'lines left for a person',
      'share applied without a person',
    ],
    rows: [
      ...report.currencies.map((c) => [
        c.currency,
        c.open.count,
        c.open.amount,
        c.cleared.count,
        c.cleared.partialCount,
        c.cleared.amount,
        c.invalid.count,
        c.invalid.amount,
        c.ddoDays,
        null,
        null,
        null,
      ]),
      // Lines are counted across currencies: counts, not money.
      ['all currencies', null, null, null, null, null, null, null, null, r.appliedByMatcher, r.leftForAPerson, r.shareWithoutPerson],
    ],
  };
}

export function DeductionsTile({ report }: { report: DeductionsReport }) {
  const headingId = useId();
  const r = report.remittance;
  return (
    <section className="card chart-card" aria-labelledby={headingId} data-testid="deductions-tile">
      <div className="card-header">
        <h2 id={headingId}>{TITLE}</h2>
        <div className="card-actions">
          <CsvButton title={TITLE} csv={csvOf(report)} />
        </div>
      </div>
      <p className="muted">
        Open on {formatDate(report.to)}; cleared and invalid from {formatDate(report.from)} to {formatDate(report.to)}. A partial
        deduction counts as cleared for what it cleared, the rest as invalid. DDO: the open amount over the amount resolved per day.
      </p>
      {report.currencies.length ? (
        <div className="table-scroll">
          <table className="data">
            <caption className="visually-hidden">Deductions by currency</caption>
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col" className="num">Open</th>
                <th scope="col" className="num">Cleared</th>
                <th scope="col" className="num">Invalid</th>
                <th scope="col" className="num">DDO</th>
              </tr>
            </thead>
            <tbody>
              {report.currencies.map((c) => (
                <tr key={c.currency} data-currency={c.currency}>
                  <th scope="row">{c.currency}</th>
                  <td className="num">
                    {showMoney(c.open.amount, c.currency)} ({c.open.count})
                  </td>
                  <td className="num">
                    {showMoney(c.cleared.amount, c.currency)} ({c.cleared.count}
                    {c.cleared.partialCount ? `, ${c.cleared.partialCount} partial` : ''})
                  </td>
                  <td className="num">
                    {showMoney(c.invalid.amount, c.currency)} ({c.invalid.count})
                  </td>
                  <td className="num">{ddo(c.ddoDays)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="chart-empty">No deduction open or resolved in the period.</p>
      )}
      <p data-testid="deductions-share">
        <strong>{percent(r.shareWithoutPerson)}</strong> of the remittance lines posted in the period applied without a person ({r.appliedByMatcher}{' '}
        by the matcher, {r.leftForAPerson} left for a person).
      </p>
    </section>
  );
}
