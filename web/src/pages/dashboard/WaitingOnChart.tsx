// Whom the period's closed cases waited on (GET /api/reports/cycle-time's waitingOn), their cycle split by party: a
// case's time with each party, median and 90th percentile, and the time of all of them together in the table.
import { useMemo } from 'react';
import { ChartCard, medianAndP90 } from '../../components/chart';
import { waitingOnLabel } from '../../lib/format';
import type { CycleTimeReport } from '../../../../contract';

export function WaitingOnChart({ report }: { report: CycleTimeReport }) {
  const { labels, series, unit } = useMemo(() => medianAndP90(report.waitingOn, (w) => waitingOnLabel(w.party), 'Median per case'), [report]);
  return (
    <ChartCard
      title="Waiting on whom"
      description="Time a closed case of the period waited on each party (a team, the specialist, an approver, the customer): median and 90th percentile. Whom an open case waits on now is in its list."
      kind="bar"
      labels={labels}
      series={series}
      yTitle={unit.name}
      empty={report.waitingOn.length ? null : 'No case of this period has closed yet.'}
      csv={{
        filename: 'waiting-on.csv',
        header: ['party', 'median hours', 'p90 hours', 'total hours'],
        rows: report.waitingOn.map((w) => [w.party, w.medianHours, w.p90Hours, w.totalHours]),
      }}
    />
  );
}
