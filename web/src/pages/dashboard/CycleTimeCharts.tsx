// The charts of how long cases take (GET /api/reports/cycle-time) in the period chosen: by stage, by group, and the
// disputed amount in aging.
import { useMemo } from 'react';
import { ChartCard, PALETTE, medianAndP90, type Series } from '../../components/chart';
import { STAGE_LABELS, durationUnit } from '../../lib/format';
import type { CycleTimeReport } from '../../../../contract';

export function AgingChart({ report }: { report: CycleTimeReport }) {
  const { labels, series } = useMemo(
    () => ({
      labels: report.aging.map((a) => `${a.bucket} days`),
      series: [{ label: 'Disputed amount', data: report.aging.map((a) => Number(a.amount)), color: PALETTE[4] }],
    }),
    [report],
  );
  const any = report.aging.some((a) => a.count > 0);
  return (
    <ChartCard
      title="Disputed amount in aging"
      description="The disputed amount of open cases by days since opening."
      kind="bar"
      labels={labels}
      series={series}
      yTitle="amount"
      empty={any ? null : 'No open disputed amount.'}
      csv={{ filename: 'disputed-amount-aging.csv', header: ['age (days)', 'cases', 'disputed amount'], rows: report.aging.map((a) => [a.bucket, a.count, a.amount]) }}
    />
  );
}

export function StageCycleChart({ report }: { report: CycleTimeReport }) {
  const { labels, series, unit } = useMemo(() => medianAndP90(report.stages, (s) => STAGE_LABELS[s.stage] ?? s.stage, 'Median'), [report]);
  const any = report.stages.some((s) => s.medianHours !== null);
  return (
    <ChartCard
      title="Time in each stage"
      description="Time a case spends in each stage: median and 90th percentile."
      kind="bar"
      labels={labels}
      series={series}
      yTitle={unit.name}
      empty={any ? null : 'No stage has been left yet in this period.'}
      csv={{
        filename: 'cycle-time-by-stage.csv',
        header: ['stage', 'cases', 'median hours', 'p90 hours'],
        rows: report.stages.map((s) => [s.stage, s.count ?? null, s.medianHours, s.p90Hours]),
      }}
    />
  );
}

export function GroupCycleChart({
  report,
  title,
  keyLabel,
  file,
  top,
  withTasks,
}: {
  report: CycleTimeReport;
  title: string;
  keyLabel(key: string): string;
  file: string;
  top?: number;
  withTasks?: boolean;
}) {
  const groups = useMemo(() => (top ? [...report.groups].sort((a, b) => b.count - a.count).slice(0, top) : report.groups), [report, top]);
  const { labels, series, unit } = useMemo(() => {
    const unit = durationUnit(groups.flatMap((g) => [g.medianHours, g.p90Hours, ...(withTasks ? [g.taskMedianHours, g.taskP90Hours] : [])]));
    const scaled = (h: number | null | undefined) => (h === null || h === undefined ? null : h * unit.perHour);
    const series: Series[] = [
      { label: 'Case median', data: groups.map((g) => scaled(g.medianHours)), color: PALETTE[0] },
      { label: 'Case p90', data: groups.map((g) => scaled(g.p90Hours)), color: PALETTE[1] },
    ];
    if (withTasks) {
      series.push({ label: 'Task median', data: groups.map((g) => scaled(g.taskMedianHours)), color: PALETTE[2] });
      series.push({ label: 'Task p90', data: groups.map((g) => scaled(g.taskP90Hours)), color: PALETTE[3] });
    }
    return { labels: groups.map((g) => keyLabel(g.key)), series, unit };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [groups, withTasks]);
  const header = ['key', 'cases', 'closed', 'median hours', 'p90 hours', ...(withTasks ? ['tasks', 'task median hours', 'task p90 hours'] : [])];
  const rows = report.groups.map((g) => [g.key, g.count, g.closedCount ?? null, g.medianHours, g.p90Hours, ...(withTasks ? [g.taskCount ?? null, g.taskMedianHours ?? null, g.taskP90Hours ?? null] : [])]);
  const any = groups.some((g) => g.medianHours !== null || g.taskMedianHours != null);
  return (
    <ChartCard
      title={title}
      description={`Opening to closing of closed cases, median and 90th percentile${withTasks ? '; and assignment to completion of the team’s tasks' : ''}.`}
      kind={groups.length > 6 ? 'hbar' : 'bar'}
      labels={labels}
      series={series}
      yTitle={unit.name}
      empty={any ? null : 'No case has closed yet in this period.'}
      csv={{ filename: `${file}.csv`, header, rows }}
    />
  );
}
