// The key figures at the top of the dashboard, one tile each.
import { formatHours } from '../../lib/format';
import { showMoney, totalOf } from '../../lib/money';
import type { CycleTimeReport, Overview } from '../../../../contract';

export function Kpis({ report, overview }: { report: CycleTimeReport; overview?: Overview }) {
  const openAmount = totalOf(report.aging.map((a) => a.amount));
  const overdueTotal = overview ? overview.tasks.reduce((n, t) => n + t.overdue, 0) : null;
  const tiles: [string, string][] = [
    ['Open cases', String(report.overall.openCount)],
    ['Disputed amount open', showMoney(openAmount)],
    ['Closed', String(report.overall.closedCount)],
    ['Median cycle time', formatHours(report.overall.medianHours)],
    ['90th percentile', formatHours(report.overall.p90Hours)],
    ['Overdue tasks', overdueTotal === null ? '…' : String(overdueTotal)],
  ];
  return (
    <ul className="kpis" aria-label="Key figures" data-testid="kpis">
      {tiles.map(([name, value]) => (
        <li key={name} className="kpi">
          <span className="kpi-value">{value}</span>
          <span className="kpi-label">{name}</span>
        </li>
      ))}
    </ul>
  );
}
