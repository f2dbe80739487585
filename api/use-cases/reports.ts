// Reports from the read model and the trail, computed by PostgreSQL (percentile_cont, count, sum), never in JS, so
// they cost the same few queries whatever the number of cases.
// Cycle time: cases opened in [from, to]. Cycle time: closed_at − opened_at of CLOSED cases (cancelled ones are
// counted but not timed). Stage time: from a STAGE_ENTERED to the case's next STAGE_ENTERED.
// Overview: what is open now (by stage and age), the teams' open and overdue tasks, and the weekly flow.
import type { z } from 'zod';
import { formatMoney } from '../../domain/money';
import type { Queryable } from '../db';
import { AGING_BUCKETS, OPEN_STAGES, type cycleTimeQuery, type cycleTimeResponse, type overviewQuery, type overviewResponse } from '../schemas';

type Report = z.input<typeof cycleTimeResponse>;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

// Hours from seconds, rounded to 2 decimals; NULL when nothing was measured.
const median = (seconds: string, filter = '') =>
  `round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds}) ${filter})::numeric / 3600, 2)`;
const p90 = (seconds: string, filter = '') =>
  `round((percentile_cont(0.9) WITHIN GROUP (ORDER BY ${seconds}) ${filter})::numeric / 3600, 2)`;
const CYCLE = 'extract(epoch FROM s.closed_at - s.opened_at)';
const CLOSED = `FILTER (WHERE s.status = 'CLOSED')`;

const SCOPE = `scope AS (
  SELECT id, status, opened_at, closed_at, reason_code, customer_id, disputed_minor
    FROM cases WHERE opened_at >= $1::timestamptz AND opened_at < $2::timestamptz)`;

// Only ever one of these constant expressions is put into the SQL: the user picks by enum, never by text.
const GROUP_COLUMNS = { reasonCode: 's.reason_code', customerId: 's.customer_id' } as const;

const hours = (v: string | null): number | null => (v === null ? null : Number(v));

/** The AGING_BUCKETS label of a case opened at `openedAt`, by whole days since ("0-7": under 8 days). */
const AGE_BUCKET = (openedAt: string) =>
  `CASE WHEN now() - ${openedAt} < interval '8 days' THEN '0-7' WHEN now() - ${openedAt} < interval '31 days' THEN '8-30'
        WHEN now() - ${openedAt} < interval '61 days' THEN '31-60' WHEN now() - ${openedAt} < interval '91 days' THEN '61-90'
        ELSE '>90' END`;

export async function cycleTimeReport(db: Queryable, query: z.output<typeof cycleTimeQuery>): Promise<Report> {
  const now = new Date();
  const from = query.from ? new Date(DATE_ONLY.test(query.from) ? `${query.from}T00:00:00Z` : query.from) : null;
  // A date-only `to` includes that whole day.
  const toExclusive = query.to
    ? DATE_ONLY.test(query.to)
      ? new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000)
      : new Date(Date.parse(query.to) + 1)
    : new Date(now.getTime() + 1);
  const params = [from ? from.toISOString() : '-infinity', toExclusive.toISOString()];

  const groupsSql =
    query.groupBy === 'team'
      ? `WITH ${SCOPE}
         SELECT t.team AS key, count(*)::int AS count, count(*) FILTER (WHERE s.status = 'CLOSED')::int AS closed_count,
                ${median(CYCLE, CLOSED)} AS median, ${p90(CYCLE, CLOSED)} AS p90,
                count(t.id)::int AS task_count,
                ${median('extract(epoch FROM t.completed_at - t.created_at)', `FILTER (WHERE t.status = 'DONE')`)} AS task_median,
                ${p90('extract(epoch FROM t.completed_at - t.created_at)', `FILTER (WHERE t.status = 'DONE')`)} AS task_p90
           FROM scope s JOIN tasks t ON t.case_id = s.id
          GROUP BY t.team ORDER BY t.team`
      : `WITH ${SCOPE}
         SELECT ${GROUP_COLUMNS[query.groupBy]} AS key, count(*)::int AS count,
                count(*) FILTER (WHERE s.status = 'CLOSED')::int AS closed_count,
                ${median(CYCLE, CLOSED)} AS median, ${p90(CYCLE, CLOSED)} AS p90
           FROM scope s GROUP BY 1 ORDER BY 1`;

  const [overall, groups, stages, aging] = await Promise.all([
    db.query(
      `WITH ${SCOPE}
       SELECT count(*)::int AS count,
              count(*) FILTER (WHERE s.status = 'CLOSED')::int AS closed_count,
              count(*) FILTER (WHERE s.status = 'OPEN')::int AS open_count,
              count(*) FILTER (WHERE s.status = 'CANCELLED')::int AS cancelled_count,
              ${median(CYCLE, CLOSED)} AS median, ${p90(CYCLE, CLOSED)} AS p90
         FROM scope s`,
      params,
    ),
    db.query(groupsSql, params),
    db.query(
      `WITH ${SCOPE}
       SELECT x.stage, count(*)::int AS count, ${median('x.seconds')} AS median, ${p90('x.seconds')} AS p90
         FROM (SELECT e.data->>'stage' AS stage,
                      extract(epoch FROM lead(e.at) OVER (PARTITION BY e.case_id ORDER BY e.seq) - e.at) AS seconds
                 FROM case_events e JOIN scope s ON s.id = e.case_id
                WHERE e.type = 'STAGE_ENTERED') x
        WHERE x.seconds IS NOT NULL
        GROUP BY x.stage`,
      params,
    ),
    db.query(
      `WITH ${SCOPE}
       SELECT ${AGE_BUCKET('s.opened_at')} AS bucket, count(*)::int AS count, sum(s.disputed_minor)::text AS amount
         FROM scope s WHERE s.status = 'OPEN'
        GROUP BY 1`,
      params,
    ),
  ]);

  const o = overall.rows[0];
  const stageRows = new Map(stages.rows.map((r) => [r.stage as string, r]));
  const agingRows = new Map(aging.rows.map((r) => [r.bucket as string, r]));
  return {
    from: from ? from.toISOString() : null,
    to: new Date(toExclusive.getTime() - 1).toISOString(),
    groupBy: query.groupBy,
    overall: {
      count: o.count,
      closedCount: o.closed_count,
      openCount: o.open_count,
      cancelledCount: o.cancelled_count,
      medianHours: hours(o.median),
      p90Hours: hours(o.p90),
    },
    groups: groups.rows.map((g) => ({
      key: g.key,
      count: g.count,
      closedCount: g.closed_count,
      medianHours: hours(g.median),
      p90Hours: hours(g.p90),
      ...(query.groupBy === 'team'
        ? { taskCount: g.task_count, taskMedianHours: hours(g.task_median), taskP90Hours: hours(g.task_p90) }
        : {}),
    })),
    stages: OPEN_STAGES.map((stage) => {
      const r = stageRows.get(stage);
      return { stage, count: r?.count ?? 0, medianHours: hours(r?.median ?? null), p90Hours: hours(r?.p90 ?? null) };
    }),
    aging: AGING_BUCKETS.map((bucket) => {
      const r = agingRows.get(bucket);
      return { bucket, count: r?.count ?? 0, amount: formatMoney(BigInt(r?.amount ?? 0)) };
    }),
  };
}

export async function overviewReport(
  db: Queryable,
  teams: readonly string[],
  query: z.output<typeof overviewQuery>,
): Promise<z.input<typeof overviewResponse>> {
  const [open, tasks, weeks] = await Promise.all([
    db.query(
      `SELECT c.stage, ${AGE_BUCKET('c.opened_at')} AS bucket, count(*)::int AS count, sum(c.disputed_minor)::text AS amount
         FROM cases c WHERE c.status = 'OPEN' GROUP BY 1, 2`,
    ),
    db.query(
      `SELECT t.team, count(*)::int AS open, count(*) FILTER (WHERE t.due_at < now())::int AS overdue,
              count(*) FILTER (WHERE t.escalated_at IS NOT NULL)::int AS escalated
         FROM tasks t WHERE t.status = 'OPEN' GROUP BY t.team`,
    ),
    // Weeks start on Monday, UTC (date_trunc's ISO week); the current week is the last one.
    db.query(
      `WITH w AS (
         SELECT generate_series(date_trunc('week', now() AT TIME ZONE 'UTC') - ($1::int - 1) * interval '1 week',
                                date_trunc('week', now() AT TIME ZONE 'UTC'), interval '1 week') AS start),
       opened AS (
         SELECT date_trunc('week', c.opened_at AT TIME ZONE 'UTC') AS start, count(*)::int AS n
           FROM cases c WHERE c.opened_at >= (SELECT min(start) FROM w) AT TIME ZONE 'UTC' GROUP BY 1),
       ended AS (
         SELECT date_trunc('week', c.closed_at AT TIME ZONE 'UTC') AS start,
                count(*) FILTER (WHERE c.status = 'CLOSED')::int AS closed,
                count(*) FILTER (WHERE c.status = 'CANCELLED')::int AS cancelled
           FROM cases c WHERE c.closed_at >= (SELECT min(start) FROM w) AT TIME ZONE 'UTC' GROUP BY 1)
       SELECT to_char(w.start, 'YYYY-MM-DD') AS week_start, coalesce(o.n, 0) AS opened,
              coalesce(e.closed, 0) AS closed, coalesce(e.cancelled, 0) AS cancelled
         FROM w LEFT JOIN opened o ON o.start = w.start LEFT JOIN ended e ON e.start = w.start
        ORDER BY w.start`,
      [query.weeks],
    ),
  ]);
  const cells = new Map(open.rows.map((r) => [`${r.stage}|${r.bucket}`, r]));
  const taskRows = new Map(tasks.rows.map((r) => [r.team as string, r]));
  // The configured teams always show (a team with nothing late is news too), then any other team with tasks.
  const allTeams = [...new Set([...teams, ...taskRows.keys()])];
  return {
    openCases: OPEN_STAGES.flatMap((stage) =>
      AGING_BUCKETS.map((bucket) => {
        const r = cells.get(`${stage}|${bucket}`);
        return { stage, bucket, count: r?.count ?? 0, amount: formatMoney(BigInt(r?.amount ?? 0)) };
      }),
    ),
    tasks: allTeams.map((team) => {
      const r = taskRows.get(team);
      return { team, open: r?.open ?? 0, overdue: r?.overdue ?? 0, escalated: r?.escalated ?? 0 };
    }),
    weeks: weeks.rows.map((r) => ({ weekStart: r.week_start, opened: r.opened, closed: r.closed, cancelled: r.cancelled })),
  };
}
