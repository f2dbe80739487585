// The recommendation rule, as the read model computes it (one SQL statement, read-model/recommendations.ts, fed by
// the projection of TASK_COMPLETED), checked on a real database against an oracle written here from the contract's
// words, over random cases from a seeded generator: until every task is done each finding counts in full; then a
// finding counts what its task confirmed (CONFIRMED its amount, NOT_CONFIRMED 0, PARTIAL the listed amount or 0), and
// the credit is min(disputed, Σ counted) over the findings that are not UNDERBILLED.
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { storeRecords } from '../../api/records-import';
import type { CaseEvent, RecordedEvent } from '../../domain/events';
import { formatMoney } from '../../domain/money';
import type { TaskOutcome } from '../../domain/types';
import { projectEvents } from '../../read-model/projection';
import { createUser, pricingDispute } from '../../testkit/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

/** mulberry32: a small seeded generator, so that a failing case can be run again. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const shuffled = <T>(items: readonly T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  return { int, shuffled, pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)] };
}

const CODES = [
  { code: 'PRICE_VARIANCE', team: 'SALES_OPS' },
  { code: 'UNDERBILLED', team: 'SALES_OPS' },
  { code: 'SERVICE_NOT_COMPLETED', team: 'ORDER_MANAGEMENT' },
  { code: 'QUANTITY_OVER_PO', team: 'ORDER_MANAGEMENT' },
  { code: 'PO_NOT_FOUND', team: 'ORDER_MANAGEMENT' },
] as const;

interface SimFinding {
  id: string;
  code: string;
  team: string;
  amount: bigint;
  /** What its task confirmed; null while the task is open. */
  confirmed: bigint | null;
}

interface SimTask {
  id: string;
  team: string;
  done: boolean;
}

/** The oracle: the rule as the contract states it, in minor units. */
function recommendedCredit(disputed: bigint, findings: SimFinding[], tasks: SimTask[]): bigint {
  const allDone = tasks.every((t) => t.done);
  let counted = 0n;
  for (const f of findings) {
    if (f.code === 'UNDERBILLED') continue;
    counted += allDone ? (f.confirmed as bigint) : f.amount;
  }
  return counted < disputed ? counted : disputed;
}

/** Writes events as the trail activity does: in one transaction, numbered after those already there. */
async function project(caseId: string, events: CaseEvent[], fromSeq: number): Promise<number> {
  const client: PoolClient = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const recorded = events.map((e, i): RecordedEvent => ({ ...e, seq: fromSeq + i + 1, at: new Date().toISOString() }));
    await projectEvents(client, caseId, recorded);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  return fromSeq + events.length;
}

async function storedCredit(caseId: string): Promise<bigint> {
  const { rows } = await db.pool.query('SELECT recommended_credit_minor FROM cases WHERE id = $1', [caseId]);
  return BigInt(rows[0].recommended_credit_minor);
}

it('computes the recommended credit as the oracle does, before and after the tasks are done, over 150 random cases', async () => {
  const rand = generator(20261204);
  const opener = await createUser(db.pool, 'specialist');
  const actor = { id: opener.id, name: opener.name };
  const opsActor = { id: 'system', name: 'system' };

  for (let n = 0; n < 150; n++) {
    const fixture = pricingDispute();
    await storeRecords(db.pool, fixture.records);
    const caseId = randomUUID();
    const caseNumber = `REC-${n}-${caseId.slice(0, 8)}`;
    const disputed = BigInt(rand.int(1, 200_000));
    let seq = await project(
      caseId,
      [
        {
          type: 'CASE_OPENED',
          actor,
          data: {
            caseNumber,
            workflowId: `dispute:${caseNumber}`,
            invoiceNumber: fixture.invoiceNumber,
            customerId: fixture.customerId,
            currency: 'USD',
            disputedAmount: formatMoney(disputed),
            reasonCode: 'PRICING',
            description: null,
          },
        },
      ],
      0,
    );

    const findings: SimFinding[] = Array.from({ length: rand.int(1, 8) }, () => {
      const { code, team } = rand.pick(CODES);
      return { id: randomUUID(), code, team, amount: code === 'PO_NOT_FOUND' ? 0n : BigInt(rand.int(0, 60_000)), confirmed: null };
    });
    await db.pool.query(
      `INSERT INTO findings (id, case_id, ordinal, code, team, invoice_number, line_no, expected, actual, amount_minor)
       SELECT f.id, $1, f.n - 1, f.code, f.team, $3, NULL, 'e', 'a', f.amount_minor
         FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (id uuid, code text, team text, amount_minor bigint))
              WITH ORDINALITY AS f(id, code, team, amount_minor, n)`,
      [caseId, JSON.stringify(findings.map((f) => ({ id: f.id, code: f.code, team: f.team, amount_minor: f.amount.toString() }))), fixture.invoiceNumber],
    );
    const tasks: SimTask[] = [...new Set(findings.map((f) => f.team))].map((team) => ({ id: randomUUID(), team, done: false }));
    seq = await project(
      caseId,
      tasks.map((t): CaseEvent => ({
        type: 'TASK_CREATED',
        actor: opsActor,
        data: { taskId: t.id, team: t.team, title: `Confirm on ${fixture.invoiceNumber}`, dueAt: new Date().toISOString(), findingCodes: [] },
      })),
      seq,
    );

    // The tasks complete one at a time, in a random order, each with a random outcome.
    for (const task of rand.shuffled(tasks)) {
      const own = findings.filter((f) => f.team === task.team);
      const outcome = rand.pick<TaskOutcome>(['CONFIRMED', 'NOT_CONFIRMED', 'PARTIAL']);
      const listed = outcome === 'PARTIAL' ? own.filter(() => rand.int(0, 2) > 0).map((f) => ({ f, amount: BigInt(rand.int(0, Number(f.amount))) })) : [];
      for (const f of own) {
        f.confirmed = outcome === 'CONFIRMED' ? f.amount : (listed.find((l) => l.f === f)?.amount ?? 0n);
      }
      task.done = true;
      seq = await project(
        caseId,
        [
          {
            type: 'TASK_COMPLETED',
            actor: opsActor,
            data: {
              taskId: task.id,
              team: task.team,
              outcome,
              note: 'checked',
              amount: null,
              ...(outcome === 'PARTIAL' ? { findings: listed.map((l) => ({ id: l.f.id, confirmedAmount: formatMoney(l.amount) })) } : {}),
            },
          },
        ],
        seq,
      );
      const context = { n, disputed, outcome, findings, tasks };
      expect({ context, credit: await storedCredit(caseId) }).toEqual({ context, credit: recommendedCredit(disputed, findings, tasks) });
    }

    const { rows } = await db.pool.query('SELECT id, confirmed_minor FROM findings WHERE case_id = $1', [caseId]);
    expect(Object.fromEntries(rows.map((r) => [r.id, BigInt(r.confirmed_minor)]))).toEqual(
      Object.fromEntries(findings.map((f) => [f.id, f.confirmed])),
    );
  }
}, 120_000);
