// R7 money in: a camt.054 (001.08) of 10,000 credit transactions, each paying one invoice, 1,000 of them less a
// deduction, posted as a user posts it (POST /api/payments/camt054: XSD validation, parse, match, write) against the
// same rows (payments, payment_applications, deductions) written by bare multi-row INSERTs of 1,000 rows each, in
// one transaction. Each side of each round gets a fresh database with the same invoices (seeded untimed), so
// neither inherits the other's rows. The deduction cases the posting opens (R7's second part) are a second
// comparison of this section, measured on their own: this one is ingest and matching.
import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { formatMoney } from '../domain/money';
import { createScratchDatabase } from '../infra/local-stack';
import { withTransaction } from '../infra/postgres';
import { createUser, type TestUser } from '../testkit/fixtures';
import { compare, interleave, log, median, progress, startApi, type BenchContext, type SectionResult } from './support';

const CUSTOMERS = 300;
const ROWS_PER_INSERT = 1_000;
/** Transactions per booked entry (a bank books a batch of credits as one entry). */
const PER_ENTRY = 100;
const SEED = 7;
const CURRENCY = 'EUR';
const DEDUCTION_CODES = ['PRC', 'QTY', 'DMG', 'PRM', 'FRT'];

/** mulberry32: the same invoices, amounts and deductions every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

/** `transactions` invoices over CUSTOMERS customers, one credit paying each, `deductions` of them less a deduction. */
function book(transactions: number, deductions: number): Book {
  const rand = prng(SEED);
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const invoices: Invoice[] = Array.from({ length: transactions }, (_, i) => ({
    number: `INV-R7-${String(i + 1).padStart(6, '0')}`,
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
    return { id: `R7-TX-${String(i + 1).padStart(6, '0')}`, invoice, deduction, paidMinor: invoice.totalMinor - (deduction?.amountMinor ?? 0n) };
  });
  const xml = camt054(txs);
  return { invoices, transactions: txs, xml, fileSha256: createHash('sha256').update(xml).digest('hex') };
}

/** The notification, written as test/fixtures/camt054/two-invoices-deduction.v08.xml is, one line per transaction. */
function camt054(txs: Transaction[]): string {
  const amt = (minor: bigint) => `<Amt Ccy="${CURRENCY}">${formatMoney(minor)}</Amt>`;
  const entries: string[] = [];
  for (let from = 0; from < txs.length; from += PER_ENTRY) {
    const batch = txs.slice(from, from + PER_ENTRY);
    const details = batch.map((t) => {
      const adjustment = t.deduction
        ? `<AdjstmntAmtAndRsn>${amt(t.deduction.amountMinor)}<CdtDbtInd>DBIT</CdtDbtInd><Rsn>${t.deduction.code}</Rsn>` +
          `<AddtlInf>deducted on ${t.invoice.number}</AddtlInf></AdjstmntAmtAndRsn>`
        : '';
      return (
        `<TxDtls><Refs><AcctSvcrRef>${t.id}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>${amt(t.paidMinor)}` +
        `<CdtDbtInd>CRDT</CdtDbtInd><RltdPties><Dbtr><Pty><Nm>Customer ${t.invoice.customerId}</Nm></Pty></Dbtr></RltdPties>` +
        `<RmtInf><Strd><RfrdDocInf><Nb>${t.invoice.number}</Nb></RfrdDocInf><RfrdDocAmt>${adjustment}` +
        `<RmtdAmt Ccy="${CURRENCY}">${formatMoney(t.paidMinor)}</RmtdAmt></RfrdDocAmt></Strd></RmtInf></TxDtls>`
      );
    });
    const total = batch.reduce((sum, t) => sum + t.paidMinor, 0n);
    entries.push(
      `<Ntry>${amt(total)}<CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-30</Dt></BookgDt>` +
        `<AcctSvcrRef>R7-ENTRY-${from / PER_ENTRY + 1}</AcctSvcrRef>` +
        `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>` +
        `<NtryDtls><Btch><NbOfTxs>${batch.length}</NbOfTxs></Btch>\n${details.join('\n')}\n</NtryDtls></Ntry>`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>` +
    `<GrpHdr><MsgId>MSG-R7</MsgId><CreDtTm>2026-12-01T06:00:00+01:00</CreDtTm></GrpHdr>` +
    `<Ntfctn><Id>NTF-R7</Id><CreDtTm>2026-12-01T06:00:00+01:00</CreDtTm><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>\n` +
    `${entries.join('\n')}\n</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n`
  );
}

/** A fresh database with the book's customers and invoices (one line each) and a cash user; dropped by drop(). */
async function freshLedger(ctx: BenchContext, b: Book): Promise<{ url: string; pool: Pool; user: TestUser; drop(): Promise<void> }> {
  const db = await createScratchDatabase(ctx.infra.adminUrl, 'bench_r7', { max: 4, applicationName: 'bench-r7', log, statementTimeoutMs: 0 });
  try {
    const customers = [...new Set(b.invoices.map((i) => i.customerId))];
    await db.pool.query(`INSERT INTO customers (id, name) SELECT id, 'Customer ' || id FROM unnest($1::text[]) id`, [customers]);
    const col = <T>(f: (i: Invoice) => T) => b.invoices.map(f);
    // An invoice's total is its lines' (checked at commit): both in one transaction.
    await withTransaction(db.pool, async (client) => {
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
    await db.pool.query('VACUUM ANALYZE invoices');
    return { url: db.url, pool: db.pool, user: await createUser(db.pool, 'cash'), drop: db.drop };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

/** A bench that silently wrote nothing must fail: every payment applied, every deduction recorded, nothing unapplied. */
async function expectPosted(pool: Pool, b: Book, side: string): Promise<void> {
  const { rows } = await pool.query(
    `SELECT (SELECT count(*) FROM payments)::int AS payments, (SELECT count(*) FROM payment_applications)::int AS applications,
            (SELECT count(*) FROM deductions)::int AS deductions, (SELECT count(*) FROM unapplied_cash)::int AS unapplied,
            (SELECT count(*) FROM invoices WHERE open_balance_minor <> 0)::int AS open`,
  );
  const deductions = b.transactions.filter((t) => t.deduction).length;
  const want = { payments: b.transactions.length, applications: b.transactions.length, deductions, unapplied: 0, open: deductions };
  if (JSON.stringify(rows[0]) !== JSON.stringify(want)) {
    throw new Error(`R7 ${side}: the posting left ${JSON.stringify(rows[0])}, not ${JSON.stringify(want)}`);
  }
}

/** A: the file through HTTP, as a cash user posts it; the time is the request's, from sending to the answer. */
async function viaApi(ctx: BenchContext, b: Book): Promise<number> {
  const ledger = await freshLedger(ctx, b);
  const api = await startApi(ctx, ledger.url);
  try {
    const started = performance.now();
    const res = await fetch(`${api.url}/api/payments/camt054`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ledger.user.token}`, 'content-type': 'application/xml' },
      body: b.xml,
    });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`POST /api/payments/camt054: ${res.status} ${text.slice(0, 500)}`);
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

export async function runR7(ctx: BenchContext): Promise<SectionResult> {
  const transactions = Number(process.env.BENCH_R7_TRANSACTIONS ?? 10_000);
  const deductions = Math.round(transactions / 10);
  const b = book(transactions, deductions);
  const fileMiB = Buffer.byteLength(b.xml) / 2 ** 20;

  progress(`R7: a camt.054 of ${transactions} credits (${deductions} with a deduction, ${fileMiB.toFixed(1)} MiB) per round and side, each into a fresh database`);
  const rounds = await interleave(ctx.rounds, () => viaApi(ctx, b), () => bareInserts(ctx, b), 'R7');
  const kept = rounds.slice(1);
  return {
    id: 'R7',
    title: 'money in',
    comparisons: [
      compare('R7', `camt.054 ingest, ${transactions} credits / ${deductions} deductions`, 's', rounds.map((r) => ({ a: r.a / 1000, b: r.b / 1000 })), {
        text: '≤ 5×',
        maxRatio: 5,
      }),
    ],
    info: [
      `R7: ${transactions} invoices over ${CUSTOMERS} customers, a camt.054 001.08 of ${fileMiB.toFixed(1)} MiB (${PER_ENTRY} credits an entry) posted over HTTP; ` +
        `${(transactions / (median(kept.map((r) => r.a)) / 1000)).toFixed(0)} payments/s against ${(transactions / (median(kept.map((r) => r.b)) / 1000)).toFixed(0)} ` +
        `for bare INSERTs of ${ROWS_PER_INSERT} rows (the same ${transactions} payments, ${transactions} applications, ${deductions} deductions, the schema's triggers firing on both)`,
    ],
    raw: rounds.map((r) => ({ api: r.a, bare: r.b })),
  };
}
