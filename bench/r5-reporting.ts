// R5 reporting: GET /api/reports/cycle-time (whole history) through express against the use case's own SQL
// (cycleTimeReport called directly on a pool), over many closed and open synthetic cases, while the engine runs
// whole dispute lives at half of R1's throughput. The synthetic trail copies, event by event, the rows a real
// case wrote in this run (same types, same data), so row widths match production's.
import type { Pool } from 'pg';
import { cycleTime } from '../read-model/reports';
import { cycleTimeQuery } from '../contract';
import type { Queryable } from '../read-model/sql';
import { backgroundLoad } from './cases';
import { disputeThroughput } from './r1-engine';
import { compare, interleave, median, p95, progress, sleep, startApi, type BenchContext, type SectionResult } from './support';

const CUSTOMERS = 1000;
const CHUNK = 100_000;
/** Off while the synthetic rows are loaded (see seedChunk). */
const LOAD_TRIGGERS = [
  ['case_events', 'case_events_chain'],
  ['case_events', 'case_events_report_rollup'],
  ['cases', 'cases_report_rollup_insert'],
  ['tasks', 'tasks_report_rollup_insert_delete'],
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
    for (const [table, trigger] of LOAD_TRIGGERS) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function seed(ctx: BenchContext, closed: number, open: number): Promise<number> {
  const { pool } = ctx.infra;
  const started = performance.now();
  const t = await templates(ctx);
  await pool.query('BEGIN');
  await pool.query(`INSERT INTO customers (id, name) SELECT 'SYN-C' || g, 'Synthetic customer ' || g FROM generate_series(1, $1::int) g`, [CUSTOMERS]);
  await pool.query(
    `INSERT INTO invoices (number, customer_id, purchase_order_id, issued_at, due_at, currency, total_minor)
     SELECT 'SYN-INV-' || g, 'SYN-C' || g, 'SYN-PO-' || g, now() - interval '800 days', now() - interval '770 days', 'USD', 100000
       FROM generate_series(1, $1::int) g`,
    [CUSTOMERS],
  );
  await pool.query(
    `INSERT INTO invoice_lines (invoice_number, line_no, sku, quantity_milli, unit_price_minor)
     SELECT 'SYN-INV-' || g, 1, 'SKU-A', 10000, 10000 FROM generate_series(1, $1::int) g`,
    [CUSTOMERS],
  );
  await pool.query('COMMIT');
  const openedBy = ctx.driver.actors.specialist.id;
  for (let from = 1; from <= closed; from += CHUNK) {
    await seedChunk(pool, from, Math.min(closed, from + CHUNK - 1), false, openedBy, t);
    progress(`R5: seeded ${Math.min(closed, from + CHUNK - 1)} closed cases`);
  }
  for (let from = closed + 1; from <= closed + open; from += CHUNK) {
    await seedChunk(pool, from, Math.min(closed + open, from + CHUNK - 1), true, openedBy, t);
  }
  progress('R5: rebuilding the report rollups');
  await pool.query('SELECT report_rollups_rebuild()');
  for (const table of ['cases', 'case_events', 'tasks', 'report_case_counts', 'report_durations']) await pool.query(`VACUUM ANALYZE ${table}`);
  return performance.now() - started;
}

/** Each statement of the report timed on its own, in the order the use case issues them (it runs them in parallel). */
async function statementTimes(pool: Pool): Promise<number[]> {
  const statements: { text: string; params: unknown[] }[] = [];
  const capture: Queryable = {
    query: ((text: string, params: unknown[]) => {
      statements.push({ text, params });
      return pool.query(text, params);
    }) as Queryable['query'],
  };
  await cycleTime(capture, cycleTimeQuery.parse({}));
  const times: number[] = [];
  for (const s of statements) {
    const started = performance.now();
    await pool.query(s.text, s.params);
    times.push(Math.round(performance.now() - started));
  }
  return times;
}

export async function runR5(ctx: BenchContext): Promise<SectionResult> {
  const closed = Number(process.env.BENCH_R5_CLOSED ?? (ctx.full ? 1_000_000 : 20_000));
  const open = Number(process.env.BENCH_R5_OPEN ?? (ctx.full ? 50_000 : 1_000));
  const perRound = Number(process.env.BENCH_R5_REQUESTS ?? 20);

  progress(`R5: seeding ${closed} closed + ${open} open cases with their trails`);
  const seedMs = await seed(ctx, closed, open);

  const { perSecond: throughput } = await disputeThroughput(ctx, 'R5');
  const rate = throughput / 2;

  const api = await startApi(ctx);
  const manager = ctx.driver.actors.manager;
  const viaHttp = async () => {
    const res = await fetch(`${api.url}/api/reports/cycle-time`, { headers: { authorization: `Bearer ${manager.token}` } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET /api/reports/cycle-time: ${res.status} ${body}`);
  };
  const direct = async () => void (await cycleTime(ctx.infra.pool, cycleTimeQuery.parse({})));
  const timedSeries = async (run: () => Promise<void>) => {
    const ms: number[] = [];
    for (let i = 0; i < perRound; i++) {
      const started = performance.now();
      await run();
      ms.push(performance.now() - started);
    }
    return ms;
  };

  progress(`R5: ${perRound} reports per round and side, under ${rate.toFixed(2)} new cases/s`);
  const load = backgroundLoad(ctx.driver, 'dispute', ctx.queues.dispute, rate);
  await sleep(2_000);
  let rounds: { a: number[]; b: number[] }[];
  try {
    rounds = await interleave(ctx.rounds, () => timedSeries(viaHttp), () => timedSeries(direct), 'R5');
  } finally {
    const loadStats = await load.stop();
    await api.close();
    Object.assign(ctx.shared, { r5Load: loadStats });
  }
  const loadStats = (ctx.shared as { r5Load?: { completed: number; failed: number; lives: number[] } }).r5Load!;
  const statements = await statementTimes(ctx.infra.pool);
  const { rows } = await ctx.infra.pool.query(
    `SELECT pg_size_pretty(pg_total_relation_size('cases')) AS cases, pg_size_pretty(pg_total_relation_size('case_events')) AS events,
            (SELECT count(*) FROM case_events)::bigint AS event_rows`,
  );

  const perSide = (f: (v: number[]) => number) => rounds.map((r) => ({ a: f(r.a), b: f(r.b) }));
  return {
    id: 'R5',
    title: 'reporting',
    comparisons: [
      compare('R5', `cycle-time report p95 (${closed} closed + ${open} open)`, 'ms', perSide(p95), {
        text: '≤ 1.3× and A ≤ 100 ms',
        maxRatio: 1.3,
        maxA: 100,
      }),
    ],
    info: [
      `R5: seeded in ${(seedMs / 1000).toFixed(0)} s (cases ${rows[0].cases}, trail ${rows[0].event_rows} rows ${rows[0].events}); ${perRound} sequential reports per round and side, whole history, groupBy reasonCode; ` +
        `p50 A ${median(rounds.slice(1).map((r) => median(r.a))).toFixed(0)} ms, B ${median(rounds.slice(1).map((r) => median(r.b))).toFixed(0)} ms`,
      `R5 load: ${rate.toFixed(2)} new cases/s (half of ${throughput.toFixed(2)}); ${loadStats.completed} lives completed, ${loadStats.failed} failed, ` +
        `life p50 ${median(loadStats.lives).toFixed(0)} ms; the report's statements one by one: ${statements.join(', ')} ms`,
    ],
    raw: { closed, open, seedMs, rate, rounds, load: { ...loadStats, lives: undefined }, statements, sizes: rows[0] },
  };
}
