// The charts of what is open now and the weekly flow (GET /api/reports/overview): not bound to the period chosen.
import { useMemo } from 'react';
import { ChartCard, PALETTE, type Series } from '../../components/chart';
import { STAGE_LABELS, teamLabel } from '../../lib/format';
import type { Overview } from '../../../../contract';
import { AGING_BUCKETS, STAGES } from '../../../../domain/types';

/** How many weeks the flow chart shows. */
export const WEEKS = 12;
const OPEN_STAGES = STAGES.filter((s) => s !== 'DONE');

export function OpenByStageChart({ overview }: { overview: Overview }) {
  const { labels, series, rows, total } = useMemo(() => {
    const cell = (stage: string, bucket: string) => overview.openCases.find((c) => c.stage === stage && c.bucket === bucket);
    const series: Series[] = AGING_BUCKETS.map((bucket, i) => ({
      label: `${bucket} days`,
      data: OPEN_STAGES.map((stage) => cell(stage, bucket)?.count ?? 0),
      color: ['#56B4E9', '#0072B2', '#E69F00', '#D55E00', '#7a1f00'][i],
    }));
    const rows = overview.openCases.map((c) => [c.stage, c.bucket, c.count, c.amount]);
    const total = overview.openCases.reduce((n, c) => n + c.count, 0);
    return { labels: OPEN_STAGES.map((s) => STAGE_LABELS[s]), series, rows, total };
  }, [overview]);
  return (
    <ChartCard
      title="Open cases by stage and age"
      description={`${total} open case${total === 1 ? '' : 's'}, by the stage they are in and days since opening.`}
      kind="bar"
      stacked
      labels={labels}
      series={series}
      yTitle="cases"
      integer
      empty={total ? null : 'No open cases.'}
      csv={{ filename: 'open-cases-by-stage-and-age.csv', header: ['stage', 'age (days)', 'cases', 'disputed amount'], rows }}
    />
  );
}

export function TasksChart({ overview }: { overview: Overview }) {
  const { labels, series } = useMemo(
    () => ({
      labels: overview.tasks.map((t) => teamLabel(t.team)),
      series: [
        { label: 'Overdue', data: overview.tasks.map((t) => t.overdue), color: PALETTE[4] },
        { label: 'On time', data: overview.tasks.map((t) => t.open - t.overdue), color: PALETTE[0] },
      ],
    }),
    [overview],
  );
  const overdue = overview.tasks.reduce((n, t) => n + t.overdue, 0);
  return (
    <ChartCard
      title="Overdue tasks by team"
      description={`Open investigation tasks by team: ${overdue} past their due time.`}
      kind="bar"
      stacked
      labels={labels}
      series={series}
      yTitle="tasks"
      integer
      empty={overview.tasks.some((t) => t.open) ? null : 'No open task.'}
      csv={{
        filename: 'overdue-tasks-by-team.csv',
        header: ['team', 'open tasks', 'overdue', 'escalated'],
        rows: overview.tasks.map((t) => [t.team, t.open, t.overdue, t.escalated]),
      }}
    />
  );
}

export function WeeklyChart({ overview }: { overview: Overview }) {
  const { labels, series } = useMemo(
    () => ({
      labels: overview.weeks.map((w) => w.weekStart),
      series: [
        { label: 'Opened', data: overview.weeks.map((w) => w.opened), color: PALETTE[0] },
        { label: 'Closed', data: overview.weeks.map((w) => w.closed), color: PALETTE[2] },
        { label: 'Cancelled', data: overview.weeks.map((w) => w.cancelled), color: PALETTE[3] },
      ],
    }),
    [overview],
  );
  const any = overview.weeks.some((w) => w.opened || w.closed || w.cancelled);
  return (
    <ChartCard
      title="Opened vs closed per week"
      description={`Cases opened, closed and cancelled each week (weeks start on Monday, UTC), the last ${WEEKS} weeks.`}
      kind="line"
      labels={labels}
      series={series}
      yTitle="cases"
      integer
      empty={any ? null : `No case opened or closed in the last ${WEEKS} weeks.`}
      csv={{
        filename: 'opened-vs-closed-per-week.csv',
        header: ['week starting', 'opened', 'closed', 'cancelled'],
        rows: overview.weeks.map((w) => [w.weekStart, w.opened, w.closed, w.cancelled]),
      }}
    />
  );
}
