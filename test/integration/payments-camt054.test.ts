// POST /api/payments/camt054 through HTTP: the official examples become unapplied cash under the reader's ids; our
// two-invoice file applies and records its deduction; the same file again changes nothing and the same key again
// answers the first counts; a file breaking its XSD is a 400 naming the element with nothing written; the wrong
// content type on either payments route is refused; a file declared ISO-8859-1 is decoded as such.
import { randomUUID } from 'node:crypto';
import { startApiAsAppRole, type AppRoleApiHarness } from '../support/api';
import { expectInvariants } from '../support/faults';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';
import { camt054Fixture } from '../support/camt054-fixtures';

let api: AppRoleApiHarness;
let cash: TestUser;
let specialist: TestUser;

beforeAll(async () => {
  api = await startApiAsAppRole({ worker: true });
  cash = await api.user('cash');
  specialist = await api.user('specialist');
}, 60_000);

afterAll(() => api?.close());


const postFile = (xml: string | Uint8Array, { key, type = 'application/xml' }: { key?: string; type?: string } = {}) =>
  api.request('POST', '/api/payments/camt054', {
    token: cash.token,
    rawBody: xml,
    headers: { 'content-type': type, ...(key ? { 'idempotency-key': key } : {}) },
  });

const counts = async () =>
  (
    await api.db.pool.query(
      `SELECT (SELECT count(*) FROM payments)::int AS payments, (SELECT count(*) FROM payment_applications)::int AS applications,
              (SELECT count(*) FROM unapplied_cash)::int AS unapplied, (SELECT count(*) FROM deductions)::int AS deductions`,
    )
  ).rows[0];

const nothing = { payments: 0, applied: 0, deductions: 0, casesOpened: 0, unapplied: 0 };

it('posts the official v4 example as unapplied cash with the ids the reader gives; the v8 one holds the same payments', async () => {
  const res = await postFile(camt054Fixture('official/camt054.v4.xml'), { type: 'text/xml' });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ payments: 3, applied: 0, deductions: 0, casesOpened: 0, unapplied: 3 });
  const { rows } = await api.db.pool.query(
    "SELECT p.id, p.source, p.file_sha256, u.amount_minor::int AS left FROM payments p JOIN unapplied_cash u ON u.payment_id = p.id WHERE p.id LIKE 'ACSR160617103200001/%' ORDER BY p.id",
  );
  const sha = (await import('node:crypto')).createHash('sha256').update(camt054Fixture('official/camt054.v4.xml')).digest('hex');
  expect(rows).toEqual([
    { id: 'ACSR160617103200001/1', source: 'camt054', file_sha256: sha, left: 310 },
    { id: 'ACSR160617103200001/2', source: 'camt054', file_sha256: sha, left: 320 },
    { id: 'ACSR160617103200001/3', source: 'camt054', file_sha256: sha, left: 320 },
  ]);
  // The v8 example is the same three transactions under the same bank references: nothing new.
  const v8 = await postFile(camt054Fixture('official/camt054.v8.xml'));
  expect({ status: v8.status, body: v8.body }).toEqual({ status: 200, body: nothing });
});

it('applies the two-invoice file and records its deduction; the same file again changes nothing, the same key answers the first counts', async () => {
  const records = pricingDispute().records;
  const [invoice] = records.invoices!;
  const eur = <T extends { currency: string }>(x: T) => ({ ...x, currency: 'EUR' });
  const imported = await api.request('POST', '/api/records/import', {
    token: specialist.token,
    body: {
      ...records,
      contracts: records.contracts!.map(eur),
      invoices: ['INV-000101', 'INV-000102'].map((number) => ({ ...eur(invoice), number })),
    },
  });
  expect(imported.status).toBe(200);
  const xml = camt054Fixture('two-invoices-deduction.v08.xml');
  const key = randomUUID();
  const first = await postFile(xml, { key });
  expect(first.status).toBe(200);
  expect(first.headers.get('idempotency-key')).toBe(key);
  expect(first.body).toEqual(expect.objectContaining({ payments: 1, applied: 2, deductions: 1, unapplied: 0 }));
  const paid = async (number: string) => (await api.request('GET', `/api/invoices/${number}`, { token: cash.token })).body.paid;
  expect([await paid('INV-000101'), await paid('INV-000102')]).toEqual(['900.00', '500.00']);
  const deductions = await api.request('GET', `/api/deductions?customerId=${records.customers![0].id}`, { token: cash.token });
  expect(deductions.body.items).toEqual([
    expect.objectContaining({ paymentId: 'TX-2INV-0001', invoiceNumber: 'INV-000101', amount: '100.00', customerCode: 'PRC' }),
  ]);

  const before = await counts();
  expect((await postFile(xml, { key })).body).toEqual(first.body);
  expect((await postFile(xml)).body).toEqual(nothing);
  // Another file under the same key: refused, nothing applied.
  const other = await postFile(camt054Fixture('part-payment.v08.xml'), { key });
  expect({ status: other.status, code: other.body.error.code }).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
  expect(await counts()).toEqual(before);
  await expectInvariants(api.db.pool);
});

it('refuses a file breaking its XSD whole, a 400 naming the element, with nothing written', async () => {
  const v8 = camt054Fixture('ustrd-only.v08.xml');
  const before = await counts();
  const broken = v8.replace('<Amt Ccy="EUR">123.45</Amt>', '<Amt Ccy="EUR">12E.45</Amt>');
  expect(broken).not.toBe(v8);
  const res = await postFile(broken);
  expect(res.status).toBe(400);
  expect(res.body.error.details).toEqual([{ field: 'Ntfctn[0].Ntry[0].NtryDtls[0].TxDtls[0].Amt', message: expect.stringContaining('12E.45'), in: 'body' }]);
  for (const notCamt of ['', 'not xml at all', '{"payments":[]}', '<Document xmlns="urn:example"/>']) {
    const refused = await postFile(notCamt);
    expect({ notCamt, status: refused.status }).toEqual({ notCamt, status: 400 });
  }
  expect(await counts()).toEqual(before);
});

it('refuses JSON on the camt.054 route and XML on the JSON route, and an encoding it does not know', async () => {
  const before = await counts();
  const xml = camt054Fixture('ustrd-only.v08.xml');
  const json = await postFile(JSON.stringify({ payments: [] }), { type: 'application/json' });
  expect(json.status).toBe(400);
  expect(json.body.error.details).toEqual([expect.objectContaining({ field: '(body)' })]);
  const onJsonRoute = await api.request('POST', '/api/payments', { token: cash.token, rawBody: xml, headers: { 'content-type': 'application/xml' } });
  expect(onJsonRoute.status).toBe(400);
  const unknown = await postFile(xml.replace('encoding="UTF-8"', 'encoding="KOI8-R"'));
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.message).toContain('KOI8-R');
  // Latin-1 bytes declared UTF-8 are not UTF-8: refused, not read with a replacement character.
  expect((await postFile(Buffer.from(xml.replace('Smith Hardware', 'Smïth Härdware'), 'latin1'))).status).toBe(400);
  expect(await counts()).toEqual(before);
});

it('decodes a file by its declaration: ISO-8859-1 bytes read as the same text sent in UTF-8', async () => {
  const text = camt054Fixture('ustrd-only.v08.xml').replace('Smith Hardware', 'Smïth Härdware');
  const latin1 = Buffer.from(text.replace('encoding="UTF-8"', "encoding='ISO-8859-1'"), 'latin1');
  const res = await postFile(latin1);
  expect(res.status).toBe(200);
  expect(res.body.payments).toBe(2);
  // The same payments sent in UTF-8: nothing new, and no 422 (the same id with other content), so the text is the same.
  expect((await postFile(text)).body).toEqual(nothing);
  // Decoded wrongly (UTF-8 bytes read as ISO-8859-1) the debtor's name differs: the same ids with other content.
  const misread = await postFile(Buffer.from(text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), 'utf8'));
  expect(misread.status).toBe(422);
});
