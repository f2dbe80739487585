// F15 resource consumption, generated from the route table where it can be: every route that takes a body answers
// 413 to one over its limit (256 KB of JSON, 16 MB of a bank's XML file), writing nothing and calling no Temporal; every paged route clamps a huge page size. And no
// payload over 256 KB reaches Temporal: 20 cases go through their lives with every free-text field at its maximum,
// one of them on an invoice of 1,000 lines overbilled three ways each (3,000 findings, 340 KB as JSON), and no event of any case's
// workflow history is over 256 KB. Bursts answer 429: test/integration/api-input.test.ts.
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { LIMIT_MAX } from '../../contract';
import { routes } from '../../api/routes';
import { XML_BODY_LIMIT } from '../../api/xml-body';
import { gatherEvidence } from '../../records/evidence';
import { PostgresRecordsSource } from '../../records/source';
import { storeRecords } from '../../api/records-import';
import { summariseEvidence } from '../../domain/evidence';
import { startApi, type ApiHarness } from '../support/api';
import {
  caseViaApi,
  completeTasksViaApi,
  createCast,
  expectInvariants,
  importViaApi,
  mapLimit,
  openCaseViaApi,
  openCasesViaApi,
  recordTemporalCalls,
  type Cast,
  type HttpCase,
} from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import type { Role } from '../../domain/types';
import { camt054Fixture } from '../support/camt054-fixtures';

const KB = 1024;
let api: ApiHarness;
let cast: Cast;
const users = {} as Record<Role, TestUser>;

describe('F15 resource consumption', () => {
  beforeAll(async () => {
    api = await startApi({ worker: true });
    cast = await createCast(api.db.pool);
    Object.assign(users, { admin: await api.user('admin'), auditor: await api.user('auditor'), specialist: cast.specialist, manager: cast.manager, ops: cast.salesOps });
  }, 60_000);

  afterAll(() => api?.close());

  const rowCount = async () =>
    (await api.db.pool.query(`SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM customers) + (SELECT count(*) FROM users)
                                 + (SELECT count(*) FROM case_comments) + (SELECT count(*) FROM case_events)
                                 + (SELECT count(*) FROM payments) + (SELECT count(*) FROM payment_applications)
                                 + (SELECT count(*) FROM reason_mappings) + (SELECT count(*) FROM delegations)
                                 + (SELECT count(*) FROM admin_events) AS n`)).rows[0].n;

  describe('every route with a body', () => {
    const bodyRoutes = routes.filter((r) => r.body);

    // 16 MB and a byte, sent whole: the server reads it to the end before answering, which takes well under a second here.
    const over = (media: 'json' | 'xml' | undefined) =>
      media === 'xml'
        ? { rawBody: Buffer.alloc(XML_BODY_LIMIT + 1, ' '), headers: { 'content-type': 'application/xml' } }
        : { body: { note: 'x'.repeat(257 * KB) } };

    it.each(bodyRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r]))('%s: a body over its limit is a 413, and nothing happens', async (_name, route) => {
      const token = users[(route.roles as Role[])[0]].token;
      const before = await rowCount();
      const calls = recordTemporalCalls(api.temporal);
      try {
        const res = await api.request(route.method, route.path.replace(/:(\w+)/g, () => randomUUID()), {
          token,
          ...over(route.bodyMedia),
        });
        expect(res.status).toBe(413);
        expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      } finally {
        jest.restoreAllMocks();
      }
      expect(calls).toEqual([]);
      expect(await rowCount()).toBe(before);
    });

    it("POST /api/payments/camt054: a bank file over 256 KB is within its own limit, and posts", async () => {
      const file = camt054Fixture('ustrd-only.v08.xml');
      const padded = file.replace('<Document', `<!-- ${'x'.repeat(300 * KB)} -->\n<Document`);
      const res = await api.request('POST', '/api/payments/camt054', { token: cast.specialist.token, rawBody: padded, headers: { 'content-type': 'application/xml' } });
      expect({ status: res.status, payments: res.body.payments }).toEqual({ status: 200, payments: 2 });
    });
  });

  describe('every paged route', () => {
    // More rows than one full page, in an API and database of their own: paged reads come from the read model only,
    // so its rows are written straight in SQL, without workflows.
    let pages: ApiHarness;
    let reader: TestUser;
    let auditor: TestUser;
    let cashier: TestUser;
    let administrator: TestUser;
    let caseId: string;
    const paged = routes.filter((r) => r.query instanceof z.ZodObject && 'limit' in r.query.shape);
    let invoiceNumber: string;
    /** Where each paged route has more than a page, and the page's list in its answer (`items`, unless said). */
    const pathOf: Record<string, { path: () => string; page?: (body: any) => unknown[] }> = { // eslint-disable-line @typescript-eslint/no-explicit-any
      '/api/disputes': { path: () => '/api/disputes' },
      '/api/tasks': { path: () => '/api/tasks' },
      '/api/invoices': { path: () => '/api/invoices' },
      '/api/disputes/:id/comments': { path: () => `/api/disputes/${caseId}/comments` },
      '/api/records/imports': { path: () => '/api/records/imports' },
      '/api/invoices/:number/evidence': { path: () => `/api/invoices/${invoiceNumber}/evidence`, page: (body) => body.invoice.lines },
      '/api/disputes/:id/evidence': { path: () => `/api/disputes/${caseId}/evidence`, page: (body) => body.evidence.invoice.lines },
      '/api/unapplied-cash': { path: () => '/api/unapplied-cash' },
      '/api/deductions': { path: () => '/api/deductions' },
      '/api/users': { path: () => '/api/users' },
      '/api/admin-events': { path: () => '/api/admin-events' },
    };

    beforeAll(async () => {
      pages = await startApi();
      reader = await pages.user('manager');
      auditor = await pages.user('auditor');
      cashier = await pages.user('cash');
      administrator = await pages.user('admin');
      const fixture = pricingDispute();
      const n = LIMIT_MAX + 5;
      const invoice = fixture.records.invoices![0];
      const invoices = Array.from({ length: n }, (_, i) => ({ ...invoice, number: `${invoice.number}-${i}` }));
      // The first one has as many lines, a page of which its evidence shows.
      invoices[0].lines = Array.from({ length: n }, (_, i) => ({ ...invoice.lines[0], lineNo: i + 1 }));
      invoiceNumber = invoices[0].number;
      await storeRecords(pages.db.pool, { ...fixture.records, invoices });
      const db = pages.db.pool;
      await db.query(
        `INSERT INTO cases (id, case_number, workflow_id, invoice_number, customer_id, currency, disputed_minor, reason_code,
                          opened_by, opened_at, stage_entered_at)
       SELECT gen_random_uuid(), 'DSP-' || lpad(i::text, 6, '0'), 'dispute:DSP-' || lpad(i::text, 6, '0'), $1, $2, 'USD', 100,
              'PRICING', $3, now() - i * interval '1 minute', now()
         FROM generate_series(1, $4) i`,
        [invoices[0].number, fixture.customerId, reader.id, n],
      );
      await db.query(
        `INSERT INTO tasks (id, case_id, team, title, finding_codes, created_at, due_at)
       SELECT gen_random_uuid(), id, 'SALES_OPS', 'Confirm PRICE_VARIANCE', '{PRICE_VARIANCE}', now(), now() + interval '2 days' FROM cases`,
      );
      caseId = (await db.query('SELECT id FROM cases LIMIT 1')).rows[0].id;
      const evidence = summariseEvidence(await gatherEvidence(new PostgresRecordsSource(db), invoiceNumber));
      await db.query('UPDATE cases SET evidence = $2 WHERE id = $1', [caseId, JSON.stringify(evidence)]);
      await db.query(`INSERT INTO case_comments (case_id, author_id, body) SELECT $1, $2, 'note ' || i FROM generate_series(1, $3) i`, [caseId, reader.id, n]);
      await db.query(
        `INSERT INTO record_imports (actor_id, counts, sha256)
       SELECT $1, '{"customers":1,"contracts":0,"purchaseOrders":0,"workOrders":0,"invoices":0}', repeat('0', 64) FROM generate_series(1, $2)`,
        [reader.id, n],
      );
      // Payments no invoice took, each one item of the worklist, and as many deductions on the first invoice.
      // One statement: a payment is whole (applied and unapplied add up to it) at commit.
      await db.query(
        `WITH p AS (
           INSERT INTO payments (id, customer_id, currency, amount_minor, received_at, source, content_hash, posted_by)
           SELECT 'PAY-' || i, $1, 'USD', 100, now(), 'json', 'x', $2 FROM generate_series(1, $3) i RETURNING id)
         INSERT INTO unapplied_cash (id, payment_id, customer_id, currency, amount_minor)
         SELECT gen_random_uuid(), p.id, $1, 'USD', 100 FROM p`,
        [fixture.customerId, reader.id, n],
      );
      await db.query(
        `INSERT INTO deductions (id, payment_id, invoice_number, ordinal, amount_minor, customer_code)
         SELECT gen_random_uuid(), 'PAY-1', $1, i, 1, 'SHORT' FROM generate_series(1, $2) i`,
        [invoiceNumber, n],
      );
      // People, and as many changes to them in the administration trail.
      await db.query(
        `INSERT INTO users (name, role, token_hash) SELECT 'Person ' || i, 'specialist', sha256(convert_to(gen_random_uuid()::text, 'UTF8'))
           FROM generate_series(1, $1) i`,
        [n],
      );
      await db.query(`INSERT INTO admin_events (actor_id, type, subject_id) SELECT $1::uuid, 'USER_CHANGED', $1::text FROM generate_series(1, $2)`, [administrator.id, n]);
    }, 60_000);

    afterAll(() => pages?.close());

    it('knows where each paged route has more than a page of rows', () => {
      expect(paged.map((r) => r.path).filter((p) => !(p in pathOf))).toEqual([]);
    });

    it.each(paged.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r]))('%s?limit=1000000 answers one full page of the maximum size', async (_name, route) => {
      const user = route.roles.includes('manager') ? reader : route.roles.includes('auditor') ? auditor : route.roles.includes('cash') ? cashier : administrator;
      expect(route.roles).toContain(user.role);
      const { path, page = (body) => body.items } = pathOf[route.path];
      const res = await pages.request(route.method, `${path()}?limit=1000000`, { token: user.token });
      expect(res.status).toBe(200);
      expect(page(res.body)).toHaveLength(LIMIT_MAX);
      expect(JSON.stringify(res.body)).toMatch(/"nextCursor":"[^"]+"/);
    });
  });

  describe('what reaches Temporal', () => {
    /** An invoice of `n` lines, each priced over the contract, billed over its PO and not completed: 3 findings a line. */
    function longInvoice(n: number) {
      const fixture = pricingDispute();
      const r = fixture.records;
      const sku = (i: number) => `SKU-${i}`;
      r.contracts![0].prices = Array.from({ length: n }, (_, i) => ({ sku: sku(i), unitPrice: '90.00' }));
      r.purchaseOrders![0].lines = Array.from({ length: n }, (_, i) => ({ lineNo: i + 1, sku: sku(i), quantity: 8, unitPrice: '100.00' }));
      r.workOrders![0].lines = Array.from({ length: n }, (_, i) => ({ sku: sku(i), quantityCompleted: 5 }));
      r.invoices![0].lines = Array.from({ length: n }, (_, i) => ({ lineNo: i + 1, sku: sku(i), quantity: 10, unitPrice: '100.00' }));
      return fixture;
    }

    // The longest text each field takes, in a character UTF-8 spells with three bytes.
    const longest = (n: number) => '€'.repeat(n);

    /**
     * Completes each task PARTIAL naming every one of its findings: the longest confirmation list a task can get
     * (the long invoice's Order Management task has 2,000 findings), which rides in the update and in its event.
     */
    async function completeNamingEveryFinding(c: HttpCase): Promise<void> {
      for (const team of [cast.salesOps, cast.orderMgmt]) {
        const tasks = await api.request('GET', `/api/tasks?disputeId=${c.id}&status=OPEN`, { token: team.token });
        for (const task of tasks.body.items) {
          const findings = task.findings.map((f: { id: string; amount: string }) => ({ id: f.id, confirmedAmount: f.amount }));
          const body = { outcome: 'PARTIAL', note: longest(4000), findings };
          expect(JSON.stringify(body).length).toBeGreaterThan(task.team === 'ORDER_MANAGEMENT' ? 128 * KB : 64 * KB);
          const done = await api.request('POST', `/api/tasks/${task.id}/complete`, { token: team.token, body });
          expect(done.status).toBe(200);
        }
      }
    }

    async function life(c: HttpCase, { namingEveryFinding = false } = {}): Promise<void> {
      if (namingEveryFinding) await completeNamingEveryFinding(c);
      else await completeTasksViaApi(api, cast, c, longest(4000));
      const proposed = await api.request('POST', `/api/disputes/${c.id}/resolution`, {
        token: cast.specialist.token,
        body: { type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP', note: longest(4000) },
      });
      expect(proposed.status).toBe(200);
      const decided = await api.request('POST', `/api/disputes/${c.id}/decision`, {
        token: cast.manager.token,
        body: { decision: 'APPROVE', comment: longest(4000) },
      });
      expect(decided.status).toBe(200);
      await caseViaApi(api, cast.specialist, c, 'CLOSED', (d) => d.status === 'CLOSED');
    }

    it('keeps every event of every case history under 256 KB: 20 cases at their limits, one invoice of 1,000 lines', async () => {
      const long = longInvoice(1_000);
      // Each kind of record in a request of its own: one request of them all would be over the body limit.
      for (const key of ['customers', 'contracts', 'purchaseOrders', 'workOrders', 'invoices'] as const) {
        await importViaApi(api, cast.specialist, [{ ...long, records: { [key]: long.records[key] } }]);
      }
      const cases = [
        await openCaseViaApi(api, cast.specialist, long, '1000.00', longest(4000)),
        ...(await openCasesViaApi(api, cast.specialist, Array.from({ length: 19 }, () => pricingDispute()), '150.00', longest(4000))),
      ];
      const investigating = await caseViaApi(api, cast.specialist, cases[0], 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION');
      expect(investigating.findingCount).toBe(3_000);
      const analysed = investigating.events.find((e: { type: string }) => e.type === 'EVIDENCE_COLLECTED').data.findings;
      expect(analysed).toHaveLength(3_000);
      expect(JSON.stringify(analysed).length).toBeGreaterThan(256 * KB);
      await mapLimit(cases, 10, (c) => life(c, { namingEveryFinding: c === cases[0] }));

      const sizes = await mapLimit(cases, 5, async (c) => {
        const history = await api.temporal.workflow.getHandle(c.workflowId).fetchHistory();
        const events = history.events ?? [];
        const largest = Math.max(...events.map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length));
        return { caseNumber: c.caseNumber, events: events.length, largestKb: Math.ceil(largest / KB) };
      });
      expect(sizes.filter((s) => s.largestKb > 256)).toEqual([]);
      // Not vacuous: the long case's evidence and the long texts did reach the history.
      expect(Math.max(...sizes.map((s) => s.largestKb))).toBeGreaterThan(12);
      await expectInvariants(api.db.pool, { temporal: api.temporal, allClosed: true });
    }, 120_000);
  });
});
