// What the analysis found, line by line, with the amount each finding says was overbilled.
import { Fragment } from 'react';
import { FINDING_LABELS, label } from '../../lib/format';
import { totalOf } from '../../lib/money';
import type { Finding } from '../../../../contract';
import { Money, TeamName } from '../common';

export function FindingsTable({ findings, currency = 'USD', showTeam = true }: { findings: Finding[]; currency?: string; showTeam?: boolean }) {
  if (!findings.length) return <p>No findings: the invoice matches its PO, contract and work orders.</p>;
  const total = totalOf(findings.map((f) => f.amount));
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
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
