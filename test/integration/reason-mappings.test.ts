// Reason mappings (issue 11) through the HTTP API, running as the application role: versions 1 and 2 of a customer's
// mapping; a deduction posted after each is mapped by it and names it, an unmapped code is OTHER (version null without
// a mapping); bad bodies refused naming the field, nothing written; roles; a retry under the same key makes no version.
import { randomUUID } from 'node:crypto';
import { startApiAsAppRole, type AppRoleApiHarness } from '../support/api';
import { pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';

let api: AppRoleApiHarness;
let specialist: TestUser;
let cash: TestUser;

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true });
  specialist = await api.user('specialist');
  cash = await api.user('cash');
}, 60_000);

afterAll(() => api?.close());

/** A customer with one invoice of 1,000.00, imported. */
async function customer() {
  const fixture = pricingDispute();
  expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: fixture.records })).status).toBe(200);
  return { customerId: fixture.customerId, invoiceNumber: fixture.invoiceNumber };
}

const put = (customerId: string, body: unknown, token = specialist.token, key?: string) =>
  api.request('PUT', `/api/reason-mappings/${encodeURIComponent(customerId)}`, { token, body, headers: key ? { 'idempotency-key': key } : {} });

const versions = async (customerId: string) =>
  (await api.db.pool.query('SELECT count(*)::int AS n FROM reason_mappings WHERE customer_id = $1', [customerId])).rows[0].n;

/** Pays 10.00 of the invoice with a deduction of 1.00 under each code; answers the deductions as listed. */
async function deduct(c: { customerId: string; invoiceNumber: string }, codes: string[]) {
  const id = uniqueId('PAY');
  const res = await api.request('POST', '/api/payments', {
    token: cash.token,
    body: {
      payments: [
        {
          id,
          customerId: c.customerId,
          receivedAt: '2026-12-01T10:00:00Z',
          currency: 'USD',
          amount: '10.00',
          remittance: [{ invoiceNumber: c.invoiceNumber, paid: '10.00', deductions: codes.map((code) => ({ amount: '1.00', reasonCode: code })) }],
        },
      ],
    },
  });
  expect(res.body.deductions).toBe(codes.length);
  const list = await api.request('GET', `/api/deductions?customerId=${c.customerId}`, { token: cash.token });
  expect(list.status).toBe(200);
  return (list.body.items as { paymentId: string; customerCode: string; reasonCode: string; mappingVersion: number | null }[])
    .filter((d) => d.paymentId === id)
    .map(({ customerCode, reasonCode, mappingVersion }) => ({ customerCode, reasonCode, mappingVersion }))
    .sort((a, b) => a.customerCode.localeCompare(b.customerCode));
}

it('keeps versions 1 and 2; each payment maps its deductions by the latest version when it is posted, unmapped codes OTHER', async () => {
  const c = await customer();
  expect((await api.request('GET', `/api/reason-mappings/${c.customerId}`, { token: specialist.token })).status).toBe(404);
  expect(await deduct(c, ['P1', 'Q1'])).toEqual([
    { customerCode: 'P1', reasonCode: 'OTHER', mappingVersion: null },
    { customerCode: 'Q1', reasonCode: 'OTHER', mappingVersion: null },
  ]);

  const v1 = await put(c.customerId, { mappings: [{ code: 'P1', reasonCode: 'PRICING' }, { code: 'Q1', reasonCode: 'QUANTITY' }] });
  expect({ status: v1.status, body: v1.body }).toEqual({
    status: 200,
    body: { customerId: c.customerId, version: 1, mappings: [{ code: 'P1', reasonCode: 'PRICING' }, { code: 'Q1', reasonCode: 'QUANTITY' }] },
  });
  expect(await deduct(c, ['P1', 'Q1', 'ZZ'])).toEqual([
    { customerCode: 'P1', reasonCode: 'PRICING', mappingVersion: 1 },
    { customerCode: 'Q1', reasonCode: 'QUANTITY', mappingVersion: 1 },
    { customerCode: 'ZZ', reasonCode: 'OTHER', mappingVersion: 1 },
  ]);

  const v2 = await put(c.customerId, { mappings: [{ code: 'P1', reasonCode: 'PO_MISMATCH' }] }, (await api.user('admin')).token);
  expect({ status: v2.status, version: v2.body.version }).toEqual({ status: 200, version: 2 });
  expect(await deduct(c, ['P1', 'Q1'])).toEqual([
    { customerCode: 'P1', reasonCode: 'PO_MISMATCH', mappingVersion: 2 },
    { customerCode: 'Q1', reasonCode: 'OTHER', mappingVersion: 2 },
  ]);

  for (const role of ['admin', 'specialist', 'manager', 'auditor'] as const) {
    const latest = await api.request('GET', `/api/reason-mappings/${c.customerId}`, { token: (await api.user(role)).token });
    expect({ status: latest.status, body: latest.body }).toEqual({ status: 200, body: v2.body });
  }
  // Deductions posted before keep the version they were mapped by.
  const { rows } = await api.db.pool.query(
    `SELECT mapping_version, count(*)::int AS n FROM deductions d JOIN invoices i ON i.number = d.invoice_number
      WHERE i.customer_id = $1 GROUP BY mapping_version ORDER BY mapping_version NULLS FIRST`,
    [c.customerId],
  );
  expect(rows).toEqual([{ mapping_version: null, n: 2 }, { mapping_version: 1, n: 3 }, { mapping_version: 2, n: 2 }]);
});

it('refuses bad bodies naming the field, and writes nothing', async () => {
  const c = await customer();
  const refused: [unknown, number, string][] = [
    [{ mappings: [{ code: 'A', reasonCode: 'PRICING' }, { code: 'A', reasonCode: 'QUANTITY' }] }, 422, 'mappings.1.code'],
    [{ mappings: [{ code: 'A', reasonCode: 'SHORT_SHIPPED' }] }, 400, 'mappings.0.reasonCode'],
    [{ mappings: [{ code: '', reasonCode: 'PRICING' }] }, 400, 'mappings.0.code'],
    [{ mappings: [{ code: 'A', reasonCode: 'PRICING', version: 3 }] }, 400, 'mappings.0.version'],
    [{ mappings: [], version: 7 }, 400, 'version'],
    [{}, 400, 'mappings'],
  ];
  for (const [body, status, field] of refused) {
    const res = await put(c.customerId, body);
    expect({ status: res.status, fields: res.body.error.details.map((d: { field: string }) => d.field) }).toEqual({ status, fields: [field] });
  }
  const unknown = await put(`NO-${randomUUID()}`, { mappings: [{ code: 'A', reasonCode: 'PRICING' }] });
  expect(unknown.status).toBe(404);
  expect(await versions(c.customerId)).toBe(0);
  expect((await api.db.pool.query('SELECT count(*)::int AS n FROM reason_mappings WHERE customer_id LIKE $1', ['NO-%'])).rows[0].n).toBe(0);
});

it('admits admin and specialist to PUT, not cash, ops, manager or auditor; cash and ops do not read it', async () => {
  const c = await customer();
  expect((await put(c.customerId, { mappings: [] })).status).toBe(200);
  for (const role of ['cash', 'ops', 'manager', 'auditor'] as const) {
    const token = (await api.user(role, role === 'ops' ? { team: 'SALES_OPS' } : {})).token;
    expect((await put(c.customerId, { mappings: [{ code: 'A', reasonCode: 'PRICING' }] }, token)).status).toBe(403);
    if (role === 'cash' || role === 'ops') {
      expect((await api.request('GET', `/api/reason-mappings/${c.customerId}`, { token })).status).toBe(403);
    }
  }
  expect(await versions(c.customerId)).toBe(1);
});

it('answers a retry under the same Idempotency-Key with the same version, and makes none; another body under it is a 422', async () => {
  const c = await customer();
  const key = randomUUID();
  const body = { mappings: [{ code: 'P1', reasonCode: 'PRICING' }] };
  const first = await put(c.customerId, body, specialist.token, key);
  expect({ status: first.status, version: first.body.version, key: first.headers.get('idempotency-key') }).toEqual({ status: 200, version: 1, key });
  const retried = await put(c.customerId, body, specialist.token, key);
  expect({ status: retried.status, body: retried.body }).toEqual({ status: 200, body: first.body });
  const other = await put(c.customerId, { mappings: [{ code: 'P1', reasonCode: 'QUANTITY' }] }, specialist.token, key);
  expect({ status: other.status, code: other.body.error.code }).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
  expect(await versions(c.customerId)).toBe(1);
  expect((await put(c.customerId, body)).body.version).toBe(2);
});

it('numbers concurrent versions of one customer one after the other', async () => {
  const c = await customer();
  const answers = await Promise.all(Array.from({ length: 5 }, () => put(c.customerId, { mappings: [{ code: 'P1', reasonCode: 'PRICING' }] })));
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  expect(answers.map((a) => a.body.version).sort()).toEqual([1, 2, 3, 4, 5]);
});

/** The application role's grants, or the owner's triggers: never any other error (a typo would pass a bare toThrow). */
const REFUSED = /permission denied for table reason_mappings|reason_mappings is append-only/;

it('keeps the table append-only: the application role may not change it, and the owner is refused by its triggers', async () => {
  const c = await customer();
  expect((await put(c.customerId, { mappings: [] })).status).toBe(200);
  for (const pool of [api.appRole.pool, api.db.pool]) {
    await expect(pool.query('UPDATE reason_mappings SET mappings = $2 WHERE customer_id = $1', [c.customerId, '[]'])).rejects.toThrow(REFUSED);
    await expect(pool.query('DELETE FROM reason_mappings WHERE customer_id = $1', [c.customerId])).rejects.toThrow(REFUSED);
    await expect(pool.query('TRUNCATE reason_mappings CASCADE')).rejects.toThrow(REFUSED);
  }
  expect(await versions(c.customerId)).toBe(1);
});
