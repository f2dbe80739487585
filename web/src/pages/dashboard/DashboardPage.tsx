// The manager's view: what is open and how old, how long cases take (by stage, team, reason, customer, and the
// closed ones by root cause), where tasks are late, the disputed amount in aging, the flow of cases week by week, and
// deductions over the period.
// Each chart and the deductions tile download as CSV.
import { useQuery } from '@tanstack/react-query';
import { type FormEvent } from 'react';
import { ErrorMessage, Field, Loading } from '../../components/common';
import { api } from '../../lib/api';
import { REASON_LABELS, ROOT_CAUSE_LABELS, label, teamLabel } from '../../lib/format';
import { useDocumentTitle } from '../../lib/hooks';
import { navigate, useLocation } from '../../lib/router';
import { AgingChart, GroupCycleChart, StageCycleChart } from './CycleTimeCharts';
import { WaitingOnChart } from './WaitingOnChart';
import { DeductionsTile } from './DeductionsTile';
import { Kpis } from './Kpis';
import { OpenByStageChart, TasksChart, WEEKS, WeeklyChart } from './OverviewCharts';

export function DashboardPage() {
  useDocumentTitle('Dashboard');
  const location = useLocation();
  const from = location.query.get('from') ?? '';
  const to = location.query.get('to') ?? '';
  const range = { from: from || undefined, to: to || undefined };

  const reports = useQuery({
    queryKey: ['reports', 'cycle-time', from, to],
    queryFn: async ({ signal }) => {
      const [byReason, byTeam, byCustomer, byRootCause] = await Promise.all([
        api.cycleTime({ ...range, groupBy: 'reasonCode' }, signal),
        api.cycleTime({ ...range, groupBy: 'team' }, signal),
        api.cycleTime({ ...range, groupBy: 'customerId' }, signal),
        api.cycleTime({ ...range, groupBy: 'rootCause' }, signal),
      ]);
      return { byReason, byTeam, byCustomer, byRootCause };
    },
  });
  const deductions = useQuery({
    queryKey: ['reports', 'deductions', from, to],
    queryFn: ({ signal }) => api.deductionsReport(range, signal),
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
        <form className="filters inline-filters" onSubmit={applyRange} aria-label="Period of the figures" key={`${from}|${to}`}>
          <Field label="From">{(props) => <input {...props} type="date" name="from" defaultValue={from} />}</Field>
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
        {r ? <WaitingOnChart report={r.byReason} /> : null}
        {r ? <GroupCycleChart report={r.byTeam} title="Cycle time by team" keyLabel={teamLabel} file="cycle-time-by-team" withTasks /> : null}
        {r ? <GroupCycleChart report={r.byReason} title="Cycle time by reason" keyLabel={(k) => label(REASON_LABELS, k)} file="cycle-time-by-reason" /> : null}
        {r ? <GroupCycleChart report={r.byRootCause} title="Cycle time by root cause" keyLabel={(k) => label(ROOT_CAUSE_LABELS, k)} file="cycle-time-by-root-cause" /> : null}
        {r ? <GroupCycleChart report={r.byCustomer} title="Cycle time by customer (top 15 by cases)" keyLabel={(k) => k} file="cycle-time-by-customer" top={15} /> : null}
        {overview.data ? <TasksChart overview={overview.data} /> : <Pending what="overdue tasks" error={overview.error} />}
        {overview.data ? <WeeklyChart overview={overview.data} /> : <Pending what="the weekly flow" error={overview.error} />}
        {deductions.data ? <DeductionsTile report={deductions.data} /> : <Pending what="deductions" error={deductions.error} />}
      </div>
    </div>
  );
}

function Pending({ what, error }: { what: string; error: unknown }) {
  return <section className="card chart-card">{error ? <ErrorMessage error={error} /> : <Loading what={what} />}</section>;
}
