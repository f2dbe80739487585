// F9 duplicate and racing commands, on the dev server with the real worker, 24 cases in flight at once: the same
// update id twice gives the first answer and one event (even when the second carries another payload); two managers
// deciding at once: exactly one wins, the other is refused with a Conflict; a cancel racing an approval: one wins.
// Then through HTTP, 20 more cases: two managers at once answer 200 and 409; an Idempotency-Key sent twice at once,
// and again after the case closed, answers the first answer each time.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { eventually, startApi, type ApiHarness } from '../support/api';
import { completeTaskUpdate, proposeResolutionUpdate, type CommandResult } from '../../domain/messages';
import {
  cancelCase,
  caseViaApi,
  completeTasksViaApi,
  createCast,
  createFaultWorld,
  decide,
  eventTypes,
  expectInvariants,
  mapLimit,
  inStage,
  openCases,
  openCasesViaApi,
  openTaskIds,
  proposeCredit,
  type Cast,
  type FaultWorld,
  type HttpCase,
} from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

const CASES = 24;

let world: FaultWorld;

describe('F9 duplicate and racing commands', () => {
  beforeAll(async () => {
    world = await createFaultWorld();
    await world.startWorker();
  });

  afterAll(() => world?.close());

  type Settled = PromiseSettledResult<CommandResult>;

  /** Exactly one of two racing commands won; the other was refused as a Conflict (the case had moved on). */
  function oneWinner([a, b]: Settled[]): 0 | 1 {
    const won = [a, b].map((r) => r.status === 'fulfilled');
    expect(won.filter(Boolean)).toHaveLength(1);
    const lost = (won[0] ? b : a) as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(lost.reason.cause).toBeInstanceOf(ApplicationFailure);
    expect(lost.reason.cause.type).toBe('Conflict');
    return won[0] ? 0 : 1;
  }

  const count = async (sql: string, params: unknown[]) => (await world.db.pool.query(sql, params)).rows[0].n as number;

  it('answers a repeated update id once, and lets exactly one of two racing commands win', async () => {
    const { db, cast, client } = world;
    const cases = await openCases(world, Array.from({ length: CASES }, () => pricingDispute()));

    // ---- duplicates of the commands that keep the case open: same id twice, in a row and at once
    await mapLimit(cases, CASES, async (c) => {
      const taskId = await eventually('the task', async () => (await openTaskIds(db.pool, c.input.caseId))[0]?.id);
      const complete = (note: string) =>
        c.handle.executeUpdate(completeTaskUpdate, {
          args: [{ actor: cast.salesOps, taskId, outcome: 'CONFIRMED', note, amount: null }],
          updateId: `complete-${c.input.caseId}`,
        });
      const first = await complete('first');
      const again = await complete('second, with another note');
      expect(again).toEqual(first);
      expect(first).toEqual({ status: 'OPEN', stage: 'RESOLUTION' });

      const propose = (amount: string) =>
        c.handle.executeUpdate(proposeResolutionUpdate, {
          args: [{ actor: cast.specialist, type: 'CREDIT', amount, rootCause: 'PRICING_SETUP', note: null }],
          updateId: `propose-${c.input.caseId}`,
        });
      const [p1, p2] = await Promise.all([propose('100.00'), propose('100.00')]);
      expect(p2).toEqual(p1);
      expect(p1).toEqual({ status: 'OPEN', stage: 'APPROVAL' });

      const types = await eventTypes(db.pool, c.input.caseId);
      expect(types.filter((t) => t === 'TASK_COMPLETED')).toHaveLength(1);
      expect(types.filter((t) => t === 'RESOLUTION_PROPOSED')).toHaveLength(1);
      const { rows } = await db.pool.query('SELECT note FROM tasks WHERE case_id = $1', [c.input.caseId]);
      expect(rows).toEqual([{ note: 'first' }]);
    });
    // All 24 now wait in APPROVAL: the races below hit them all at once.
    const { rows: waiting } = await db.pool.query(`SELECT count(*)::int AS n FROM cases WHERE stage = 'APPROVAL'`);
    expect(waiting[0].n).toBe(CASES);

    const outcomes = await Promise.all(
      cases.map(async (c, i) => {
        const h = c.handle;
        switch (i % 4) {
          case 0: {
            // the same decision id twice at once, the second with the opposite decision by another manager
            const id = `decide-${c.input.caseId}`;
            const [a, b] = await Promise.all([decide(h, cast.manager, 'APPROVE', id), decide(h, cast.manager2, 'REJECT', id)]);
            expect(b).toEqual(a);
            return { c, approved: a.stage !== 'RESOLUTION', race: 'same id' };
          }
          case 1: {
            const winner = oneWinner(await Promise.allSettled([decide(h, cast.manager, 'APPROVE'), decide(h, cast.manager2, 'APPROVE')]));
            return { c, approved: true, race: `approve/approve, ${winner}` };
          }
          case 2: {
            const winner = oneWinner(await Promise.allSettled([decide(h, cast.manager, 'APPROVE'), decide(h, cast.manager2, 'REJECT')]));
            return { c, approved: winner === 0, race: 'approve/reject' };
          }
          default: {
            const winner = oneWinner(
              await Promise.allSettled([
                decide(h, cast.manager, 'APPROVE'),
                cancelCase(h, cast.specialist2),
              ]),
            );
            return { c, approved: winner === 0, race: 'approve/cancel' };
          }
        }
      }),
    );

    // Rejected cases are proposed again and approved; then every case ends.
    await Promise.all(
      outcomes.map(async ({ c, approved }) => {
        const { rows } = await db.pool.query('SELECT status, stage FROM cases WHERE id = $1', [c.input.caseId]);
        if (!approved && rows[0].status === 'OPEN') {
          await inStage(db.pool, c, ['RESOLUTION']);
          await proposeCredit(c.handle, cast.specialist, '40.00');
          await decide(c.handle, cast.manager, 'APPROVE');
        }
        await c.handle.result();
      }),
    );

    for (const { c, approved, race } of outcomes) {
      const decisions = await count(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'RESOLUTION_DECIDED'`, [c.input.caseId]);
      const memos = await count('SELECT count(*)::int AS n FROM credit_memos WHERE case_id = $1', [c.input.caseId]);
      const { rows } = await db.pool.query('SELECT status FROM cases WHERE id = $1', [c.input.caseId]);
      const cancelled = rows[0].status === 'CANCELLED';
      // One decision per race; a rejected case has its second decision (the approval of the new proposal).
      expect({ race, decisions }).toEqual({ race, decisions: approved || cancelled ? (cancelled ? 0 : 1) : 2 });
      expect({ race, memos }).toEqual({ race, memos: cancelled ? 0 : 1 });
    }
    const report = await expectInvariants(db.pool, { temporal: client, allClosed: true, workflowIds: cases.map((c) => c.input.opened.workflowId) });
    expect(report.cases).toBe(CASES);
    process.stdout.write(`F9: ${JSON.stringify(outcomes.map((o) => o.race + (o.approved ? ' → approved' : ' → lost')))}\n`);
  }, 120_000);

  describe('through HTTP', () => {
    let api: ApiHarness;
    let cast: Cast;

    beforeAll(async () => {
      api = await startApi({ worker: true });
      cast = await createCast(api.db.pool);
    }, 60_000);

    afterAll(() => api?.close());

    it('answers two managers at once 200 and 409, and a repeated Idempotency-Key the first answer, even after the case closed', async () => {
      const cases = await openCasesViaApi(api, cast.specialist, Array.from({ length: 20 }, () => pricingDispute()));
      await mapLimit(cases, 10, async (c) => {
        await completeTasksViaApi(api, cast, c);
        const res = await api.request('POST', `/api/disputes/${c.id}/resolution`, { token: cast.specialist.token, body: { type: 'CREDIT', amount: '100.00', rootCause: 'OTHER' } });
        expect(res.status).toBe(200);
      });
      const decide = (c: HttpCase, manager: TestUser, key?: string) =>
        api.request('POST', `/api/disputes/${c.id}/decision`, {
          token: manager.token,
          body: { decision: 'APPROVE' },
          headers: key ? { 'idempotency-key': key } : {},
        });
      const [raced, repeated] = [cases.slice(0, 10), cases.slice(10)];
      await mapLimit(raced, 10, async (c) => {
        const answers = await Promise.all([decide(c, cast.manager), decide(c, cast.manager2)]);
        expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
        expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('CONFLICT');
      });
      await mapLimit(repeated, 10, async (c) => {
        const key = `approve-${c.id}`;
        const [a, b] = await Promise.all([decide(c, cast.manager, key), decide(c, cast.manager, key)]);
        expect([a.status, b.status]).toEqual([200, 200]);
        expect(b.body).toEqual(a.body);
        await caseViaApi(api, cast.specialist, c, 'CLOSED', (d) => d.status === 'CLOSED');
        // The client lost the answer and retries after the case closed: the same key gets the same answer.
        const late = await decide(c, cast.manager, key);
        expect({ status: late.status, body: late.body }).toEqual({ status: 200, body: a.body });
      });
      await mapLimit(cases, 10, (c) => caseViaApi(api, cast.specialist, c, 'CLOSED', (d) => d.status === 'CLOSED'));
      const { rows } = await api.db.pool.query(`SELECT count(*)::int AS n FROM approvals`);
      expect(rows[0].n).toBe(20);
      await expectInvariants(api.db.pool, { temporal: api.temporal, allClosed: true });
    }, 90_000);
  });
});
