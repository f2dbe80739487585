// F23 one camt.054 payment file applies once: posted three times at the same moment (two Idempotency-Keys, one
// request twice under the same key), and posted again after a kill -9 of the API process in the middle of its
// import. The API runs as its own OS process, as the application role. What each answer counts plus what the
// killed posting committed is one posting's counts; in the database every payment is there once, with its
// applications, deductions and unapplied cash once, each invoice paid exactly what its payments applied.
// Every deduction ends in one case of its own, opened by the actor system, whichever request opened it: the posting
// that committed it, or the one posted again after the kill (the posting's cases open after its commit).
import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { startApiProcess, eventually, type ApiProcess } from '../support/api';
import { createAppRoleLogin, createTestDatabase, type AppRoleLogin, type TestDatabase } from '../support/database';
import { expectInvariants } from '../support/faults';
import { registerTestNamespace, runDisputeWorker, testTemporalAddress, uniqueTaskQueue, type RunningWorker } from '../support/temporal';
import { SYSTEM_OPENER } from '../../domain/events';
import { storeRecords } from '../../api/records-import';
import { camt054Xml, type Camt054Transaction } from '../../testkit/camt054';
import { createUser, pricingDispute, type TestUser } from '../../testkit/fixtures';

let db: TestDatabase;
let connection: Connection;
let appRole: AppRoleLogin;
let cash: TestUser;
let worker: RunningWorker;
const taskQueue = uniqueTaskQueue('f23');
const apis: ApiProcess[] = [];

const startApi = async () => {
  const api = await startApiProcess({ databaseUrl: appRole.url, namespace: db.name, taskQueue });
  apis.push(api);
  return api;
};

beforeAll(async () => {
  db = await createTestDatabase();
  connection = await Connection.connect({ address: testTemporalAddress() });
  await registerTestNamespace(connection, db.name);
  appRole = await createAppRoleLogin(db);
  cash = await createUser(db.pool, 'cash');
  worker = await runDisputeWorker({ namespace: db.name, taskQueue, pool: appRole.pool });
}, 60_000);

afterAll(async () => {
  await Promise.all(apis.map((api) => api.group.stop()));
  await worker?.stop();
  await connection?.close();
  await appRole?.drop();
  await db?.drop();
});

// ------------------------------------------------------------ the file

/** What one credit transaction is: it pays an invoice of 1,000.00 in full, less a deduction, over it, in part, or refers to nothing. */
type Kind = 'full' | 'deduction' | 'over' | 'part' | 'unreferenced';
const KINDS: Kind[] = ['full', 'full', 'full', 'full', 'full', 'full', 'deduction', 'over', 'unreferenced', 'part'];

interface Tx {
  id: string;
  invoiceNumber: string;
  kind: Kind;
}

/** Per kind: the transaction's amount, what it applies to its invoice, what is left unapplied (minor units). */
const MONEY: Record<Kind, { amount: number; applied: number; unapplied: number }> = {
  full: { amount: 100_000, applied: 100_000, unapplied: 0 },
  deduction: { amount: 90_000, applied: 90_000, unapplied: 0 },
  over: { amount: 125_000, applied: 100_000, unapplied: 25_000 },
  part: { amount: 40_000, applied: 40_000, unapplied: 0 },
  unreferenced: { amount: 30_000, applied: 0, unapplied: 30_000 },
};


/**
 * `n` invoices of 1,000.00 (one customer per 500, on one PO each), imported, and a transaction on each: kinds in
 * turn, a deduction every `deductionEvery` transactions (else a full payment).
 */
async function seed(n: number, deductionEvery: number): Promise<Tx[]> {
  const txs: Tx[] = [];
  const file = randomUUID().slice(0, 8);
  for (let from = 0; from < n; from += 500) {
    const { records } = pricingDispute();
    const [invoice] = records.invoices!;
    // Numbers unique by construction: two random ones alike would make one transaction find its invoice paid.
    const invoices = Array.from({ length: Math.min(500, n - from) }, (_, j) => ({ ...invoice, number: `INV-${file}-${String(from + j).padStart(5, '0')}` }));
    await storeRecords(db.pool, { ...records, invoices });
    invoices.forEach(({ number }, j) => {
      const i = from + j;
      const kind = KINDS[i % KINDS.length];
      txs.push({ id: `TX-${file}-${String(i).padStart(5, '0')}`, invoiceNumber: number, kind: kind === 'deduction' && i % deductionEvery !== 6 ? 'full' : kind });
    });
  }
  return txs;
}

function transaction({ id, invoiceNumber, kind }: Tx): Camt054Transaction {
  const amountMinor = BigInt(MONEY[kind].amount);
  return {
    ref: id,
    amountMinor,
    debtorName: 'Acme Facilities',
    remittance:
      kind === 'unreferenced'
        ? { text: 'CASH DEPOSIT WITHOUT REFERENCE' }
        : { documents: [{ number: invoiceNumber, remittedMinor: amountMinor, adjustments: kind === 'deduction' ? [{ amountMinor: 10_000n, reason: 'PRC' }] : [] }] },
  };
}

/** A camt.054.001.08 notification of one booked batch entry holding every transaction, as a bank sends a day's receipts. */
function camt054(txs: Tx[]): string {
  const id = txs[0].id.slice(0, 11);
  return camt054Xml({
    messageId: id,
    createdAt: '2026-12-02T12:00:00+01:00',
    currency: 'USD',
    entries: [{ ref: `ENTRY-${id}`, bookedOn: '2026-11-30', transactions: txs.map(transaction) }],
  });
}

// ------------------------------------------------------------ what one posting does, asked and found

/** The answer's counts but casesOpened, which deduction cases own. */
interface Counts {
  payments: number;
  applied: number;
  deductions: number;
  unapplied: number;
}

const NOTHING: Counts = { payments: 0, applied: 0, deductions: 0, unapplied: 0 };

function onePosting(txs: Tx[]): Counts {
  return {
    payments: txs.length,
    applied: txs.filter((t) => MONEY[t.kind].applied > 0).length,
    deductions: txs.filter((t) => t.kind === 'deduction').length,
    unapplied: txs.filter((t) => MONEY[t.kind].unapplied > 0).length,
  };
}

const add = (a: Counts, b: Counts): Counts => ({
  payments: a.payments + b.payments,
  applied: a.applied + b.applied,
  deductions: a.deductions + b.deductions,
  unapplied: a.unapplied + b.unapplied,
});

interface Posted {
  status: number;
  counts?: Counts;
  body: unknown;
}

async function post(api: ApiProcess, xml: string, key?: string): Promise<Posted> {
  const res = await fetch(`${api.url}/api/payments/camt054`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cash.token}`, 'content-type': 'application/xml', ...(key ? { 'idempotency-key': key } : {}) },
    body: xml,
  });
  const body = await res.json();
  if (res.status !== 200) return { status: res.status, body };
  const { payments, applied, deductions, unapplied } = body as Counts;
  return { status: res.status, counts: { payments, applied, deductions, unapplied }, body };
}

/** What the database holds of the file's payments: each with its applications, unapplied cash and deductions. */
async function found(txs: Tx[]) {
  const { rows } = await db.pool.query(
    `SELECT p.id, p.amount_minor::int AS amount,
            coalesce((SELECT json_agg(json_build_array(a.invoice_number, a.amount_minor::int)) FROM payment_applications a WHERE a.payment_id = p.id), '[]') AS applications,
            coalesce((SELECT json_agg(u.amount_minor::int) FROM unapplied_cash u WHERE u.payment_id = p.id), '[]') AS unapplied,
            coalesce((SELECT json_agg(d.amount_minor::int) FROM deductions d WHERE d.payment_id = p.id), '[]') AS deductions
       FROM payments p WHERE p.id = ANY($1) ORDER BY p.id`,
    [txs.map((t) => t.id)],
  );
  return rows;
}

/** Counts of what the database holds of the file, as an answer counts them. */
async function committed(txs: Tx[]): Promise<Counts> {
  const rows = await found(txs);
  return {
    payments: rows.length,
    applied: rows.reduce((n, r) => n + r.applications.length, 0),
    deductions: rows.reduce((n, r) => n + r.deductions.length, 0),
    unapplied: rows.reduce((n, r) => n + r.unapplied.length, 0),
  };
}

/** Every payment once, as the file says; every invoice paid what its one transaction applied, = Σ applications. */
async function expectAppliedOnce(txs: Tx[]): Promise<void> {
  expect(await found(txs)).toEqual(
    [...txs]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((t) => ({
        id: t.id,
        amount: MONEY[t.kind].amount,
        applications: MONEY[t.kind].applied ? [[t.invoiceNumber, MONEY[t.kind].applied]] : [],
        unapplied: MONEY[t.kind].unapplied ? [MONEY[t.kind].unapplied] : [],
        deductions: t.kind === 'deduction' ? [10_000] : [],
      })),
  );
  const { rows } = await db.pool.query(
    `SELECT i.number, i.paid_minor::int AS paid, (SELECT coalesce(sum(a.amount_minor), 0)::int FROM payment_applications a WHERE a.invoice_number = i.number) AS applications
       FROM invoices i WHERE i.number = ANY($1)`,
    [txs.map((t) => t.invoiceNumber)],
  );
  const paid = new Map(txs.map((t) => [t.invoiceNumber, MONEY[t.kind].applied]));
  expect(rows.filter((r) => r.paid !== paid.get(r.number) || r.applications !== r.paid)).toEqual([]);
  expect(rows).toHaveLength(txs.length);
  await expectOneCasePerDeduction(txs);
  await expectInvariants(db.pool);
}

/** Each deduction in a case of its own on its invoice, opened by the actor system, whose workflow has started its trail. */
async function expectOneCasePerDeduction(txs: Tx[]): Promise<void> {
  const ids = txs.map((t) => t.id);
  const cases = async () =>
    (
      await db.pool.query(
        `SELECT d.invoice_number, c.invoice_number AS case_invoice, c.opened_by, (SELECT count(*)::int FROM case_events e WHERE e.case_id = c.id) AS events
           FROM deductions d LEFT JOIN cases c ON c.id = d.case_id WHERE d.payment_id = ANY($1) ORDER BY d.invoice_number`,
        [ids],
      )
    ).rows;
  const rows = await eventually('every deduction case on its trail', async () => {
    const now = await cases();
    return now.every((r) => r.events > 0) ? now : undefined;
  }, 60_000);
  const deducted = txs.filter((t) => t.kind === 'deduction').map((t) => t.invoiceNumber).sort();
  expect(rows.map((r) => [r.invoice_number, r.case_invoice, r.opened_by])).toEqual(deducted.map((n) => [n, n, SYSTEM_OPENER.id]));
  const { rows: distinct } = await db.pool.query('SELECT count(DISTINCT case_id)::int AS n FROM deductions WHERE payment_id = ANY($1)', [ids]);
  expect(distinct[0].n).toBe(deducted.length);
}

// ------------------------------------------------------------ the faults

describe('F23 one payment file applies once', () => {
  it('posted three times at the same moment (two keys, one of them twice): one posting between them', async () => {
    const api = apis[0] ?? (await startApi());
    const txs = await seed(200, 10);
    const xml = camt054(txs);
    const key = randomUUID();
    const [a, b, c] = await Promise.all([post(api, xml, key), post(api, xml), post(api, xml, key)]);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    // Under one key, one answer; between the keys, one posting.
    expect(c.body).toEqual(a.body);
    expect(add(a.counts!, b.counts!)).toEqual(onePosting(txs));
    expect(onePosting(txs)).toEqual({ payments: 200, applied: 180, deductions: 20, unapplied: 40 });
    await expectAppliedOnce(txs);
    // And once more, after the fact: nothing new.
    expect((await post(api, xml)).counts).toEqual(NOTHING);
  }, 120_000);

  it('posted again after a kill -9 of the API in the middle of its import: the killed posting is whole or not at all, the rest applies once', async () => {
    // Big enough that its posting's transaction writes for a while once the file is parsed: the kill lands in it.
    const txs = await seed(2_000, 50);
    const xml = camt054(txs);
    const first = apis[0] ?? (await startApi());
    const key = randomUUID();
    const killed = post(first, xml, key).then(
      (answer) => `answered ${answer.status}`,
      () => 'no answer',
    );
    // In the middle: the posting's transaction has written and is still writing payments or their applications.
    await eventually(
      'the posting mid-import',
      async () => {
        const { rows } = await db.pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'ar-dispute-api'
              AND backend_xid IS NOT NULL AND query LIKE 'INSERT INTO payment%'`,
          [db.name],
        );
        return rows.length ? true : undefined;
      },
      60_000,
    );
    first.group.signal('SIGKILL');
    expect((await first.group.exited).signal).toBe('SIGKILL');
    expect(await killed).toBe('no answer');
    // PostgreSQL ends the dead client's sessions, rolling back what they had not committed.
    await eventually('the killed API sessions gone', async () => {
      const { rows } = await db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'ar-dispute-api'`, [db.name]);
      return rows.length ? undefined : true;
    });

    const before = await committed(txs);
    expect([NOTHING, onePosting(txs)]).toContainEqual(before);
    expect(await db.pool.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [key]).then((r) => r.rows[0].n)).toBe(before.payments ? 1 : 0);
    await expectInvariants(db.pool);

    const second = await startApi();
    const again = await post(second, xml);
    expect(again.status).toBe(200);
    expect(add(before, again.counts!)).toEqual(onePosting(txs));
    expect(onePosting(txs)).toEqual({ payments: 2_000, applied: 1_800, deductions: 40, unapplied: 400 });
    // The killed request retried under its key: the answer it committed with, or (rolled back) nothing new.
    const retried = await post(second, xml, key);
    expect(retried.counts).toEqual(before.payments ? onePosting(txs) : NOTHING);
    await expectAppliedOnce(txs);
  }, 180_000);
});
