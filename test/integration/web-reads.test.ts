// The reads the web UI is built on, beyond the contract: finding invoices by number or customer, the records
// around an invoice before and after a case is opened on it, the case list oldest first, and the overview report
// (open cases by stage and age, overdue tasks by team, weekly flow), all answered by the server however many cases.
import { randomUUID } from 'node:crypto';
import { eventually, startApi, type ApiHarness } from '../support/api';
import { pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';

describe('with the worker: the records behind an invoice and its case', () => {
  let api: ApiHarness;
  let specialist: TestUser;
  let orderManagement: TestUser;

  beforeAll(async () => {
    api = await startApi({ worker: true });
    specialist = await api.user('specialist');
    orderManagement = await api.user('ops', { team: 'ORDER_MANAGEMENT' });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
  });

  it('shows the PO, the contract in force and the work orders before a case is opened, and the same on the case', async () => {
    const dispute = pricingDispute({ completedQty: 9 });
    // An earlier invoice on the same PO, which the evidence lists among the other invoices.
    const earlier = { ...dispute.records.invoices![0], number: uniqueId('INV'), issuedAt: '2026-02-01T00:00:00Z' };
    const imported = await api.request('POST', '/api/records/import', {
      token: specialist.token,
      body: { ...dispute.records, invoices: [...dispute.records.invoices!, earlier] },
    });
    expect(imported.status).toBe(200);

    const before = await api.request('GET', `/api/invoices/${dispute.invoiceNumber}/evidence`, { token: specialist.token });
    expect(before.status).toBe(200);
    expect(before.body.invoice.number).toBe(dispute.invoiceNumber);
    expect(before.body.purchaseOrder.id).toBe(dispute.poId);
    expect(before.body.purchaseOrder.lines).toEqual([{ lineNo: 1, sku: 'SKU-A', quantity: 10, unitPrice: '100.00' }]);
    expect(before.body.contract.prices).toEqual([{ sku: 'SKU-A', unitPrice: '90.00' }]);
    expect(before.body.workOrders.map((w: { lines: unknown }) => w.lines)).toEqual([[{ sku: 'SKU-A', quantityCompleted: 9 }]]);
    expect(before.body.otherInvoices.map((i: { number: string }) => i.number)).toEqual([earlier.number]);

    const opened = await api.request('POST', '/api/disputes', {
      token: specialist.token,
      body: { invoiceNumber: dispute.invoiceNumber, disputedAmount: '100.00', reasonCode: 'PRICING' },
    });
    expect(opened.status).toBe(201);
    const detail = await eventually('the evidence on the case', async () => {
      const res = await api.request('GET', `/api/disputes/${opened.body.id}`, { token: specialist.token });
      return res.body.evidence ? res.body : undefined;
    });
    expect(detail.evidence).toEqual(before.body);
    // The team asked about the case (the earlier invoice makes it a duplicate) reads the same records, once its task
    // is assigned.
    const asOps = await eventually('the case visible to Order Management', async () => {
      const res = await api.request('GET', `/api/disputes/${opened.body.id}`, { token: orderManagement.token });
      return res.status === 200 ? res.body : undefined;
    });
    expect(asOps.evidence).toEqual(before.body);
  });

  it('answers 404 for the records of an unknown invoice', async () => {
    const res = await api.request('GET', `/api/invoices/${uniqueId('INV')}/evidence`, { token: specialist.token });
    expect(res.status).toBe(404);
  });
});

describe('from the read model', () => {
  let api: ApiHarness;
  let specialist: TestUser;
  let auditor: TestUser;
  const acme = pricingDispute();
  const borealis = pricingDispute();

  beforeAll(async () => {
    api = await startApi();
    specialist = await api.user('specialist');
    auditor = await api.user('auditor');
    acme.records.customers![0].name = 'Acme Facilities';
    borealis.records.customers![0].name = 'Borealis Foods';
    // A second invoice of Acme's, issued later, whose number has a LIKE wildcard in it.
    const second = { ...acme.records.invoices![0], number: `${acme.invoiceNumber}_2`, issuedAt: '2026-03-01T00:00:00Z' };
    acme.records.invoices!.push(second);
    for (const { records } of [acme, borealis]) {
      expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: records })).status).toBe(200);
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  const numbers = (body: { items: { number: string }[] }) => body.items.map((i) => i.number);

  it('finds invoices by number prefix, customer id or part of the customer name, newest first', async () => {
    const find = async (query: string) => {
      const res = await api.request('GET', `/api/invoices?${query}`, { token: specialist.token });
      expect(res.status).toBe(200);
      return res.body;
    };
    expect(numbers(await find(`number=${acme.invoiceNumber}`))).toEqual([`${acme.invoiceNumber}_2`, acme.invoiceNumber]);
    expect(numbers(await find(`customer=${borealis.customerId}`))).toEqual([borealis.invoiceNumber]);
    const byName = await find('customer=acme%20FAC');
    expect(numbers(byName)).toEqual([`${acme.invoiceNumber}_2`, acme.invoiceNumber]);
    expect(byName.items[0]).toMatchObject({ customerId: acme.customerId, customerName: 'Acme Facilities', total: '1000.00', openBalance: '1000.00' });
    // `_` and `%` are literal, not LIKE wildcards.
    expect(numbers(await find(`number=${encodeURIComponent(`${acme.invoiceNumber}_`)}`))).toEqual([`${acme.invoiceNumber}_2`]);
    expect(numbers(await find('number=%25'))).toEqual([]);

    const first = await find(`customer=${acme.customerId}&limit=1`);
    expect(numbers(first)).toEqual([`${acme.invoiceNumber}_2`]);
    const second = await find(`customer=${acme.customerId}&limit=1&cursor=${first.nextCursor}`);
    expect(numbers(second)).toEqual([acme.invoiceNumber]);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a bad search with the field named', async () => {
    const res = await api.request('GET', '/api/invoices?customer=', { token: specialist.token });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain('customer');
    // Well-formed for the schema, but not a cursor the API gave out.
    const cursor = await api.request('GET', '/api/invoices?cursor=bm90LWEtY3Vyc29y', { token: specialist.token });
    expect(cursor.status).toBe(422);
    expect(cursor.body.error.details.map((d: { field: string }) => d.field)).toContain('cursor');
  });

  it('names the configured teams to every role', async () => {
    for (const user of [specialist, auditor]) {
      const res = await api.request('GET', '/api/teams', { token: user.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        items: [
          { id: 'ORDER_MANAGEMENT', name: 'Order Management' },
          { id: 'SALES_OPS', name: 'Sales Ops' },
        ],
      });
    }
  });

  it('names active people by role and team to every role, without limits or tokens, and not the revoked', async () => {
    const lead = await api.user('ops', { team: 'SALES_OPS', name: `Lead ${uniqueId('P')}` });
    await api.db.pool.query(`UPDATE users SET lead = true WHERE id = $1`, [lead.id]);
    const gone = await api.user('ops', { team: 'SALES_OPS' });
    await api.db.pool.query(`UPDATE users SET active = false WHERE id = $1`, [gone.id]);
    const res = await api.request('GET', '/api/people?role=ops&team=SALES_OPS', { token: auditor.token });
    expect(res.status).toBe(200);
    expect(res.body.items).toContainEqual({ id: lead.id, name: lead.name, role: 'ops', team: 'SALES_OPS', lead: true });
    expect(res.body.items.map((p: { id: string }) => p.id)).not.toContain(gone.id);
    expect(res.body.items.every((p: { role: string; team: string }) => p.role === 'ops' && p.team === 'SALES_OPS')).toBe(true);
    expect(Object.keys(res.body.items[0]).sort()).toEqual(['id', 'lead', 'name', 'role', 'team']);
    const bad = await api.request('GET', '/api/people?role=boss', { token: specialist.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toContain('role');
  });

  it('lists a case with no proposal as such', async () => {
    const { number } = await insertCase({ openedDaysAgo: 1, stage: 'INVESTIGATION' });
    const res = await api.request('GET', `/api/disputes?customerId=${acme.customerId}&limit=200`, { token: specialist.token });
    expect(res.body.items.find((c: { caseNumber: string }) => c.caseNumber === number)).toMatchObject({ proposal: null });
  });

  /** A case row as the workflow's projection would leave it, at chosen times. */
  async function insertCase(opts: { openedDaysAgo: number; stage: string; status?: string; closedDaysAgo?: number; amountMinor?: number }) {
    const id = randomUUID();
    const number = uniqueId('DSP');
    await api.db.pool.query(
      `INSERT INTO cases (id, case_number, workflow_id, invoice_number, customer_id, currency, disputed_minor, reason_code,
                          opened_by, status, stage, opened_at, stage_entered_at, closed_at)
       VALUES ($1, $2, $3, $4, $5, 'USD', $6, 'PRICING', $7, $8, $9, now() - make_interval(days => $10::int), now(),
               CASE WHEN $11::int IS NULL THEN NULL ELSE now() - make_interval(days => $11::int) END)`,
      [id, number, `dispute:${number}`, acme.invoiceNumber, acme.customerId, opts.amountMinor ?? 10_000, specialist.id,
        opts.status ?? 'OPEN', opts.stage, opts.openedDaysAgo, opts.closedDaysAgo ?? null],
    );
    return { id, number };
  }

  it('lists cases oldest first when asked, page after page', async () => {
    const cases: { id: string; number: string }[] = [];
    for (const days of [3, 2, 1]) cases.push(await insertCase({ openedDaysAgo: days, stage: 'INVESTIGATION' }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { caseNumber: string }[]; nextCursor: string | null } } = await api.request(
        'GET',
        `/api/disputes?order=asc&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: specialist.token },
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((c) => c.caseNumber));
      cursor = res.body.nextCursor;
    } while (cursor);
    const ours = seen.filter((n) => cases.some((c) => c.number === n));
    expect(ours).toEqual(cases.map((c) => c.number));
    const newest = await api.request('GET', '/api/disputes?limit=200', { token: specialist.token });
    expect(newest.body.items.map((c: { caseNumber: string }) => c.caseNumber).filter((n: string) => ours.includes(n))).toEqual([...ours].reverse());
    const bad = await api.request('GET', '/api/disputes?order=oldest', { token: specialist.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('order');
  });

  it('reports open cases by stage and age, open and overdue tasks by team, and the weekly flow', async () => {
    // Other tests of this file leave cases too: what counts is what these add.
    const overview = async (query = '') => {
      const res = await api.request('GET', `/api/reports/overview${query}`, { token: auditor.token });
      expect(res.status).toBe(200);
      return res.body;
    };
    const before = await overview('?weeks=3');
    const investigating = await insertCase({ openedDaysAgo: 2, stage: 'INVESTIGATION', amountMinor: 12_345 });
    await insertCase({ openedDaysAgo: 5, stage: 'INVESTIGATION', amountMinor: 100 });
    await insertCase({ openedDaysAgo: 40, stage: 'APPROVAL', amountMinor: 50_000 });
    await insertCase({ openedDaysAgo: 120, stage: 'RESOLUTION', amountMinor: 1 });
    await insertCase({ openedDaysAgo: 9, stage: 'DONE', status: 'CLOSED', closedDaysAgo: 0 });
    await insertCase({ openedDaysAgo: 1, stage: 'INVESTIGATION', status: 'CANCELLED', closedDaysAgo: 0 });
    const overdue = await insertCase({ openedDaysAgo: 10, stage: 'INVESTIGATION', amountMinor: 200 });
    await api.db.pool.query(
      `INSERT INTO tasks (id, case_id, team, title, finding_codes, created_at, due_at, escalated_at)
       VALUES (gen_random_uuid(), $1, 'SALES_OPS', 'late', '{PRICE_VARIANCE}', now() - interval '3 days', now() - interval '1 day', now()),
              (gen_random_uuid(), $1, 'ORDER_MANAGEMENT', 'late', '{QUANTITY_OVER_PO}', now() - interval '3 days', now() - interval '1 hour', NULL),
              (gen_random_uuid(), $2, 'SALES_OPS', 'on time', '{PRICE_VARIANCE}', now(), now() + interval '1 day', NULL)`,
      [overdue.id, investigating.id],
    );

    const after = await overview('?weeks=3');
    type Cell = { stage: string; bucket: string; count: number; amount: string };
    const cents = (amount: string) => Number(amount.replace('.', ''));
    const added = (stage: string, bucket: string) => {
      const find = (body: { openCases: Cell[] }) => body.openCases.find((c) => c.stage === stage && c.bucket === bucket)!;
      return { count: find(after).count - find(before).count, cents: cents(find(after).amount) - cents(find(before).amount) };
    };
    expect(after.openCases).toHaveLength(5 * 5);
    expect(added('INVESTIGATION', '0-7')).toEqual({ count: 2, cents: 12_445 });
    expect(added('INVESTIGATION', '8-30')).toEqual({ count: 1, cents: 200 });
    expect(added('APPROVAL', '31-60')).toEqual({ count: 1, cents: 50_000 });
    expect(added('RESOLUTION', '>90')).toEqual({ count: 1, cents: 1 });
    const total = (body: { openCases: Cell[] }) => body.openCases.reduce((n, c) => n + c.count, 0);
    expect(total(after) - total(before)).toBe(5);

    expect(after.tasks).toEqual([
      { team: 'ORDER_MANAGEMENT', open: 1, overdue: 1, escalated: 0 },
      { team: 'SALES_OPS', open: 2, overdue: 1, escalated: 1 },
    ]);

    type Week = { weekStart: string; opened: number; closed: number; cancelled: number };
    expect(after.weeks).toHaveLength(3);
    const thisWeek: Week = after.weeks[2];
    expect(new Date(`${thisWeek.weekStart}T00:00:00Z`).getUTCDay()).toBe(1);
    expect(thisWeek.closed - before.weeks[2].closed).toBe(1);
    expect(thisWeek.cancelled - before.weeks[2].cancelled).toBe(1);
    const opened = (body: { weeks: Week[] }) => body.weeks.reduce((n, w) => n + w.opened, 0);
    // The 40 and 120 days old are before the first of the 3 weeks; of the others, those since its Monday count.
    const since = Date.parse(`${after.weeks[0].weekStart}T00:00:00Z`);
    expect(opened(after) - opened(before)).toBe([1, 2, 5, 9, 10].filter((d) => Date.now() - d * 86_400_000 >= since).length);
    expect((await overview()).weeks).toHaveLength(12);

    const tooMany = await api.request('GET', '/api/reports/overview?weeks=500', { token: auditor.token });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].field).toBe('weeks');
  });
});
