// The manager's view: what is open and how old, how long cases take (by stage, team, reason, customer), where
// tasks are late, the disputed amount in aging, and the flow of cases week by week. Each chart downloads as CSV.
import { useQuery } from '@tanstack/react-query';
import { useMemo, type FormEvent } from 'react';
import { ChartCard, PALETTE, type Series } from '../components/chart';
import { ErrorMessage, Field, Loading } from '../components/common';
import { api } from '../lib/api';
import { REASON_LABELS, STAGE_LABELS, durationUnit, formatHours, label, teamLabel } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import { formatMoney, sumMoney } from '../lib/money';
import { navigate, useLocation } from '../lib/router';
import { AGING_BUCKETS, STAGES, type CycleTimeReport, type Overview } from '../lib/types';

const WEEKS = 12;
const OPEN_STAGES = STAGES.filter((s) => s !== 'DONE');

export function DashboardPage() {
  useDocumentTitle('Dashboard');
  const location = useLocation();
  const from = location.query.get('from') ?? '';
  const to = location.query.get('to') ?? '';

  const reports = useQuery({
    queryKey: ['reports', 'cycle-time', from, to],
    queryFn: async ({ signal }) => {
      const range = { from: from || undefined, to: to || undefined };
      const [byReason, byTeam, byCustomer] = await Promise.all([
        api.cycleTime({ ...range, groupBy: 'reasonCode' }, signal),
        api.cycleTime({ ...range, groupBy: 'team' }, signal),
        api.cycleTime({ ...range, groupBy: 'customerId' }, signal),
      ]);
      return { byReason, byTeam, byCustomer };
    },
  });
  // What is open now and the weekly flow: not bound to the period above.
  const overview = useQuery({ queryKey: ['reports', 'overview', WEEKS], queryFn: ({ signal }) => api.overview(WEEKS, signal) });

  function applyRange(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    navigate('/dashboard', { from: String(data.get('from') ?? ''), to: String(data.get('to') ?? '') });
  }

  const r = reports.data;
  return (
    <div className="page dashboard">
      <div className="page-header">
        <h1>Dashboard</h1>
        <form className="filters inline-filters" onSubmit={applyRange} aria-label="Period of the cycle-time figures" key={`${from}|${to}`}>
          <Field label="Opened from">{(props) => <input {...props} type="date" name="from" defaultValue={from} />}</Field>
          <Field label="to">{(props) => <input {...props} type="date" name="to" defaultValue={to} />}</Field>
          <div className="filters-actions">
            <button type="submit" className="button-secondary">
              Apply
            </button>
          </div>
        </form>
      </div>
      <ErrorMessage error={reports.error} />
      {r ? <Kpis report={r.byReason} overview={overview.data} /> : reports.error ? null : <Loading what="the figures" />}

      <div className="chart-grid">
        {overview.data ? <OpenByStageChart overview={overview.data} /> : <Pending what="open cases" error={overview.error} />}
        {r ? <AgingChart report={r.byReason} /> : null}
        {r ? <StageCycleChart report={r.byReason} /> : null}
        {r ? <GroupCycleChart report={r.byTeam} title="Cycle time by team" keyLabel={teamLabel} file="cycle-time-by-team" withTasks /> : null}
        {r ? <GroupCycleChart report={r.byReason} title="Cycle time by reason" keyLabel={(k) => label(REASON_LABELS, k)} file="cycle-time-by-reason" /> : null}
        {r ? <GroupCycleChart report={r.byCustomer} title="Cycle time by customer (top 15 by cases)" keyLabel={(k) => k} file="cycle-time-by-customer" top={15} /> : null}
        {overview.data ? <TasksChart overview={overview.data} /> : <Pending what="overdue tasks" error={overview.error} />}
        {overview.data ? <WeeklyChart overview={overview.data} /> : <Pending what="the weekly flow" error={overview.error} />}
      </div>
    </div>
  );
}

function Pending({ what, error }: { what: string; error: unknown }) {
  return <section className="card chart-card">{error ? <ErrorMessage error={error} /> : <Loading what={what} />}</section>;
}

function Kpis({ report, overview }: { report: CycleTimeReport; overview?: Overview }) {
  const openAmount = sumMoney(report.aging.map((a) => a.amount));
  const overdueTotal = overview ? overview.tasks.reduce((n, t) => n + t.overdue, 0) : null;
  const tiles: [string, string][] = [
    ['Open cases', String(report.overall.openCount)],
    ['Disputed amount open', formatMoney(openAmount)],
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

// ---------------------------------------------------------------- charts

function OpenByStageChart({ overview }: { overview: Overview }) {
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

function AgingChart({ report }: { report: CycleTimeReport }) {
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

function StageCycleChart({ report }: { report: CycleTimeReport }) {
  const { labels, series, unit } = useMemo(() => {
    const unit = durationUnit(report.stages.flatMap((s) => [s.medianHours, s.p90Hours]));
    const scaled = (h: number | null) => (h === null ? null : h * unit.perHour);
    return {
      unit,
      labels: report.stages.map((s) => STAGE_LABELS[s.stage] ?? s.stage),
      series: [
        { label: 'Median', data: report.stages.map((s) => scaled(s.medianHours)), color: PALETTE[0] },
        { label: '90th percentile', data: report.stages.map((s) => scaled(s.p90Hours)), color: PALETTE[1] },
      ],
    };
  }, [report]);
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

function GroupCycleChart({
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

function TasksChart({ overview }: { overview: Overview }) {
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

function WeeklyChart({ overview }: { overview: Overview }) {
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
