// R5 and R8, the reports at scale: each report through express (GET with a manager's token) against the use case's
// own SQL (its read-model function called directly on a pool), over many closed and open synthetic cases, while the
// engine runs whole dispute lives at half of R1's throughput. R5 is the cycle-time report; R8 every report, one
// comparison each (REPORTS: a report more is an entry more). Both read the same seeded history, made once per run.
// The synthetic trail copies, event by event, the rows a real case wrote in this run (same types, same data), so
// row widths match production's; closed and open cases also have what the other reports read: resolutions (their
// root causes), and for one case in five the deduction that opened it, its payment and the payment's applications.
import type { Pool } from 'pg';
import { cycleTime, deductionsReport, overview } from '../read-model/reports';
import { cycleTimeQuery, deductionsReportQuery, overviewQuery } from '../contract';
import { DEFAULT_TEAMS } from '../domain/types';
import type { Queryable } from '../read-model/sql';
import { backgroundLoad } from './cases';
import { disputeThroughput } from './r1-engine';
import {
  compare,
  interleave,
  median,
  p95,
  progress,
  sleep,
  startApi,
  type BenchContext,
  type Comparison,
  type SectionResult,
} from './support';

/** A report under test: its GET (A) and the read-model call behind it (B, and the statements timed one by one). */
interface ReportBench {
  name: string;
  path: string;
  run(db: Queryable): Promise<unknown>;
}

const REPORTS = {
  // Its answer holds the waiting-on split (case_waits) with every other figure: this row measures that report too.
  cycleTime: { name: 'cycle-time report, waiting on included', path: '/api/reports/cycle-time', run: (db) => cycleTime(db, cycleTimeQuery.parse({})) },
  cycleTimeByRootCause: {
    name: 'cycle time by root cause',
    path: '/api/reports/cycle-time?groupBy=rootCause',
    run: (db) => cycleTime(db, cycleTimeQuery.parse({ groupBy: 'rootCause' })),
  },
  overview: { name: 'overview report', path: '/api/reports/overview', run: (db) => overview(db, DEFAULT_TEAMS, overviewQuery.parse({})) },
  deductions: { name: 'deductions report', path: '/api/reports/deductions', run: (db) => deductionsReport(db, deductionsReportQuery.parse({})) },
} satisfies Record<string, ReportBench>;

const CUSTOMERS = 1000;
const CHUNK = 100_000;
/**
 * Off while the synthetic rows are loaded (see seedChunk). The applications' posting to their invoices too: seedChunk
 * posts a chunk's applications invoice by invoice, in one statement, as the trigger would have row by row.
 */
const LOAD_TRIGGERS = [
  ['case_events', 'case_events_chain'],
  ['case_events', 'case_events_report_rollup'],
  ['cases', 'cases_report_rollup_insert'],
  ['cases', 'cases_report_root_cause_insert'],
  ['tasks', 'tasks_report_rollup_insert_delete'],
  ['resolutions', 'resolutions_report_root_cause'],
  ['cases', 'cases_report_waits'],
  ['case_waits', 'case_waits_report_rollup'],
  ['cases', 'cases_report_flow_insert'],
  ['payment_applications', 'payment_applications_post'],
] as const;

/** One real case's rows, the templates of the synthetic ones. */
async function templates(ctx: BenchContext): Promise<{ evidence: unknown; events: Record<string, unknown> }> {
  const c = await ctx.driver.wholeLife(await ctx.driver.prepare('dispute'), ctx.queues.dispute);
  const { rows: cases } = await ctx.infra.pool.query('SELECT evidence FROM cases WHERE id = $1', [c.caseId]);
  const { rows } = await ctx.infra.pool.query('SELECT type, data FROM case_events WHERE case_id = $1 ORDER BY seq', [c.caseId]);
  return { evidence: cases[0].evidence, events: Object.fromEntries(rows.map((r) => [r.type, r.data])) };
}

/**
 * Bulk-inserts cases g in [from, to] and their trails with generate_series. Closed cases went through one of three
 * paths (credit, no findings, no credit); open ones stopped in EVIDENCE, INVESTIGATION, RESOLUTION or APPROVAL.
 * The hash chain and the report rollups' triggers are off for the load (row by row they would take most of its
 * time; the chain is not what the report reads); seed() rebuilds the rollups once at the end.
 */
async function seedChunk(pool: Pool, from: number, to: number, open: boolean, openedBy: string, t: { evidence: unknown; events: Record<string, unknown> }) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const [table, trigger] of LOAD_TRIGGERS) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    await client.query(
      `CREATE TEMP TABLE syn ON COMMIT DROP AS
       SELECT g, md5('bench-case-' || g)::uuid AS id, (g % $4::int) + 1 AS ref,
              (ARRAY['PRICING','QUANTITY','PO_MISMATCH','SERVICE_NOT_COMPLETED','DUPLICATE_BILLING','OTHER'])[g % 6 + 1] AS reason_code,
              100 * (10 + g % 990) AS disputed_minor,
              CASE WHEN $3::boolean THEN 'CREDIT' WHEN g % 20 < 3 THEN 'NO_FINDINGS' WHEN g % 20 < 6 THEN 'NO_CREDIT' ELSE 'CREDIT' END AS path,
              CASE WHEN $3::boolean THEN g % 4 ELSE 5 END AS reached,
              now() - interval '1 day' * CASE WHEN $3::boolean THEN 8 + random() * 112 ELSE 12 + random() * 718 END AS t0,
              interval '1 second' * (5 + random() * 55) AS d_evidence,
              interval '1 hour' * (1 + random() * 95) AS d_investigation,
              interval '1 hour' * (0.5 + random() * 71.5) AS d_resolution,
              interval '1 hour' * (0.25 + random() * 47.75) AS d_approval,
              interval '1 second' * (1 + random() * 9) AS d_memo
         FROM generate_series($1::int, $2::int) g`,
      [from, to, open, CUSTOMERS],
    );
    // Stage entry times; NULL where the path skips the stage.
    await client.query(
      `CREATE TEMP TABLE syn_t ON COMMIT DROP AS
       SELECT s.*, t0 AS t_ev,
              CASE WHEN path <> 'NO_FINDINGS' THEN t0 + d_evidence END AS t_inv,
              t0 + d_evidence + CASE WHEN path <> 'NO_FINDINGS' THEN d_investigation ELSE interval '0' END AS t_res,
              CASE WHEN path <> 'NO_CREDIT' THEN t0 + d_evidence + d_investigation + d_resolution END AS t_app,
              CASE WHEN path <> 'NO_CREDIT' THEN t0 + d_evidence + d_investigation + d_resolution + d_approval END AS t_cm,
              t0 + d_evidence + d_investigation + d_resolution
                 + CASE WHEN path <> 'NO_CREDIT' THEN d_approval + d_memo ELSE interval '0' END AS t_done
         FROM syn s`,
    );
    await client.query(
      `INSERT INTO cases (id, case_number, workflow_id, invoice_number, customer_id, currency, disputed_minor, reason_code,
                          opened_by, status, stage, evidence, overbilled_minor, recommended_credit_minor, opened_at, stage_entered_at, closed_at)
       SELECT id, 'SYN-' || g, 'synthetic:' || g, 'SYN-INV-' || ref, 'SYN-C' || ref, 'USD', disputed_minor, reason_code, $1,
              CASE WHEN reached = 5 THEN 'CLOSED' ELSE 'OPEN' END,
              (ARRAY['EVIDENCE','INVESTIGATION','RESOLUTION','APPROVAL','CREDIT_MEMO','DONE'])[reached + 1],
              CASE WHEN reached >= 1 THEN $2::jsonb END, 10000, 10000, t_ev,
              (ARRAY[t_ev, t_inv, t_res, t_app, t_cm, t_done])[reached + 1], CASE WHEN reached = 5 THEN t_done END
         FROM syn_t`,
      [openedBy, JSON.stringify(t.evidence)],
    );
    // The task each case with findings has (its team alternating), done once the case left INVESTIGATION.
    await client.query(
      `INSERT INTO tasks (id, case_id, team, title, finding_codes, status, created_at, due_at, completed_at, outcome)
       SELECT md5('bench-task-' || g)::uuid, id, CASE WHEN g % 2 = 0 THEN 'SALES_OPS' ELSE 'ORDER_MANAGEMENT' END,
              'Confirm PRICE_VARIANCE on invoice SYN-INV-' || ref, ARRAY['PRICE_VARIANCE'],
              CASE WHEN reached >= 2 THEN 'DONE' ELSE 'OPEN' END, t_inv, t_inv + interval '48 hours',
              CASE WHEN reached >= 2 THEN t_res END, CASE WHEN reached >= 2 THEN 'CONFIRMED' END
         FROM syn_t WHERE t_inv IS NOT NULL AND reached >= 1`,
    );
    // Whom each case waited on, span by span as the projection keeps them: the specialist in EVIDENCE and RESOLUTION,
    // the task's team in INVESTIGATION, the approver in APPROVAL and CREDIT_MEMO; the span of an open case's stage is open.
    await client.query(
      `INSERT INTO case_waits (case_id, party, started_at, ended_at)
       SELECT s.id, w.party, w.started_at, CASE WHEN w.rank < s.reached OR s.reached = 5 THEN w.ended_at END
         FROM syn_t s CROSS JOIN LATERAL (VALUES
              (0, 'SPECIALIST', s.t_ev, coalesce(s.t_inv, s.t_res)),
              (1, CASE WHEN s.g % 2 = 0 THEN 'SALES_OPS' ELSE 'ORDER_MANAGEMENT' END, s.t_inv, s.t_res),
              (2, 'SPECIALIST', s.t_res, coalesce(s.t_app, s.t_done)),
              (3, 'APPROVER', s.t_app, s.t_done)
         ) AS w(rank, party, started_at, ended_at)
        WHERE w.started_at IS NOT NULL AND w.rank <= s.reached`,
    );
    // (rank: the stage an event belongs to; an open case has only the events of the stages it reached.)
    await client.query(
      `INSERT INTO case_events (case_id, seq, at, actor_id, actor_name, type, data, hash)
       SELECT s.id, row_number() OVER (PARTITION BY s.id ORDER BY e.ord), e.at, 'system', 'system', e.type, e.data, '\\x'::bytea
         FROM syn_t s CROSS JOIN LATERAL (VALUES
              (1, 0, 'CASE_OPENED', s.t_ev, $1::jsonb),
              (2, 0, 'STAGE_ENTERED', s.t_ev, '{"stage":"EVIDENCE"}'::jsonb),
              (3, 1, 'EVIDENCE_COLLECTED', s.t0 + s.d_evidence, $2::jsonb),
              (4, 1, 'STAGE_ENTERED', s.t_inv, '{"stage":"INVESTIGATION"}'),
              (5, 1, 'TASK_CREATED', s.t_inv, $3::jsonb),
              (6, 2, 'TASK_COMPLETED', CASE WHEN s.t_inv IS NOT NULL THEN s.t_res END, $4::jsonb),
              (7, 2, 'STAGE_ENTERED', s.t_res, '{"stage":"RESOLUTION"}'),
              (8, 3, 'RESOLUTION_PROPOSED', coalesce(s.t_app, s.t_done), $5::jsonb),
              (9, 3, 'STAGE_ENTERED', s.t_app, '{"stage":"APPROVAL"}'),
              (10, 4, 'RESOLUTION_DECIDED', s.t_cm, $6::jsonb),
              (11, 4, 'STAGE_ENTERED', s.t_cm, '{"stage":"CREDIT_MEMO"}'),
              (12, 5, 'CREDIT_MEMO_ISSUED', CASE WHEN s.t_cm IS NOT NULL THEN s.t_done END, $7::jsonb),
              (13, 5, 'STAGE_ENTERED', s.t_done, '{"stage":"DONE"}'),
              (14, 5, 'CASE_CLOSED', s.t_done, $8::jsonb)
         ) AS e(ord, rank, type, at, data)
        WHERE e.at IS NOT NULL AND e.rank <= s.reached`,
      ['CASE_OPENED', 'EVIDENCE_COLLECTED', 'TASK_CREATED', 'TASK_COMPLETED', 'RESOLUTION_PROPOSED', 'RESOLUTION_DECIDED', 'CREDIT_MEMO_ISSUED', 'CASE_CLOSED'].map(
        (type) => JSON.stringify(t.events[type] ?? {}),
      ),
    );
    // The resolution each case reached: proposed on entering APPROVAL, or closing the case with NO_CREDIT. Root
    // causes cycle through the codes, and one in ten is v1's free text (reported as OTHER).
    await client.query(
      `INSERT INTO resolutions (id, case_id, type, amount_minor, root_cause, proposed_by, proposed_at)
       SELECT md5('bench-resolution-' || g)::uuid, id, CASE WHEN path = 'NO_CREDIT' THEN 'NO_CREDIT' ELSE 'CREDIT' END,
              CASE WHEN path <> 'NO_CREDIT' THEN disputed_minor END,
              (ARRAY['ORDER_ENTRY','PRICING_SETUP','CONTRACT_SETUP','SERVICE_EXECUTION','DELIVERY','BILLING_OUTPUT',
                     'DUPLICATE_BILLING','CUSTOMER_ERROR','OTHER','pricing setup'])[g % 10 + 1],
              $1, coalesce(t_app, t_done)
         FROM syn_t WHERE reached >= 3`,
      [openedBy],
    );
    // One case in five came from a deduction: its payment (posted as the case opened), the matcher's application of
    // the rest of it (1.00: the 200 invoices that one case in five falls on take a thousand each at full size) and,
    // for one payment in four, cash it left unapplied. The deduction clears, partly clears or
    // turns out invalid as its case closes, and stays open with an open case.
    await client.query(
      `INSERT INTO payments (id, customer_id, currency, amount_minor, received_at, source, content_hash, posted_by, posted_at)
       SELECT 'SYN-PAY-' || g, 'SYN-C' || ref, 'USD', 100 + CASE WHEN g % 20 = 0 THEN 1000 ELSE 0 END, t0, 'json', md5('pay' || g), $1, t0
         FROM syn_t WHERE g % 5 = 0`,
      [openedBy],
    );
    await client.query(
      `INSERT INTO payment_applications (id, payment_id, invoice_number, amount_minor, applied_at)
       SELECT md5('bench-application-' || g)::uuid, 'SYN-PAY-' || g, 'SYN-INV-' || ref, 100, t0 FROM syn_t WHERE g % 5 = 0`,
    );
    await client.query(
      `UPDATE invoices i SET paid_minor = i.paid_minor + p.paid
         FROM (SELECT 'SYN-INV-' || ref AS number, 100 * count(*) AS paid FROM syn_t WHERE g % 5 = 0 GROUP BY 1) p
        WHERE i.number = p.number`,
    );
    await client.query(
      `INSERT INTO unapplied_cash (id, payment_id, customer_id, currency, amount_minor, reference, created_at)
       SELECT md5('bench-unapplied-' || g)::uuid, 'SYN-PAY-' || g, 'SYN-C' || ref, 'USD', 1000, 'SYN-REF-' || g, t0
         FROM syn_t WHERE g % 20 = 0`,
    );
    await client.query(
      `INSERT INTO deductions (id, payment_id, invoice_number, ordinal, amount_minor, customer_code, reason_code, status,
                               cleared_minor, resolved_at, case_id, created_at)
       SELECT md5('bench-deduction-' || g)::uuid, 'SYN-PAY-' || g, 'SYN-INV-' || ref, 0, disputed_minor, 'SHORT-' || (g % 7),
              reason_code, x.status, CASE x.status WHEN 'CLEARED' THEN disputed_minor WHEN 'PARTIAL' THEN disputed_minor / 2 ELSE 0 END,
              CASE WHEN x.status <> 'OPEN' THEN t_done END, id, t0
         FROM syn_t CROSS JOIN LATERAL (SELECT CASE WHEN reached < 5 THEN 'OPEN'
                                                  ELSE (ARRAY['CLEARED','CLEARED','INVALID','PARTIAL'])[g / 5 % 4 + 1] END AS status) x
        WHERE g % 5 = 0`,
    );
    for (const [table, trigger] of LOAD_TRIGGERS) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

interface Seeded {
  closed: number;
  open: number;
  seedMs: number;
}

/** The history both sections read, seeded by the first of them to run (sizes from BENCH_R5_CLOSED and BENCH_R5_OPEN). */
async function seeded(ctx: BenchContext): Promise<Seeded> {
  const shared = ctx.shared as { reportsSeeded?: Promise<Seeded> };
  const closed = Number(process.env.BENCH_R5_CLOSED ?? (ctx.full ? 1_000_000 : 20_000));
  const open = Number(process.env.BENCH_R5_OPEN ?? (ctx.full ? 50_000 : 1_000));
  shared.reportsSeeded ??= seed(ctx, closed, open).then((seedMs) => ({ closed, open, seedMs }));
  return shared.reportsSeeded;
}

async function seed(ctx: BenchContext, closed: number, open: number): Promise<number> {
  const { pool } = ctx.infra;
  progress(`reports: seeding ${closed} closed + ${open} open cases with their trails, resolutions and deductions`);
  const started = performance.now();
  const t = await templates(ctx);
  await pool.query('BEGIN');
  await pool.query(`INSERT INTO customers (id, name) SELECT 'SYN-C' || g, 'Synthetic customer ' || g FROM generate_series(1, $1::int) g`, [CUSTOMERS]);
  await pool.query(
    `INSERT INTO invoices (number, customer_id, purchase_order_id, issued_at, due_at, currency, total_minor)
     SELECT 'SYN-INV-' || g, 'SYN-C' || g, 'SYN-PO-' || g, now() - interval '800 days', now() - interval '770 days', 'USD', 10000000
       FROM generate_series(1, $1::int) g`,
    [CUSTOMERS],
  );
  await pool.query(
    `INSERT INTO invoice_lines (invoice_number, line_no, sku, quantity_milli, unit_price_minor)
     SELECT 'SYN-INV-' || g, 1, 'SKU-A', 1000000, 10000 FROM generate_series(1, $1::int) g`,
    [CUSTOMERS],
  );
  await pool.query('COMMIT');
  const openedBy = ctx.driver.actors.specialist.id;
  for (let from = 1; from <= closed; from += CHUNK) {
    await seedChunk(pool, from, Math.min(closed, from + CHUNK - 1), false, openedBy, t);
    progress(`reports: seeded ${Math.min(closed, from + CHUNK - 1)} closed cases`);
  }
  for (let from = closed + 1; from <= closed + open; from += CHUNK) {
    await seedChunk(pool, from, Math.min(closed + open, from + CHUNK - 1), true, openedBy, t);
  }
  progress('reports: rebuilding the report rollups');
  await pool.query('SELECT report_rollups_rebuild()');
  for (const table of [
    'cases',
    'case_events',
    'case_waits',
    'tasks',
    'resolutions',
    'payments',
    'payment_applications',
    'unapplied_cash',
    'deductions',
    'report_case_counts',
    'report_durations',
    'report_weekly_flow',
  ]) {
    await pool.query(`VACUUM ANALYZE ${table}`);
  }
  return performance.now() - started;
}

/** Each statement of a report timed on its own, in the order the use case issues them (it runs them in parallel). */
async function statementTimes(pool: Pool, report: ReportBench): Promise<number[]> {
  const statements: { text: string; params: unknown[] }[] = [];
  const capture: Queryable = {
    query: ((text: string, params: unknown[]) => {
      statements.push({ text, params });
      return pool.query(text, params);
    }) as Queryable['query'],
  };
  await report.run(capture);
  const times: number[] = [];
  for (const s of statements) {
    const started = performance.now();
    await pool.query(s.text, s.params);
    times.push(Math.round(performance.now() - started));
  }
  return times;
}

/** Each report, A and B interleaved over the rounds, under half of R1's throughput. */
async function runReports(ctx: BenchContext, id: string, title: string, reports: ReportBench[]): Promise<SectionResult> {
  const { closed, open, seedMs } = await seeded(ctx);
  const perRound = Number(process.env.BENCH_R5_REQUESTS ?? 20);

  const { perSecond: throughput } = await disputeThroughput(ctx, id);
  const rate = throughput / 2;

  const api = await startApi(ctx);
  const manager = ctx.driver.actors.manager;
  const timedSeries = async (run: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < perRound; i++) {
      const started = performance.now();
      await run();
      ms.push(performance.now() - started);
    }
    return ms;
  };

  progress(`${id}: ${perRound} requests per round, side and report, under ${rate.toFixed(2)} new cases/s`);
  const load = backgroundLoad(ctx.driver, 'dispute', ctx.queues.dispute, rate);
  await sleep(2_000);
  const measured: { report: ReportBench; rounds: { a: number[]; b: number[] }[] }[] = [];
  let loadStats: Awaited<ReturnType<typeof load.stop>>;
  try {
    for (const report of reports) {
      const viaHttp = async () => {
        const res = await fetch(`${api.url}${report.path}`, { headers: { authorization: `Bearer ${manager.token}` } });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`GET ${report.path}: ${res.status} ${body}`);
      };
      const rounds = await interleave(ctx.rounds, () => timedSeries(viaHttp), () => timedSeries(() => report.run(ctx.infra.pool)), `${id} ${report.name}`);
      measured.push({ report, rounds });
    }
  } finally {
    loadStats = await load.stop();
    await api.close();
  }
  const statements = [];
  for (const { report } of measured) statements.push(`${report.name} ${(await statementTimes(ctx.infra.pool, report)).join(', ')} ms`);
  const { rows } = await ctx.infra.pool.query(
    `SELECT pg_size_pretty(pg_total_relation_size('cases')) AS cases, pg_size_pretty(pg_total_relation_size('case_events')) AS events,
            (SELECT count(*) FROM case_events)::bigint AS event_rows, (SELECT count(*) FROM deductions)::bigint AS deductions`,
  );

  const comparisons: Comparison[] = measured.map(({ report, rounds }) =>
    compare(id, `${report.name} p95 (${closed} closed + ${open} open)`, 'ms', rounds.map((r) => ({ a: p95(r.a), b: p95(r.b) })), {
      text: '≤ 1.3× and A ≤ 100 ms',
      maxRatio: 1.3,
      maxA: 100,
    }),
  );
  const medians = measured.map(
    ({ report, rounds }) =>
      `${report.name} A ${median(rounds.slice(1).map((r) => median(r.a))).toFixed(0)} ms, B ${median(rounds.slice(1).map((r) => median(r.b))).toFixed(0)} ms`,
  );
  return {
    id,
    title,
    comparisons,
    info: [
      `${id}: seeded in ${(seedMs / 1000).toFixed(0)} s (cases ${rows[0].cases}, trail ${rows[0].event_rows} rows ${rows[0].events}, ${rows[0].deductions} deductions); ` +
        `${perRound} sequential reports per round, side and report, whole history (deductions: its default 90 days); p50 ${medians.join('; ')}`,
      `${id} load: ${rate.toFixed(2)} new cases/s (half of ${throughput.toFixed(2)}); ${loadStats.completed} lives completed, ${loadStats.failed} failed, ` +
        `life p50 ${median(loadStats.lives).toFixed(0)} ms; each report's statements one by one: ${statements.join('; ')}`,
    ],
    raw: {
      closed,
      open,
      seedMs,
      rate,
      reports: measured.map(({ report, rounds }) => ({ name: report.name, path: report.path, rounds })),
      load: { ...loadStats, lives: undefined },
      statements,
      sizes: rows[0],
    },
  };
}

export const runR5 = (ctx: BenchContext) => runReports(ctx, 'R5', 'reporting', [REPORTS.cycleTime]);

export const runR8 = (ctx: BenchContext) =>
  runReports(ctx, 'R8', 'every report at scale', [REPORTS.cycleTime, REPORTS.cycleTimeByRootCause, REPORTS.overview, REPORTS.deductions]);
