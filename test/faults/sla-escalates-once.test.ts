// F19 long waits, on the time-skipping server with 24 cases in flight: every SLA (task, resolution, approval) fires
// once when it passes and never again however long the wait goes on, never for a wait answered in time, and once
// more only for a new wait (a rejected proposal's next approval). Commands arriving after an escalation are handled
// once: a late task completion, a late proposal, a late decision sent twice with one update id, two managers at once.
import type { Pool } from 'pg';
import { completeTaskUpdate } from '../../domain/messages';
import { eventually } from '../support/api';
import {
  createFaultWorld,
  decide,
  expectInvariants,
  inStage,
  mapLimit,
  openCases,
  openTaskIds,
  proposeCredit,
  refusalOf,
  type FaultWorld,
  type StartedCase,
} from '../support/faults';
import { pricingDispute } from '../../testkit/fixtures';

let world: FaultWorld;

describe('F19 long waits', () => {
  beforeAll(async () => {
    world = await createFaultWorld({ timeSkipping: true });
    await world.startWorker();
  });

  afterAll(() => world?.close());

  async function count(pool: Pool, c: StartedCase, type: string): Promise<number> {
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = $2', [c.input.caseId, type]);
    return rows[0].n;
  }

  /** Waits until each case has `n` events of `type` (they follow a timer asynchronously). */
  function escalatedTimes(pool: Pool, cases: StartedCase[], type: string, n: number): Promise<unknown> {
    return mapLimit(cases, 24, (c) =>
      eventually(`${c.input.opened.caseNumber}: ${n} × ${type}`, async () => ((await count(pool, c, type)) === n ? true : undefined)),
    );
  }

  const counts = (pool: Pool, cases: StartedCase[], type: string) => mapLimit(cases, 24, (c) => count(pool, c, type));

  it('escalates each wait once when its SLA passes, and handles the commands that come after once', async () => {
    const { db, cast } = world;
    const env = world.env!;
    const openedAt = new Date(await env.currentTimeMs()).toISOString();
    const cases = await openCases(world, Array.from({ length: 24 }, () => pricingDispute()), { openedAt });
    await mapLimit(cases, 24, (c) => inStage(db.pool, c, ['INVESTIGATION']));
    const complete = async (c: StartedCase, updateId?: string) => {
      const [task] = await openTaskIds(db.pool, c.input.caseId);
      return c.handle.executeUpdate(completeTaskUpdate, {
        args: [{ actor: cast.salesOps, taskId: task.id, outcome: 'CONFIRMED', note: 'late', amount: null }],
        ...(updateId ? { updateId } : {}),
      });
    };

    // ---- tasks (48 h): 8 answered in time, 16 late
    const [onTime, late] = [cases.slice(0, 8), cases.slice(8)];
    await env.sleep('47 hours');
    await mapLimit(onTime, 8, (c) => complete(c));
    await env.sleep('2 hours');
    await escalatedTimes(db.pool, late, 'TASK_ESCALATED', 1);
    await env.sleep('5 days');
    expect(await counts(db.pool, cases, 'TASK_ESCALATED')).toEqual([...Array(8).fill(0), ...Array(16).fill(1)]);
    // The late completion, sent twice with one update id, is one completion.
    await mapLimit(late, 16, async (c) => {
      const [a, b] = await Promise.all([complete(c, `late-${c.input.caseId}`), complete(c, `late-${c.input.caseId}`)]);
      expect(b).toEqual(a);
      expect(a.stage).toBe('RESOLUTION');
    });
    expect(await counts(db.pool, cases, 'TASK_COMPLETED')).toEqual(Array(24).fill(1));

    // ---- resolution (72 h from each case's entry): the on-time cases have waited ~6 days already, the late ones 0 h
    await escalatedTimes(db.pool, onTime, 'RESOLUTION_ESCALATED', 1);
    await mapLimit(late.slice(0, 8), 8, (c) => proposeCredit(c.handle, cast.specialist, '100.00'));
    await env.sleep('73 hours');
    await escalatedTimes(db.pool, late.slice(8), 'RESOLUTION_ESCALATED', 1);
    await env.sleep('4 days');
    expect(await counts(db.pool, cases, 'RESOLUTION_ESCALATED')).toEqual([...Array(8).fill(1), ...Array(8).fill(0), ...Array(8).fill(1)]);
    const proposedLate = [...onTime, ...late.slice(8)];
    await mapLimit(proposedLate, 16, (c) => proposeCredit(c.handle, cast.specialist, '100.00'));

    // ---- approval (24 h): the first 8 proposed have waited a week; the others escalate after their own 24 h
    await escalatedTimes(db.pool, late.slice(0, 8), 'APPROVAL_ESCALATED', 1);
    await env.sleep('25 hours');
    await escalatedTimes(db.pool, proposedLate, 'APPROVAL_ESCALATED', 1);
    await env.sleep('3 days');
    expect(await counts(db.pool, cases, 'APPROVAL_ESCALATED')).toEqual(Array(24).fill(1));

    // Late decisions: 8 sent twice with one update id, 8 raced by two managers, 8 rejected (a new wait begins).
    const [twice, raced, rejected] = [cases.slice(0, 8), cases.slice(8, 16), cases.slice(16)];
    await mapLimit(twice, 8, async (c) => {
      const [a, b] = await Promise.all([decide(c.handle, cast.manager, 'APPROVE', `late-${c.input.caseId}`), decide(c.handle, cast.manager2, 'APPROVE', `late-${c.input.caseId}`)]);
      expect(b).toEqual(a);
    });
    await mapLimit(raced, 8, async (c) => {
      const refusals = await Promise.all([refusalOf(decide(c.handle, cast.manager, 'APPROVE')), refusalOf(decide(c.handle, cast.manager2, 'APPROVE'))]);
      expect(refusals.sort()).toEqual(['Conflict', undefined]);
    });
    await mapLimit(rejected, 8, async (c) => {
      await decide(c.handle, cast.manager, 'REJECT');
      await proposeCredit(c.handle, cast.specialist, '90.00');
    });
    await env.sleep('25 hours');
    await escalatedTimes(db.pool, rejected, 'APPROVAL_ESCALATED', 2);
    await mapLimit(rejected, 8, (c) => decide(c.handle, cast.manager2, 'APPROVE'));

    await mapLimit(cases, 24, (c) => inStage(db.pool, c, ['DONE']));
    expect(await counts(db.pool, cases, 'RESOLUTION_DECIDED')).toEqual([...Array(16).fill(1), ...Array(8).fill(2)]);
    expect(await counts(db.pool, cases, 'ADJUSTMENTS_ISSUED')).toEqual(Array(24).fill(1));
    const report = await expectInvariants(db.pool, { temporal: world.client, allClosed: true, workflowIds: cases.map((c) => c.input.opened.workflowId) });
    expect(report).toMatchObject({ cases: 24, closed: 24, memos: 24 });
  }, 120_000);
});
