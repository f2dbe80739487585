// `npm run bench [-- --full] [-- --only R1,R3] [-- --rounds 6]`: R1–R8 of docs/proving.md, A (ours) and B
// (baseline) interleaved in one run, one table, every raw round in bench/results/<timestamp>.json.
// Experiments: `--temporal-arg ARG` (repeatable) passes a flag to the dev server, e.g.
// `--temporal-arg=--dynamic-config-value --temporal-arg=system.enableActivityEagerExecution=true`; the worker
// processes take the usual env (WORKER_MAX_CACHED_WORKFLOWS, WORKER_MAX_CONCURRENT_*, PG_POOL_MAX).
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_OPTIONS } from '../worker/create-worker';
import { createActors, Driver } from './cases';
import { runR1 } from './r1-engine';
import { runR2 } from './r2-human-action';
import { runR3 } from './r3-worker-cost';
import { runR4 } from './r4-recovery';
import { runR5, runR8 } from './reporting';
import { runR6 } from './r6-big-case';
import { runR7 } from './r7-payments';
import { printTable } from './table';
import {
  buildBundle,
  cleanup,
  machine,
  progress,
  provision,
  spawnNode,
  type BenchContext,
  type SectionResult,
} from './support';

const SECTIONS: Record<string, (ctx: BenchContext) => Promise<SectionResult>> = { R1: runR1, R2: runR2, R3: runR3, R4: runR4, R5: runR5, R6: runR6, R7: runR7, R8: runR8 };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string', default: '5' },
      'temporal-arg': { type: 'string', multiple: true, default: [] },
    },
  });
  const only = (values.only ?? Object.keys(SECTIONS).join(',')).split(',').map((s) => s.trim().toUpperCase());
  for (const id of only) if (!SECTIONS[id]) throw new Error(`unknown section ${id}; known: ${Object.keys(SECTIONS).join(', ')}`);
  const rounds = Number(values.rounds);
  if (!(rounds >= 5)) throw new Error('--rounds must be at least 5 (the first is a dropped warm-up)');

  // The SDK's core (replay workers run in this process) logs warnings only.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const started = new Date();
  progress('provisioning: Temporal dev server, PostgreSQL, migrations');
  const infra = await provision({ temporalArgs: values['temporal-arg'] });
  const host = machine(infra.postgresVersion);

  progress('bundling the workflows (once per run, shared by every worker)');
  const bundles = {
    dispute: await buildBundle(WORKFLOW_BUNDLE_OPTIONS, path.join(infra.tmpDir, 'dispute-bundle.js')),
    bare: await buildBundle({ workflowsPath: require.resolve('./bare/workflows') }, path.join(infra.tmpDir, 'bare-bundle.js')),
  };

  const workerEnv = { DATABASE_URL: infra.databaseUrl, TEMPORAL_ADDRESS: infra.temporalAddress };
  const queues = { dispute: `bench-dispute-${randomUUID()}`, bare: `bench-bare-${randomUUID()}` };
  const workers = (['dispute', 'bare'] as const).map((kind) =>
    spawnNode('bench/worker-process.ts', [kind], {
      ...workerEnv,
      TEMPORAL_TASK_QUEUE: queues[kind],
      BENCH_WORKFLOW_BUNDLE: bundles[kind].path,
    }),
  );
  await Promise.all(workers.map((w) => w.ready));

  const ctx: BenchContext = {
    infra,
    driver: new Driver(infra.client, infra.pool, await createActors(infra.pool)),
    bundles,
    queues,
    workerPids: { dispute: workers[0].pid, bare: workers[1].pid },
    workerEnv,
    full: values.full ?? false,
    rounds,
    shared: {},
  };

  const sections: SectionResult[] = [];
  for (const id of only) {
    progress(`${id}: starting`);
    sections.push(await SECTIONS[id](ctx));
  }

  const finished = new Date();
  const report = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    options: { full: ctx.full, rounds, only, temporalArgs: values['temporal-arg'], workerEnv: tuningEnv() },
    machine: host,
    bundles: { dispute: { bytes: bundles.dispute.bytes, buildMs: bundles.dispute.buildMs }, bare: { bytes: bundles.bare.bytes, buildMs: bundles.bare.buildMs } },
    sections,
  };
  const file = path.join(__dirname, 'results', `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(report, null, 2));
  console.log(printTable(report));
  console.log(`\nraw rounds: ${path.relative(process.cwd(), file)}  (${Math.round((finished.getTime() - started.getTime()) / 1000)} s)`);
}

/** The worker tuning in force (the processes under test read the same variables as `npm run worker`). */
function tuningEnv(): Record<string, string> {
  const names = ['WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_MAX_CONCURRENT_ACTIVITIES', 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 'PG_POOL_MAX'];
  return Object.fromEntries(names.filter((n) => process.env[n]).map((n) => [n, process.env[n]!]));
}

let exiting = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (exiting) return;
    exiting = true;
    progress(`${signal}: stopping everything the bench started`);
    void cleanup().finally(() => process.exit(130));
  });
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (exiting) return;
    exiting = true;
    await cleanup();
    // Connections to the stopped servers may hold the event loop open; everything of ours is already stopped.
    process.exit(process.exitCode ?? 0);
  });
