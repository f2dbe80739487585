// The cycle-time report's rollups (migrations/0005_report_rollups.sql): appended to by triggers as the projection
// writes cases, tasks and the trail (retried batches and a late stage entry included), and compacted, they equal a
// recomputation from scratch; percentiles read from their buckets are within 1 % of percentile_cont; and the report
// built on them agrees with an exact computation over the cases, for the whole history, for whole months, for
// periods that cut months (whose edges are read from the cases), and with deltas not yet compacted. By root cause
// (migrations/0022_reports_at_scale.sql): the closed cases under their last resolution's code, v1's free text as OTHER.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Pool } from 'pg';
import { recordEvents } from '../../activities/trail';
import { cycleTimeQuery } from '../../contract';
import { storeRecords } from '../../api/records-import';
import { cycleTime } from '../../read-model/reports';
import type { CaseEvent, RecordedEvent } from '../../domain/events';
import { ROOT_CAUSES, type ReasonCode, type Stage } from '../../domain/types';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createUser, pricingDispute, type TestUser } from '../../testkit/fixtures';
import { prng } from '../../testkit/random';

let db: TestDatabase;
let specialist: TestUser;
let manager: TestUser;
let ops: TestUser;
let invoice: { number: string; customerId: string };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REASONS: ReasonCode[] = ['PRICING', 'QUANTITY', 'PO_MISMATCH'];
// 'pricing setup': a resolution stored before the codes.
const ROOT_CAUSES_PROPOSED = ['PRICING_SETUP', 'CUSTOMER_ERROR', 'ORDER_ENTRY', 'pricing setup'];

type Ending = 'credit' | 'no-credit' | 'reject-then-credit' | 'cancelled' | 'open';

/**
 * One case's trail, in the batches the workflow writes it in, from `openedAt` on with random waits. `EVIDENCE_COLLECTED`
 * and `CREDIT_MEMO_ISSUED` are left out (their activities write them with their side effects): their seqs stay gaps.
 */
function caseTrail(random: () => number, openedAt: number, ending: Ending, teams: string[]): { caseId: string; batches: RecordedEvent[][] } {
  const caseId = randomUUID();
  const caseNumber = `RR-${caseId.slice(0, 8)}`;
  let seq = 0;
  let at = openedAt;
  const wait = (maxHours: number) => (at += Math.floor(random() * maxHours * HOUR) + 1_000);
  const event = (e: CaseEvent): RecordedEvent => ({ ...e, seq: ++seq, at: new Date(at).toISOString() });
  const stage = (s: Stage) => event({ type: 'STAGE_ENTERED', actor: { id: 'system', name: 'system' }, data: { stage: s } });
  const system = { id: 'system', name: 'system' };
  const person = (u: TestUser) => ({ id: u.id, name: u.name });

  const batches: RecordedEvent[][] = [
    [
      event({
        type: 'CASE_OPENED',
        actor: person(specialist),
        data: {
          caseNumber,
          workflowId: `dispute:${caseNumber}`,
          invoiceNumber: invoice.number,
          customerId: invoice.customerId,
          currency: 'USD',
          disputedAmount: '100.00',
          reasonCode: REASONS[Math.floor(random() * REASONS.length)],
          description: null,
        },
      }),
      stage('EVIDENCE'),
    ],
  ];
  seq++; // EVIDENCE_COLLECTED
  wait(0.02);
  const taskIds = teams.map(() => randomUUID());
  batches.push([
    stage('INVESTIGATION'),
    ...teams.map((team, i) =>
      event({ type: 'TASK_CREATED', actor: system, data: { taskId: taskIds[i], team, title: `Confirm on ${invoice.number}`, dueAt: new Date(at + 48 * HOUR).toISOString(), findingCodes: ['PRICE_VARIANCE'] } }),
    ),
  ]);
  if (ending === 'open' && random() < 0.5) return { caseId, batches };
  if (ending === 'cancelled') {
    wait(30);
    batches.push([
      ...teams.map((team, i) => event({ type: 'TASK_CANCELLED', actor: person(specialist), data: { taskId: taskIds[i], team } })),
      stage('DONE'),
      event({ type: 'CASE_CANCELLED', actor: person(specialist), data: { reason: 'withdrawn by the customer' } }),
    ]);
    return { caseId, batches };
  }
  teams.forEach((team, i) => {
    wait(60);
    batches.push([
      event({ type: 'TASK_COMPLETED', actor: person(ops), data: { taskId: taskIds[i], team, outcome: 'CONFIRMED', note: 'checked', amount: null } }),
      ...(i === teams.length - 1 ? [stage('RESOLUTION')] : []),
    ]);
  });
  if (ending === 'open') return { caseId, batches };

  const propose = (type: 'CREDIT' | 'NO_CREDIT') => {
    wait(40);
    const resolutionId = randomUUID();
    const amount = type === 'CREDIT' ? '50.00' : null;
    batches.push([
      event({
        type: 'RESOLUTION_PROPOSED',
        actor: person(specialist),
        data: { resolutionId, type, amount, rootCause: ROOT_CAUSES_PROPOSED[Math.floor(random() * ROOT_CAUSES_PROPOSED.length)], note: null },
      }),
      ...(type === 'CREDIT' ? [stage('APPROVAL')] : []),
    ]);
    return { resolutionId, amount };
  };
  const decide = (proposal: { resolutionId: string; amount: string | null }, decision: 'APPROVE' | 'REJECT') => {
    wait(20);
    batches.push([
      event({
        type: 'RESOLUTION_DECIDED',
        actor: person(manager),
        data: { approvalId: randomUUID(), resolutionId: proposal.resolutionId, decision, comment: null, amount: proposal.amount, approverLimit: null },
      }),
      stage(decision === 'APPROVE' ? 'CREDIT_MEMO' : 'RESOLUTION'),
    ]);
  };
  if (ending === 'no-credit') {
    propose('NO_CREDIT');
  } else {
    if (ending === 'reject-then-credit') decide(propose('CREDIT'), 'REJECT');
    decide(propose('CREDIT'), 'APPROVE');
    seq++; // CREDIT_MEMO_ISSUED
    wait(0.01);
  }
  batches.push([stage('DONE'), event({ type: 'CASE_CLOSED', actor: system, data: { outcome: ending === 'no-credit' ? 'NO_CREDIT' : 'CREDIT' } })]);
  return { caseId, batches };
}

const NOW = Date.now();
const ENDINGS: Ending[] = ['credit', 'credit', 'no-credit', 'reject-then-credit', 'cancelled', 'open'];
const TEAM_SETS = [['SALES_OPS'], ['ORDER_MANAGEMENT'], ['ORDER_MANAGEMENT', 'SALES_OPS']];

beforeAll(async () => {
  db = await createTestDatabase();
  [specialist, manager, ops] = await Promise.all([
    createUser(db.pool, 'specialist'),
    createUser(db.pool, 'manager', { approvalLimit: null }),
    createUser(db.pool, 'ops', { team: 'SALES_OPS' }),
  ]);
  const fixture = pricingDispute();
  await storeRecords(db.pool, fixture.records);
  invoice = { number: fixture.invoiceNumber, customerId: fixture.customerId };

  const random = prng(20261123);
  // 90 cases opened over the last five months, several a day in the same month, so buckets are shared.
  const trails = Array.from({ length: 90 }, () =>
    caseTrail(random, NOW - 150 * DAY + Math.floor(random() * 145 * DAY), ENDINGS[Math.floor(random() * ENDINGS.length)], TEAM_SETS[Math.floor(random() * TEAM_SETS.length)]),
  );
  // Cases are written side by side, as workers do, each case's batches in order; some batches twice, as a retried
  // activity writes them.
  await Promise.all(
    trails.map(async ({ caseId, batches }, i) => {
      for (const [b, events] of batches.entries()) {
        await recordEvents(db.pool, { caseId, events });
        if ((i + b) % 7 === 0) await recordEvents(db.pool, { caseId, events });
      }
    }),
  );
  // One stage entry reaching the trail after the next one (it splits the time the two around it bounded).
  const late = caseTrail(random, NOW - 40 * DAY, 'credit', ['SALES_OPS']);
  const events = late.batches.flat();
  const held = events.findIndex((e) => e.type === 'STAGE_ENTERED' && e.data.stage === 'RESOLUTION');
  await recordEvents(db.pool, { caseId: late.caseId, events: events.filter((_, i) => i !== held) });
  await recordEvents(db.pool, { caseId: late.caseId, events: [events[held]] });
}, 60_000);

afterAll(() => db?.drop());

async function rollupRows(pool: Pool) {
  const rows = (sql: string) => pool.query(sql).then((r) => r.rows);
  return {
    counts: await rows(`SELECT month::text, dimension, key, open::int, closed::int, cancelled::int FROM report_case_counts ORDER BY 1, 2, 3`),
    durations: await rows(`SELECT month::text, measure, key, bucket, n::int FROM report_durations WHERE n <> 0 ORDER BY 1, 2, 3, 4`),
    allCounts: await rows(`SELECT dimension, key, open::int, closed::int, cancelled::int FROM report_case_counts_all ORDER BY 1, 2`),
    allDurations: await rows(`SELECT measure, key, bucket, n::int FROM report_durations_all WHERE n <> 0 ORDER BY 1, 2, 3`),
    weeks: await rows(`SELECT week::text, opened::int, closed::int, cancelled::int FROM report_weekly_flow WHERE (opened, closed, cancelled) <> (0, 0, 0) ORDER BY 1`),
  };
}

const pendingDeltas = async () =>
  Number(
    (
      await db.pool.query(
        `SELECT (SELECT count(*) FROM report_case_count_deltas) + (SELECT count(*) FROM report_duration_deltas)
                + (SELECT count(*) FROM report_weekly_flow_deltas) AS n`,
      )
    ).rows[0].n,
  );

it('keeps the rollups equal to a recomputation from the cases, tasks, trail and resolutions', async () => {
  // Spans of closed cases that change after the close: one ended later than the close (its batch's last event came
  // after CASE_CLOSED), one more party for another case.
  const { rows: closedSpans } = await db.pool.query(
    `SELECT DISTINCT ON (w.case_id) w.ctid::text AS ctid, w.case_id FROM case_waits w JOIN cases c ON c.id = w.case_id
      WHERE c.status = 'CLOSED' ORDER BY w.case_id, w.started_at LIMIT 2`,
  );
  expect(closedSpans).toHaveLength(2);
  await db.pool.query(`UPDATE case_waits SET ended_at = ended_at + interval '90 minutes' WHERE ctid = $1::tid`, [closedSpans[0].ctid]);
  await db.pool.query(
    `INSERT INTO case_waits (case_id, party, started_at, ended_at) SELECT id, 'CUSTOMER', closed_at - interval '1 day', closed_at - interval '20 hours' FROM cases WHERE id = $1`,
    [closedSpans[1].case_id],
  );
  // A closed case's close moved a week later (a trail projected again): its figures move out and back in.
  await db.pool.query(`UPDATE cases SET closed_at = closed_at + interval '8 days' WHERE id = $1`, [closedSpans[0].case_id]);
  expect(await pendingDeltas()).toBeGreaterThan(0);
  await db.pool.query('SELECT report_rollups_compact()');
  expect(await pendingDeltas()).toBe(0);
  const incremental = await rollupRows(db.pool);
  expect(incremental.counts.length).toBeGreaterThan(10);
  expect(incremental.durations.length).toBeGreaterThan(100);
  // The cases' weeks (0024): opened over five months, most of them closed or cancelled since.
  expect(incremental.weeks.length).toBeGreaterThan(15);
  const { rows: cases } = await db.pool.query(
    `SELECT count(*)::int AS opened, (count(*) FILTER (WHERE status = 'CLOSED'))::int AS closed, (count(*) FILTER (WHERE status = 'CANCELLED'))::int AS cancelled FROM cases`,
  );
  const sum = (key: 'opened' | 'closed' | 'cancelled') => incremental.weeks.reduce((n: number, w: Record<string, number>) => n + w[key], 0);
  expect({ opened: sum('opened'), closed: sum('closed'), cancelled: sum('cancelled') }).toEqual(cases[0]);
  // v1's free text among them, under OTHER.
  expect(incremental.durations.filter((r) => r.measure === 'CYCLE_ROOT_CAUSE').map((r) => r.key)).toEqual(
    expect.arrayContaining(['PRICING_SETUP', 'CUSTOMER_ERROR', 'ORDER_ENTRY', 'OTHER']),
  );
  // Whom the closed cases waited on (0023), as the projection kept their spans.
  expect([...new Set(incremental.durations.filter((r) => r.measure === 'WAIT').map((r) => r.key))].sort()).toEqual(
    expect.arrayContaining(['APPROVER', 'SALES_OPS', 'SPECIALIST']),
  );
  await db.pool.query('SELECT report_rollups_rebuild()');
  expect(await rollupRows(db.pool)).toEqual(incremental);
});

it('reads percentiles from the buckets within 1 % of percentile_cont (1 s below one second)', async () => {
  const durations = fc.array(fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 1e7, noNaN: true })), {
    minLength: 1,
    maxLength: 300,
  });
  const p = fc.constantFrom(0, 0.1, 0.5, 0.9, 0.99, 1);
  await fc.assert(
    fc.asyncProperty(durations, p, async (values, q) => {
      const { rows } = await db.pool.query(
        `SELECT (SELECT percentile_cont($2::float8) WITHIN GROUP (ORDER BY s) FROM unnest($1::float8[]) s) AS exact,
                (SELECT histogram_percentile(array_agg(b ORDER BY b), array_agg(n ORDER BY b), $2::float8)
                   FROM (SELECT duration_bucket(s) AS b, count(*) AS n FROM unnest($1::float8[]) s GROUP BY 1) h) AS approx`,
        [values, q],
      );
      const { exact, approx } = rows[0] as { exact: number; approx: number };
      expect(Math.abs(approx - exact)).toBeLessThanOrEqual(0.01 * exact + 1 + 1e-9);
    }),
    { numRuns: 60 },
  );
  const { rows } = await db.pool.query(`SELECT histogram_percentile('{}', '{}', 0.5) AS empty`);
  expect(rows[0].empty).toBeNull();
});

// ---------------------------------------------------------------- the report against an exact computation

interface Line {
  count: number;
  closed: number;
  median: number | null;
  p90: number | null;
}

const EXACT_HOURS = (seconds: string, filter = '') =>
  `(percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds}) ${filter}) / 3600 AS median,
   (percentile_cont(0.9) WITHIN GROUP (ORDER BY ${seconds}) ${filter}) / 3600 AS p90`;
const CYCLE = 'extract(epoch FROM c.closed_at - c.opened_at)';
const CLOSED = `FILTER (WHERE c.status = 'CLOSED')`;

/** The report's figures by percentile_cont over every case opened in [from, to). */
async function exactReport(from: string, to: string) {
  const scope = `WITH s AS (SELECT * FROM cases WHERE opened_at >= $1::timestamptz AND opened_at < $2::timestamptz)`;
  const line = (r: Record<string, unknown>): Line => ({ count: Number(r.count), closed: Number(r.closed), median: r.median as number | null, p90: r.p90 as number | null });
  const [overall, reasons, teams, tasks, stages, rootCauses, waits] = await Promise.all([
    db.pool.query(`${scope} SELECT count(*) AS count, count(*) ${CLOSED} AS closed, count(*) FILTER (WHERE c.status = 'OPEN') AS open, ${EXACT_HOURS(CYCLE, CLOSED)} FROM s c`, [from, to]),
    db.pool.query(`${scope} SELECT c.reason_code AS key, count(*) AS count, count(*) ${CLOSED} AS closed, ${EXACT_HOURS(CYCLE, CLOSED)} FROM s c GROUP BY 1 ORDER BY 1`, [from, to]),
    db.pool.query(`${scope} SELECT t.team AS key, count(*) AS count, count(*) ${CLOSED} AS closed, ${EXACT_HOURS(CYCLE, CLOSED)} FROM s c JOIN tasks t ON t.case_id = c.id GROUP BY 1 ORDER BY 1`, [from, to]),
    db.pool.query(
      `${scope} SELECT t.team AS key, count(*) AS count, 0 AS closed, ${EXACT_HOURS('extract(epoch FROM t.completed_at - t.created_at)', `FILTER (WHERE t.status = 'DONE')`)}
         FROM s c JOIN tasks t ON t.case_id = c.id GROUP BY 1 ORDER BY 1`,
      [from, to],
    ),
    db.pool.query(
      `${scope} SELECT x.stage AS key, count(*) AS count, 0 AS closed, ${EXACT_HOURS('x.seconds')}
         FROM (SELECT e.data->>'stage' AS stage, extract(epoch FROM lead(e.at) OVER (PARTITION BY e.case_id ORDER BY e.seq) - e.at) AS seconds
                 FROM case_events e JOIN s ON s.id = e.case_id WHERE e.type = 'STAGE_ENTERED') x
        WHERE x.seconds IS NOT NULL GROUP BY 1 ORDER BY 1`,
      [from, to],
    ),
    db.pool.query(
      `${scope} SELECT CASE WHEN r.root_cause = ANY ($3::text[]) THEN r.root_cause ELSE 'OTHER' END AS key, count(*) AS count,
                       count(*) AS closed, ${EXACT_HOURS(CYCLE)}
         FROM s c JOIN LATERAL (SELECT root_cause FROM resolutions WHERE case_id = c.id ORDER BY proposed_at DESC LIMIT 1) r ON true
        WHERE c.status = 'CLOSED' GROUP BY 1 ORDER BY 1`,
      [from, to, ROOT_CAUSES],
    ),
    // The closed cases' total time on each party, a span still open counted to the close.
    db.pool.query(
      `${scope} SELECT x.party AS key, count(*) AS count, 0 AS closed, ${EXACT_HOURS('x.seconds')}, sum(x.seconds) / 3600 AS total
         FROM (SELECT w.party, sum(extract(epoch FROM coalesce(w.ended_at, c.closed_at) - w.started_at)) AS seconds
                 FROM s c JOIN case_waits w ON w.case_id = c.id WHERE c.status = 'CLOSED' GROUP BY c.id, w.party) x
        GROUP BY 1 ORDER BY 1`,
      [from, to],
    ),
  ]);
  const byKey = (rows: Record<string, unknown>[]) => Object.fromEntries(rows.map((r) => [r.key as string, line(r)]));
  return {
    overall: { ...line(overall.rows[0]), open: Number(overall.rows[0].open) },
    reasons: byKey(reasons.rows),
    teams: byKey(teams.rows),
    tasks: byKey(tasks.rows),
    stages: byKey(stages.rows),
    rootCauses: byKey(rootCauses.rows),
    waits: Object.fromEntries(waits.rows.map((r) => [r.key as string, { ...line(r), total: Number(r.total) }])),
  };
}

/** Within 1 % (the buckets), plus the rounding of both figures to 2 decimals. */
function expectClose(approx: number | null, exact: number | null, what: string): void {
  const close = exact === null ? approx === null : approx !== null && Math.abs(approx - exact) <= 0.01 * exact + 0.0101;
  expect({ what, approx, exact, close }).toEqual({ what, approx, exact, close: true });
}

const PERIODS: { name: string; from?: string; to?: string }[] = [
  { name: 'the whole history' },
  { name: 'whole months', from: isoDay(monthStart(-4)), to: isoDay(new Date(monthStart(-1).getTime() - DAY)) },
  { name: 'days that cut months', from: isoDay(new Date(NOW - 100 * DAY)), to: isoDay(new Date(NOW - 20 * DAY)) },
  { name: 'timestamps', from: new Date(NOW - 77.3 * DAY).toISOString(), to: new Date(NOW - 0.5 * DAY).toISOString() },
  { name: 'part of one month', from: isoDay(new Date(monthStart(-2).getTime() + 3 * DAY)), to: isoDay(new Date(monthStart(-2).getTime() + 20 * DAY)) },
  { name: 'from a day on', from: isoDay(new Date(NOW - 64 * DAY)) },
];

function monthStart(plus: number): Date {
  const d = new Date(NOW);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plus, 1));
}
function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

it.each(PERIODS)('agrees with percentile_cont over the cases for $name', ({ from, to }) => expectAgreement(from, to));

it('adds the deltas that a compaction has not folded yet, while another compaction holds its lock', async () => {
  const holder = await db.pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`SELECT pg_advisory_xact_lock(hashtext('report_rollups_compact'))`);
    const random = prng(7);
    for (const ending of ['credit', 'cancelled', 'open'] as const) {
      const { caseId, batches } = caseTrail(random, NOW - 3 * DAY, ending, ['SALES_OPS']);
      for (const events of batches) await recordEvents(db.pool, { caseId, events });
    }
    await expectAgreement(undefined, undefined);
    await expectAgreement(isoDay(monthStart(-1)), undefined);
    expect(await pendingDeltas()).toBeGreaterThan(0);
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
});

async function expectAgreement(from: string | undefined, to: string | undefined): Promise<void> {
  const [byReason, byTeam, byRootCause] = await Promise.all([
    cycleTime(db.pool, cycleTimeQuery.parse({ from, to, groupBy: 'reasonCode' })),
    cycleTime(db.pool, cycleTimeQuery.parse({ from, to, groupBy: 'team' })),
    cycleTime(db.pool, cycleTimeQuery.parse({ from, to, groupBy: 'rootCause' })),
  ]);
  const exact = await exactReport(byReason.from ?? '-infinity', new Date(Date.parse(byReason.to) + 1).toISOString());

  const o = byReason.overall;
  expect({ count: o.count, closed: o.closedCount, open: o.openCount }).toEqual({ count: exact.overall.count, closed: exact.overall.closed, open: exact.overall.open });
  expect(o.count).toBeGreaterThan(0);
  expectClose(o.medianHours, exact.overall.median, 'overall median');
  expectClose(o.p90Hours, exact.overall.p90, 'overall p90');

  expect(byReason.groups.map((g) => g.key)).toEqual(Object.keys(exact.reasons));
  for (const g of byReason.groups) {
    const e = exact.reasons[g.key];
    expect({ key: g.key, count: g.count, closed: g.closedCount }).toEqual({ key: g.key, count: e.count, closed: e.closed });
    expectClose(g.medianHours, e.median, `${g.key} median`);
    expectClose(g.p90Hours, e.p90, `${g.key} p90`);
  }

  expect(byTeam.groups.map((g) => g.key)).toEqual(Object.keys(exact.teams));
  for (const g of byTeam.groups) {
    const e = exact.teams[g.key];
    const t = exact.tasks[g.key];
    expect({ key: g.key, count: g.count, closed: g.closedCount, tasks: g.taskCount }).toEqual({ key: g.key, count: e.count, closed: e.closed, tasks: t.count });
    expectClose(g.medianHours, e.median, `${g.key} median`);
    expectClose(g.p90Hours, e.p90, `${g.key} p90`);
    expectClose(g.taskMedianHours ?? null, t.median, `${g.key} task median`);
    expectClose(g.taskP90Hours ?? null, t.p90, `${g.key} task p90`);
  }

  // Only closed cases have a root cause; the rest of the report is the same whatever the grouping.
  expect(byRootCause.groups.map((g) => g.key)).toEqual(Object.keys(exact.rootCauses));
  expect(byRootCause.groups.reduce((n, g) => n + g.count, 0)).toBe(exact.overall.closed);
  for (const g of byRootCause.groups) {
    const e = exact.rootCauses[g.key];
    expect({ key: g.key, count: g.count, closed: g.closedCount }).toEqual({ key: g.key, count: e.count, closed: e.closed });
    expectClose(g.medianHours, e.median, `${g.key} median`);
    expectClose(g.p90Hours, e.p90, `${g.key} p90`);
  }
  expect({ overall: byRootCause.overall, stages: byRootCause.stages }).toEqual({ overall: byReason.overall, stages: byReason.stages });

  // Stages the cases never left count 0 on both sides: at least one must have been timed for the loop to test anything.
  expect(byReason.stages.filter((s) => s.count > 0)).not.toEqual([]);
  // Whom the closed cases waited on: the same parties; percentiles within a bucket; the total exact but for each
  // case's rounding to the second.
  expect(byReason.waitingOn.map((w) => w.party)).toEqual(Object.keys(exact.waits));
  for (const w of byReason.waitingOn) {
    const e = exact.waits[w.party];
    expectClose(w.medianHours, e.median, `waiting on ${w.party} median`);
    expectClose(w.p90Hours, e.p90, `waiting on ${w.party} p90`);
    expect(Math.abs(w.totalHours - e.total)).toBeLessThanOrEqual((0.5 * e.count) / 3600 + 0.0001);
  }
  expect(byTeam.waitingOn).toEqual(byReason.waitingOn);
  for (const s of byReason.stages) {
    const e = exact.stages[s.stage] ?? { count: 0, closed: 0, median: null, p90: null };
    expect({ stage: s.stage, count: s.count }).toEqual({ stage: s.stage, count: e.count });
    expectClose(s.medianHours, e.median, `${s.stage} median`);
    expectClose(s.p90Hours, e.p90, `${s.stage} p90`);
  }
}
