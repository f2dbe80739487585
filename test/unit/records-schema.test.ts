import { invoiceSchema, moneyAmount, quantity, recordsImportSchema, contractSchema } from '../../contract';

const invoice = {
  number: 'INV-1',
  customerId: 'C1',
  purchaseOrderId: 'PO1',
  issuedAt: '2026-02-15T00:00:00Z',
  dueAt: '2026-03-15',
  currency: 'USD',
  lines: [{ lineNo: 1, sku: 'A', quantity: 2.5, unitPrice: '10.00' }],
};

const paths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((i) => i.path.join('.')) ?? [];

describe('record schemas', () => {
  it('accepts money with up to two decimals and refuses floats, signs and three decimals', () => {
    for (const ok of ['0', '12', '12.5', '12.50', '1250.00']) expect(moneyAmount.safeParse(ok).success).toBe(true);
    for (const bad of ['-1.00', '1.005', '1e3', '', ' 1.00', 12.5]) expect(moneyAmount.safeParse(bad).success).toBe(false);
  });

  it('accepts quantities with up to three decimals only', () => {
    expect(quantity.safeParse(1.125).success).toBe(true);
    expect(quantity.safeParse(1.1251).success).toBe(false);
    expect(quantity.safeParse(-1).success).toBe(false);
    expect(quantity.safeParse(Number.NaN).success).toBe(false);
  });

  it('accepts a contract-shaped invoice and names each bad field', () => {
    expect(invoiceSchema.safeParse(invoice).success).toBe(true);
    const bad = invoiceSchema.safeParse({ ...invoice, currency: 'usd', lines: [{ ...invoice.lines[0], quantity: 0 }] });
    expect(paths(bad)).toEqual(expect.arrayContaining(['currency', 'lines.0.quantity']));
  });

  it('refuses duplicate line numbers and unknown fields', () => {
    const dup = invoiceSchema.safeParse({ ...invoice, lines: [invoice.lines[0], invoice.lines[0]] });
    expect(paths(dup)).toEqual(['lines.1']);
    const extra = recordsImportSchema.safeParse({ invoices: [{ ...invoice, status: 'PAID' }] });
    expect(extra.success).toBe(false);
  });

  it('refuses a contract that ends before it starts', () => {
    const c = { id: 'K', customerId: 'C', currency: 'USD', validFrom: '2026-02-01', validTo: '2026-01-01', prices: [] };
    expect(paths(contractSchema.safeParse(c))).toEqual(['validTo']);
  });
});
