// F24 of issue 11. Any sequence of payments (in full, in part, over the balance, to an unknown number, with
// deductions, posted again), unapplied cash applied, disputes opened, cases resolved (CREDIT, ADJUST with a debit and
// a write-off, NO_CREDIT) and cancelled, all through the HTTP API with the worker, as the application role: every
// invoice's openBalance is its formula and never below zero, its paid is what the matcher and the worklist could apply
// (a payment posted again applies nothing), one matcher application per payment and invoice, each deduction in at
// most one case, on an invoice that case disputes, OPEN while its case is open and not OPEN once it closed; then the
// database invariants.
import fc from 'fast-check';
import { startApiAsAppRole, eventually, type AppRoleApiHarness } from '../support/api';
import { caseViaApi, completeTasksViaApi, createCast, expectInvariants, type Cast } from '../support/faults';
import { pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';
import { SYSTEM_OPENER } from '../../domain/events';
import { formatMoney, parseMoney } from '../../domain/money';

const INVOICES = 3;
/** Deductions below 5.00 are written off by rule; from 1.00 the others open or join a case. */
const RULES = { caseMinMinor: 100n, autoWriteOffMaxMinor: 500n };

let api: AppRoleApiHarness;
let cast: Cast;
let cash: TestUser;
/** What the sequences did, by command and answer: printed, to see that they reach what they should. */
const tally: Record<string, number> = {};

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true, app: { deductionRules: RULES } });
  cast = await createCast(api.db.pool);
  cash = await api.user('cash');
}, 60_000);

afterAll(() => api?.close());

// ---------------------------------------------------------------- commands

/** Where a payment goes: one of the run's invoices, or a number we do not know. */
const target = fc.integer({ min: 0, max: INVOICES });
const permille = (max: number) => fc.integer({ min: 1, max });
/** Below the write-off limit, or a case's worth. */
const deduction = fc.oneof(fc.bigInt({ min: 1n, max: RULES.autoWriteOffMaxMinor - 1n }), fc.bigInt({ min: RULES.autoWriteOffMaxMinor, max: 30_000n }));

const command = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('pay' as const),
      to: target,
      how: fc.constantFrom('full' as const, 'part' as const, 'over' as const),
      share: permille(999),
      over: fc.bigInt({ min: 1n, max: 50_000n }),
      deductions: fc.array(deduction, { maxLength: 2, size: 'max' }),
      again: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('apply' as const), to: fc.integer({ min: 0, max: INVOICES - 1 }), share: permille(1_200) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('open' as const), to: fc.integer({ min: 0, max: INVOICES - 1 }), share: permille(1_100) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('resolve' as const),
      pick: fc.nat(),
      type: fc.constantFrom('CREDIT' as const, 'ADJUST' as const, 'NO_CREDIT' as const),
      credit: fc.integer({ min: 0, max: 1_100 }),
      debit: fc.integer({ min: 0, max: 1_000 }),
      writeOff: fc.integer({ min: 0, max: 600 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat() }) },
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

// ---------------------------------------------------------------- one run: its own customer and invoices

interface Run {
  customerId: string;
  numbers: string[];
  /** What the invoices' paid must be: the model. */
  paid: Map<string, bigint>;
  /** Every outcome, for the failure message. */
  log: string[];
}

async function freshRun(): Promise<Run> {
  const fixture = pricingDispute();
  const [first] = fixture.records.invoices!;
  const invoices = [first, ...Array.from({ length: INVOICES - 1 }, () => ({ ...first, number: uniqueId('INV') }))];
  const imported = await api.request('POST', '/api/records/import', { token: cast.specialist.token, body: { ...fixture.records, invoices } });
  expect(imported.status).toBe(200);
  const numbers = invoices.map((i) => i.number);
  return { customerId: fixture.customerId, numbers, paid: new Map(numbers.map((n) => [n, 0n])), log: [] };
}

const m = (s: string) => parseMoney(s);
const share = (of: bigint, perMille: number) => (of * BigInt(perMille)) / 1000n;

/** The invoice as the API reads it, its openBalance held to the formula and to zero. */
async function invoice(number: string) {
  const res = await api.request('GET', `/api/invoices/${number}`, { token: cash.token });
  expect(res.status).toBe(200);
  const i = res.body;
  const formula = m(i.total) - m(i.credited) + m(i.debited) - m(i.writtenOff) - m(i.paid);
  expect({ number, openBalance: i.openBalance }).toEqual({ number, openBalance: formatMoney(formula) });
  expect({ number, negative: formula < 0n }).toEqual({ number, negative: false });
  return { paid: m(i.paid), open: formula };
}

/** A refusal is an outcome; a 5xx never is. */
function refusedOrDone(run: Run, what: string, status: number, body: unknown, ok: number) {
  run.log.push(`${what} → ${status}`);
  const key = `${what.trim().split(' ')[0]} ${status}`;
  tally[key] = (tally[key] ?? 0) + 1;
  if (status !== ok && (status < 400 || status >= 500)) throw new Error(`${what} answered ${status}: ${JSON.stringify(body)}\n${run.log.join('\n')}`);
  return status === ok;
}

/** The run's open cases whose rows are written, oldest first; `pick` chooses one. */
async function openCase(run: Run, pick: number): Promise<{ id: string; caseNumber: string } | undefined> {
  const { rows } = await api.db.pool.query(
    `SELECT id, case_number AS "caseNumber" FROM cases WHERE customer_id = $1 AND status = 'OPEN' ORDER BY case_number`,
    [run.customerId],
  );
  return rows.length ? rows[pick % rows.length] : undefined;
}

async function pay(run: Run, c: Extract<Command, { k: 'pay' }>) {
  const number = c.to < INVOICES ? run.numbers[c.to] : uniqueId('NOT-OURS');
  const open = c.to < INVOICES ? (await invoice(number)).open : 0n;
  const deducted = c.deductions.reduce((a, b) => a + b, 0n);
  const wanted = c.to === INVOICES ? c.over : c.how === 'full' ? open - deducted : c.how === 'part' ? share(open, c.share) : open + c.over;
  const paid = wanted > 0n ? wanted : 1n;
  const body = {
    payments: [
      {
        id: uniqueId('PAY'),
        customerId: run.customerId,
        receivedAt: '2026-12-01T10:00:00Z',
        currency: 'USD',
        amount: formatMoney(paid),
        remittance: [
          {
            invoiceNumber: number,
            paid: formatMoney(paid),
            deductions: c.deductions.map((amount) => ({ amount: formatMoney(amount), reasonCode: 'D-PRICE' })),
          },
        ],
      },
    ],
  };
  const res = await api.request('POST', '/api/payments', { token: cash.token, body });
  refusedOrDone(run, `pay ${formatMoney(paid)} to ${c.to} (open ${formatMoney(open)}) less ${c.deductions.map(formatMoney).join('+') || 'nothing'}`, res.status, res.body, 200);
  expect(res.status).toBe(200);
  // The matcher applies what the invoice has open, at most; the rest is unapplied.
  const applied = c.to < INVOICES ? (paid < open ? paid : open) : 0n;
  if (c.to < INVOICES) run.paid.set(number, run.paid.get(number)! + applied);
  expect(res.body).toMatchObject({ payments: 1, applied: applied > 0n ? 1 : 0, unapplied: paid > applied ? 1 : 0 });
  if (c.again) {
    const again = await api.request('POST', '/api/payments', { token: cash.token, body });
    run.log.push(`  posted again → ${again.status}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ payments: 0, applied: 0, deductions: 0, casesOpened: 0, unapplied: 0 });
  }
}

async function applyCash(run: Run, c: Extract<Command, { k: 'apply' }>) {
  const list = await api.request('GET', `/api/unapplied-cash?customerId=${run.customerId}`, { token: cash.token });
  expect(list.status).toBe(200);
  const item = list.body.items[0] as { id: string; amount: string } | undefined;
  if (!item) return void run.log.push('apply: no unapplied cash');
  const number = run.numbers[c.to];
  const amount = share(m(item.amount), c.share) || 1n;
  const res = await api.request('POST', `/api/unapplied-cash/${item.id}/apply`, { token: cash.token, body: { invoiceNumber: number, amount: formatMoney(amount) } });
  if (refusedOrDone(run, `apply ${formatMoney(amount)} of ${item.amount} to ${c.to}`, res.status, res.body, 200)) {
    run.paid.set(number, run.paid.get(number)! + amount);
  }
}

async function openDispute(run: Run, c: Extract<Command, { k: 'open' }>) {
  const number = run.numbers[c.to];
  const amount = share((await invoice(number)).open, c.share) || 1n;
  const res = await api.request('POST', '/api/disputes', {
    token: cast.specialist.token,
    body: { invoiceNumber: number, disputedAmount: formatMoney(amount), reasonCode: 'PRICING' },
  });
  refusedOrDone(run, `open ${formatMoney(amount)} on ${c.to}`, res.status, res.body, 201);
}

async function resolve(run: Run, c: Extract<Command, { k: 'resolve' }>) {
  const ref = await openCase(run, c.pick);
  if (!ref) return void (tally['resolve: no open case'] = (tally['resolve: no open case'] ?? 0) + 1);
  await completeTasksViaApi(api, cast, ref);
  const detail = await caseViaApi(api, cast.specialist, ref, 'past its tasks', (d) => d.stage !== 'INVESTIGATION');
  if (detail.status !== 'OPEN' || detail.stage !== 'RESOLUTION') return void run.log.push(`resolve: ${ref.caseNumber} ${detail.status} ${detail.stage}`);
  const disputed = m(detail.disputedAmount);
  const invoiceNumber = detail.items[0].invoiceNumber as string;
  const body =
    c.type === 'NO_CREDIT'
      ? { type: 'NO_CREDIT', rootCause: 'CUSTOMER_ERROR' }
      : c.type === 'CREDIT'
        ? { type: 'CREDIT', rootCause: 'PRICING_SETUP', amount: formatMoney(share(disputed, c.credit) || 1n) }
        : {
            type: 'ADJUST',
            rootCause: 'PRICING_SETUP',
            adjustments: [
              { kind: 'CREDIT', invoiceNumber, amount: formatMoney(share(disputed, c.credit) || 1n) },
              { kind: 'DEBIT', invoiceNumber, lineNo: 1, amount: formatMoney(share(disputed, c.debit) || 1n) },
              { kind: 'WRITE_OFF', invoiceNumber, amount: formatMoney(share(disputed, c.writeOff) || 1n) },
            ].slice(0, 1 + (c.writeOff % 3)),
          };
  const proposed = await api.request('POST', `/api/disputes/${ref.id}/resolution`, { token: cast.specialist.token, body });
  if (!refusedOrDone(run, `resolve ${ref.caseNumber} (${detail.disputedAmount}) ${JSON.stringify(body)}`, proposed.status, proposed.body, 200)) return;
  if (proposed.body.stage === 'APPROVAL') {
    const decided = await api.request('POST', `/api/disputes/${ref.id}/decision`, { token: cast.manager.token, body: { decision: 'APPROVE' } });
    refusedOrDone(run, `  approve ${ref.caseNumber}`, decided.status, decided.body, 200);
  }
  // Its documents issued and the case closed, or refused by the ledger and back in RESOLUTION.
  const after = await caseViaApi(api, cast.specialist, ref, 'closed or back to the specialist', (d) => d.status !== 'OPEN' || d.stage === 'RESOLUTION');
  run.log.push(`  ${ref.caseNumber} ${after.status} ${after.stage}`);
  tally[`case ${after.status} ${after.stage}`] = (tally[`case ${after.status} ${after.stage}`] ?? 0) + 1;
}

async function cancel(run: Run, c: Extract<Command, { k: 'cancel' }>) {
  const ref = await openCase(run, c.pick);
  if (!ref) return void run.log.push('cancel: no open case');
  const res = await api.request('POST', `/api/disputes/${ref.id}/cancel`, { token: cast.specialist.token, body: { reason: 'customer withdrew' } });
  refusedOrDone(run, `cancel ${ref.caseNumber}`, res.status, res.body, 200);
}

// ---------------------------------------------------------------- what holds after every command

async function expectLedgerKept(run: Run) {
  for (const number of run.numbers) {
    const { paid } = await invoice(number);
    expect({ number, paid: formatMoney(paid) }).toEqual({ number, paid: formatMoney(run.paid.get(number)!) });
  }
  const pool = api.db.pool;
  // The matcher applies a payment to an invoice once; no payment applies more than it brought.
  const twice = await pool.query(
    `SELECT payment_id, invoice_number, count(*)::int AS n FROM payment_applications
      WHERE applied_by IS NULL AND invoice_number = ANY($1) GROUP BY payment_id, invoice_number HAVING count(*) > 1`,
    [run.numbers],
  );
  expect(twice.rows).toEqual([]);
  const overApplied = await pool.query(
    `SELECT p.id, p.amount_minor::text AS amount,
            (SELECT coalesce(sum(a.amount_minor), 0) FROM payment_applications a WHERE a.payment_id = p.id AND a.applied_by IS NULL)::text AS matched,
            (SELECT coalesce(sum(u.amount_minor), 0) FROM unapplied_cash u WHERE u.payment_id = p.id)::text AS unapplied
       FROM payments p WHERE p.customer_id = $1`,
    [run.customerId],
  );
  for (const p of overApplied.rows) expect({ payment: p.id, total: BigInt(p.matched) + BigInt(p.unapplied) }).toEqual({ payment: p.id, total: BigInt(p.amount) });

  // A deduction's case row is written by its workflow's first activity, after the posting answered.
  const deductions = await eventually('the cases of the deductions written', async () => {
    const { rows } = await pool.query(
      `SELECT d.id, d.invoice_number, d.status, d.case_id, c.status AS case_status,
              EXISTS (SELECT 1 FROM case_items i WHERE i.case_id = d.case_id AND i.invoice_number = d.invoice_number) AS disputes_it,
              (SELECT count(*)::int FROM case_events e WHERE e.type = 'DEDUCTION_ADDED' AND e.data->>'deductionId' = d.id::text) AS joined
         FROM deductions d LEFT JOIN cases c ON c.id = d.case_id WHERE d.invoice_number = ANY($1)`,
      [run.numbers],
    );
    return rows.every((d) => d.case_id === null || d.case_status !== null) ? rows : undefined;
  });
  for (const d of deductions) {
    // Joined to its case once at most, and that case disputes its invoice.
    expect({ deduction: d.id, joinedOnce: d.joined <= 1, disputesIt: d.case_id === null || d.disputes_it }).toEqual({ deduction: d.id, joinedOnce: true, disputesIt: true });
    if (d.case_status === 'OPEN') expect({ deduction: d.id, status: d.status }).toEqual({ deduction: d.id, status: 'OPEN' });
    if (d.case_status === 'CLOSED') expect({ deduction: d.id, open: d.status === 'OPEN' }).toEqual({ deduction: d.id, open: false });
  }
  // Every deduction a case took in is one of ours, and in that case: none joined under another name.
  const added = await pool.query(
    `SELECT c.case_number, e.data->>'deductionId' AS deduction, d.case_id = c.id AS in_it
       FROM case_events e JOIN cases c ON c.id = e.case_id LEFT JOIN deductions d ON d.id::text = e.data->>'deductionId'
      WHERE c.customer_id = $1 AND e.type = 'DEDUCTION_ADDED'`,
    [run.customerId],
  );
  for (const e of added.rows) expect(e).toEqual({ ...e, in_it: true });
  // A case the system opened holds the deduction it was opened for: none opened twice for one deduction.
  const orphans = await pool.query(
    `SELECT c.case_number FROM cases c WHERE c.customer_id = $1 AND c.opened_by = $2
        AND NOT EXISTS (SELECT 1 FROM deductions d WHERE d.case_id = c.id)`,
    [run.customerId, SYSTEM_OPENER.id],
  );
  expect(orphans.rows).toEqual([]);
}

async function runSequence(commands: Command[]) {
  const run = await freshRun();
  try {
    for (const c of commands) {
      if (c.k === 'pay') await pay(run, c);
      else if (c.k === 'apply') await applyCash(run, c);
      else if (c.k === 'open') await openDispute(run, c);
      else if (c.k === 'resolve') await resolve(run, c);
      else await cancel(run, c);
      await expectLedgerKept(run);
    }
  } catch (err) {
    process.stdout.write(`F24 run on ${run.customerId}:\n${run.log.join('\n')}\n`);
    throw err;
  }
  // The invariants read each case's trail: a case just opened has its first events written by its workflow.
  const { rows } = await api.db.pool.query('SELECT id, case_number AS "caseNumber" FROM cases WHERE customer_id = $1', [run.customerId]);
  for (const ref of rows) await caseViaApi(api, cast.specialist, ref, 'out of EVIDENCE', (d) => d.status !== 'OPEN' || d.stage !== 'EVIDENCE');
  await expectInvariants(api.db.pool);
}

it('keeps every invoice at its formula, each payment applied once and each deduction in one case, whatever the sequence', async () => {
  await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 3, maxLength: 10, size: 'max' }), runSequence), { numRuns: 20, endOnFailure: true });
  const deductions = await api.db.pool.query('SELECT status, case_id IS NOT NULL AS in_case, count(*)::int AS n FROM deductions GROUP BY 1, 2 ORDER BY 1, 2');
  process.stdout.write(`F24: ${JSON.stringify(tally)}; deductions ${JSON.stringify(deductions.rows)}\n`);
}, 300_000);
