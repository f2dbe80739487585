// R3 worker cost per case. Replay: whole-life histories recorded on this run's server, replayed with the project
// bundle, against bare histories (same activities, updates and timers) with the bare bundle; the committed
// test/histories are replayed too, for the record. Memory: one fresh worker process per kind; each round opens K
// more cases that wait on their first human step in its cache, and the figure is the growth of the settled RSS
// per case (the SDK's core keeps its per-run state outside the V8 heap, and workflows run in a worker thread whose
// heap neither the main thread's figures show nor its gc() collects, so RSS, not heap, is what a case costs). RSS
// moves in steps (V8 pages, allocator arenas) and sometimes drops when memory is handed back: one round of K cases
// is a noisy sample, the median over rounds much less so, and --full's larger rounds less still.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Kind } from './cases';
import {
  compare,
  interleave,
  median,
  progress,
  runPool,
  sleep,
  spawnNode,
  ROOT,
  type BenchContext,
  type ChildMemory,
  type NodeProcess,
  type SectionResult,
} from './support';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

interface ReplayFigures {
  replays: number;
  startupMs: number;
  msPerHistory: number;
}

async function replay(bundlePath: string, histories: { workflowId: string; history: unknown }[], reps: number): Promise<ReplayFigures> {
  const all = Array.from({ length: reps }, (_, rep) => histories.map((h) => ({ workflowId: `${h.workflowId}-${rep}`, history: h.history }))).flat();
  const started = performance.now();
  let first = 0;
  let last = 0;
  let count = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath }, replayName: `bench-${randomUUID()}` }, all)) {
    if (result.error) throw new Error(`replay of ${result.workflowId} failed: ${result.error.message}`);
    last = performance.now();
    if (count++ === 0) first = last;
  }
  // The first result carries the replay worker's start-up; the rate is measured after it.
  return { replays: count, startupMs: first - started, msPerHistory: (last - first) / (count - 1) };
}

function committedHistories(): { workflowId: string; history: unknown }[] {
  const dir = path.join(ROOT, 'test', 'histories');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ workflowId: path.basename(f, '.json'), history: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) }));
}

interface MemoryFigures {
  cases: number;
  /** Settled (after full GCs) before and after the round's cases were opened. */
  before: ChildMemory;
  after: ChildMemory;
  rssPerCase: number;
  heapPerCase: number;
}

/** The worker's memory once garbage is collected and the allocator has had a moment to return pages. */
async function settled(worker: NodeProcess): Promise<ChildMemory> {
  await worker.gc();
  await sleep(200);
  return worker.gc();
}

/**
 * One round: K more open cases, each waiting on its first human step, kept in the cache of a worker that still
 * holds every earlier round's cases (its cache is sized for all of them, so nothing is evicted).
 */
async function growCache(ctx: BenchContext, kind: Kind, worker: NodeProcess, queue: string, k: number): Promise<MemoryFigures> {
  const before = await settled(worker);
  const prepared = await runPool(Array.from({ length: k }), 4, () => ctx.driver.prepare(kind));
  await runPool(prepared, 10, async (p) => ctx.driver.firstWait(await ctx.driver.start(p, queue)));
  const after = await settled(worker);
  return { cases: k, before, after, rssPerCase: (after.rss - before.rss) / k, heapPerCase: (after.heapUsed - before.heapUsed) / k };
}

/** A fresh worker process per kind for the memory rounds, with the prebuilt bundle and a cache for every round's cases. */
async function memoryWorkers(ctx: BenchContext, k: number) {
  const cache = String(Math.max(Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 1000), ctx.rounds * k + 50));
  const start = (kind: Kind) => {
    const queue = `bench-rss-${kind}-${randomUUID()}`;
    const worker = spawnNode('bench/worker-process.ts', [kind], {
      ...ctx.workerEnv,
      TEMPORAL_TASK_QUEUE: queue,
      BENCH_WORKFLOW_BUNDLE: ctx.bundles[kind].path,
      WORKER_MAX_CACHED_WORKFLOWS: cache,
    });
    return { kind, queue, worker };
  };
  const workers = { dispute: start('dispute'), bare: start('bare') };
  await Promise.all([workers.dispute.worker.ready, workers.bare.worker.ready]);
  return workers;
}

async function recordHistories(ctx: BenchContext, kind: Kind, count: number): Promise<{ workflowId: string; history: History }[]> {
  const prepared = await runPool(Array.from({ length: count }), 4, () => ctx.driver.prepare(kind));
  const cases = await runPool(prepared, 10, (p) => ctx.driver.wholeLife(p, ctx.queues[kind]));
  return Promise.all(cases.map(async (c) => ({ workflowId: c.workflowId, history: await c.handle.fetchHistory() })));
}

export async function runR3(ctx: BenchContext): Promise<SectionResult> {
  const recorded = ctx.full ? 20 : 10;
  const reps = ctx.full ? 25 : 5;
  const k = Number(process.env.BENCH_R3_CASES ?? (ctx.full ? 200 : 40));

  progress(`R3: recording ${recorded} whole-life histories of each kind`);
  const histories = { dispute: await recordHistories(ctx, 'dispute', recorded), bare: await recordHistories(ctx, 'bare', recorded) };
  const events = (kind: Kind) => median(histories[kind].map((h) => h.history.events?.length ?? 0));

  progress(`R3: replaying ${recorded} × ${reps} histories per round`);
  const replays = await interleave(
    ctx.rounds,
    () => replay(ctx.bundles.dispute.path, histories.dispute, reps),
    () => replay(ctx.bundles.bare.path, histories.bare, reps),
    'R3 replay',
  );
  const committed = committedHistories();
  const committedReplay = await replay(ctx.bundles.dispute.path, committed, reps);

  progress(`R3: worker memory, ${k} more open cases cached per round`);
  const workers = await memoryWorkers(ctx, k);
  let memory: { a: MemoryFigures; b: MemoryFigures }[];
  try {
    const round = (w: { kind: Kind; queue: string; worker: NodeProcess }) => growCache(ctx, w.kind, w.worker, w.queue, k);
    memory = await interleave(ctx.rounds, () => round(workers.dispute), () => round(workers.bare), 'R3 memory');
  } finally {
    await Promise.all([workers.dispute.worker.stop(), workers.bare.worker.stop()]);
  }

  const kib = (bytes: number) => bytes / 1024;
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const kept = memory.slice(1);
  const last = memory[memory.length - 1];
  return {
    id: 'R3',
    title: 'worker cost per case',
    comparisons: [
      compare('R3', 'replay per history', 'ms', replays.map((r) => ({ a: r.a.msPerHistory, b: r.b.msPerHistory })), {
        text: '≤ 1.5×',
        maxRatio: 1.5,
      }),
      compare('R3', `RSS per cached open case (+${k} a round)`, 'KiB', memory.map((r) => ({ a: kib(r.a.rssPerCase), b: kib(r.b.rssPerCase) })), {
        text: '≤ 1.5×',
        maxRatio: 1.5,
      }),
    ],
    info: [
      `R3 replay: ${recorded} recorded histories × ${reps} per round, median ${events('dispute')} events (dispute) vs ${events('bare')} (bare); ` +
        `replay worker start-up A ${median(replays.map((r) => r.a.startupMs)).toFixed(0)} ms, B ${median(replays.map((r) => r.b.startupMs)).toFixed(0)} ms`,
      `R3 committed test/histories (${committed.length}, ${committed.map((h) => (h.history as History).events?.length).join('/')} events): ` +
        `${committedReplay.msPerHistory.toFixed(2)} ms per history with the project bundle, all replay clean`,
      `R3 memory: one worker per kind, ${k} more open cases per round (${ctx.rounds * k} cached at the end, RSS A ` +
        `${mib(last.a.after.rss)} MiB, B ${mib(last.b.after.rss)} MiB); V8 heap per case A ${median(kept.map((r) => kib(r.a.heapPerCase))).toFixed(0)} KiB, ` +
        `B ${median(kept.map((r) => kib(r.b.heapPerCase))).toFixed(0)} KiB`,
    ],
    raw: { replays, committedReplay, memory, historyEvents: { dispute: events('dispute'), bare: events('bare') } },
  };
}
