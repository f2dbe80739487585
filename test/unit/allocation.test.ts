import fc from 'fast-check';
import { adjustmentsTotal, allocate, spread, type LedgerInvoice, type LedgerLine, type PlannedAdjustment } from '../../domain/allocation';

const line = (lineNo: number, billed: bigint, over: Partial<LedgerLine> = {}): LedgerLine => ({
  lineNo,
  billed,
  credited: 0n,
  debited: 0n,
  writtenOff: 0n,
  ...over,
});

const invoiceOf = (invoiceNumber: string, lines: LedgerLine[], disputed: bigint | null = null): LedgerInvoice => ({
  invoiceNumber,
  disputed,
  openBalance: lines.reduce((s, l) => s + l.billed - l.credited + l.debited - l.writtenOff, 0n),
  lines,
});

const adj = (kind: PlannedAdjustment['kind'], invoiceNumber: string, amount: bigint, lineNo: number | null = null): PlannedAdjustment => ({
  kind,
  invoiceNumber,
  lineNo,
  amount,
});

describe('spread', () => {
  it('fills the lines in order, each up to its room', () => {
    expect(spread(150n, [{ lineNo: 1, room: 100n }, { lineNo: 2, room: 100n }])).toEqual([
      { lineNo: 1, amount: 100n },
      { lineNo: 2, amount: 50n },
    ]);
  });
  it('skips full lines and refuses what does not fit', () => {
    expect(spread(10n, [{ lineNo: 1, room: 0n }, { lineNo: 2, room: 10n }])).toEqual([{ lineNo: 2, amount: 10n }]);
    expect(spread(21n, [{ lineNo: 1, room: 10n }, { lineNo: 2, room: 10n }])).toBeNull();
  });
  it('puts everything on the first line without a bound', () => {
    expect(spread(500n, [{ lineNo: 3, room: null }, { lineNo: 4, room: 10n }])).toEqual([{ lineNo: 3, amount: 500n }]);
  });
});

describe('allocate', () => {
  const inv = invoiceOf('INV-1', [line(1, 10000n), line(2, 5000n, { credited: 4000n })], 12000n);

  it('makes one document per invoice and kind, lines spread after the named ones', () => {
    const result = allocate(
      [adj('CREDIT', 'INV-1', 3000n), adj('CREDIT', 'INV-1', 500n, 2), adj('DEBIT', 'INV-1', 700n), adj('WRITE_OFF', 'INV-1', 100n)],
      [inv],
    );
    expect(result).toEqual({
      ok: true,
      documents: [
        { kind: 'DEBIT', invoiceNumber: 'INV-1', amount: 700n, lines: [{ lineNo: 1, amount: 700n }] },
        { kind: 'CREDIT', invoiceNumber: 'INV-1', amount: 3500n, lines: [{ lineNo: 1, amount: 3000n }, { lineNo: 2, amount: 500n }] },
        { kind: 'WRITE_OFF', invoiceNumber: 'INV-1', amount: 100n, lines: [{ lineNo: 1, amount: 100n }] },
      ],
    });
  });

  it('names the invoice that is not the case’s and the line that does not exist', () => {
    const result = allocate([adj('CREDIT', 'INV-2', 100n), adj('CREDIT', 'INV-1', 100n, 9)], [inv]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.index, p.field, p.rule])).toEqual([
      [0, 'invoiceNumber', 'NOT_ON_CASE'],
      [1, 'lineNo', 'NO_SUCH_LINE'],
    ]);
  });

  it('holds credits and write-offs per invoice to the disputed amount and the open balance, debits aside', () => {
    const over = allocate([adj('DEBIT', 'INV-1', 9000n), adj('CREDIT', 'INV-1', 11000n), adj('WRITE_OFF', 'INV-1', 1001n)], [inv]);
    expect(over.ok ? null : over.problems.map((p) => [p.index, p.rule])).toEqual([[2, 'OVER_DISPUTED']]);
    const open = allocate([adj('CREDIT', 'INV-1', 11001n)], [{ ...inv, disputed: null }]);
    expect(open.ok ? null : open.problems.map((p) => [p.index, p.field, p.rule])).toEqual([[0, 'amount', 'OVER_OPEN_BALANCE']]);
  });

  it('holds credits per line to what it billed less what was credited before', () => {
    const result = allocate([adj('CREDIT', 'INV-1', 1001n, 2)], [inv]);
    expect(result.ok ? null : result.problems.map((p) => [p.index, p.field, p.rule])).toEqual([[0, 'amount', 'OVER_LINE']]);
    expect(allocate([adj('CREDIT', 'INV-1', 1000n, 2)], [inv]).ok).toBe(true);
  });

  it('counts every amount, debits included, against a limit', () => {
    expect(adjustmentsTotal([adj('CREDIT', 'INV-1', 100n), adj('DEBIT', 'INV-1', 250n)])).toBe(350n);
  });
});

// ---- property: against an oracle that works on ranges, not on a loop over lines ----

/** The part of [0, amount) that falls in each line's range [before, before + room): what an in-order fill gives. */
function oracleSpread(amount: bigint, rooms: bigint[]): bigint[] {
  let before = 0n;
  return rooms.map((room) => {
    const from = before;
    before += room;
    const to = amount < before ? amount : before;
    return to > from ? to - from : 0n;
  });
}

const big = (max: number) => fc.integer({ min: 0, max }).map(BigInt);
const ledgerLine = (lineNo: number) =>
  fc.record({ billed: big(50_000), creditedShare: fc.integer({ min: 0, max: 100 }), debited: big(5_000) }).map(
    ({ billed, creditedShare, debited }): LedgerLine => ({
      lineNo,
      billed,
      credited: (billed * BigInt(creditedShare)) / 100n,
      debited,
      writtenOff: 0n,
    }),
  );
const ledgerInvoice = (n: number) =>
  fc
    .tuple(fc.integer({ min: 1, max: 4 }).chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => ledgerLine(i + 1)))), big(100_000))
    .map(([lines, disputed]) => invoiceOf(`INV-${n}`, lines, disputed));
const scenario = fc.tuple(ledgerInvoice(1), ledgerInvoice(2)).chain((invoices) =>
  fc.record({
    invoices: fc.constant(invoices),
    adjustments: fc.array(
      fc.record({
        kind: fc.constantFrom('CREDIT' as const, 'DEBIT' as const, 'WRITE_OFF' as const),
        invoice: fc.integer({ min: 1, max: 3 }),
        lineNo: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
        amount: big(30_000),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  }),
);

describe('allocate, against an oracle', () => {
  it('issues exactly what the rules allow, spread in line order within each line’s room', () => {
    fc.assert(
      fc.property(scenario, ({ invoices, adjustments: raw }) => {
        // Write-offs on a named line depend on how credits were spread before them; the oracle keeps them spread.
        const adjustments: PlannedAdjustment[] = raw.map((a) => ({
          kind: a.kind,
          invoiceNumber: `INV-${a.invoice}`,
          lineNo: a.kind === 'WRITE_OFF' ? null : a.lineNo,
          amount: a.amount,
        }));
        const result = allocate(adjustments, invoices);

        const known = (a: PlannedAdjustment) => invoices.find((i) => i.invoiceNumber === a.invoiceNumber);
        const shapeOk = adjustments.every((a) => a.amount > 0n && known(a) && (a.lineNo === null || known(a)!.lines.some((l) => l.lineNo === a.lineNo)));
        const boundsOk = invoices.every((i) => {
          const lowered = adjustments.filter((a) => a.invoiceNumber === i.invoiceNumber && a.kind !== 'DEBIT').reduce((s, a) => s + a.amount, 0n);
          return lowered <= i.disputed! && lowered <= i.openBalance;
        });
        const creditsFit = invoices.every((i) => {
          const credits = adjustments.filter((a) => a.invoiceNumber === i.invoiceNumber && a.kind === 'CREDIT');
          const named = (lineNo: number) => credits.filter((a) => a.lineNo === lineNo).reduce((s, a) => s + a.amount, 0n);
          const total = credits.reduce((s, a) => s + a.amount, 0n);
          return i.lines.every((l) => named(l.lineNo) <= l.billed - l.credited) && total <= i.lines.reduce((s, l) => s + l.billed - l.credited, 0n);
        });
        expect(result.ok).toBe(shapeOk && boundsOk && creditsFit);
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const p of result.problems) expect(p.index).toBeLessThan(adjustments.length);
          return;
        }

        for (const invoice of invoices) {
          for (const kind of ['CREDIT', 'DEBIT', 'WRITE_OFF'] as const) {
            const mine = adjustments.filter((a) => a.invoiceNumber === invoice.invoiceNumber && a.kind === kind);
            const docs = result.documents.filter((d) => d.invoiceNumber === invoice.invoiceNumber && d.kind === kind);
            expect(docs.length).toBe(mine.length ? 1 : 0);
            if (!mine.length) continue;
            const [doc] = docs;
            expect(doc.amount).toBe(mine.reduce((s, a) => s + a.amount, 0n));
            expect(doc.lines.reduce((s, l) => s + l.amount, 0n)).toBe(doc.amount);
            expect(doc.lines.every((l) => l.amount > 0n)).toBe(true);
            if (kind !== 'CREDIT') continue;
            // Named parts on their lines, the rest over the room they leave, in line order.
            const named = invoice.lines.map((l) => mine.filter((a) => a.lineNo === l.lineNo).reduce((s, a) => s + a.amount, 0n));
            const spreadTotal = mine.filter((a) => a.lineNo === null).reduce((s, a) => s + a.amount, 0n);
            const parts = oracleSpread(spreadTotal, invoice.lines.map((l, j) => l.billed - l.credited - named[j]));
            const expected = invoice.lines
              .map((l, j) => ({ lineNo: l.lineNo, amount: named[j] + parts[j] }))
              .filter((l) => l.amount > 0n);
            expect(doc.lines).toEqual(expected);
          }
        }
      }),
      { numRuns: 500, seed: 20261204 },
    );
  });
});
