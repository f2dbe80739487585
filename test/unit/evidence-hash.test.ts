// The evidence hash is what a decision is frozen on: it must change with any stored content and nothing else.
import { createHash } from 'node:crypto';
import { canonicalJson, evidenceHash } from '../../records/evidence-hash';
import { summariseEvidence } from '../../domain/evidence';
import type { Evidence, Finding } from '../../contract';

const evidence: Evidence = {
  invoice: {
    number: 'INV-1',
    customerId: 'C-1',
    purchaseOrderId: 'PO-1',
    issuedAt: '2026-02-15T00:00:00Z',
    dueAt: '2026-03-15T00:00:00Z',
    currency: 'USD',
    lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 10, unitPrice: '100.00' }],
  },
  purchaseOrder: null,
  contract: null,
  workOrders: [],
  otherInvoices: [],
};
const finding: Finding = { code: 'PO_NOT_FOUND', team: 'ORDER_MANAGEMENT', invoiceNumber: 'INV-1', expected: 'a PO', actual: 'none', amount: '0.00' };

describe('canonicalJson', () => {
  it('sorts keys at every depth, integer-like ones too, and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null }, 10: 'x', 2: 'y' })).toBe('{"10":"x","2":"y","a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('drops undefined members as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });
});

describe('evidenceHash', () => {
  const stored = summariseEvidence(evidence);

  it('is the lowercase hex SHA-256 of the canonical JSON of the evidence and findings', () => {
    const expected = createHash('sha256').update(canonicalJson({ evidence: stored, findings: [finding] })).digest('hex');
    expect(evidenceHash(stored, [finding])).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order objects were built in', () => {
    const reordered = JSON.parse(JSON.stringify(stored, Object.keys(stored).reverse().concat(Object.keys(stored.invoice).reverse(), ['lineNo', 'unitPrice', 'quantity', 'sku'])));
    const findingReordered = { amount: '0.00', actual: 'none', expected: 'a PO', invoiceNumber: 'INV-1', team: 'ORDER_MANAGEMENT', code: 'PO_NOT_FOUND' } as Finding;
    expect(evidenceHash(reordered, [findingReordered])).toBe(evidenceHash(stored, [finding]));
  });

  it('changes with a finding, and with the evidence', () => {
    const base = evidenceHash(stored, [finding]);
    expect(evidenceHash(stored, [])).not.toBe(base);
    expect(evidenceHash(stored, [{ ...finding, amount: '0.01' }])).not.toBe(base);
    const workOrder = { id: 'WO-1', purchaseOrderId: 'PO-1', status: 'COMPLETED' as const, completedAt: null, lines: [] };
    expect(evidenceHash(summariseEvidence({ ...evidence, workOrders: [workOrder] }), [finding])).not.toBe(base);
  });
});
