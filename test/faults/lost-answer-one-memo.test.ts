// F3 the side effect commits but its answer is lost. The real activities run, commit, and then their first attempt
// throws a retryable error as if the network had eaten the reply. Every retry carries the same business key (the
// approval id and the trail slot for the memo, the case and its numbered events for the trail), and the database
// ends with exactly one memo per approval, one event per slot and one projection per event. 20 cases in flight.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { RecordedEvent } from '../../domain/events';
import {
  createFaultWorld,
  driveToMemo,
  expectInvariants,
  openCases,
  type Activities,
  type FaultWorld,
  type StartedCase,
} from '../support/faults';
import { pricingDispute } from '../../testkit/fixtures';

const CASES = 20;

let world: FaultWorld;

interface Call<I, O> {
  input: I;
  attempt: number;
  output?: O;
}
const calls = {
  memo: [] as Call<Parameters<Activities['issueAdjustments']>[0], Awaited<ReturnType<Activities['issueAdjustments']>>>[],
  events: [] as Call<Parameters<Activities['recordEvents']>[0], void>[],
  evidence: [] as Call<Parameters<Activities['collectEvidence']>[0], Awaited<ReturnType<Activities['collectEvidence']>>>[],
};

/** The real activity, committed, then (first attempt only) its answer thrown away: a retryable failure. */
function losingFirstAnswer<I, O>(real: (input: I) => Promise<O>, log: Call<I, O>[]): (input: I) => Promise<O> {
  return async (input: I) => {
    const { attempt } = Context.current().info;
    const output = await real(input);
    log.push({ input: structuredClone(input), attempt, output });
    // Retryable like a dropped connection; benign only so that the SDK logs the expected failure at debug level.
    if (attempt === 1) {
      throw ApplicationFailure.create({ type: 'AnswerLost', message: 'committed, but the answer never reached the workflow', category: ApplicationFailureCategory.BENIGN });
    }
    return output;
  };
}

describe('F3 a side effect commits but its answer is lost', () => {
  beforeAll(async () => {
    world = await createFaultWorld();
    await world.startWorker({
      activities: (real) => ({
        ...real,
        issueCreditMemo: real.issueCreditMemo,
        issueAdjustments: losingFirstAnswer(real.issueAdjustments, calls.memo),
        recordEvents: losingFirstAnswer(real.recordEvents, calls.events),
        collectEvidence: losingFirstAnswer(real.collectEvidence, calls.evidence),
        deliverNotification: real.deliverNotification,
      }),
    });
  });

  afterAll(() => world?.close());

  it('retries with the same business key and leaves one memo, one event per slot and one projection each', async () => {
    const { db, cast, client } = world;
    const cases: StartedCase[] = await openCases(world, Array.from({ length: CASES }, () => pricingDispute()));
    const results = await Promise.all(cases.map((c) => driveToMemo(db.pool, c, cast, '100.00')));
    expect(results.every((r) => r.status === 'CLOSED')).toBe(true);

    // ---- the memo: per approval, the lost first attempt and one retry, with the same input and the same memo
    const byApproval = new Map<string, typeof calls.memo>();
    for (const call of calls.memo) byApproval.set(call.input.approvalId, [...(byApproval.get(call.input.approvalId) ?? []), call]);
    expect(byApproval.size).toBe(CASES);
    for (const [approvalId, attempts] of byApproval) {
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
      expect(attempts[1].input).toEqual(attempts[0].input);
      expect(attempts[1].output).toEqual(attempts[0].output);
      const { rows } = await db.pool.query('SELECT number FROM credit_memos WHERE approval_id = $1', [approvalId]);
      expect(rows).toEqual(attempts[0].output!.documents.map((d) => ({ number: d.number })));
    }

    // ---- the trail: every write was answered a second time with the same numbered events, written once
    const bySlot = new Map<string, typeof calls.events>();
    for (const call of calls.events) {
      const key = `${call.input.caseId}/${call.input.events.map((e: RecordedEvent) => e.seq).join(',')}`;
      bySlot.set(key, [...(bySlot.get(key) ?? []), call]);
    }
    expect(bySlot.size).toBeGreaterThanOrEqual(CASES);
    for (const attempts of bySlot.values()) {
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
      expect(attempts[1].input).toEqual(attempts[0].input);
    }
    const evidenceAttempts = calls.evidence.map((c) => c.attempt).sort();
    expect(evidenceAttempts).toEqual([...Array(CASES).fill(1), ...Array(CASES).fill(2)]);

    // Every event on the trail was written by an activity whose first answer was lost, and is there exactly once.
    const slotsOf = new Map<string, number[]>();
    const wrote = (caseId: string, seqs: number[]) => slotsOf.set(caseId, [...(slotsOf.get(caseId) ?? []), ...seqs]);
    for (const call of [...calls.events, ...calls.memo, ...calls.evidence]) {
      if (call.attempt !== 1) continue;
      const input = call.input as { caseId: string; events?: RecordedEvent[]; slot?: { seq: number } };
      wrote(input.caseId, input.events ? input.events.map((e) => e.seq) : [input.slot!.seq]);
    }
    for (const c of cases) {
      const { rows } = await db.pool.query('SELECT seq FROM case_events WHERE case_id = $1 ORDER BY seq', [c.input.caseId]);
      const written = [...(slotsOf.get(c.input.caseId) ?? [])].sort((a, b) => a - b);
      expect(rows.map((r) => r.seq)).toEqual(written);
    }
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*)::int FROM tasks t WHERE t.case_id = c.id) AS tasks,
            (SELECT count(*)::int FROM findings f WHERE f.case_id = c.id) AS findings,
            (SELECT count(*)::int FROM resolutions r WHERE r.case_id = c.id) AS resolutions,
            (SELECT count(*)::int FROM approvals a WHERE a.case_id = c.id) AS approvals,
            (SELECT count(*)::int FROM credit_memos m WHERE m.case_id = c.id) AS memos,
            i.credited_minor::int AS credited
       FROM cases c JOIN invoices i ON i.number = c.invoice_number`,
    );
    expect(rows).toEqual(Array(CASES).fill({ tasks: 1, findings: 1, resolutions: 1, approvals: 1, memos: 1, credited: 10000 }));
    await expectInvariants(db.pool, { temporal: client, allClosed: true, workflowIds: cases.map((c) => c.input.opened.workflowId) });
  }, 120_000);
});
