// The invoice-number key is written twice, on purpose: domain/matching.ts matches with it, and the database indexes
// it (invoice_number_key, migration 0013) so that a payment's candidate invoices are found without a scan. A
// spelling the two normalised differently would be matched by one and never found by the other: they must agree.
import fc from 'fast-check';
import { normaliseInvoiceNumber } from '../../domain/matching';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

const inSql = async (texts: string[]): Promise<string[]> => {
  const { rows } = await db.pool.query('SELECT invoice_number_key(t) AS key FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n', [texts]);
  return rows.map((r) => r.key);
};

it('agrees with domain/matching.ts on the spellings remittances use', async () => {
  const spellings = ['INV-000123', 'inv 123', 'Invoice #00123', 'Invoice No. 123', 'INVNR 0042', 'INV', 'invoice', '000', '0', 'A-7', 'ÄB-12', 'straße 5', 'ﬁ-1'];
  expect(await inSql(spellings)).toEqual(spellings.map(normaliseInvoiceNumber));
});

it('agrees with domain/matching.ts on any text', async () => {
  const piece = fc.oneof(
    fc.constantFrom('INV', 'inv', 'Invoice', 'INVOICE', 'No', 'NR', 'no.', '#', '-', ' ', '/', '0', '00', '12', '007', 'ß', 'é', 'ı', 'ǅ'),
    fc.string({ maxLength: 4 }),
    fc.string({ unit: 'grapheme', maxLength: 3 }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('')), { minLength: 1, maxLength: 50 }), async (texts) => {
      // PostgreSQL text holds no NUL (the API refuses it before any query).
      const clean = texts.map((t) => t.split('\u0000').join(''));
      expect(await inSql(clean)).toEqual(clean.map(normaliseInvoiceNumber));
    }),
    { numRuns: 200 },
  );
});
