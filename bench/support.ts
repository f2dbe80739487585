// What every comparison shares: statistics, the interleaved A/B runner and its verdict, the machine, and the
// provisioning of a private Temporal dev server, a fresh PostgreSQL database and worker processes, all of which
// are stopped by cleanup() whatever happens (errors, Ctrl-C).
import { execFileSync } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Pool } from 'pg';
import pino from 'pino';
import { createApp } from '../api/app';
import type { DeductionRules } from '../domain/payments';
import { listen } from '../api/listen';
import { createScratchDatabase, startLocalStack } from '../infra/local-stack';
import { createLogger } from '../infra/logger';
import { spawnGroup } from '../infra/process-group';
import { createPool } from '../infra/postgres';
import { resolveTemporalCli } from '../infra/temporal-cli';
import type { Driver } from './cases';

export const ROOT = path.resolve(__dirname, '..');
export const log = createLogger('bench').child({}, { level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- statistics

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = (sorted.length - 1) * p;
  const lo = Math.floor(rank);
  return sorted[lo] + (sorted[Math.ceil(rank)] - sorted[lo]) * (rank - lo);
}
export const median = (values: readonly number[]) => percentile(values, 0.5);
export const p95 = (values: readonly number[]) => percentile(values, 0.95);

export interface Spread {
  median: number;
  min: number;
  max: number;
}
export const spread = (values: readonly number[]): Spread => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

// ---------------------------------------------------------------- interleaved A/B rounds and their verdict

/** A B A B …: `rounds` of each, in that order; the caller drops the first (warm-up) round. */
export async function interleave<T>(
  rounds: number,
  a: (round: number) => Promise<T>,
  b: (round: number) => Promise<T>,
  label = '',
): Promise<{ a: T; b: T }[]> {
  const out: { a: T; b: T }[] = [];
  for (let round = 0; round < rounds; round++) {
    const ra = await a(round);
    const rb = await b(round);
    out.push({ a: ra, b: rb });
    progress(`${label} round ${round + 1}/${rounds}${round === 0 ? ' (warm-up, dropped)' : ''}`);
  }
  return out;
}

export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export interface Goal {
  /** How the goal reads in the table. */
  text: string;
  /** The ratio A/B must be at most this (latency, time, memory) … */
  maxRatio?: number;
  /** … or at least this (throughput). */
  minRatio?: number;
  /** A − B (median over rounds) at most this, in the metric's unit. */
  maxDelta?: number;
  /** A's own median at most this, in the metric's unit. */
  maxA?: number;
}

export interface Comparison {
  id: string;
  metric: string;
  unit: string;
  a: Spread;
  b: Spread;
  ratio: Spread;
  delta: Spread;
  goal: Goal;
  pass: boolean;
  /** Which parts of the goal were missed. */
  missed: string[];
  /** Kept rounds (warm-up dropped): A, B and A/B per round. */
  rounds: { a: number; b: number; ratio: number }[];
  warmup: { a: number; b: number };
  note?: string;
}

/** The verdict on per-round figures (round 0 is the warm-up and is dropped). */
export function compare(id: string, metric: string, unit: string, perRound: { a: number; b: number }[], goal: Goal, note?: string): Comparison {
  const kept = perRound.slice(1).map((r) => ({ ...r, ratio: r.a / r.b }));
  const ratio = spread(kept.map((r) => r.ratio));
  const delta = spread(kept.map((r) => r.a - r.b));
  const a = spread(kept.map((r) => r.a));
  const missed: string[] = [];
  if (goal.maxRatio !== undefined && !(ratio.median <= goal.maxRatio)) missed.push(`ratio > ${goal.maxRatio}`);
  if (goal.minRatio !== undefined && !(ratio.median >= goal.minRatio)) missed.push(`ratio < ${goal.minRatio}`);
  if (goal.maxDelta !== undefined && !(delta.median <= goal.maxDelta)) missed.push(`A−B > ${goal.maxDelta} ${unit}`);
  if (goal.maxA !== undefined && !(a.median <= goal.maxA)) missed.push(`A > ${goal.maxA} ${unit}`);
  return {
    id,
    metric,
    unit,
    a,
    b: spread(kept.map((r) => r.b)),
    ratio,
    delta,
    goal,
    pass: missed.length === 0,
    missed,
    rounds: kept,
    warmup: perRound[0] ?? { a: NaN, b: NaN },
    note,
  };
}

/** Runs `work` over `items` with at most `concurrency` at a time; results in item order. */
export async function runPool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

// ---------------------------------------------------------------- cleanup, whatever happens

const cleanups: (() => Promise<unknown>)[] = [];

/** Registers an undo step; cleanup() runs them newest first. */
export function onCleanup(undo: () => Promise<unknown>): void {
  cleanups.push(undo);
}

export async function cleanup(): Promise<void> {
  while (cleanups.length) {
    const undo = cleanups.pop()!;
    await undo().catch((err: unknown) => log.warn({ err }, 'cleanup step failed'));
  }
}

// ---------------------------------------------------------------- provisioning

export interface Infra {
  temporalAddress: string;
  databaseUrl: string;
  /** The server's `postgres` database: where a comparison makes databases of its own (R7's fresh one per round). */
  adminUrl: string;
  /** The bench's own pool (drivers, seeding, checks); the processes under test have theirs. */
  pool: Pool;
  client: Client;
  tmpDir: string;
  postgresVersion: string;
  /** For CPU accounting: the dev server, and the embedded PostgreSQL's postmaster (none for DATABASE_URL). */
  pids: { temporal?: number; postgres?: number };
}

export interface ProvisionOptions {
  /** Extra `temporal server start-dev` arguments, e.g. dynamic config values for an experiment. */
  temporalArgs?: string[];
}

export async function provision(options: ProvisionOptions = {}): Promise<Infra> {
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ar-bench-'));
  onCleanup(() => fs.rm(tmpDir, { recursive: true, force: true }));
  const stack = await startLocalStack({
    postgres: process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { persistent: false },
    // The SQLite file and pragmas the SDK's own load tests use: a fair, fast single-shard server.
    temporal: { headless: true, sqlitePragmas: true, dbFilename: path.join(tmpDir, 'temporal.db'), extraArgs: options.temporalArgs },
    log,
  });
  onCleanup(() => stack.stop());
  const database = await createScratchDatabase(stack.adminUrl, 'bench', { max: 20, applicationName: 'bench', log, statementTimeoutMs: 0 });
  onCleanup(() => database.drop());
  const connection = await Connection.connect({ address: stack.temporalAddress });
  onCleanup(() => connection.close());
  const { rows } = await database.pool.query('SHOW server_version');
  return {
    temporalAddress: stack.temporalAddress,
    databaseUrl: database.url,
    adminUrl: stack.adminUrl,
    pool: database.pool,
    client: new Client({ connection }),
    tmpDir,
    postgresVersion: rows[0].server_version,
    pids: { temporal: stack.temporal?.pid, postgres: stack.postgres?.pid },
  };
}

// ---------------------------------------------------------------- workflow bundles, built once per run

export interface Bundle {
  path: string;
  bytes: number;
  buildMs: number;
}

export async function buildBundle(options: { workflowsPath: string; preloadModules?: string[] }, file: string): Promise<Bundle> {
  const started = performance.now();
  const { code } = await bundleWorkflowCode({ ...options, logger: new DefaultLogger('WARN') });
  await fs.writeFile(file, code);
  return { path: file, bytes: Buffer.byteLength(code), buildMs: performance.now() - started };
}

// ---------------------------------------------------------------- the HTTP API, in this process

export interface ApiOptions {
  /** Default: the bench's database, the one the worker processes use. */
  databaseUrl?: string;
  /** Default: DEFAULT_DEDUCTION_RULES, what a service configured with nothing runs with. */
  deductionRules?: DeductionRules;
}

export async function startApi(ctx: BenchContext, options: ApiOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
  // What `npm run api` runs, its request log kept (at info, as in production) but written to /dev/null.
  const pool = createPool(options.databaseUrl ?? ctx.infra.databaseUrl, { max: 10, applicationName: 'bench-api' });
  const app = createApp({
    pool,
    temporal: ctx.infra.client,
    taskQueue: ctx.queues.dispute,
    teams: ['ORDER_MANAGEMENT', 'SALES_OPS'],
    slas: { taskHours: 48, resolutionHours: 72, approvalHours: 24 },
    deductionRules: options.deductionRules,
    logger: pino({ level: 'info' }, pino.destination('/dev/null')),
  });
  const server = await listen(app, 0, '127.0.0.1');
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the API is not listening on a TCP port');
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    })());
  onCleanup(close);
  return { url: `http://127.0.0.1:${address.port}`, close };
}

// ---------------------------------------------------------------- processes under test

export interface NodeProcess {
  pid: number;
  /** Signals the process (a crash is SIGKILL); `exited` says when it is gone. */
  signal(signal: NodeJS.Signals): void;
  exited: Promise<unknown>;
  /** Resolves on the child's 'ready' message (bench/worker-process.ts only). */
  ready: Promise<void>;
  /** Asks the child for a full GC and its memory after it (bench/worker-process.ts, run with --expose-gc). */
  gc(): Promise<ChildMemory>;
  stop(): Promise<void>;
}

/**
 * `node --import tsx <script>`: node itself, not the tsx CLI wrapper, so a SIGKILL hits the process under test.
 * cleanup() stops it, whatever happens.
 */
export function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv): NodeProcess {
  // BENCH_NODE_ARGS: extra node flags for the benchmark's own processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`.
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const group = spawnGroup(process.execPath, ['--expose-gc', ...extra, '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    stopTimeoutMs: 15_000,
  });
  if (group.pid < 0) throw new Error(`could not spawn ${script}`);
  const { child } = group;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m) => m === 'ready' && resolve());
    void group.exited.then(() => reject(new Error(`${script} exited before it was ready`)));
  });
  ready.catch(() => undefined);
  // Gracefully, so that a profiling run's processes write their profiles.
  onCleanup(() => group.stop());
  return {
    pid: group.pid,
    signal: group.signal,
    exited: group.exited,
    ready,
    gc: () =>
      new Promise<ChildMemory>((resolve) => {
        const done = (m: unknown) => {
          const memory = (m as { gcDone?: ChildMemory } | null)?.gcDone;
          if (!memory) return;
          child.off('message', done);
          resolve(memory);
        };
        child.on('message', done);
        child.send('gc');
      }),
    stop: group.stop,
  };
}

export interface ChildMemory {
  rss: number;
  heapUsed: number;
  external: number;
}

// ---------------------------------------------------------------- where the CPU goes

const CLOCK_TICKS = 100;

/**
 * CPU seconds used so far by a process and all its descendants (Linux /proc; PostgreSQL backends included): each
 * live process's own time plus that of its children already exited and reaped, so a backend whose connection
 * closes mid-measurement takes none of its time away.
 */
export function treeCpuSeconds(rootPid: number): number {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime (fields 14–17 of proc(5)).
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      procs.set(Number(entry), { ppid: Number(fields[1]), ticks });
    } catch {
      /* gone meanwhile */
    }
  }
  let ticks = 0;
  const todo = [rootPid];
  while (todo.length) {
    const pid = todo.pop()!;
    ticks += procs.get(pid)?.ticks ?? 0;
    for (const [child, p] of procs) if (p.ppid === pid) todo.push(child);
  }
  return ticks / CLOCK_TICKS;
}

/** Starts counting CPU seconds per named process tree (and this process as `bench`); stop() gives the deltas. */
export function cpuMeter(pids: Record<string, number | undefined>) {
  const known = Object.entries(pids).filter((e): e is [string, number] => e[1] !== undefined);
  const before = new Map(known.map(([name, pid]) => [name, treeCpuSeconds(pid)]));
  const self = process.cpuUsage();
  return {
    stop(): Record<string, number> {
      const used: Record<string, number> = {};
      for (const [name, pid] of known) used[name] = treeCpuSeconds(pid) - before.get(name)!;
      const mine = process.cpuUsage(self);
      used.bench = (mine.user + mine.system) / 1e6;
      return used;
    },
  };
}

// ---------------------------------------------------------------- the machine

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  temporalCli: string;
  postgres: string;
  loadAvgAtStart: number[];
}

export function machine(postgresVersion: string): Machine {
  const cli = resolveTemporalCli();
  let temporalCli = 'SDK download';
  if (cli.type === 'existing-path') {
    try {
      temporalCli = execFileSync(cli.path, ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      temporalCli = cli.path;
    }
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    temporalCli,
    postgres: postgresVersion,
    loadAvgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** CPU milliseconds per case for each process tree, over a batch of `cases`. */
export function cpuPerCase(used: Record<string, number>, cases: number): Record<string, number> {
  return Object.fromEntries(Object.entries(used).map(([name, seconds]) => [name, (seconds * 1000) / cases]));
}

export function describeCpu(perCase: Record<string, number>[]): string {
  const names = Object.keys(perCase[0] ?? {});
  return names.map((n) => `${n} ${median(perCase.map((p) => p[n])).toFixed(1)}`).join(', ');
}

// ---------------------------------------------------------------- what each comparison module gets and gives

export interface BenchContext {
  infra: Infra;
  driver: Driver;
  bundles: { dispute: Bundle; bare: Bundle };
  /** Task queues served by the shared worker processes (one per kind, same options). */
  queues: { dispute: string; bare: string };
  /** The shared worker processes, for CPU accounting. */
  workerPids: { dispute: number; bare: number };
  /** Env given to every worker process under test (both kinds alike). */
  workerEnv: NodeJS.ProcessEnv;
  full: boolean;
  rounds: number;
  /** Figures one module leaves for another (R5 loads the system at half of R1's throughput). */
  shared: { r1DisputeThroughput?: number };
}

export interface SectionResult {
  id: string;
  title: string;
  comparisons: Comparison[];
  /** Lines printed under the table: sizes, what limits the figure, side measurements. */
  info: string[];
  raw: unknown;
}
