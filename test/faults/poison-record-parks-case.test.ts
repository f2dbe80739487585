// F20 poison records. The records source (the interface an ERP connector implements) hands over a malformed invoice
// for 12 of 24 cases in flight: the evidence activity fails once, non-retryably, the case parks in EVIDENCE naming the
// record and the field, and nothing runs until a person asks: no activity pending, no second read of the record.
// The retryEvidence Workflow Update is refused to the wrong people and outside a parked case, answers a repeated
// update id once, parks the case again while the record is still bad, and takes it on once the record is fixed.
import { temporal } from '@temporalio/proto';
import type { Pool } from 'pg';
import { PostgresRecordsSource } from '../../records/source';
import { retryEvidenceUpdate, type CommandActor } from '../../domain/messages';
import { eventually } from '../support/api';
import {
  cancelCase,
  createFaultWorld,
  driveToMemo,
  eventTypes,
  expectInvariants,
  inStage,
  mapLimit,
  openCases,
  refusalOf,
  type FaultWorld,
  type StartedCase,
} from '../support/faults';
import { pricingDispute } from '../../testkit/fixtures';

/** The PostgreSQL source, but an invoice listed in `poisoned` comes back with a price of three decimals. */
class FlakyErp extends PostgresRecordsSource {
  readonly poisoned = new Set<string>();
  readonly reads = new Map<string, number>();

  override async invoice(number: string): Promise<unknown | null> {
    this.reads.set(number, (this.reads.get(number) ?? 0) + 1);
    const invoice = (await super.invoice(number)) as { lines: { unitPrice: string }[] } | null;
    if (!invoice || !this.poisoned.has(number)) return invoice;
    return { ...invoice, lines: invoice.lines.map((l) => ({ ...l, unitPrice: `${l.unitPrice}5` })) };
  }
}

let world: FaultWorld;
let erp: FlakyErp;

describe('F20 poison records', () => {
  beforeAll(async () => {
    world = await createFaultWorld();
    erp = new FlakyErp(world.db.pool);
    await world.startWorker({ records: erp });
  });

  afterAll(() => world?.close());

  const retry = (c: StartedCase, actor: CommandActor, updateId?: string) =>
    c.handle.executeUpdate(retryEvidenceUpdate, { args: [{ actor }], ...(updateId ? { updateId } : {}) });

  /** Parked: the failure is on the trail, and the workflow has nothing running, no activity retrying. */
  async function parked(pool: Pool, c: StartedCase, failures: number): Promise<void> {
    await eventually(`${c.input.opened.caseNumber} parked (${failures})`, async () => {
      const types = await eventTypes(pool, c.input.caseId);
      if (types.filter((t) => t === 'EVIDENCE_FAILED').length !== failures) return undefined;
      const { raw } = await c.handle.describe();
      return raw.pendingActivities?.length === 0 ? true : undefined;
    });
  }

  it('parks each case on its malformed record until a person retries, once the record is fixed', async () => {
    const { db, cast } = world;
    const fixtures = Array.from({ length: 24 }, () => pricingDispute());
    const bad = new Set(fixtures.slice(0, 12).map((f) => f.invoiceNumber));
    for (const number of bad) erp.poisoned.add(number);
    const cases = await openCases(world, fixtures);
    const [poisoned, healthy] = [cases.filter((c) => bad.has(c.fixture.invoiceNumber)), cases.filter((c) => !bad.has(c.fixture.invoiceNumber))];

    await mapLimit(poisoned, 12, (c) => parked(db.pool, c, 1));
    const { rows } = await db.pool.query(`SELECT stage, status, evidence_error FROM cases WHERE id = ANY($1)`, [poisoned.map((c) => c.input.caseId)]);
    expect(rows).toHaveLength(poisoned.length);
    for (const row of rows) {
      expect(row).toEqual({ stage: 'EVIDENCE', status: 'OPEN', evidence_error: expect.stringMatching(/^invoice INV-\S+ is malformed: lines\.0\.unitPrice: /) });
    }
    // The activity ran once (its one attempt read the invoice once), and the history shows no retry.
    for (const c of poisoned) {
      expect(erp.reads.get(c.fixture.invoiceNumber)).toBe(1);
      const history = await c.handle.fetchHistory();
      const evidence = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'collectEvidence');
      expect(evidence).toHaveLength(1);
      const failed = (history.events ?? []).find((e) => e.activityTaskFailedEventAttributes);
      expect(failed?.activityTaskFailedEventAttributes?.retryState).toBe(temporal.api.enums.v1.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
    }

    // ---- refusals: the wrong people, and a case that is not parked
    const [first, second, third, ...rest] = poisoned;
    expect(await refusalOf(retry(first, cast.salesOps))).toBe('Forbidden');
    expect(await refusalOf(retry(healthy[0], cast.specialist))).toBe('Conflict');

    // ---- a retry while the record is still bad parks the case again; the same update id twice is one retry
    const again = await Promise.all([retry(first, cast.specialist, 'retry-1'), retry(first, cast.specialist, 'retry-1')]);
    expect(again[1]).toEqual(again[0]);
    await parked(db.pool, first, 2);
    expect(erp.reads.get(first.fixture.invoiceNumber)).toBe(2);
    expect((await eventTypes(db.pool, first.input.caseId)).filter((t) => t === 'EVIDENCE_RETRY_REQUESTED')).toHaveLength(1);

    // ---- a parked case can be cancelled; the others are fixed at the source and retried by a specialist or manager
    await cancelCase(second.handle, cast.manager);
    for (const c of poisoned) erp.poisoned.delete(c.fixture.invoiceNumber);
    await mapLimit([first, third, ...rest], 12, async (c, i) => {
      await retry(c, i % 2 ? cast.manager : cast.specialist);
      await inStage(db.pool, c, ['INVESTIGATION']);
      expect(erp.reads.get(c.fixture.invoiceNumber)).toBe(c === first ? 3 : 2);
    });

    // ---- everything finishes: the retried cases and the healthy ones
    const results = await mapLimit([first, third, ...rest, ...healthy], 12, (c) => driveToMemo(db.pool, c, cast));
    expect(results.every((r) => r.status === 'CLOSED')).toBe(true);
    expect((await second.handle.result()).status).toBe('CANCELLED');
    const report = await expectInvariants(db.pool, { temporal: world.client, allClosed: true, workflowIds: cases.map((c) => c.input.opened.workflowId) });
    expect(report).toMatchObject({ cases: 24, closed: 23, cancelled: 1, memos: 23 });
  }, 120_000);
});
