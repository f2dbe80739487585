// F7 determinism, as a bad deploy. (Recorded histories replaying clean, and the deliberately reordered workflow
// failing on each: test/workflow/replay.test.ts.) Here 24 cases are in flight at every stage when the worker is
// replaced by one built from the reordered workflow: their live histories replay clean against the real bundle and
// fail against the reordered one; the bad worker, alone on the task queue, cannot even answer a query about them and
// moves none of them (nothing reaches the database); with the real worker back, every case finishes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { viewQuery } from '../../domain/messages';
import {
  createFaultWorld,
  decide,
  expectInvariants,
  finishInvestigation,
  inStage,
  mapLimit,
  openCases,
  proposeCredit,
  type FaultWorld,
  type StartedCase,
} from '../support/faults';
import { testWorkflowBundle } from '../support/temporal';
import { pricingDispute } from '../../testkit/fixtures';

let world: FaultWorld;
let bundleDir: string;
let reorderedBundle: string;

describe('F7 determinism, as a bad deploy', () => {
  beforeAll(async () => {
    world = await createFaultWorld();
    bundleDir = await mkdtemp(path.join(os.tmpdir(), 'reordered-deploy-'));
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflow/reordered'), logger: new DefaultLogger('WARN') });
    reorderedBundle = path.join(bundleDir, 'reordered.js');
    await writeFile(reorderedBundle, code);
  }, 60_000);

  afterAll(async () => {
    await world?.close();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  async function replay(codePath: string, cases: StartedCase[]) {
    const histories = await mapLimit(cases, 8, async (c) => ({ workflowId: c.handle.workflowId, history: await c.handle.fetchHistory() }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath } }, histories)) results.push(result);
    return results;
  }

  it('keeps 24 cases in flight safe from a reordered deploy, and finishes them with the real one', async () => {
    const { db, cast } = world;
    const good = await world.startWorker();
    const cases = await openCases(world, Array.from({ length: 24 }, () => pricingDispute()));
    // Six cases in each of INVESTIGATION, RESOLUTION, APPROVAL and closed.
    await mapLimit(cases, 12, async (c, i) => {
      await inStage(db.pool, c, ['INVESTIGATION']);
      if (i % 4 === 0) return;
      await finishInvestigation(db.pool, c, cast);
      if (i % 4 === 1) return;
      await proposeCredit(c.handle, cast.specialist, '100.00');
      if (i % 4 === 2) return;
      await decide(c.handle, cast.manager, 'APPROVE');
      await inStage(db.pool, c, ['DONE']);
    });

    const clean = await replay(testWorkflowBundle(), cases);
    expect(clean.map((r) => r.error?.message ?? null)).toEqual(Array(24).fill(null));
    const reordered = await replay(reorderedBundle, cases);
    expect(reordered).toHaveLength(cases.length);
    expect(reordered.filter((r) => !(r.error instanceof DeterminismViolationError)).map((r) => r.workflowId)).toEqual([]);

    // The bad deploy: the real worker stops, the reordered one takes the task queue.
    await good.stop();
    const trail = async () => (await db.pool.query('SELECT count(*)::int AS n FROM case_events')).rows[0].n;
    const before = await trail();
    const bad = await world.startWorker({ workflowBundlePath: reorderedBundle });
    const open = cases.filter((_, i) => i % 4 !== 3);
    const answers = await mapLimit(open, 6, async (c) => {
      try {
        return await c.handle.query(viewQuery);
      } catch (err) {
        return err;
      }
    });
    // The worker fails the replay the query needs, and the client hears why.
    expect(answers.map((a) => (a instanceof Error ? /\[TMPRL1100\] Nondeterminism error/.test(a.message) : a))).toEqual(Array(open.length).fill(true));
    await bad.stop();
    expect(await trail()).toBe(before);

    // The real worker again: every open case answers and finishes.
    await world.startWorker();
    await mapLimit(open, 12, async (c) => {
      const { stage } = await c.handle.query(viewQuery);
      if (stage === 'INVESTIGATION') await finishInvestigation(db.pool, c, cast);
      if (stage !== 'APPROVAL') await proposeCredit(c.handle, cast.specialist, '100.00');
      await decide(c.handle, cast.manager, 'APPROVE');
      await inStage(db.pool, c, ['DONE']);
    });
    const report = await expectInvariants(db.pool, { temporal: world.client, allClosed: true, workflowIds: cases.map((c) => c.input.opened.workflowId) });
    expect(report).toMatchObject({ cases: 24, closed: 24, memos: 24 });
  }, 120_000);
});
