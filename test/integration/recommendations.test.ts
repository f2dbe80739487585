// The recommendation rule, as the read model computes it (read-model/recommendations.ts over the view
// counted_findings, fed by the projection of TASK_COMPLETED), and the confirmed overbilling the case shows, checked
// on a real database against an oracle written here from the contract's words, over random cases of 1–3 items (whole
// invoices and single lines) from a seeded generator: until every task is done each finding counts in full; then a
// finding counts what its task confirmed (CONFIRMED its amount, NOT_CONFIRMED 0, PARTIAL the listed amount or 0).
// Per item (its invoice's findings, limited to its line where it names one): credit = min(disputed, Σ counted that
// is not UNDERBILLED), debit = Σ counted UNDERBILLED; the case's figures are the sums over its items.
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { storeRecords } from '../../api/records-import';
import type { CaseEvent, RecordedEvent } from '../../domain/events';
import { formatMoney } from '../../domain/money';
import type { TaskOutcome } from '../../domain/types';
import { projectEvents } from '../../read-model/projection';
import { CONFIRMED_OVERBILLING } from '../../read-model/recommendations';
import { createUser, pricingDispute } from '../../testkit/fixtures';
import { prng } from '../../testkit/random';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

/** Draws from a seeded generator, so that a failing case can be run again. */
function generator(seed: number) {
  const next = prng(seed);
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
  invoiceNumber: string;
  /** null: the invoice's own finding (no line). */
  lineNo: number | null;
  amount: bigint;
  /** What its task confirmed; null while the task is open. */
  confirmed: bigint | null;
}

interface SimItem {
  invoiceNumber: string;
  lineNo: number | null;
  disputed: bigint;
}

interface SimTask {
  id: string;
  team: string;
  done: boolean;
}

interface Figures {
  credit: bigint;
  debit: bigint;
}

interface Recommendations {
  items: Figures[];
  case: Figures;
  /** Σ what the case's findings count, overbilling (credit) and UNDERBILLED (debit). */
  counted: Figures;
  confirmedOverbilling: bigint | null;
}

/**
 * The oracle: the rule as the contract states it, in minor units, per item and for the case; with what every finding
 * of the case counts (items or not, uncapped), and the confirmed overbilling the case shows once every task is done.
 */
function recommendations(items: SimItem[], findings: SimFinding[], tasks: SimTask[]): Recommendations {
  const allDone = tasks.every((t) => t.done);
  const countedOf = (f: SimFinding) => (allDone ? (f.confirmed as bigint) : f.amount);
  const sum = (fs: SimFinding[]) => fs.reduce((total, f) => total + countedOf(f), 0n);
  const counted = { credit: sum(findings.filter((f) => f.code !== 'UNDERBILLED')), debit: sum(findings.filter((f) => f.code === 'UNDERBILLED')) };
  const perItem = items.map((item) => {
    let over = 0n;
    let under = 0n;
    for (const f of findings) {
      if (f.invoiceNumber !== item.invoiceNumber || (item.lineNo !== null && f.lineNo !== item.lineNo)) continue;
      if (f.code === 'UNDERBILLED') under += countedOf(f);
      else over += countedOf(f);
    }
    return { credit: over < item.disputed ? over : item.disputed, debit: under };
  });
  return {
    items: perItem,
    case: perItem.reduce((total, i) => ({ credit: total.credit + i.credit, debit: total.debit + i.debit }), { credit: 0n, debit: 0n }),
    counted,
    confirmedOverbilling: allDone ? counted.credit : null,
  };
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

/** The figures stored, the case's confirmed overbilling as the case read shows it, and the view both are read from. */
async function stored(caseId: string): Promise<Recommendations> {
  const { rows: items } = await db.pool.query(
    'SELECT recommended_credit_minor AS credit, recommended_debit_minor AS debit FROM case_items WHERE case_id = $1 ORDER BY ordinal',
    [caseId],
  );
  const { rows } = await db.pool.query(
    `SELECT c.recommended_credit_minor AS credit, c.recommended_debit_minor AS debit, (${CONFIRMED_OVERBILLING}) AS confirmed,
            (SELECT coalesce(sum(f.overbilling_minor), 0) FROM counted_findings f WHERE f.case_id = c.id) AS counted_credit,
            (SELECT coalesce(sum(f.underbilling_minor), 0) FROM counted_findings f WHERE f.case_id = c.id) AS counted_debit
       FROM cases c WHERE c.id = $1`,
    [caseId],
  );
  const figures = (r: { credit: string; debit: string }): Figures => ({ credit: BigInt(r.credit), debit: BigInt(r.debit) });
  return {
    items: items.map(figures),
    case: figures(rows[0]),
    counted: figures({ credit: rows[0].counted_credit, debit: rows[0].counted_debit }),
    confirmedOverbilling: rows[0].confirmed === null ? null : BigInt(rows[0].confirmed),
  };
}

/** Invoices of three lines each, for the items to dispute whole or a line at a time. */
function invoicesOfThreeLines(count: number) {
  const fixture = pricingDispute();
  const [invoice] = fixture.records.invoices!;
  const invoices = Array.from({ length: count }, (_, i) => ({
    ...invoice,
    number: `${invoice.number}-${i}`,
    lines: [1, 2, 3].map((lineNo) => ({ lineNo, sku: 'SKU-A', quantity: 1, unitPrice: '100.00' })),
  }));
  return { records: { ...fixture.records, invoices }, customerId: fixture.customerId, numbers: invoices.map((i) => i.number) };
}

it('computes each item’s and the case’s credit and debit as the oracle does, before and after the tasks are done, over 150 random cases', async () => {
  const rand = generator(20261204);
  const opener = await createUser(db.pool, 'specialist');
  const actor = { id: opener.id, name: opener.name };
  const opsActor = { id: 'system', name: 'system' };

  for (let n = 0; n < 150; n++) {
    const invoices = invoicesOfThreeLines(rand.int(1, 3));
    await storeRecords(db.pool, invoices.records);
    const caseId = randomUUID();
    const caseNumber = `REC-${n}-${caseId.slice(0, 8)}`;
    // An invoice at most once, whole or one of its lines.
    const items: SimItem[] = invoices.numbers.map((invoiceNumber) => ({
      invoiceNumber,
      lineNo: rand.int(0, 1) ? null : rand.int(1, 3),
      disputed: BigInt(rand.int(1, 100_000)),
    }));
    const disputed = items.reduce((sum, i) => sum + i.disputed, 0n);
    let seq = await project(
      caseId,
      [
        {
          type: 'CASE_OPENED',
          actor,
          data: {
            caseNumber,
            workflowId: `dispute:${caseNumber}`,
            invoiceNumber: items[0].invoiceNumber,
            customerId: invoices.customerId,
            currency: 'USD',
            disputedAmount: formatMoney(disputed),
            reasonCode: 'PRICING',
            description: null,
            items: items.map((i) => ({ invoiceNumber: i.invoiceNumber, ...(i.lineNo === null ? {} : { lineNo: i.lineNo }), disputedAmount: formatMoney(i.disputed) })),
          },
        },
      ],
      0,
    );

    const findings: SimFinding[] = Array.from({ length: rand.int(1, 10) }, () => {
      const { code, team } = rand.pick(CODES);
      const invoiceLevel = code === 'PO_NOT_FOUND';
      return {
        id: randomUUID(),
        code,
        team,
        invoiceNumber: rand.pick(invoices.numbers),
        lineNo: invoiceLevel ? null : rand.int(1, 3),
        amount: invoiceLevel ? 0n : BigInt(rand.int(0, 60_000)),
        confirmed: null,
      };
    });
    // The case's one set of findings, stored without an evidence event: its version is the last event's seq.
    await db.pool.query('UPDATE cases SET evidence_seq = $2 WHERE id = $1', [caseId, seq]);
    await db.pool.query(
      `INSERT INTO findings (id, case_id, evidence_seq, ordinal, code, team, invoice_number, line_no, expected, actual, amount_minor)
       SELECT f.id, $1, $3, f.n - 1, f.code, f.team, f.invoice_number, f.line_no, 'e', 'a', f.amount_minor
         FROM ROWS FROM (jsonb_to_recordset($2::jsonb)
                AS (id uuid, code text, team text, invoice_number text, line_no integer, amount_minor bigint))
              WITH ORDINALITY AS f(id, code, team, invoice_number, line_no, amount_minor, n)`,
      [
        caseId,
        JSON.stringify(
          findings.map((f) => ({ id: f.id, code: f.code, team: f.team, invoice_number: f.invoiceNumber, line_no: f.lineNo, amount_minor: f.amount.toString() })),
        ),
        seq,
      ],
    );
    const tasks: SimTask[] = [...new Set(findings.map((f) => f.team))].map((team) => ({ id: randomUUID(), team, done: false }));
    seq = await project(
      caseId,
      tasks.map((t): CaseEvent => ({
        type: 'TASK_CREATED',
        actor: opsActor,
        data: { taskId: t.id, team: t.team, title: `Confirm on ${items[0].invoiceNumber}`, dueAt: new Date().toISOString(), findingCodes: [] },
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
      const context = { n, items, outcome, findings, tasks };
      expect({ context, figures: await stored(caseId) }).toEqual({ context, figures: recommendations(items, findings, tasks) });
    }

    const { rows } = await db.pool.query('SELECT id, confirmed_minor FROM findings WHERE case_id = $1', [caseId]);
    expect(Object.fromEntries(rows.map((r) => [r.id, BigInt(r.confirmed_minor)]))).toEqual(
      Object.fromEntries(findings.map((f) => [f.id, f.confirmed])),
    );
  }
}, 120_000);
