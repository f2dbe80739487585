// What the analysis found, line by line, with the amount each finding says was overbilled and, once its task is
// done, what the task confirmed of it.
import { Fragment } from 'react';
import { FINDING_LABELS, label } from '../../lib/format';
import { totalOf } from '../../lib/money';
import type { CaseFinding, Finding } from '../../../../contract';
import { Money, TeamName } from '../common';

export function FindingsTable({
  findings,
  currency = 'USD',
  showTeam = true,
}: {
  /** A case's findings carry `confirmedAmount`: then the table shows what each task confirmed. */
  findings: (Finding | CaseFinding)[];
  currency?: string;
  showTeam?: boolean;
}) {
  if (!findings.length) return <p>No findings: the invoice matches its PO, contract and work orders.</p>;
  const total = totalOf(findings.map((f) => f.amount));
  const confirmedOf = (f: Finding | CaseFinding) => ('confirmedAmount' in f ? f.confirmedAmount : undefined);
  const showConfirmed = findings.some((f) => confirmedOf(f) !== undefined);
  const confirmed = findings.map(confirmedOf).filter((a): a is string => typeof a === 'string');
  return (
    <div className="table-scroll">
      <table className="data" data-testid="findings-table">
        <caption className="visually-hidden">Findings</caption>
        <thead>
          <tr>
            <th scope="col">Finding</th>
            {showTeam ? <th scope="col">Team</th> : null}
            <th scope="col">Line</th>
            <th scope="col">Expected</th>
            <th scope="col">Actual</th>
            <th scope="col" className="num">
              Amount
            </th>
            {showConfirmed ? (
              <th scope="col" className="num">
                Confirmed
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {findings.map((f, i) => (
            <Fragment key={i}>
              <tr>
                <th scope="row">
                  {label(FINDING_LABELS, f.code)} <span className="code">{f.code}</span>
                </th>
                {showTeam ? (
                  <td>
                    <TeamName team={f.team} />
                  </td>
                ) : null}
                <td>{f.lineNo ?? 'invoice'}</td>
                <td>{f.expected}</td>
                <td className="diff">{f.actual}</td>
                <td className="num">
                  <Money amount={f.amount} currency={currency} />
                </td>
                {showConfirmed ? (
                  <td className="num" data-testid="confirmed-amount">
                    {confirmedOf(f) === null ? <span className="muted">task open</span> : <Money amount={confirmedOf(f)} currency={currency} />}
                  </td>
                ) : null}
              </tr>
            </Fragment>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={showTeam ? 5 : 4}>
              Total
            </th>
            <td className="num">
              <Money amount={total} currency={currency} strong />
            </td>
            {showConfirmed ? (
              <td className="num">{confirmed.length ? <Money amount={totalOf(confirmed)} currency={currency} strong /> : null}</td>
            ) : null}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
