// R7 money in: a camt.054 (001.08) of 10,000 credit transactions, each paying one invoice, 1,000 of them less a
// deduction, posted as a user posts it (POST /api/payments/camt054: XSD validation, parse, match, write) against the
// same rows (payments, payment_applications, deductions) written by bare multi-row INSERTs of 1,000 rows each, in
// one transaction. Each side of each round gets a fresh database with the same invoices (seeded untimed), so
// neither inherits the other's rows; the API runs with no deduction reaching DEDUCTION_CASE_MIN, so that this
// comparison is ingest and matching only.
// The second comparison is the deduction cases: a file of 1,000 credits, each short by a deduction on its own
// invoice, posted with the default rules (every deduction opens a case by the system actor) into the bench's
// database, served by the same worker as R1; its cases opened per second against R1's whole lives per second.
import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { z } from 'zod';
import { postPaymentsResponse } from '../contract';
import { SYSTEM_OPENER } from '../domain/events';
import { createScratchDatabase } from '../infra/local-stack';
import { withTransaction } from '../infra/postgres';
import { camt054Xml, type Camt054Entry } from '../testkit/camt054';
import { createUser, type TestUser } from '../testkit/fixtures';
import { prng } from '../testkit/random';
import { disputeThroughput } from './r1-engine';
import { compare, interleave, log, median, progress, runPool, sleep, startApi, type BenchContext, type SectionResult } from './support';

const CUSTOMERS = 300;
const ROWS_PER_INSERT = 1_000;
/** Transactions per booked entry (a bank books a batch of credits as one entry). */
const PER_ENTRY = 100;
const SEED = 7;
const CURRENCY = 'EUR';
const DEDUCTION_CODES = ['PRC', 'QTY', 'DMG', 'PRM', 'FRT'];
/** How long the worker may take to bring a round's cases past their evidence before the run fails. */
const DRAIN_TIMEOUT_MS = 15 * 60_000;

interface Invoice {
  number: string;
  customerId: string;
  totalMinor: bigint;
}

interface Transaction {
  /** The transaction's Refs/AcctSvcrRef: the payment's id. */
  id: string;
  invoice: Invoice;
  deduction: { amountMinor: bigint; code: string } | null;
  paidMinor: bigint;
}

interface Book {
  invoices: Invoice[];
  transactions: Transaction[];
  xml: string;
  fileSha256: string;
}

/**
 * `transactions` invoices over CUSTOMERS customers, one credit paying each, `deductions` of them less a deduction.
 * `tag` names the invoices, payments and file, so that several books can share a database.
 */
function book(transactions: number, deductions: number, tag = 'R7'): Book {
  const rand = prng(SEED);
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const invoices: Invoice[] = Array.from({ length: transactions }, (_, i) => ({
    number: `INV-${tag}-${String(i + 1).padStart(6, '0')}`,
    customerId: `CUST-R7-${String(between(1, CUSTOMERS)).padStart(3, '0')}`,
    totalMinor: BigInt(between(10_000, 999_999)),
  }));
  // Which invoices are paid short: a partial Fisher–Yates over the positions.
  const positions = invoices.map((_, i) => i);
  for (let i = 0; i < deductions; i++) {
    const j = between(i, positions.length - 1);
    [positions[i], positions[j]] = [positions[j], positions[i]];
  }
  const short = new Set(positions.slice(0, deductions));
  const txs: Transaction[] = invoices.map((invoice, i) => {
    const deduction = short.has(i)
      ? { amountMinor: BigInt(between(100, Math.min(50_000, Number(invoice.totalMinor) / 2))), code: DEDUCTION_CODES[between(0, DEDUCTION_CODES.length - 1)] }
      : null;
    return { id: `${tag}-TX-${String(i + 1).padStart(6, '0')}`, invoice, deduction, paidMinor: invoice.totalMinor - (deduction?.amountMinor ?? 0n) };
  });
  const xml = camt054(txs, tag);
  return { invoices, transactions: txs, xml, fileSha256: createHash('sha256').update(xml).digest('hex') };
}

/** The notification: entries of PER_ENTRY transactions each. */
function camt054(txs: Transaction[], tag: string): string {
  const entries: Camt054Entry[] = [];
  for (let from = 0; from < txs.length; from += PER_ENTRY) {
    entries.push({
      ref: `${tag}-ENTRY-${from / PER_ENTRY + 1}`,
      bookedOn: '2026-11-30',
      transactions: txs.slice(from, from + PER_ENTRY).map((t) => ({
        ref: t.id,
        amountMinor: t.paidMinor,
        debtorName: `Customer ${t.invoice.customerId}`,
        remittance: {
          documents: [
            {
              number: t.invoice.number,
              remittedMinor: t.paidMinor,
              adjustments: t.deduction ? [{ amountMinor: t.deduction.amountMinor, reason: t.deduction.code, note: `deducted on ${t.invoice.number}` }] : [],
            },
          ],
        },
      })),
    });
  }
  return camt054Xml({ messageId: tag, createdAt: '2026-12-01T06:00:00+01:00', currency: CURRENCY, entries });
}

/** The book's customers (those not there yet) and invoices, one line each. */
async function seedLedger(pool: Pool, b: Book): Promise<void> {
  const customers = [...new Set(b.invoices.map((i) => i.customerId))];
  await pool.query(`INSERT INTO customers (id, name) SELECT id, 'Customer ' || id FROM unnest($1::text[]) id ON CONFLICT (id) DO NOTHING`, [customers]);
  const col = <T>(f: (i: Invoice) => T) => b.invoices.map(f);
  // An invoice's total is its lines' (checked at commit): both in one transaction.
  await withTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO invoices (number, customer_id, purchase_order_id, issued_at, due_at, currency, total_minor)
       SELECT n, c, 'PO-' || n, '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', $3, t FROM unnest($1::text[], $2::text[], $4::bigint[]) AS i(n, c, t)`,
      [col((i) => i.number), col((i) => i.customerId), CURRENCY, col((i) => i.totalMinor.toString())],
    );
    await client.query(
      `INSERT INTO invoice_lines (invoice_number, line_no, sku, quantity_milli, unit_price_minor)
       SELECT n, 1, 'SKU-R7', 1000, t FROM unnest($1::text[], $2::bigint[]) AS i(n, t)`,
      [col((i) => i.number), col((i) => i.totalMinor.toString())],
    );
  });
  await pool.query('VACUUM ANALYZE invoices');
}

/** A fresh database with the book's customers and invoices and a cash user; dropped by drop(). */
async function freshLedger(ctx: BenchContext, b: Book): Promise<{ url: string; pool: Pool; user: TestUser; drop(): Promise<void> }> {
  const db = await createScratchDatabase(ctx.infra.adminUrl, 'bench_r7', { max: 4, applicationName: 'bench-r7', log, statementTimeoutMs: 0 });
  try {
    await seedLedger(db.pool, b);
    return { url: db.url, pool: db.pool, user: await createUser(db.pool, 'cash'), drop: db.drop };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

/**
 * A bench that silently wrote nothing must fail: every payment applied, every deduction recorded, nothing unapplied,
 * and no case (the ingest comparison's API opens none).
 */
async function expectPosted(pool: Pool, b: Book, side: string): Promise<void> {
  const { rows } = await pool.query(
    `SELECT (SELECT count(*) FROM payments)::int AS payments, (SELECT count(*) FROM payment_applications)::int AS applications,
            (SELECT count(*) FROM deductions)::int AS deductions, (SELECT count(*) FROM unapplied_cash)::int AS unapplied,
            (SELECT count(*) FROM invoices WHERE open_balance_minor <> 0)::int AS open, (SELECT count(*) FROM cases)::int AS cases`,
  );
  const deductions = b.transactions.filter((t) => t.deduction).length;
  const want = { payments: b.transactions.length, applications: b.transactions.length, deductions, unapplied: 0, open: deductions, cases: 0 };
  if (JSON.stringify(rows[0]) !== JSON.stringify(want)) {
    throw new Error(`R7 ${side}: the posting left ${JSON.stringify(rows[0])}, not ${JSON.stringify(want)}`);
  }
}

/** The file posted as `user` posts it; the time is the request's, from sending to the answer, which is checked. */
async function postFile(apiUrl: string, user: TestUser, b: Book): Promise<{ ms: number; answer: z.infer<typeof postPaymentsResponse> }> {
  const started = performance.now();
  const res = await fetch(`${apiUrl}/api/payments/camt054`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/xml' },
    body: b.xml,
  });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`POST /api/payments/camt054: ${res.status} ${text.slice(0, 500)}`);
  return { ms, answer: postPaymentsResponse.parse(JSON.parse(text)) };
}

/** A: the file through HTTP, as a cash user posts it, with no deduction reaching DEDUCTION_CASE_MIN. */
async function viaApi(ctx: BenchContext, b: Book): Promise<number> {
  const ledger = await freshLedger(ctx, b);
  const above = b.transactions.reduce((max, t) => (t.deduction && t.deduction.amountMinor > max ? t.deduction.amountMinor : max), 0n) + 1n;
  const api = await startApi(ctx, { databaseUrl: ledger.url, deductionRules: { caseMinMinor: above, autoWriteOffMaxMinor: null } });
  try {
    const { ms, answer } = await postFile(api.url, ledger.user, b);
    if (answer.casesOpened !== 0) throw new Error(`R7 A: the ingest opened ${answer.casesOpened} cases`);
    await expectPosted(ledger.pool, b, 'A');
    return ms;
  } finally {
    await api.close();
    await ledger.drop();
  }
}

/** B: the rows A ends with, written by multi-row INSERTs of ROWS_PER_INSERT rows, in one transaction. */
async function bareInserts(ctx: BenchContext, b: Book): Promise<number> {
  const ledger = await freshLedger(ctx, b);
  const posted = b.transactions.map((t) => ({ t, deductionId: randomUUID(), contentHash: createHash('sha256').update(t.id).digest('hex') }));
  const client = await ledger.pool.connect();
  try {
    const insert = async <T>(table: string, columns: string[], rows: T[], values: (row: T) => unknown[]) => {
      for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
        const chunk = rows.slice(from, from + ROWS_PER_INSERT);
        const params = chunk.flatMap(values);
        const tuples = chunk.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
        await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
      }
    };
    const started = performance.now();
    await client.query('BEGIN');
    await insert(
      'payments',
      ['id', 'customer_id', 'currency', 'amount_minor', 'received_at', 'source', 'file_sha256', 'content_hash', 'posted_by'],
      posted,
      ({ t, contentHash }) => [t.id, t.invoice.customerId, CURRENCY, t.paidMinor.toString(), '2026-11-30T00:00:00Z', 'camt054', b.fileSha256, contentHash, ledger.user.id],
    );
    await insert('payment_applications', ['payment_id', 'invoice_number', 'amount_minor'], posted, ({ t }) => [t.id, t.invoice.number, t.paidMinor.toString()]);
    await insert(
      'deductions',
      ['id', 'payment_id', 'invoice_number', 'ordinal', 'amount_minor', 'customer_code', 'reason_code', 'mapping_version', 'reference', 'note'],
      posted.filter((p) => p.t.deduction),
      ({ t, deductionId }) => [deductionId, t.id, t.invoice.number, 0, t.deduction!.amountMinor.toString(), t.deduction!.code, null, null, null, `deducted on ${t.invoice.number}`],
    );
    await client.query('COMMIT');
    const ms = performance.now() - started;
    await expectPosted(ledger.pool, b, 'B');
    return ms;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    await ledger.drop();
  }
}

interface CasesRound {
  /** From sending the file to the answer, every case row written and its workflow started. */
  ms: number;
  casesPerSecond: number;
  /** From the answer until the worker had brought every case past its evidence (untimed for the figure). */
  drainMs: number;
}

/**
 * One round of the deduction cases: a fresh book of `cases` credits, each short on its own invoice, seeded into the
 * bench's database (untimed), posted through `api` (default rules), the answer and the rows checked. The round
 * ends once the worker has taken every case past its evidence, so that rounds do not overlap, and their workflows
 * are then terminated so that later sections do not share the server and worker with them.
 */
async function casesRound(ctx: BenchContext, apiUrl: string, user: TestUser, cases: number, round: number): Promise<CasesRound> {
  const b = book(cases, cases, `R7C${round}`);
  await seedLedger(ctx.infra.pool, b);
  const { ms, answer } = await postFile(apiUrl, user, b);
  const answered = performance.now();
  if (answer.casesOpened !== cases || answer.deductions !== cases) {
    throw new Error(`R7 cases: the answer says ${answer.deductions} deductions and ${answer.casesOpened} cases opened, not ${cases} of each`);
  }
  const invoices = b.invoices.map((i) => i.number);
  const { rows } = await ctx.infra.pool.query(
    `SELECT count(*)::int AS cases, count(*) FILTER (WHERE opened_by = $2)::int AS by_system,
            (SELECT count(*)::int FROM deductions WHERE invoice_number = ANY($1) AND case_id IS NOT NULL) AS linked
       FROM cases WHERE invoice_number = ANY($1)`,
    [invoices, SYSTEM_OPENER.id],
  );
  const want = { cases, by_system: cases, linked: cases };
  if (JSON.stringify(rows[0]) !== JSON.stringify(want)) throw new Error(`R7 cases: the posting left ${JSON.stringify(rows[0])}, not ${JSON.stringify(want)}`);

  for (;;) {
    const { rows: past } = await ctx.infra.pool.query(
      `SELECT count(*)::int AS n FROM cases c WHERE c.invoice_number = ANY($1)
          AND (c.stage <> 'EVIDENCE' OR EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'EVIDENCE_FAILED'))`,
      [invoices],
    );
    if (past[0].n === cases) break;
    if (performance.now() - answered > DRAIN_TIMEOUT_MS) throw new Error(`R7 cases: ${past[0].n} of ${cases} cases past their evidence after ${DRAIN_TIMEOUT_MS} ms`);
    await sleep(500);
  }
  const drainMs = performance.now() - answered;
  const { rows: flows } = await ctx.infra.pool.query<{ workflow_id: string }>('SELECT workflow_id FROM cases WHERE invoice_number = ANY($1)', [invoices]);
  await runPool(flows, 16, (f) => ctx.infra.client.workflow.getHandle(f.workflow_id).terminate('bench R7: round measured'));
  return { ms, casesPerSecond: (cases * 1000) / ms, drainMs };
}

export async function runR7(ctx: BenchContext): Promise<SectionResult> {
  const transactions = Number(process.env.BENCH_R7_TRANSACTIONS ?? 10_000);
  const deductions = Math.round(transactions / 10);
  const b = book(transactions, deductions);
  const fileMiB = Buffer.byteLength(b.xml) / 2 ** 20;

  progress(`R7: a camt.054 of ${transactions} credits (${deductions} with a deduction, ${fileMiB.toFixed(1)} MiB) per round and side, each into a fresh database`);
  const rounds = await interleave(ctx.rounds, () => viaApi(ctx, b), () => bareInserts(ctx, b), 'R7');
  const kept = rounds.slice(1);

  const cases = Number(process.env.BENCH_R7_CASES ?? 1_000);
  const baseline = await disputeThroughput(ctx, 'R7');
  progress(`R7: ${cases} deduction cases per round, opened by one posting into the bench's database, the worker running`);
  const api = await startApi(ctx);
  const caseRounds: CasesRound[] = [];
  try {
    const cash = await createUser(ctx.infra.pool, 'cash');
    for (let round = 0; round < ctx.rounds; round++) {
      caseRounds.push(await casesRound(ctx, api.url, cash, cases, round));
      progress(`R7 cases round ${round + 1}/${ctx.rounds}${round === 0 ? ' (warm-up, dropped)' : ''}`);
    }
  } finally {
    await api.close();
  }
  const keptCases = caseRounds.slice(1);
  return {
    id: 'R7',
    title: 'money in',
    comparisons: [
      compare('R7', `camt.054 ingest, ${transactions} credits / ${deductions} deductions`, 's', rounds.map((r) => ({ a: r.a / 1000, b: r.b / 1000 })), {
        text: '≤ 5×',
        maxRatio: 5,
      }),
      compare(
        'R7',
        `deduction cases opened by a posting (${cases}) vs R1 whole lives`,
        'cases/s',
        caseRounds.map((r) => ({ a: r.casesPerSecond, b: baseline.perSecond })),
        { text: 'ratio ≥ 0.8', minRatio: 0.8 },
      ),
    ],
    info: [
      `R7: ${transactions} invoices over ${CUSTOMERS} customers, a camt.054 001.08 of ${fileMiB.toFixed(1)} MiB (${PER_ENTRY} credits an entry) posted over HTTP; ` +
        `${(transactions / (median(kept.map((r) => r.a)) / 1000)).toFixed(0)} payments/s against ${(transactions / (median(kept.map((r) => r.b)) / 1000)).toFixed(0)} ` +
        `for bare INSERTs of ${ROWS_PER_INSERT} rows (the same ${transactions} payments, ${transactions} applications, ${deductions} deductions, the schema's triggers firing on both); ` +
        `the API's DEDUCTION_CASE_MIN above every deduction, 0 cases opened`,
      `R7 cases: a camt.054 of ${cases} credits, each short by a deduction on its own invoice, default deduction rules, into the bench's database served by R1's worker; ` +
        `${median(keptCases.map((r) => r.ms)).toFixed(0)} ms from sending it to the answer (${cases} cases by the system actor, rows written, workflows started), ` +
        `then ${(median(keptCases.map((r) => r.drainMs)) / 1000).toFixed(1)} s until the worker had taken them all past their evidence; B: ${baseline.source}`,
    ],
    raw: { ingest: rounds.map((r) => ({ api: r.a, bare: r.b })), cases: { baseline, rounds: caseRounds } },
  };
}
