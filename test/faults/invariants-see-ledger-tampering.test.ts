// The ledger rules of the shared invariant check (testkit/invariants.ts, which `npm run chaos` reports row by row)
// can fail. A case is resolved with a credit, a debit and a write-off through the API and the real worker; then the
// tables' owner, its triggers switched off (session_replication_role = replica), bends one thing at a time in a
// transaction that is rolled back, and the check run inside it must count it under its own rule: a document without
// an eligible approval, documents apart from the approved allocation (an amount, a missing one, over the disputed
// amount), an invoice apart from its documents, a line credited beyond what it billed, a gap in a series, a payment
// apart from its applications, applied twice or its unapplied cash applied beyond it; a deduction in a case that does
// not dispute its invoice, of another status than its case's, cleared beyond its case's credits and write-offs, a
// rule's write-off whose deduction is not cleared, a deduction from the minimum with no case.
import type { PoolClient } from 'pg';
import { startApi, type ApiHarness } from '../support/api';
import { caseViaApi, completeTasksViaApi, createCast, expectInvariants, importViaApi, openCasesViaApi, type Cast, type HttpCase } from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { checkInvariants, type InvariantOptions, type InvariantViolations } from '../../testkit/invariants';

let api: ApiHarness;
let cast: Cast;
let auditor: TestUser;
let c: HttpCase;
let documents: Record<'CREDIT' | 'DEBIT' | 'WRITE_OFF', string>;

beforeAll(async () => {
  // Deductions below 5.00 are written off by rule (the last tests' deductions).
  api = await startApi({ worker: true, app: { deductionRules: { caseMinMinor: 1n, autoWriteOffMaxMinor: 500n } } });
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
async function violationsAfter(sql: string[], options: InvariantOptions = {}): Promise<InvariantViolations> {
  const client: PoolClient = await api.db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    for (const statement of sql) await client.query(statement, statement.includes('$1') ? [c.id] : []);
    return (await checkInvariants(client, options)).violations;
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

describe('deductions', () => {
  // A payment on a second invoice that deducts 200.00 (its case opened by system, left OPEN in investigation) and
  // 4.00 (written off by rule); the case of the tests above is CLOSED with a credit of 100.00 and a write-off of 50.00.
  let other: ReturnType<typeof pricingDispute>;
  const deduction = (amountMinor: number) => `(SELECT id FROM deductions WHERE payment_id = 'PAY-D-${c.caseNumber}' AND amount_minor = ${amountMinor})`;
  const toClosedCase = `UPDATE deductions SET case_id = $1, invoice_number = (SELECT invoice_number FROM cases WHERE id = $1) WHERE id = `;

  beforeAll(async () => {
    other = pricingDispute();
    await importViaApi(api, cast.specialist, [other]);
    const posted = await api.request('POST', '/api/payments', {
      token: cast.specialist.token,
      body: {
        payments: [
          {
            id: `PAY-D-${c.caseNumber}`,
            receivedAt: '2026-12-02T00:00:00Z',
            currency: 'USD',
            amount: '700.00',
            remittance: [{ invoiceNumber: other.invoiceNumber, paid: '700.00', deductions: [{ amount: '200.00', reasonCode: 'PRC' }, { amount: '4.00', reasonCode: 'FRT' }] }],
          },
        ],
      },
    });
    expect(posted.body).toEqual({ payments: 1, applied: 1, deductions: 2, casesOpened: 1, unapplied: 0 });
    // The API writes the case's row as it opens it, its trail follows from the workflow: the tests start on both.
    const { rows } = await api.db.pool.query(`SELECT case_id FROM deductions WHERE payment_id = $1 AND case_id IS NOT NULL`, [`PAY-D-${c.caseNumber}`]);
    await caseViaApi(api, auditor, { id: rows[0].case_id, caseNumber: '' }, 'in investigation', (d) => d.stage === 'INVESTIGATION');
  }, 60_000);

  it('hold: the deduction in its open case, the small one written off by rule', async () => {
    const { rows } = await api.db.pool.query(
      `SELECT d.amount_minor::int AS amount, d.status, d.case_id IS NOT NULL AS in_case, a.rule_version IS NOT NULL AS by_rule
         FROM deductions d LEFT JOIN adjustments a ON a.deduction_id = d.id WHERE d.invoice_number = $1 ORDER BY d.amount_minor`,
      [other.invoiceNumber],
    );
    expect(rows).toEqual([
      { amount: 400, status: 'CLEARED', in_case: false, by_rule: true },
      { amount: 20000, status: 'OPEN', in_case: true, by_rule: false },
    ]);
    expect(found((await checkInvariants(api.db.pool, { deductionCaseMinMinor: 1n })).violations)).toEqual({});
  });

  it('counts a deduction whose case does not dispute its invoice', async () => {
    const v = await violationsAfter([`UPDATE deductions SET invoice_number = (SELECT invoice_number FROM cases WHERE id = $1) WHERE id = ${deduction(20000)}`]);
    expect(found(v)).toEqual({ deductionCases: [expect.stringMatching(/^deduction .* on invoice .*: its case .* does not dispute that invoice$/)] });
  });

  it('counts a deduction OPEN in a closed case, and one resolved while its case is open', async () => {
    const open = await violationsAfter([`${toClosedCase}${deduction(20000)}`]);
    expect(found(open)).toEqual({ deductionStatuses: [expect.stringMatching(new RegExp(`is OPEN, its case ${c.caseNumber} CLOSED$`))] });
    const resolved = await violationsAfter([`UPDATE deductions SET status = 'INVALID', resolved_at = now() WHERE id = ${deduction(20000)}`]);
    expect(found(resolved)).toEqual({ deductionStatuses: [expect.stringMatching(/is INVALID, its case .* OPEN$/)] });
  });

  it("counts deductions that cleared more than their case's credits and write-offs on the invoice", async () => {
    // 200.00 cleared where the case credited 100.00 and wrote off 50.00.
    const v = await violationsAfter([`${toClosedCase}${deduction(20000)}`, `UPDATE deductions SET status = 'CLEARED', cleared_minor = amount_minor, resolved_at = now() WHERE id = ${deduction(20000)}`]);
    expect(found(v)).toEqual({ deductionClearances: [expect.stringMatching(new RegExp(`^case ${c.caseNumber}: .* cleared 20000, its credits and write-offs there 15000$`))] });
  });

  it("counts a rule's write-off whose deduction is not cleared, or is in a case", async () => {
    const reopened = await violationsAfter([`UPDATE deductions SET status = 'OPEN', cleared_minor = 0, resolved_at = NULL WHERE id = ${deduction(400)}`]);
    expect(found(reopened)).toEqual({ ruleWriteOffs: [expect.stringMatching(/^write-off WO-\d+ of 400 by rule: its deduction .* is OPEN \(cleared 0 of 400\), case none$/)] });
    const inCase = await violationsAfter([`UPDATE deductions SET case_id = (SELECT case_id FROM deductions WHERE id = ${deduction(20000)}) WHERE id = ${deduction(400)}`]);
    expect(found(inCase).ruleWriteOffs).toEqual([expect.stringContaining('is CLEARED (cleared 400 of 400), case ')]);
  });

  it('counts a deduction from the minimum without a case, when asked for the minimum', async () => {
    const uncase = `UPDATE deductions SET case_id = NULL WHERE id = ${deduction(20000)}`;
    expect(found(await violationsAfter([uncase], { deductionCaseMinMinor: 1n }))).toEqual({
      uncasedDeductions: [expect.stringMatching(/of 20000 on invoice .* \(OPEN\) has no case, from 1 on$/)],
    });
    expect(found(await violationsAfter([uncase], { deductionCaseMinMinor: 20001n }))).toEqual({});
    expect(found(await violationsAfter([uncase]))).toEqual({});
  });
});
