// Cycle-time report from the read model and the trail, computed by PostgreSQL (percentile_cont), never in JS.
// Scope: cases opened in [from, to]. Cycle time: closed_at − opened_at of CLOSED cases (cancelled ones are counted
// but not timed). Stage time: from a STAGE_ENTERED to the case's next STAGE_ENTERED.
import type { z } from 'zod';
import { formatMoney } from '../../domain/money';
import type { Stage } from '../../domain/types';
import type { Queryable } from '../db';
import { AGING_BUCKETS, type cycleTimeQuery, type cycleTimeResponse } from '../schemas';

type Report = z.input<typeof cycleTimeResponse>;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const TIMED_STAGES: readonly Stage[] = ['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL', 'CREDIT_MEMO'];

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
       SELECT CASE WHEN a.days <= 7 THEN '0-7' WHEN a.days <= 30 THEN '8-30' WHEN a.days <= 60 THEN '31-60'
                   WHEN a.days <= 90 THEN '61-90' ELSE '>90' END AS bucket,
              count(*)::int AS count, sum(a.disputed_minor)::text AS amount
         FROM (SELECT floor(extract(epoch FROM now() - s.opened_at) / 86400) AS days, s.disputed_minor
                 FROM scope s WHERE s.status = 'OPEN') a
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
    stages: TIMED_STAGES.map((stage) => {
      const r = stageRows.get(stage);
      return { stage, count: r?.count ?? 0, medianHours: hours(r?.median ?? null), p90Hours: hours(r?.p90 ?? null) };
    }),
    aging: AGING_BUCKETS.map((bucket) => {
      const r = agingRows.get(bucket);
      return { bucket, count: r?.count ?? 0, amount: formatMoney(BigInt(r?.amount ?? 0)) };
    }),
  };
}
