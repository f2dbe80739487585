// R1 engine overhead: N whole dispute lives (real worker, real activities, PostgreSQL) against N bare lives with
// the same activities, updates and timers, on the same server with the same worker options. Closed loop: C
// scripted users, each taking the next case. Records are imported before the clock starts.
import os from 'node:os';
import type { Kind } from './cases';
import {
  compare,
  cpuMeter,
  cpuPerCase,
  describeCpu,
  interleave,
  median,
  p95,
  progress,
  runPool,
  type BenchContext,
  type SectionResult,
} from './support';

interface RoundFigures {
  cases: number;
  wallMs: number;
  throughput: number;
  p50: number;
  p95: number;
  /** CPU ms per case by process tree: where the time goes. */
  cpuMsPerCase: Record<string, number>;
  loadAvg: number;
  latencies: number[];
}

export async function runR1(ctx: BenchContext): Promise<SectionResult> {
  const n = Number(process.env.BENCH_R1_CASES ?? (ctx.full ? 200 : 30));
  const concurrency = Number(process.env.BENCH_R1_CONCURRENCY ?? 10);
  const { pids } = ctx.infra;

  const round = async (kind: Kind): Promise<RoundFigures> => {
    const prepared = await runPool(Array.from({ length: n }), 4, () => ctx.driver.prepare(kind));
    const cpu = cpuMeter({ temporal: pids.temporal, postgres: pids.postgres, worker: ctx.workerPids[kind] });
    const started = performance.now();
    const latencies = await runPool(prepared, concurrency, (p) => ctx.driver.life(p, ctx.queues[kind]));
    const wallMs = performance.now() - started;
    return {
      cases: n,
      wallMs,
      throughput: (n * 1000) / wallMs,
      p50: median(latencies),
      p95: p95(latencies),
      cpuMsPerCase: cpuPerCase(cpu.stop(), n),
      loadAvg: os.loadavg()[0],
      latencies,
    };
  };

  progress(`R1: ${n} cases per round, ${concurrency} at a time`);
  const rounds = await interleave(ctx.rounds, () => round('dispute'), () => round('bare'), 'R1');
  const pick = (f: (r: RoundFigures) => number) => rounds.map((r) => ({ a: f(r.a), b: f(r.b) }));
  const throughput = compare('R1', 'throughput', 'cases/s', pick((r) => r.throughput), { text: 'ratio ≥ 0.8', minRatio: 0.8 });
  ctx.shared.r1DisputeThroughput = throughput.a.median;
  const kept = rounds.slice(1);
  return {
    id: 'R1',
    title: 'engine overhead',
    comparisons: [
      throughput,
      compare('R1', 'latency p50 (start→memo)', 'ms', pick((r) => r.p50), { text: '≤ 1.25×', maxRatio: 1.25 }),
      compare('R1', 'latency p95 (start→memo)', 'ms', pick((r) => r.p95), { text: '≤ 1.5×', maxRatio: 1.5 }),
    ],
    info: [
      `R1: ${n} case lives per round, ${concurrency} scripted users at a time; per life 8 activities, 3 updates, 3 timers`,
      `R1 CPU ms per case, A: ${describeCpu(kept.map((r) => r.a.cpuMsPerCase))}; B: ${describeCpu(kept.map((r) => r.b.cpuMsPerCase))}`,
    ],
    raw: rounds.map((r) => ({ dispute: r.a, bare: r.b })),
  };
}

/** Lives of the short measurement taken when R1 did not run in this invocation, and how many at a time. */
const STANDIN_LIVES = 20;
const STANDIN_CONCURRENCY = 10;

/**
 * The dispute throughput a comparison measures against (cases/s): R1's median when R1 ran in this invocation,
 * otherwise a short stand-in (STANDIN_LIVES lives, STANDIN_CONCURRENCY at a time, on the same worker). `source`
 * says which, for the section's notes.
 */
export async function disputeThroughput(ctx: BenchContext, forWhom: string): Promise<{ perSecond: number; source: string }> {
  const r1 = ctx.shared.r1DisputeThroughput;
  if (r1 !== undefined) return { perSecond: r1, source: "R1's median in this run" };
  progress(`${forWhom}: R1 did not run; measuring the dispute throughput (${STANDIN_LIVES} lives, ${STANDIN_CONCURRENCY} at a time)`);
  const prepared = await runPool(Array.from({ length: STANDIN_LIVES }), 4, () => ctx.driver.prepare('dispute'));
  const started = performance.now();
  await runPool(prepared, STANDIN_CONCURRENCY, (p) => ctx.driver.life(p, ctx.queues.dispute));
  return {
    perSecond: (STANDIN_LIVES * 1000) / (performance.now() - started),
    source: `R1 not run in this invocation: ${STANDIN_LIVES} lives, ${STANDIN_CONCURRENCY} at a time, measured once here instead of R1's rounds`,
  };
}
