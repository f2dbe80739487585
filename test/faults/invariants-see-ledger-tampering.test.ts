// The ledger rules of the shared invariant check (testkit/invariants.ts, which `npm run chaos` reports row by row)
// can fail. A case is resolved with a credit, a debit and a write-off through the API and the real worker; then the
// tables' owner, its triggers switched off (session_replication_role = replica), bends one thing at a time in a
// transaction that is rolled back, and the check run inside it must count it under its own rule: a document without
// an eligible approval, documents apart from the approved allocation (an amount, a missing one, over the disputed
// amount), an invoice apart from its documents, a line credited beyond what it billed, a gap in a series, a payment
// apart from its applications, applied twice or its unapplied cash applied beyond it.
import type { PoolClient } from 'pg';
import { startApi, type ApiHarness } from '../support/api';
import { caseViaApi, completeTasksViaApi, createCast, expectInvariants, openCasesViaApi, type Cast, type HttpCase } from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { checkInvariants, type InvariantViolations } from '../../testkit/invariants';

let api: ApiHarness;
let cast: Cast;
let auditor: TestUser;
let c: HttpCase;
let documents: Record<'CREDIT' | 'DEBIT' | 'WRITE_OFF', string>;

beforeAll(async () => {
  api = await startApi({ worker: true });
  cast = await createCast(api.db.pool);
  auditor = await api.user('auditor');
  [c] = await openCasesViaApi(api, cast.specialist, [pricingDispute()], '150.00');
  expect(await completeTasksViaApi(api, cast, c)).toBe('RESOLUTION');
  const invoiceNumber = c.fixture.invoiceNumber;
  const proposed = await api.request('POST', `/api/disputes/${c.id}/resolution`, {
    token: cast.specialist.token,
    body: {
      type: 'ADJUST',
      rootCause: 'PRICING_SETUP',
      adjustments: [
        { kind: 'CREDIT', invoiceNumber, amount: '100.00' },
        { kind: 'DEBIT', invoiceNumber, lineNo: 1, amount: '30.00' },
        { kind: 'WRITE_OFF', invoiceNumber, amount: '50.00' },
      ],
    },
  });
  expect(proposed.status).toBe(200);
  await caseViaApi(api, cast.manager, c, 'in approval', (d) => d.stage === 'APPROVAL');
  expect((await api.request('POST', `/api/disputes/${c.id}/decision`, { token: cast.manager.token, body: { decision: 'APPROVE' } })).status).toBe(200);
  const closed = await caseViaApi(api, auditor, c, 'closed', (d) => d.status === 'CLOSED');
  documents = Object.fromEntries(closed.adjustments.map((a: { kind: string; number: string }) => [a.kind, a.number])) as typeof documents;
}, 90_000);

afterAll(async () => {
  await api?.close();
});

/** Runs `sql` as the owner with the triggers off, checks inside the same transaction, and rolls it all back. */
async function violationsAfter(sql: string[]): Promise<InvariantViolations> {
  const client: PoolClient = await api.db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    for (const statement of sql) await client.query(statement, statement.includes('$1') ? [c.id] : []);
    return (await checkInvariants(client)).violations;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** The rules that found something, with what each found. */
const found = (v: InvariantViolations) => Object.fromEntries(Object.entries(v).filter(([, problems]) => problems.length));

it('holds for a case resolved with a CM-, a DM- and a WO- document', async () => {
  expect(Object.keys(documents).sort()).toEqual(['CREDIT', 'DEBIT', 'WRITE_OFF']);
  const report = await expectInvariants(api.db.pool);
  expect(report.documents).toEqual({ CREDIT: expect.any(Number), DEBIT: 1, WRITE_OFF: 1 });
});

it('counts documents whose approval was not by a manager', async () => {
  const v = await violationsAfter([`UPDATE users SET role = 'specialist' WHERE id = (SELECT decided_by FROM approvals WHERE case_id = $1)`]);
  expect(v.unapprovedDocuments).toHaveLength(3);
  expect(v.unapprovedDocuments[0]).toContain(`case ${c.caseNumber}: document`);
  expect(Object.keys(found(v)).sort()).toEqual(['ineligibleApprovals', 'unapprovedDocuments']);
});

it('counts a document of another amount than proposed, and one proposed but missing', async () => {
  const other = await violationsAfter([`UPDATE resolutions SET adjustments = jsonb_set(adjustments, '{1,amount}', '"31.00"') WHERE case_id = $1`]);
  expect(found(other)).toEqual({ allocationMismatches: [expect.stringContaining('planned 3100 of DEBIT')] });

  // The write-off's document removed with its lines (and the invoice's figure with it): the approval issued less
  // than it approved, and the WO series has its counter ahead of its documents.
  const missing = await violationsAfter([
    `DELETE FROM adjustment_lines WHERE adjustment_number = '${documents.WRITE_OFF}'`,
    `DELETE FROM adjustments WHERE number = '${documents.WRITE_OFF}'`,
    `UPDATE invoices SET written_off_minor = 0 WHERE number = (SELECT invoice_number FROM cases WHERE id = $1)`,
  ]);
  expect(missing.allocationMismatches).toEqual(
    expect.arrayContaining([expect.stringContaining('planned 5000 of WRITE_OFF'), expect.stringContaining('issued 13000')]),
  );
  expect(missing.memoNumberGaps).toEqual([expect.stringMatching(/series WO, .*counter at/)]);
  expect(missing.balanceMismatches).toEqual([]);
});

it('counts credits and write-offs on an invoice over what the case disputes on it', async () => {
  const v = await violationsAfter([`UPDATE case_items SET disputed_minor = 10000 WHERE case_id = $1`]);
  expect(found(v)).toEqual({ allocationMismatches: [expect.stringContaining('credits and writes off 15000')] });
});

it('counts an invoice whose figures are not its documents', async () => {
  const v = await violationsAfter([`UPDATE invoices SET debited_minor = debited_minor + 1 WHERE number = (SELECT invoice_number FROM cases WHERE id = $1)`]);
  expect(found(v)).toEqual({ balanceMismatches: [expect.stringContaining('debited 3001 (3000)')] });
});

it('counts a line credited beyond what it billed', async () => {
  const v = await violationsAfter([`UPDATE adjustment_lines SET amount_minor = 100001 WHERE adjustment_number = '${documents.CREDIT}'`]);
  expect(v.lineOverCredits).toEqual([expect.stringMatching(/line 1: billed 100000, credited 10000, credit lines 100001$/)]);
  // Its document's lines no longer add up to it either.
  expect(v.allocationMismatches).toEqual([expect.stringContaining(`document ${documents.CREDIT} of 10000 has lines adding up to 100001`)]);
});

it('counts a gap in the DM- series: the counter ahead of its documents', async () => {
  const v = await violationsAfter([`UPDATE document_counters SET last_value = last_value + 1 WHERE series = 'DM'`]);
  expect(found(v)).toEqual({ memoNumberGaps: ['1 documents in series DM, highest DM-1, counter at 2'] });
});

it('counts an invoice paid apart from its applications, and a payment apart from what it applied and left', async () => {
  const posted = await api.request('POST', '/api/payments', {
    token: cast.specialist.token,
    body: {
      payments: [
        {
          id: `PAY-${c.caseNumber}`,
          customerId: c.fixture.customerId,
          receivedAt: '2026-12-01T00:00:00Z',
          currency: 'USD',
          amount: '900.00',
          remittance: [{ invoiceNumber: c.fixture.invoiceNumber, paid: '900.00' }],
        },
      ],
    },
  });
  expect(posted.body).toEqual({ payments: 1, applied: 1, deductions: 0, casesOpened: 0, unapplied: 1 });
  expect(found((await checkInvariants(api.db.pool)).violations)).toEqual({});
  const paid = await violationsAfter([`UPDATE invoices SET paid_minor = paid_minor - 1 WHERE number = (SELECT invoice_number FROM cases WHERE id = $1)`]);
  expect(found(paid)).toEqual({ balanceMismatches: [expect.stringContaining('paid 87999 (applications 88000)')] });
  const payment = await violationsAfter([`UPDATE unapplied_cash SET amount_minor = amount_minor + 1 WHERE payment_id = 'PAY-${c.caseNumber}'`]);
  expect(found(payment)).toEqual({ paymentMismatches: [expect.stringContaining(`payment PAY-${c.caseNumber} of 90000: applied 88000, unapplied 2001`)] });
});

it('counts a payment applied twice to one invoice, one that left two unapplied items, and unapplied cash applied beyond it', async () => {
  const id = `PAY-${c.caseNumber}`;
  // The same sums, split into two rows: only the rule on duplicates can see it.
  const twice = await violationsAfter([
    `UPDATE payment_applications SET amount_minor = amount_minor - 100 WHERE payment_id = '${id}'`,
    `INSERT INTO payment_applications (payment_id, invoice_number, amount_minor) SELECT payment_id, invoice_number, 100 FROM payment_applications WHERE payment_id = '${id}'`,
  ]);
  expect(found(twice)).toEqual({ duplicateApplications: [`payment ${id}: applied by the matcher 2 times to invoice ${c.fixture.invoiceNumber}`] });
  const unappliedTwice = await violationsAfter([
    `UPDATE unapplied_cash SET amount_minor = amount_minor - 500 WHERE payment_id = '${id}'`,
    `INSERT INTO unapplied_cash (id, payment_id, customer_id, currency, amount_minor) SELECT gen_random_uuid(), payment_id, customer_id, currency, 500 FROM unapplied_cash WHERE payment_id = '${id}'`,
  ]);
  expect(found(unappliedTwice)).toEqual({ duplicateApplications: [`payment ${id}: left 2 unapplied items`] });
  // The table's CHECK refuses it to anyone but the owner who drops it, as here (rolled back with the rest).
  const beyond = await violationsAfter([
    'ALTER TABLE unapplied_cash DROP CONSTRAINT applied_within_amount',
    `UPDATE unapplied_cash SET applied_minor = amount_minor + 1 WHERE payment_id = '${id}'`,
  ]);
  expect(found(beyond)).toEqual({ paymentMismatches: [expect.stringContaining('1 unapplied items applied beyond their amount')] });
});
