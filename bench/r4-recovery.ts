// R4 recovery: C cases brought to APPROVAL, all approved at once, and the worker process killed with SIGKILL as
// soon as a tenth of the approvals have answered (the rest are mid-update, mid-record or mid-memo). A new worker
// process starts at once; the figure is the time from the kill until every case has finished. The worker that
// dies runs the prebuilt bundle (its start is not measured, and happens during the previous run's wait); the one
// that recovers is started as in production:
// for A the real entry point (`node --import tsx worker/main.ts`, bundling at start), for B the bare worker,
// bundling at start too. For A every case must end with exactly one memo and an intact trail.
import { randomUUID } from 'node:crypto';
import type { Kind, OpenCase } from './cases';
import { compare, interleave, median, progress, runPool, sleep, spawnNode, type BenchContext, type NodeProcess, type SectionResult } from './support';

interface RecoveryFigures {
  cases: number;
  decidedAtKill: number;
  memosAtKill: number | null;
  /** Kill → last case finished. */
  recoveryMs: number;
  /** Kill → first case finished after it. */
  firstDoneMs: number;
  doneBeforeKill: number;
  duplicateMemos: number | null;
  missingMemos: number | null;
  trailProblems: number | null;
  /** Where the round's wall time went: waiting for the doomed worker, start to kill, the recovered worker's stop. */
  phasesMs: { workerStart: number; toKill: number; stop: number };
}

interface DoomedWorker {
  kind: Kind;
  queue: string;
  worker: NodeProcess;
}

/**
 * The workers that will be killed, started from the run's prebuilt bundle, one run ahead: the next run's worker
 * starts while this run waits out its recovery (mostly idle, the in-flight activities' timeouts), so its start-up
 * does not add to the section's wall time.
 */
class DoomedWorkers {
  private ahead: DoomedWorker | undefined;

  constructor(private readonly ctx: BenchContext) {}

  /** The worker for a run of `kind`: the one started ahead, or a new one. */
  take(kind: Kind): DoomedWorker {
    const ahead = this.ahead;
    this.ahead = undefined;
    return ahead?.kind === kind ? ahead : this.start(kind);
  }

  startAhead(kind: Kind): void {
    this.ahead = this.start(kind);
  }

  private start(kind: Kind): DoomedWorker {
    const queue = `bench-recovery-${kind}-${randomUUID()}`;
    const worker = spawnNode('bench/worker-process.ts', [kind], {
      ...this.ctx.workerEnv,
      TEMPORAL_TASK_QUEUE: queue,
      BENCH_WORKFLOW_BUNDLE: this.ctx.bundles[kind].path,
    });
    return { kind, queue, worker };
  }
}

/** The worker that recovers, started as production starts one (bundling the workflows). */
function startRecoveringWorker(ctx: BenchContext, kind: Kind, queue: string): NodeProcess {
  const env = { ...ctx.workerEnv, TEMPORAL_TASK_QUEUE: queue };
  return kind === 'dispute' ? spawnNode('worker/main.ts', [], env) : spawnNode('bench/worker-process.ts', ['bare'], env);
}

async function memoCheck(ctx: BenchContext, cases: OpenCase[]) {
  const { rows } = await ctx.infra.pool.query(
    `SELECT count(*) FILTER (WHERE x.memos > 1)::int AS duplicated, count(*) FILTER (WHERE x.memos = 0)::int AS missing,
            coalesce(sum(x.problems), 0)::int AS problems
       FROM (SELECT (SELECT count(*) FROM credit_memos m WHERE m.case_id = c.id) AS memos,
                    (SELECT count(*) FROM verify_case_trail(c.id)) AS problems
               FROM unnest($1::uuid[]) AS c(id)) x`,
    [cases.map((c) => c.caseId)],
  );
  return rows[0] as { duplicated: number; missing: number; problems: number };
}

async function recovery(ctx: BenchContext, doomed: DoomedWorkers, kind: Kind, count: number, next: Kind | null): Promise<RecoveryFigures> {
  const roundStarted = performance.now();
  const { queue, worker: first } = doomed.take(kind);
  await first.ready;
  const workerStartMs = performance.now() - roundStarted;
  const prepared = await runPool(Array.from({ length: count }), 4, () => ctx.driver.prepare(kind));
  const cases = await runPool(prepared, 10, (p) => ctx.driver.toApproval(p, queue));

  let decided = 0;
  const finished: number[] = [];
  const lives = cases.map(async (c) => {
    await ctx.driver.decide(c);
    decided++;
    await ctx.driver.result(c);
    finished.push(performance.now());
  });
  const killAt = Math.ceil(count / 10);
  while (decided < killAt) await sleep(2);
  const decidedAtKill = decided;
  const memosAtKill =
    kind === 'dispute'
      ? ((await ctx.infra.pool.query('SELECT count(*)::int AS n FROM credit_memos WHERE case_id = ANY($1::uuid[])', [cases.map((c) => c.caseId)])).rows[0].n as number)
      : null;
  const killedAt = performance.now();
  first.signal('SIGKILL');
  await first.exited;
  const doneBeforeKill = finished.filter((t) => t <= killedAt).length;

  const second = startRecoveringWorker(ctx, kind, queue);
  if (next) doomed.startAhead(next);
  let allDoneAt: number;
  try {
    await Promise.all(lives);
    allDoneAt = performance.now();
  } finally {
    await second.stop();
  }
  const after = finished.filter((t) => t > killedAt);
  const check = kind === 'dispute' ? await memoCheck(ctx, cases) : null;
  if (check && (check.duplicated || check.missing || check.problems)) {
    throw new Error(`R4: ${check.duplicated} cases with duplicate memos, ${check.missing} without a memo, ${check.problems} trail problems`);
  }
  return {
    cases: count,
    decidedAtKill,
    memosAtKill,
    recoveryMs: Math.max(...finished) - killedAt,
    firstDoneMs: after.length ? Math.min(...after) - killedAt : 0,
    duplicateMemos: check?.duplicated ?? null,
    missingMemos: check?.missing ?? null,
    trailProblems: check?.problems ?? null,
    doneBeforeKill,
    phasesMs: { workerStart: workerStartMs, toKill: killedAt - roundStarted, stop: performance.now() - allDoneAt },
  };
}

export async function runR4(ctx: BenchContext): Promise<SectionResult> {
  const count = Number(process.env.BENCH_R4_CASES ?? (ctx.full ? 50 : 10));
  progress(`R4: ${count} cases approved at once, worker killed with SIGKILL, restarted`);
  const doomed = new DoomedWorkers(ctx);
  const rounds = await interleave(
    ctx.rounds,
    () => recovery(ctx, doomed, 'dispute', count, 'bare'),
    (round) => recovery(ctx, doomed, 'bare', count, round + 1 < ctx.rounds ? 'dispute' : null),
    'R4',
  );
  const kept = rounds.slice(1);
  const duplicates = kept.reduce((n, r) => n + (r.a.duplicateMemos ?? 0), 0);
  const recoveryCmp = compare('R4', 'kill -9 → all complete', 'ms', rounds.map((r) => ({ a: r.a.recoveryMs, b: r.b.recoveryMs })), {
    text: '≤ 1.2×; 0 duplicate memos',
    maxRatio: 1.2,
  });
  if (duplicates > 0) {
    recoveryCmp.pass = false;
    recoveryCmp.missed.push(`${duplicates} duplicate memos`);
  }
  return {
    id: 'R4',
    title: 'recovery',
    comparisons: [recoveryCmp],
    info: [
      `R4: ${count} cases per round; killed after ${median(kept.map((r) => r.a.decidedAtKill))} approvals answered, ` +
        `memos committed at kill (A) ${kept.map((r) => r.a.memosAtKill).join('/')}; kill → first case done A ${median(kept.map((r) => r.a.firstDoneMs)).toFixed(0)} ms, ` +
        `B ${median(kept.map((r) => r.b.firstDoneMs)).toFixed(0)} ms; duplicate memos ${duplicates}, missing memos 0, trail problems 0 (all rounds checked)`,
    ],
    raw: rounds.map((r) => ({ dispute: r.a, bare: r.b })),
  };
}
