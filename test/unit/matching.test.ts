import fc from 'fast-check';
import { matchPayment, normaliseInvoiceNumber, type CandidateInvoice } from '../../domain/matching';
import type { PaymentInput, RemittanceLine } from '../../domain/payments';

const payment = (over: Partial<PaymentInput>): PaymentInput => ({
  id: 'P-1',
  customerId: null,
  receivedAt: '2026-12-01T00:00:00Z',
  currency: 'USD',
  amountMinor: 10_000n,
  remittance: [],
  searchTexts: [],
  debtorName: null,
  source: { kind: 'json' },
  ...over,
});
const line = (documentNumber: string, paidMinor: bigint | null, deductions: RemittanceLine['deductions'] = []): RemittanceLine => ({
  documentNumber,
  paidMinor,
  deductions,
});
const invoice = (number: string, openMinor: bigint, customerId = 'C-1', currency = 'USD'): CandidateInvoice => ({
  number,
  customerId,
  currency,
  openMinor,
});

describe('normaliseInvoiceNumber', () => {
  it.each([
    ['INV-1001', '1001'],
    ['inv 0001001', '1001'],
    ['Invoice No. 1001', '1001'],
    ['#1001', '1001'],
    ['INVOICE', 'INVOICE'],
    ['A-007', 'A007'],
    ['000', '0'],
  ])('%s → %s', (text, key) => expect(normaliseInvoiceNumber(text)).toBe(key));
});

describe('matchPayment', () => {
  it('pays a referred document in full, part, or up to its balance with the rest unapplied', () => {
    const invoices = [invoice('INV-1', 10_000n), invoice('INV-2', 5_000n)];
    expect(matchPayment(payment({ remittance: [line('INV-1', 10_000n)] }), invoices)).toEqual({
      customerId: 'C-1',
      applications: [{ invoiceNumber: 'INV-1', amountMinor: 10_000n }],
      deductions: [],
      unappliedMinor: 0n,
    });
    const part = matchPayment(payment({ amountMinor: 4_000n, remittance: [line('INV-1', 4_000n)] }), invoices);
    expect(part.applications).toEqual([{ invoiceNumber: 'INV-1', amountMinor: 4_000n }]);
    expect(part.unappliedMinor).toBe(0n);
    const over = matchPayment(payment({ remittance: [line('INV-2', 10_000n)] }), invoices);
    expect(over.applications).toEqual([{ invoiceNumber: 'INV-2', amountMinor: 5_000n }]);
    expect(over.unappliedMinor).toBe(5_000n);
  });

  it('takes the payment amount for one document with no paid amount, and spellings of our numbers', () => {
    const invoices = [invoice('INV-1001', 20_000n)];
    const m = matchPayment(payment({ remittance: [line('inv 0001001', null)] }), invoices);
    expect(m.applications).toEqual([{ invoiceNumber: 'INV-1001', amountMinor: 10_000n }]);
  });

  it('finds invoice numbers in free text after the referred documents', () => {
    const invoices = [invoice('INV-1', 3_000n), invoice('INV-2', 20_000n)];
    const m = matchPayment(payment({ remittance: [line('INV-1', 3_000n)], searchTexts: ['paying Invoice No. 0002 thanks'] }), invoices);
    expect(m.applications).toEqual([
      { invoiceNumber: 'INV-1', amountMinor: 3_000n },
      { invoiceNumber: 'INV-2', amountMinor: 7_000n },
    ]);
    expect(m.unappliedMinor).toBe(0n);
  });

  it("never pays another customer's invoice, nor one in another currency", () => {
    const invoices = [invoice('INV-1', 5_000n), invoice('INV-2', 5_000n, 'C-2'), invoice('INV-3', 5_000n, 'C-1', 'EUR')];
    const m = matchPayment(payment({ remittance: [line('INV-1', 5_000n), line('INV-2', 5_000n), line('INV-3', 5_000n)] }), invoices);
    expect(m.applications).toEqual([{ invoiceNumber: 'INV-1', amountMinor: 5_000n }]);
    expect(m.unappliedMinor).toBe(5_000n);
    const named = matchPayment(payment({ customerId: 'C-2', remittance: [line('INV-1', 5_000n)] }), invoices);
    expect(named).toEqual({ customerId: 'C-2', applications: [], deductions: [], unappliedMinor: 10_000n });
  });

  it('keeps the deductions of matched documents only, in order', () => {
    const d = (code: string) => ({ amountMinor: 500n, customerCode: code, reference: null, note: null });
    const m = matchPayment(payment({ amountMinor: 9_500n, remittance: [line('INV-9', 1n, [d('X')]), line('INV-1', 9_500n, [d('A'), d('B')])] }), [
      invoice('INV-1', 10_000n),
    ]);
    expect(m.deductions.map((x) => [x.invoiceNumber, x.customerCode, x.ordinal])).toEqual([
      ['INV-1', 'A', 0],
      ['INV-1', 'B', 1],
    ]);
    expect(m.unappliedMinor).toBe(0n);
  });

  it('property: applications and unapplied add up to the payment, within balances, of one customer and currency', () => {
    const numbers = ['INV-1', 'INV-2', 'INV-3', 'INV-4', '0005'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            number: fc.constantFrom(...numbers),
            customerId: fc.constantFrom('C-1', 'C-2'),
            currency: fc.constantFrom('USD', 'EUR'),
            openMinor: fc.bigInt({ min: 0n, max: 50_000n }),
          }),
          { maxLength: 5 },
        ).map((xs) => [...new Map(xs.map((x) => [x.number, x])).values()]),
        fc.bigInt({ min: 1n, max: 100_000n }),
        fc.option(fc.constantFrom('C-1', 'C-2'), { nil: null }),
        fc.array(fc.record({ doc: fc.constantFrom(...numbers, 'inv 0003', '#5', 'NOPE'), paid: fc.option(fc.bigInt({ min: 1n, max: 60_000n }), { nil: null }) }), { maxLength: 4 }),
        fc.array(fc.constantFrom('INV-2', 'invoice 4 and 1', 'nothing', '0005'), { maxLength: 2 }),
        (candidates, amountMinor, customerId, lines, searchTexts) => {
          const p = payment({ amountMinor, customerId, remittance: lines.map((l) => line(l.doc, l.paid)), searchTexts });
          const m = matchPayment(p, candidates);
          const sum = m.applications.reduce((s, a) => s + a.amountMinor, 0n);
          expect(sum + m.unappliedMinor).toBe(amountMinor);
          expect(m.unappliedMinor >= 0n).toBe(true);
          for (const a of m.applications) {
            const inv = candidates.find((c) => c.number === a.invoiceNumber)!;
            expect(a.amountMinor > 0n && a.amountMinor <= inv.openMinor).toBe(true);
            expect(inv.currency).toBe('USD');
            expect(inv.customerId).toBe(m.customerId);
          }
          if (customerId) expect(m.customerId).toBe(customerId);
          expect(new Set(m.applications.map((a) => a.invoiceNumber)).size).toBe(m.applications.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
