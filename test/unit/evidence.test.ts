// The evidence a case keeps of other invoices on its PO: which of their lines bill what the invoice bills, kept as
// runs, and read back a page at a time (api/evidence.ts), from this shape or from the whole records stored before it.
import fc from 'fast-check';
import { evidencePage } from '../../api/evidence';
import { analyse } from '../../domain/analysis';
import { matchesWithin, matchingLines, runsOf, storedEvidence, summariseEvidence, type LineMatch } from '../../domain/evidence';
import type { Evidence, Invoice } from '../../contract';

type Billed = [sku: string, quantity: number, unitPrice?: string];

function invoice(number: string, lines: Billed[], lineNos = lines.map((_, i) => i + 1)): Invoice {
  return {
    number,
    customerId: 'CUST-1',
    purchaseOrderId: 'PO-1',
    issuedAt: `2026-02-${String(10 + Number(number.slice(-1))).padStart(2, '0')}T00:00:00.000Z`,
    dueAt: '2026-03-15T00:00:00.000Z',
    currency: 'USD',
    lines: lines.map(([sku, quantity, unitPrice = '10.00'], i) => ({ lineNo: lineNos[i], sku, quantity, unitPrice })),
  };
}

/** Every (lineNo, matchesLineNo, unitPrice) the runs stand for. */
const expand = (runs: ReturnType<typeof matchingLines>): LineMatch[] => matchesWithin(runs, 1, Number.MAX_SAFE_INTEGER);

describe('matchingLines', () => {
  it('matches a line billing the same SKU and quantity, each line of either invoice once, the k-th with the k-th', () => {
    const mine = invoice('INV-9', [['A', 1], ['B', 2], ['A', 1], ['C', 1]]);
    const other = invoice('INV-1', [['A', 1], ['B', 3], ['A', 1], ['A', 1], ['C', 1, '11.00']], [5, 6, 7, 8, 9]);
    expect(expand(matchingLines(mine, other))).toEqual([
      [5, 1, '10.00'],
      [7, 3, '10.00'],
      [9, 4, '11.00'],
    ]);
  });

  it('keeps a line-for-line copy as one run', () => {
    const lines: Billed[] = Array.from({ length: 2_000 }, (_, i) => [`SKU-${i}`, 1]);
    expect(matchingLines(invoice('INV-9', lines), invoice('INV-1', lines))).toEqual([[1, 1, 2_000, '10.00']]);
  });

  it('counts, for each SKU and quantity, the lesser number of lines; a duplicate the analysis names matches whole', () => {
    const billed = fc.array(fc.tuple(fc.constantFrom('A', 'B', 'C'), fc.constantFrom(1, 2, 0.5)), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(billed, billed, fc.boolean(), (mine, theirs, copy) => {
        const own = invoice('INV-9', mine);
        const other = invoice('INV-1', copy ? [...mine].reverse() : theirs);
        const matches = expand(matchingLines(own, other));
        const count = (lines: Billed[], key: string) => lines.filter(([s, q]) => `${s}/${q}` === key).length;
        const keys = new Set([...own.lines, ...other.lines].map((l) => `${l.sku}/${l.quantity}`));
        const expected = [...keys].reduce((n, key) => n + Math.min(count(mine, key), count(copy ? mine : theirs, key)), 0);
        expect(matches).toHaveLength(expected);
        expect(new Set(matches.map((m) => m[0])).size).toBe(matches.length);
        expect(new Set(matches.map((m) => m[1])).size).toBe(matches.length);
        const evidence: Evidence = { invoice: own, purchaseOrder: null, contract: null, workOrders: [], otherInvoices: [other] };
        if (analyse(evidence, '1.00').findings.some((f) => f.code === 'DUPLICATE_INVOICE')) {
          expect(matches).toHaveLength(own.lines.length);
          expect(matches).toHaveLength(other.lines.length);
        }
      }),
    );
  });
});

describe('runs', () => {
  it('give back exactly the matches of the lines asked for', () => {
    const match = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom('1.00', '2.00'));
    fc.assert(
      fc.property(fc.uniqueArray(match, { selector: (m) => m[0] }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), (raw, from, span) => {
        const matches = [...raw].sort((a, b) => a[0] - b[0]) as LineMatch[];
        const to = from + span;
        const within = matchesWithin(runsOf(matches), from, to);
        expect(within).toEqual(matches.filter((m) => m[1] >= from && m[1] <= to));
      }),
    );
  });
});

describe('a page of stored evidence', () => {
  const own = invoice('INV-9', [['A', 1], ['B', 1], ['C', 1], ['A', 2]]);
  const evidence: Evidence = {
    invoice: own,
    purchaseOrder: {
      id: 'PO-1',
      customerId: 'CUST-1',
      contractId: 'CTR-1',
      orderedAt: '2026-01-01T00:00:00.000Z',
      lines: [['A', 5], ['B', 5], ['C', 5], ['D', 5]].map(([sku, quantity], i) => ({ lineNo: i + 1, sku: sku as string, quantity: quantity as number, unitPrice: '10.00' })),
    },
    contract: { id: 'CTR-1', customerId: 'CUST-1', currency: 'USD', validFrom: '2026-01-01', validTo: null, prices: ['A', 'B', 'C', 'D'].map((sku) => ({ sku, unitPrice: '9.00' })) },
    workOrders: [{ id: 'WO-1', purchaseOrderId: 'PO-1', status: 'COMPLETED', completedAt: null, lines: [{ sku: 'C', quantityCompleted: 1 }] }],
    otherInvoices: [invoice('INV-1', [['A', 1], ['B', 1], ['C', 1], ['A', 2]]), invoice('INV-2', [['A', 2], ['D', 1]])],
  };

  it('holds the lines of the window, the records of their SKUs and the other invoices’ lines matching them', () => {
    const page = evidencePage(summariseEvidence(evidence), { after: 1, limit: 2 });
    expect(page.invoice).toEqual(expect.objectContaining({ total: '50.00', lineCount: 4, lines: own.lines.slice(1, 3) }));
    expect(page.purchaseOrder!.lines.map((l) => l.sku)).toEqual(['B', 'C']);
    expect(page.purchaseOrder!.lineCount).toBe(4);
    expect(page.contract!.prices.map((p) => p.sku)).toEqual(['B', 'C']);
    expect(page.workOrders[0].lines).toEqual([{ sku: 'C', quantityCompleted: 1 }]);
    expect(page.otherInvoices).toEqual([
      {
        number: 'INV-1',
        issuedAt: evidence.otherInvoices[0].issuedAt,
        total: '50.00',
        lineCount: 4,
        matchingLineCount: 4,
        matchingLines: [
          { lineNo: 2, sku: 'B', quantity: 1, unitPrice: '10.00', matchesLineNo: 2 },
          { lineNo: 3, sku: 'C', quantity: 1, unitPrice: '10.00', matchesLineNo: 3 },
        ],
      },
      { number: 'INV-2', issuedAt: evidence.otherInvoices[1].issuedAt, total: '30.00', lineCount: 2, matchingLineCount: 1, matchingLines: [] },
    ]);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(evidencePage(summariseEvidence(evidence), { after: 3, limit: 2 }).nextCursor).toBeNull();
  });

  it('reads evidence stored whole, before it was summarised, as the summary', () => {
    expect(storedEvidence(evidence)).toEqual(summariseEvidence(evidence));
    expect(storedEvidence(summariseEvidence(evidence))).toEqual(summariseEvidence(evidence));
  });
});
