// Reports from the read model and the trail, computed by PostgreSQL, never in JS.
// Cycle time: cases opened in [from, to]. Cycle time: closed_at − opened_at of CLOSED cases (cancelled ones are
// counted but not timed). Stage time: from a STAGE_ENTERED to the case's next STAGE_ENTERED. Whole UTC months of the
// period are read from the monthly rollups (migrations/0005_report_rollups.sql), so a report over the whole history
// costs about the same at a thousand cases as at a million; the days of the period outside whole months are counted
// from the cases themselves, into the same buckets. Counts are exact; percentiles are within 1 % (one bucket), but
// for groupBy=customerId, whose groups are exact percentiles over the cases in the period (a rollup per customer
// would hold about as many rows as there are cases). groupBy=rootCause groups the closed cases only (see
// rootCauseGroups). waitingOn splits the closed cases' cycle by party (waitsByParty).
// Overview: what is open now (by stage and age), the teams' open and overdue tasks, and the weekly flow (its rollup).
// Deductions: see deductionsReport below.
import type { z } from 'zod';
import { formatMoney } from '../domain/money';
import type { Queryable } from './sql';
import {
  AGING_BUCKETS,
  OPEN_STAGES,
  deductionsPeriod,
  reportPeriod,
  type cycleTimeQuery,
  type cycleTimeResponse,
  type deductionsReportQuery,
  type deductionsReportResponse,
  type overviewQuery,
  type overviewResponse,
} from '../contract';

type Report = z.input<typeof cycleTimeResponse>;

// Hours from seconds, rounded to 4 decimals (0.36 s: a case can close within minutes); NULL when nothing was measured.
const toHours = (seconds: string) => `round((${seconds})::numeric / 3600, 4)`;
const median = (seconds: string, filter = '') => toHours(`percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds}) ${filter}`);
const p90 = (seconds: string, filter = '') => toHours(`percentile_cont(0.9) WITHIN GROUP (ORDER BY ${seconds}) ${filter}`);
const CYCLE = 'extract(epoch FROM s.closed_at - s.opened_at)';
const CLOSED = `FILTER (WHERE s.status = 'CLOSED')`;

// The same two figures from a histogram: `h` has the bucket and count arrays `b` and `n`.
const histMedian = (h: string) => toHours(`histogram_percentile(${h}.b, ${h}.n, 0.5)`);
const histP90 = (h: string) => toHours(`histogram_percentile(${h}.b, ${h}.n, 0.9)`);
/** Rows (…, bucket, n) summed per bucket and folded into ascending arrays per `keys`. */
const histograms = (rows: string, keys: string) =>
  `SELECT ${keys}, array_agg(bucket ORDER BY bucket) AS b, array_agg(n ORDER BY bucket) AS n
     FROM (SELECT ${keys}, bucket, sum(n)::bigint AS n FROM ${rows} GROUP BY ${keys}, bucket) x GROUP BY ${keys}`;

// The period, exactly: cases opened in [$1, $2) (customer groups, aging).
const SCOPE = `scope AS (
  SELECT id, status, opened_at, closed_at, reason_code, customer_id, disputed_minor
    FROM cases WHERE opened_at >= $1::timestamptz AND opened_at < $2::timestamptz)`;

// The period split: the cases opened in [$1, $2) or [$3, $4) are read themselves; the rest comes from the rollups,
// of every month or (bounded) of the months in [$5, $6).
const EDGE = `edge AS (
  SELECT id, status, opened_at, closed_at, reason_code FROM cases
   WHERE (opened_at >= $1::timestamptz AND opened_at < $2::timestamptz)
      OR (opened_at >= $3::timestamptz AND opened_at < $4::timestamptz))`;
const EDGE_CYCLE_BUCKET = 'duration_bucket(extract(epoch FROM s.closed_at - s.opened_at))';
const EDGE_STATUS_COUNTS = `count(*) FILTER (WHERE s.status = 'OPEN'), count(*) FILTER (WHERE s.status = 'CLOSED'),
  count(*) FILTER (WHERE s.status = 'CANCELLED')`;
// Each rollup with the deltas not yet folded into it (the report folds them first, unless another report is at it).
const COUNT_COLUMNS = 'dimension, key, open, closed, cancelled';
const DURATION_COLUMNS = 'measure, key, bucket, n';
const ROLLUPS = {
  all: {
    counts: `(SELECT ${COUNT_COLUMNS} FROM report_case_counts_all
              UNION ALL SELECT ${COUNT_COLUMNS} FROM report_case_count_deltas) r WHERE`,
    durations: `(SELECT ${DURATION_COLUMNS} FROM report_durations_all
                 UNION ALL SELECT ${DURATION_COLUMNS} FROM report_duration_deltas) r WHERE`,
  },
  months: {
    counts: `(SELECT month, ${COUNT_COLUMNS} FROM report_case_counts
              UNION ALL SELECT month, ${COUNT_COLUMNS} FROM report_case_count_deltas) r
             WHERE month >= $5::date AND month < $6::date AND`,
    durations: `(SELECT month, ${DURATION_COLUMNS} FROM report_durations
                 UNION ALL SELECT month, ${DURATION_COLUMNS} FROM report_duration_deltas) r
                WHERE month >= $5::date AND month < $6::date AND`,
  },
} as const;

const hours = (v: string | null): number | null => (v === null ? null : Number(v));

/** The AGING_BUCKETS label of a case opened at `openedAt`, by whole days since ("0-7": under 8 days). */
const AGE_BUCKET = (openedAt: string) =>
  `CASE WHEN now() - ${openedAt} < interval '8 days' THEN '0-7' WHEN now() - ${openedAt} < interval '31 days' THEN '8-30'
        WHEN now() - ${openedAt} < interval '61 days' THEN '31-60' WHEN now() - ${openedAt} < interval '91 days' THEN '61-90'
        ELSE '>90' END`;

const monthStart = (d: Date, plus = 0) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plus, 1));
const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * [from, to) as whole UTC months, read from the rollups, and the edges outside them, read from the cases. No `from`
 * starts before every month; no `to` ends after every month, which is the same as now: no case opens in the future.
 */
function splitPeriod(from: Date | null, to: Date | null): { rollups: (typeof ROLLUPS)[keyof typeof ROLLUPS]; params: string[] } {
  const none = ['infinity', 'infinity'];
  if (from === null && to === null) return { rollups: ROLLUPS.all, params: ['-infinity', '-infinity', ...none] };
  const firstMonth = from === null ? null : monthStart(from).getTime() === from.getTime() ? from : monthStart(from, 1);
  const endMonth = to === null ? null : monthStart(to);
  const start = from?.toISOString() ?? '-infinity';
  const end = to?.toISOString() ?? 'infinity';
  if (firstMonth !== null && endMonth !== null && firstMonth >= endMonth) {
    return { rollups: ROLLUPS.months, params: [start, end, ...none, ...none] };
  }
  return {
    rollups: ROLLUPS.months,
    params: [
      start,
      firstMonth?.toISOString() ?? '-infinity',
      endMonth?.toISOString() ?? 'infinity',
      end,
      firstMonth ? day(firstMonth) : '-infinity',
      endMonth ? day(endMonth) : 'infinity',
    ],
  };
}

/**
 * The closed cases of the period by the root cause of their resolution (migrations/0022_reports_at_scale.sql):
 * whole months from the rollups, the edges from the cases, each with its last resolution. Only closed cases have one,
 * so a group's count is its closed count.
 */
function rootCauseGroups(db: Queryable, split: ReturnType<typeof splitPeriod>) {
  return db.query(
    `WITH ${EDGE},
     cycles AS (
       SELECT key, bucket, n FROM ${split.rollups.durations} measure = 'CYCLE_ROOT_CAUSE'
       UNION ALL
       SELECT case_root_cause(s.id), ${EDGE_CYCLE_BUCKET}, count(*) FROM edge s WHERE s.status = 'CLOSED' GROUP BY 1, 2),
     h AS (${histograms('cycles', 'key')}),
     counted AS (SELECT h.*, (SELECT sum(c) FROM unnest(h.n) c)::int AS count FROM h)
     SELECT key, count, count AS closed_count, ${histMedian('counted')} AS median, ${histP90('counted')} AS p90
       FROM counted WHERE count > 0 ORDER BY key`,
    split.params,
  );
}

export async function cycleTime(db: Queryable, query: z.output<typeof cycleTimeQuery>): Promise<Report> {
  const now = new Date();
  const { from, end: to } = reportPeriod(query);
  const toExclusive = to ?? new Date(now.getTime() + 1);
  const exact = [from ? from.toISOString() : '-infinity', toExclusive.toISOString()];
  const split = splitPeriod(from, to);
  const { counts, durations } = split.rollups;
  await db.query('SELECT report_rollups_compact()');

  const groupsSql =
    query.groupBy === 'team'
      ? `WITH ${EDGE},
         team_counts AS (
           SELECT key, open, closed, cancelled FROM ${counts} dimension = 'TEAM'
           UNION ALL SELECT t.team, ${EDGE_STATUS_COUNTS} FROM edge s JOIN tasks t ON t.case_id = s.id GROUP BY 1),
         team_durations AS (
           SELECT measure, key, bucket, n FROM ${durations} measure IN ('CYCLE_TEAM', 'TASK')
           UNION ALL
           SELECT 'CYCLE_TEAM', t.team, ${EDGE_CYCLE_BUCKET}, count(*) FROM edge s JOIN tasks t ON t.case_id = s.id
            WHERE s.status = 'CLOSED' GROUP BY 2, 3
           UNION ALL
           SELECT 'TASK', t.team, duration_bucket(extract(epoch FROM t.completed_at - t.created_at)), count(*)
             FROM edge s JOIN tasks t ON t.case_id = s.id WHERE t.status = 'DONE' GROUP BY 2, 3),
         totals AS (SELECT key, sum(open + closed + cancelled) AS count, sum(closed) AS closed FROM team_counts GROUP BY key),
         h AS (${histograms('team_durations', 'measure, key')})
         SELECT t.key, t.count::int AS count, t.closed::int AS closed_count, ${histMedian('c')} AS median, ${histP90('c')} AS p90,
                t.count::int AS task_count, ${histMedian('k')} AS task_median, ${histP90('k')} AS task_p90
           FROM totals t
           LEFT JOIN h c ON c.measure = 'CYCLE_TEAM' AND c.key = t.key
           LEFT JOIN h k ON k.measure = 'TASK' AND k.key = t.key
          WHERE t.count > 0 ORDER BY t.key`
      : `WITH ${SCOPE}
         SELECT s.customer_id AS key, count(*)::int AS count,
                count(*) FILTER (WHERE s.status = 'CLOSED')::int AS closed_count,
                ${median(CYCLE, CLOSED)} AS median, ${p90(CYCLE, CLOSED)} AS p90
           FROM scope s GROUP BY 1 ORDER BY 1`;

  const [byReason, groups, stages, aging, waits] = await Promise.all([
    // The overall line (key NULL) and one line per reason code.
    db.query(
      `WITH ${EDGE},
       reason_counts AS (
         SELECT key, open, closed, cancelled FROM ${counts} dimension = 'REASON'
         UNION ALL SELECT s.reason_code, ${EDGE_STATUS_COUNTS} FROM edge s GROUP BY 1),
       cycles AS (
         SELECT key, bucket, sum(n)::bigint AS n FROM (
           SELECT key, bucket, n FROM ${durations} measure = 'CYCLE_REASON'
           UNION ALL SELECT s.reason_code, ${EDGE_CYCLE_BUCKET}, count(*) FROM edge s WHERE s.status = 'CLOSED' GROUP BY 1, 2) x
          GROUP BY 1, 2),
       totals AS (
         SELECT key, coalesce(sum(open + closed + cancelled), 0) AS count, coalesce(sum(closed), 0) AS closed,
                coalesce(sum(open), 0) AS open, coalesce(sum(cancelled), 0) AS cancelled
           FROM reason_counts GROUP BY ROLLUP (key)),
       h AS (${histograms('(SELECT key, bucket, n FROM cycles UNION ALL SELECT NULL, bucket, n FROM cycles) with_overall', 'key')})
       SELECT t.key, t.count::int AS count, t.closed::int AS closed_count, t.open::int AS open_count,
              t.cancelled::int AS cancelled_count, ${histMedian('h')} AS median, ${histP90('h')} AS p90
         FROM totals t LEFT JOIN h ON h.key IS NOT DISTINCT FROM t.key
        WHERE t.key IS NULL OR t.count > 0
        ORDER BY t.key NULLS FIRST`,
      split.params,
    ),
    query.groupBy === 'reasonCode'
      ? null
      : query.groupBy === 'rootCause'
        ? rootCauseGroups(db, split)
        : db.query(groupsSql, query.groupBy === 'team' ? split.params : exact),
    db.query(
      `WITH ${EDGE},
       stage_durations AS (
         SELECT key, bucket, n FROM ${durations} measure = 'STAGE'
         UNION ALL
         SELECT x.stage, duration_bucket(x.seconds), count(*)
           FROM (SELECT e.data->>'stage' AS stage,
                        extract(epoch FROM lead(e.at) OVER (PARTITION BY e.case_id ORDER BY e.seq) - e.at) AS seconds
                   FROM case_events e JOIN edge s ON s.id = e.case_id
                  WHERE e.type = 'STAGE_ENTERED') x
          WHERE x.seconds IS NOT NULL
          GROUP BY 1, 2),
       h AS (${histograms('stage_durations', 'key')})
       SELECT h.key AS stage, (SELECT sum(c)::int FROM unnest(h.n) c) AS count, ${histMedian('h')} AS median, ${histP90('h')} AS p90
         FROM h`,
      split.params,
    ),
    db.query(
      `WITH ${SCOPE}
       SELECT ${AGE_BUCKET('s.opened_at')} AS bucket, count(*)::int AS count, sum(s.disputed_minor)::text AS amount
         FROM scope s WHERE s.status = 'OPEN'
        GROUP BY 1`,
      exact,
    ),
    waitsByParty(db, split),
  ]);

  const [o, ...reasons] = byReason.rows;
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
    groups: (groups?.rows ?? reasons).map((g) => ({
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
    waitingOn: waits.rows.map((r) => ({ party: r.party, medianHours: hours(r.median), p90Hours: hours(r.p90), totalHours: hours(r.total) ?? 0 })),
  };
}

/**
 * Whom the closed cases of the period waited on (migrations/0023_waiting_on_rollups.sql): per party, the median and
 * 90th percentile of a case's total time waiting on it, and the time of all of them together. Whole months from the
 * rollups, the edges from the cases' spans (case_waits_by_case covers them).
 */
function waitsByParty(db: Queryable, split: ReturnType<typeof splitPeriod>) {
  return db.query(
    `WITH ${EDGE},
     edge_waits AS (
       SELECT w.party, sum(wait_seconds(w.started_at, w.ended_at, s.closed_at)) AS seconds
         FROM edge s JOIN case_waits w ON w.case_id = s.id WHERE s.status = 'CLOSED' GROUP BY s.id, w.party),
     waits AS (
       SELECT measure, key, bucket, n FROM ${split.rollups.durations} measure IN ('WAIT', 'WAIT_SECONDS')
       UNION ALL SELECT 'WAIT', party, duration_bucket(seconds::double precision), count(*) FROM edge_waits GROUP BY 2, 3
       UNION ALL SELECT 'WAIT_SECONDS', party, 0, sum(round(seconds)) FROM edge_waits GROUP BY 2),
     h AS (${histograms("(SELECT key, bucket, n FROM waits WHERE measure = 'WAIT') w", 'key')}),
     totals AS (SELECT key, sum(n) AS seconds FROM waits WHERE measure = 'WAIT_SECONDS' GROUP BY key)
     SELECT h.key AS party, ${histMedian('h')} AS median, ${histP90('h')} AS p90, ${toHours('t.seconds')} AS total
       FROM h JOIN totals t ON t.key = h.key
      WHERE (SELECT sum(c) FROM unnest(h.n) c) > 0
      ORDER BY h.key`,
    split.params,
  );
}

export async function overview(
  db: Queryable,
  teams: readonly string[],
  query: z.output<typeof overviewQuery>,
): Promise<z.input<typeof overviewResponse>> {
  // The weekly flow reads the rollup with its deltas: folded first, so that they stay few.
  await db.query('SELECT report_rollups_compact()');
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
    // Weeks start on Monday, UTC (date_trunc's ISO week); the current week is the last one. From the weekly rollup
    // (migrations/0024_weekly_flow_rollup.sql) with the deltas not folded yet.
    db.query(
      `WITH w AS (
         SELECT generate_series(date_trunc('week', now() AT TIME ZONE 'UTC') - ($1::int - 1) * interval '1 week',
                                date_trunc('week', now() AT TIME ZONE 'UTC'), interval '1 week')::date AS start),
       flow AS (
         SELECT week, sum(opened) AS opened, sum(closed) AS closed, sum(cancelled) AS cancelled
           FROM (SELECT week, opened, closed, cancelled FROM report_weekly_flow WHERE week >= (SELECT min(start) FROM w)
                 UNION ALL
                 SELECT week, opened, closed, cancelled FROM report_weekly_flow_deltas WHERE week >= (SELECT min(start) FROM w)) x
          GROUP BY week)
       SELECT to_char(w.start, 'YYYY-MM-DD') AS week_start, coalesce(f.opened, 0)::int AS opened,
              coalesce(f.closed, 0)::int AS closed, coalesce(f.cancelled, 0)::int AS cancelled
         FROM w LEFT JOIN flow f ON f.week = w.start
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

// Deductions over [from, end) (contract/reports.ts deductionsPeriod), per invoice currency, never summed across
// currencies. Open: at the end of the period, i.e. posted before it and not resolved before it (without `to`: open
// now). Cleared and invalid: resolved in the period. A PARTIAL deduction counts among the cleared, its cleared
// amount with theirs; what it did not clear counts as invalid amount (the customer owes it again), not as an invalid
// deduction. DDO: the open amount ÷ the amount resolved (cleared and invalid) per day of the period. Read through
// 0015's partial indexes: the deductions open now and those resolved since `from` (which include those resolved
// after the period and so open at its end), never the whole table.
const DEDUCTIONS = `
  WITH d AS (
    SELECT x.*, i.currency,
           x.created_at < $2::timestamptz AND (x.resolved_at IS NULL OR x.resolved_at >= $2::timestamptz) AS open,
           x.resolved_at >= $1::timestamptz AND x.resolved_at < $2::timestamptz AS resolved
      FROM (SELECT invoice_number, status, amount_minor, cleared_minor, created_at, resolved_at FROM deductions
             WHERE status = 'OPEN' AND created_at < $2::timestamptz
            UNION ALL
            SELECT invoice_number, status, amount_minor, cleared_minor, created_at, resolved_at FROM deductions
             WHERE resolved_at >= $1::timestamptz) x
      JOIN invoices i ON i.number = x.invoice_number),
  per_currency AS (
    SELECT currency,
           count(*) FILTER (WHERE open) AS open_count,
           coalesce(sum(amount_minor) FILTER (WHERE open), 0) AS open_minor,
           count(*) FILTER (WHERE resolved AND status IN ('CLEARED', 'PARTIAL')) AS cleared_count,
           count(*) FILTER (WHERE resolved AND status = 'PARTIAL') AS partial_count,
           coalesce(sum(cleared_minor) FILTER (WHERE resolved), 0) AS cleared_minor,
           count(*) FILTER (WHERE resolved AND status = 'INVALID') AS invalid_count,
           coalesce(sum(amount_minor - cleared_minor) FILTER (WHERE resolved), 0) AS invalid_minor,
           coalesce(sum(amount_minor) FILTER (WHERE resolved), 0) AS resolved_minor
      FROM d GROUP BY currency HAVING bool_or(open OR resolved))
  SELECT currency, open_count::int, open_minor::text, cleared_count::int, partial_count::int, cleared_minor::text,
         invalid_count::int, invalid_minor::text,
         CASE WHEN resolved_minor > 0 THEN round(open_minor * $3::numeric / (resolved_minor * 86400000), 1) END AS ddo
    FROM per_currency ORDER BY currency`;

// Remittance lines: of the payments posted in the period, the matcher's applications (no person) against them and
// what it left unapplied (each item a person's to apply). The counts are materialized: inlined, each of their scalar
// subqueries ran again for every mention below (seven joins instead of two, R8).
const REMITTANCE = `
  WITH p AS MATERIALIZED (SELECT id FROM payments WHERE posted_at >= $1::timestamptz AND posted_at < $2::timestamptz),
  counts AS MATERIALIZED (
    SELECT (SELECT count(*) FROM p JOIN payment_applications a ON a.payment_id = p.id WHERE a.applied_by IS NULL) AS matcher,
           (SELECT count(*) FROM p JOIN unapplied_cash u ON u.payment_id = p.id) AS unapplied)
  SELECT matcher::int, unapplied::int,
         CASE WHEN matcher + unapplied > 0 THEN round(matcher::numeric / (matcher + unapplied), 4) END AS share
    FROM counts`;

export async function deductionsReport(
  db: Queryable,
  query: z.output<typeof deductionsReportQuery>,
): Promise<z.input<typeof deductionsReportResponse>> {
  const { from, end } = deductionsPeriod(query);
  const periodMs = end.getTime() - from.getTime();
  const [deductions, remittance] = await Promise.all([
    db.query(DEDUCTIONS, [from.toISOString(), end.toISOString(), periodMs]),
    db.query(REMITTANCE, [from.toISOString(), end.toISOString()]),
  ]);
  const r = remittance.rows[0];
  const money = (minor: string) => formatMoney(BigInt(minor));
  return {
    from: from.toISOString(),
    to: new Date(end.getTime() - 1).toISOString(),
    // Days to 4 decimals.
    days: Math.round(periodMs / 8_640) / 10_000,
    currencies: deductions.rows.map((c) => ({
      currency: c.currency,
      open: { count: c.open_count, amount: money(c.open_minor) },
      cleared: { count: c.cleared_count, amount: money(c.cleared_minor), partialCount: c.partial_count },
      invalid: { count: c.invalid_count, amount: money(c.invalid_minor) },
      ddoDays: c.ddo === null ? null : Number(c.ddo),
    })),
    remittance: {
      appliedByMatcher: r.matcher,
      leftForAPerson: r.unapplied,
      shareWithoutPerson: r.share === null ? null : Number(r.share),
    },
  };
}
