import fc from 'fast-check';
import { FINDING_TEAMS, analyse, invoiceTotal, routeFindings, routedTeams, teamsWithFindings, type InvoiceFinding, type ItemAnalysis } from '../../domain/analysis';
import { formatMoney, lineAmount, parseMoney } from '../../domain/money';
import type { FindingCode, WorkOrderStatus } from '../../domain/types';
import type { Contract, Evidence, Invoice, InvoiceLine, PurchaseOrder, WorkOrder } from '../../contract';

// ---- Builders: [sku, quantity, unit price] triples keep the cases readable ----

type Billed = [sku: string, quantity: number, unitPrice: string];

const PO_ID = 'PO-1';
const ISSUED_AT = '2026-02-15T00:00:00Z';

const numbered = (lines: Billed[]): InvoiceLine[] =>
  lines.map(([sku, quantity, unitPrice], i) => ({ lineNo: i + 1, sku, quantity, unitPrice }));

function invoice(lines: Billed[], fields: Partial<Invoice> = {}): Invoice {
  return {
    number: 'INV-5',
    customerId: 'CUST-1',
    purchaseOrderId: PO_ID,
    issuedAt: ISSUED_AT,
    dueAt: '2026-03-15T00:00:00Z',
    currency: 'USD',
    lines: numbered(lines),
    ...fields,
  };
}

function purchaseOrder(lines: Billed[]): PurchaseOrder {
  return { id: PO_ID, customerId: 'CUST-1', contractId: 'CTR-1', orderedAt: '2026-02-01T00:00:00Z', lines: numbered(lines) };
}

function contract(prices: Record<string, string>, currency = 'USD'): Contract {
  const list = Object.entries(prices).map(([sku, unitPrice]) => ({ sku, unitPrice }));
  return { id: 'CTR-1', customerId: 'CUST-1', currency, validFrom: '2026-01-01', validTo: null, prices: list };
}

let workOrderCount = 0;
function workOrder(completed: Record<string, number>, status: WorkOrderStatus = 'COMPLETED'): WorkOrder {
  workOrderCount += 1;
  const lines = Object.entries(completed).map(([sku, quantityCompleted]) => ({ sku, quantityCompleted }));
  return { id: `WO-${workOrderCount}`, purchaseOrderId: PO_ID, status, completedAt: null, lines };
}

/** A PO, contract and work orders that match the invoice exactly, unless a case says otherwise. */
function evidence(inv: Invoice, records: Partial<Omit<Evidence, 'invoice'>> = {}): Evidence {
  const billed = inv.lines.map((l): Billed => [l.sku, l.quantity, l.unitPrice]);
  return {
    invoice: inv,
    purchaseOrder: purchaseOrder(billed),
    contract: contract(Object.fromEntries(billed.map(([sku, , price]) => [sku, price]))),
    workOrders: [workOrder(Object.fromEntries(billed.map(([sku, quantity]) => [sku, quantity])))],
    otherInvoices: [],
    ...records,
  };
}

/** A line's findings that measure its overbilling (UNDERBILLED measures the debit). */
const lineFindings = (analysis: ItemAnalysis, lineNo: number) =>
  analysis.findings.filter((f) => f.lineNo === lineNo && f.code !== 'UNDERBILLED');
const codes = (findings: InvoiceFinding[]) => findings.map((f) => f.code);
const sumOf = (findings: InvoiceFinding[]) => formatMoney(findings.reduce((sum, f) => sum + parseMoney(f.amount), 0n));

describe('routing', () => {
  it('sends price and contract findings to Sales Ops, everything else to Order Management', () => {
    expect(FINDING_TEAMS).toEqual({
      PRICE_VARIANCE: 'SALES_OPS',
      CONTRACT_NOT_FOUND: 'SALES_OPS',
      QUANTITY_OVER_PO: 'ORDER_MANAGEMENT',
      SKU_NOT_ON_PO: 'ORDER_MANAGEMENT',
      SERVICE_NOT_COMPLETED: 'ORDER_MANAGEMENT',
      DUPLICATE_INVOICE: 'ORDER_MANAGEMENT',
      PO_NOT_FOUND: 'ORDER_MANAGEMENT',
      UNDERBILLED: 'SALES_OPS',
    });
  });

  it('lists each team with findings once, sorted', () => {
    const f = (code: FindingCode): InvoiceFinding => ({ code, team: FINDING_TEAMS[code], expected: '', actual: '', amount: '1.00' });
    expect(teamsWithFindings([])).toEqual([]);
    expect(teamsWithFindings([f('SKU_NOT_ON_PO'), f('PRICE_VARIANCE'), f('QUANTITY_OVER_PO'), f('CONTRACT_NOT_FOUND')])).toEqual([
      'ORDER_MANAGEMENT',
      'SALES_OPS',
    ]);
    expect(teamsWithFindings([f('PRICE_VARIANCE'), { ...f('PRICE_VARIANCE'), team: 'BILLING' }])).toEqual(['BILLING', 'SALES_OPS']);
  });

  it("routes the codes a version names where it says, the others to their default team; version 0 names none", () => {
    expect(routedTeams({})).toEqual(FINDING_TEAMS);
    const teams = routedTeams({ SERVICE_NOT_COMPLETED: 'SERVICE_OPERATIONS', PRICE_VARIANCE: 'ORDER_MANAGEMENT' });
    expect(teams).toEqual({ ...FINDING_TEAMS, SERVICE_NOT_COMPLETED: 'SERVICE_OPERATIONS', PRICE_VARIANCE: 'ORDER_MANAGEMENT' });
    expect(FINDING_TEAMS.SERVICE_NOT_COMPLETED).toBe('ORDER_MANAGEMENT');

    const f = (code: FindingCode): InvoiceFinding => ({ code, team: FINDING_TEAMS[code], expected: '', actual: '', amount: '1.00' });
    const findings = [f('SERVICE_NOT_COMPLETED'), f('CONTRACT_NOT_FOUND'), f('PRICE_VARIANCE')];
    expect(routeFindings(findings, teams).map((x) => [x.code, x.team])).toEqual([
      ['SERVICE_NOT_COMPLETED', 'SERVICE_OPERATIONS'],
      ['CONTRACT_NOT_FOUND', 'SALES_OPS'],
      ['PRICE_VARIANCE', 'ORDER_MANAGEMENT'],
    ]);
    // A finding whose team does not change is the same object; none is changed in place.
    expect(routeFindings(findings, teams)[1]).toBe(findings[1]);
    expect(findings[0].team).toBe('ORDER_MANAGEMENT');
  });
});

describe('invoiceTotal', () => {
  it('adds the lines, each rounded half up to cents', () => {
    expect(invoiceTotal(invoice([['A', 10, '100.00'], ['B', 2.5, '3.10']]))).toBe('1007.75');
    // 0.005 + 0.005 exactly is 0.01, but the invoice bills two lines of 0.01 each
    expect(invoiceTotal(invoice([['A', 0.5, '0.01'], ['B', 0.5, '0.01']]))).toBe('0.02');
    expect(invoiceTotal(invoice([]))).toBe('0.00');
  });
});

describe('analyse', () => {
  describe('a clean invoice', () => {
    it('has no findings, nothing overbilled and no credit', () => {
      const inv = invoice([['A', 10, '100.00'], ['B', 2.5, '40.00']]);
      expect(analyse(evidence(inv), '500.00')).toEqual({ findings: [], overbilled: '0.00', recommendedCredit: '0.00', recommendedDebit: '0.00' });
    });

    it('stays clean when the records allow more than billed, at the contract price', () => {
      const inv = invoice([['A', 4, '110.00']]);
      const records = evidence(inv, {
        purchaseOrder: purchaseOrder([['A', 10, '120.00']]),
        contract: contract({ A: '110.00' }),
        workOrders: [workOrder({ A: 6 })],
      });
      expect(analyse(records, '50.00').findings).toEqual([]);
    });
  });

  describe('PRICE_VARIANCE', () => {
    it('bills the price above the contract over the allowed quantity, for Sales Ops', () => {
      const inv = invoice([['A', 8, '100.00']]);
      const analysis = analyse(evidence(inv, { contract: contract({ A: '95.00' }) }), '1000.00');
      expect(analysis).toEqual({
        findings: [{ code: 'PRICE_VARIANCE', team: 'SALES_OPS', lineNo: 1, expected: '95.00', actual: '100.00', amount: '40.00' }],
        overbilled: '40.00',
        recommendedCredit: '40.00',
        recommendedDebit: '0.00',
      });
    });

    it('uses the contract price even where the PO price is lower', () => {
      const inv = invoice([['A', 2, '100.00']]);
      const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 2, '80.00']]), contract: contract({ A: '95.00' }) });
      expect(analyse(records, '100.00').findings).toEqual([
        { code: 'PRICE_VARIANCE', team: 'SALES_OPS', lineNo: 1, expected: '95.00', actual: '100.00', amount: '10.00' },
      ]);
    });

    it('finds no overbilling when the invoiced price is below the contract price, but UNDERBILLED for the debit', () => {
      const inv = invoice([['A', 3, '90.00']]);
      const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 3, '99.00']]), contract: contract({ A: '95.00' }) });
      expect(analyse(records, '100.00')).toEqual({
        findings: [{ code: 'UNDERBILLED', team: 'SALES_OPS', lineNo: 1, expected: '95.00', actual: '90.00', amount: '15.00' }],
        overbilled: '0.00',
        recommendedCredit: '0.00',
        recommendedDebit: '15.00',
      });
    });

    it('falls back to the PO price when the contract has no price for the SKU', () => {
      const inv = invoice([['A', 2, '100.00']]);
      const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 2, '90.00']]), contract: contract({ OTHER: '1.00' }) });
      expect(analyse(records, '100.00').findings).toEqual([
        { code: 'PRICE_VARIANCE', team: 'SALES_OPS', lineNo: 1, expected: '90.00', actual: '100.00', amount: '20.00' },
      ]);
    });

    it('takes the PO price from the lowest-numbered PO line of the SKU', () => {
      const inv = invoice([['A', 3, '100.00']]);
      const po: PurchaseOrder = {
        ...purchaseOrder([]),
        lines: [
          { lineNo: 7, sku: 'A', quantity: 1, unitPrice: '70.00' },
          { lineNo: 2, sku: 'A', quantity: 1, unitPrice: '90.00' },
          { lineNo: 5, sku: 'A', quantity: 1, unitPrice: '50.00' },
        ],
      };
      const analysis = analyse(evidence(inv, { purchaseOrder: po, contract: contract({}) }), '100.00');
      expect(analysis.findings).toEqual([
        { code: 'PRICE_VARIANCE', team: 'SALES_OPS', lineNo: 1, expected: '90.00', actual: '100.00', amount: '30.00' },
      ]);
    });

    it('keeps the invoiced price when neither contract nor PO prices the SKU', () => {
      const inv = invoice([['A', 1, '100.00'], ['B', 1, '100.00']]);
      const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 1, '100.00']]), contract: contract({}), workOrders: [] });
      expect(codes(analyse(records, '100.00').findings)).toEqual(['SKU_NOT_ON_PO']);
    });
  });

  describe('CONTRACT_NOT_FOUND', () => {
    it('is an invoice-level finding for Sales Ops, and the PO price becomes the reference', () => {
      const inv = invoice([['A', 2, '100.00']]);
      const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 2, '90.00']]), contract: null });
      expect(analyse(records, '100.00')).toEqual({
        findings: [
          { code: 'CONTRACT_NOT_FOUND', team: 'SALES_OPS', expected: `contract in force on ${ISSUED_AT}`, actual: 'not found', amount: '0.00' },
          { code: 'PRICE_VARIANCE', team: 'SALES_OPS', lineNo: 1, expected: '90.00', actual: '100.00', amount: '20.00' },
        ],
        overbilled: '20.00',
        recommendedCredit: '20.00',
        recommendedDebit: '0.00',
      });
    });

    it('has no lineNo', () => {
      const [missing] = analyse(evidence(invoice([['A', 1, '1.00']]), { contract: null }), '1.00').findings;
      expect(missing).not.toHaveProperty('lineNo');
    });
  });

  describe('QUANTITY_OVER_PO', () => {
    it('bills the quantity beyond the PO at the invoiced price', () => {
      const inv = invoice([['A', 12, '100.00']]);
      const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 10, '100.00']]), workOrders: [] });
      expect(analyse(records, '1000.00').findings).toEqual([
        { code: 'QUANTITY_OVER_PO', team: 'ORDER_MANAGEMENT', lineNo: 1, expected: '10', actual: '12', amount: '200.00' },
      ]);
    });

    it('adds up the PO lines of the same SKU', () => {
      const inv = invoice([['A', 12, '100.00']]);
      const po = purchaseOrder([['A', 4, '100.00'], ['B', 1, '5.00'], ['A', 7.5, '100.00']]);
      expect(analyse(evidence(inv, { purchaseOrder: po, workOrders: [] }), '1000.00').findings).toEqual([
        { code: 'QUANTITY_OVER_PO', team: 'ORDER_MANAGEMENT', lineNo: 1, expected: '11.5', actual: '12', amount: '50.00' },
      ]);
    });

    it('lets the invoice lines of one SKU share the PO quantity in lineNo order, not claim it twice', () => {
      const inv = invoice([['A', 6, '100.00'], ['A', 6, '100.00'], ['A', 1, '100.00']]);
      const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 10, '100.00']]), workOrders: [] });
      const analysis = analyse(records, '1000.00');
      expect(analysis.findings).toEqual([
        { code: 'QUANTITY_OVER_PO', team: 'ORDER_MANAGEMENT', lineNo: 2, expected: '4', actual: '6', amount: '200.00' },
        { code: 'QUANTITY_OVER_PO', team: 'ORDER_MANAGEMENT', lineNo: 3, expected: '0', actual: '1', amount: '100.00' },
      ]);
      expect(analysis.overbilled).toBe('300.00');
    });
  });

  describe('SKU_NOT_ON_PO', () => {
    it('bills the whole line when the PO does not order the SKU', () => {
      const inv = invoice([['A', 1, '100.00'], ['X', 2.5, '40.00']]);
      const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 1, '100.00']]), contract: contract({ A: '100.00', X: '30.00' }) });
      expect(analyse(records, '1000.00')).toEqual({
        findings: [{ code: 'SKU_NOT_ON_PO', team: 'ORDER_MANAGEMENT', lineNo: 2, expected: '0', actual: '2.5', amount: '100.00' }],
        overbilled: '100.00',
        recommendedCredit: '100.00',
        recommendedDebit: '0.00',
      });
    });
  });

  describe('SERVICE_NOT_COMPLETED', () => {
    it('bills the quantity the work orders did not complete, whatever their status', () => {
      const inv = invoice([['A', 10, '100.00']]);
      const workOrders = [workOrder({ A: 2 }, 'OPEN'), workOrder({ A: 3, B: 9 }, 'PARTIAL'), workOrder({ A: 1 }, 'CANCELLED')];
      expect(analyse(evidence(inv, { workOrders }), '1000.00').findings).toEqual([
        { code: 'SERVICE_NOT_COMPLETED', team: 'ORDER_MANAGEMENT', lineNo: 1, expected: '6', actual: '10', amount: '400.00' },
      ]);
    });

    it('counts a SKU the work orders do not mention as not completed at all', () => {
      const inv = invoice([['A', 1, '100.00'], ['B', 2, '50.00']]);
      const records = evidence(inv, { workOrders: [workOrder({ A: 1 })] });
      expect(analyse(records, '1000.00').findings).toEqual([
        { code: 'SERVICE_NOT_COMPLETED', team: 'ORDER_MANAGEMENT', lineNo: 2, expected: '0', actual: '2', amount: '100.00' },
      ]);
    });

    it('does not limit by completion when the PO has no work orders', () => {
      const inv = invoice([['A', 10, '100.00']]);
      expect(analyse(evidence(inv, { workOrders: [] }), '1000.00').findings).toEqual([]);
    });

    it('lets the invoice lines of one SKU share the completed quantity', () => {
      const inv = invoice([['A', 3, '10.00'], ['A', 3, '10.00']]);
      const analysis = analyse(evidence(inv, { purchaseOrder: purchaseOrder([['A', 6, '10.00']]), workOrders: [workOrder({ A: 4 })] }), '100.00');
      expect(analysis.findings).toEqual([
        { code: 'SERVICE_NOT_COMPLETED', team: 'ORDER_MANAGEMENT', lineNo: 2, expected: '1', actual: '3', amount: '20.00' },
      ]);
    });
  });

  describe('PO_NOT_FOUND', () => {
    it('is an invoice-level finding naming the PO; no quantity limits apply, the contract price still does', () => {
      const inv = invoice([['A', 50, '100.00'], ['B', 1, '10.00']]);
      const records = evidence(inv, { purchaseOrder: null, contract: contract({ A: '99.00' }), workOrders: [workOrder({ A: 1 })] });
      expect(analyse(records, '1000.00')).toEqual({
        findings: [
          { code: 'PO_NOT_FOUND', team: 'ORDER_MANAGEMENT', expected: PO_ID, actual: 'not found', amount: '0.00' },
          { code: 'PRICE_VARIANCE', team: 'SALES_OPS', lineNo: 1, expected: '99.00', actual: '100.00', amount: '50.00' },
        ],
        overbilled: '50.00',
        recommendedCredit: '50.00',
        recommendedDebit: '0.00',
      });
    });

    it('reports both missing records, PO first, and keeps invoiced prices when nothing else prices them', () => {
      const inv = invoice([['A', 5, '100.00']]);
      const analysis = analyse(evidence(inv, { purchaseOrder: null, contract: null, workOrders: [] }), '10.00');
      expect(codes(analysis.findings)).toEqual(['PO_NOT_FOUND', 'CONTRACT_NOT_FOUND']);
      expect(analysis.findings.every((f) => f.amount === '0.00' && f.lineNo === undefined)).toBe(true);
      expect(analysis.overbilled).toBe('0.00');
      expect(teamsWithFindings(analysis.findings)).toEqual(['ORDER_MANAGEMENT', 'SALES_OPS']);
    });
  });

  describe('a line with every kind of discrepancy', () => {
    // 12 billed at 100.00; the PO orders 10, the work orders completed 7, the contract says 90.00:
    // 1200.00 − 7 × 90.00 = 570.00 = price 7 × 10.00 + over PO 2 × 100.00 + not completed 3 × 100.00
    const inv = invoice([['A', 12, '100.00']]);
    const records = evidence(inv, {
      purchaseOrder: purchaseOrder([['A', 10, '100.00']]),
      contract: contract({ A: '90.00' }),
      workOrders: [workOrder({ A: 4 }), workOrder({ A: 3 }, 'PARTIAL')],
    });

    it('splits its overbilling into the three parts', () => {
      expect(analyse(records, '1000.00').findings).toEqual([
        { code: 'PRICE_VARIANCE', team: 'SALES_OPS', lineNo: 1, expected: '90.00', actual: '100.00', amount: '70.00' },
        { code: 'QUANTITY_OVER_PO', team: 'ORDER_MANAGEMENT', lineNo: 1, expected: '10', actual: '12', amount: '200.00' },
        { code: 'SERVICE_NOT_COMPLETED', team: 'ORDER_MANAGEMENT', lineNo: 1, expected: '7', actual: '10', amount: '300.00' },
      ]);
    });

    it('whose parts add up to the overbilling', () => {
      const analysis = analyse(records, '1000.00');
      expect(sumOf(lineFindings(analysis, 1))).toBe('570.00');
      expect(analysis.overbilled).toBe('570.00');
      expect(teamsWithFindings(analysis.findings)).toEqual(['ORDER_MANAGEMENT', 'SALES_OPS']);
    });

    it('with an SKU the PO lacks, the over-PO part becomes SKU_NOT_ON_PO and nothing else is left', () => {
      const analysis = analyse({ ...records, purchaseOrder: purchaseOrder([['B', 10, '100.00']]) }, '2000.00');
      expect(analysis.findings).toEqual([
        { code: 'SKU_NOT_ON_PO', team: 'ORDER_MANAGEMENT', lineNo: 1, expected: '0', actual: '12', amount: '1200.00' },
      ]);
    });
  });

  describe('rounding', () => {
    /** One SKU line with a contract price and a completed quantity; the PO orders what is billed. */
    const line = (billed: Billed, contractPrice: string, completed: number, poQty = billed[1]) => {
      const inv = invoice([billed]);
      return analyse(
        evidence(inv, {
          purchaseOrder: purchaseOrder([[billed[0], poQty, billed[2]]]),
          contract: contract({ [billed[0]]: contractPrice }),
          workOrders: [workOrder({ [billed[0]]: completed })],
        }),
        '1000.00',
      );
    };
    const amounts = (analysis: ItemAnalysis) => analysis.findings.map((f) => [f.code, f.amount]);

    it('rounds each amount half up before subtracting: 1.25 × 0.02 = 0.03, 0.4 × 0.01 = 0.00', () => {
      // exact parts 0.004 and 0.017 add to 0.021, but the line is overbilled by 0.03: both get a cent
      const analysis = line(['A', 1.25, '0.02'], '0.01', 0.4);
      expect(amounts(analysis)).toEqual([
        ['PRICE_VARIANCE', '0.01'],
        ['SERVICE_NOT_COMPLETED', '0.02'],
      ]);
      expect(analysis.overbilled).toBe('0.03');
    });

    it('gives nothing to a part smaller than the cents left for it', () => {
      // 0.333 × 0.10 = 0.0333 → 0.03; 0.111 × 0.07 = 0.00777 → 0.01; overbilled 0.02.
      // exact parts: price 0.00333, not completed 0.0222: the price part gets no cent and no finding
      const analysis = line(['A', 0.333, '0.10'], '0.07', 0.111);
      expect(amounts(analysis)).toEqual([['SERVICE_NOT_COMPLETED', '0.02']]);
      expect(analysis.overbilled).toBe('0.02');
    });

    it('gives the cent left to the part with the largest remainder', () => {
      // 0.36 × 0.05 = 0.018 → 0.02; 0.2 × 0.04 = 0.008 → 0.01; parts 0.002 (price) and 0.008 (not completed)
      expect(amounts(line(['A', 0.36, '0.05'], '0.04', 0.2))).toEqual([['SERVICE_NOT_COMPLETED', '0.01']]);
    });

    it('breaks a tie between price and quantity in favour of the price part', () => {
      // 0.6 × 0.05 = 0.03; 0.5 × 0.04 = 0.02; parts 0.005 and 0.005
      expect(amounts(line(['A', 0.6, '0.05'], '0.04', 0.5))).toEqual([['PRICE_VARIANCE', '0.01']]);
    });

    it('breaks a tie between over-PO and not-completed in favour of over-PO', () => {
      // 0.7 × 0.05 = 0.035 → 0.04; 0.5 × 0.05 = 0.025 → 0.03; parts 0.005 and 0.005
      expect(amounts(line(['A', 0.7, '0.05'], '0.05', 0.5, 0.6))).toEqual([['QUANTITY_OVER_PO', '0.01']]);
    });

    it('reads 3-decimal quantities exactly: 1.005 × 1.00 is 1.01, not the float 1.00', () => {
      const analysis = line(['A', 1.005, '1.00'], '1.00', 0);
      expect(analysis.findings).toEqual([
        { code: 'SERVICE_NOT_COMPLETED', team: 'ORDER_MANAGEMENT', lineNo: 1, expected: '0', actual: '1.005', amount: '1.01' },
      ]);
    });

    it('splits a half-cent mixed line so the parts add up to the rounded overbilling', () => {
      // 2.345 × 10.01 = 23.47345 → 23.47; allowed 1.111 × 9.99 = 11.09889 → 11.10; overbilled 12.37
      // exact parts: price 1.111 × 0.02 = 0.02222, over PO 0.345 × 10.01 = 3.45345, not completed 0.889 × 10.01 = 8.89889
      const analysis = line(['A', 2.345, '10.01'], '9.99', 1.111, 2);
      expect(amounts(analysis)).toEqual([
        ['PRICE_VARIANCE', '0.02'],
        ['QUANTITY_OVER_PO', '3.45'],
        ['SERVICE_NOT_COMPLETED', '8.90'],
      ]);
      expect(analysis.overbilled).toBe('12.37');
    });
  });

  describe('DUPLICATE_INVOICE', () => {
    const billed: Billed[] = [['A', 10, '100.00'], ['B', 2.5, '40.00']];
    const earlier = (fields: Partial<Invoice>, lines: Billed[] = [billed[1], billed[0]]) => invoice(lines, { number: 'INV-1', ...fields });
    const duplicateOf = (others: Invoice[], inv = invoice(billed)) => {
      const found = analyse(evidence(inv, { otherInvoices: others }), '5000.00').findings;
      return found.some((f) => f.code === 'DUPLICATE_INVOICE');
    };

    it('counts every line in full when an earlier invoice bills the same SKUs and quantities', () => {
      const inv = invoice(billed);
      const analysis = analyse(evidence(inv, { otherInvoices: [earlier({ issuedAt: '2026-02-01T00:00:00Z' })] }), '5000.00');
      expect(analysis).toEqual({
        findings: [
          { code: 'DUPLICATE_INVOICE', team: 'ORDER_MANAGEMENT', lineNo: 1, expected: 'billed once, on INV-1', actual: 'billed again on INV-5', amount: '1000.00' },
          { code: 'DUPLICATE_INVOICE', team: 'ORDER_MANAGEMENT', lineNo: 2, expected: 'billed once, on INV-1', actual: 'billed again on INV-5', amount: '100.00' },
        ],
        overbilled: '1100.00',
        recommendedCredit: '1100.00',
        recommendedDebit: '0.00',
      });
      expect(analysis.overbilled).toBe(invoiceTotal(inv));
    });

    it('replaces the line findings but keeps the invoice-level ones', () => {
      const inv = invoice(billed);
      const records = evidence(inv, {
        contract: null,
        purchaseOrder: purchaseOrder([['A', 5, '90.00']]),
        otherInvoices: [earlier({ issuedAt: '2026-02-01T00:00:00Z' })],
      });
      const analysis = analyse(records, '500.00');
      expect(codes(analysis.findings)).toEqual(['CONTRACT_NOT_FOUND', 'DUPLICATE_INVOICE', 'DUPLICATE_INVOICE']);
      expect(analysis.overbilled).toBe('1100.00');
      expect(analysis.recommendedCredit).toBe('500.00');
    });

    it('ignores prices and line numbers: only the (sku, quantity) pairs count', () => {
      const other = earlier({ issuedAt: '2026-02-01T00:00:00Z' }, [['B', 2.5, '1.00'], ['A', 10, '2.00']]);
      expect(duplicateOf([other])).toBe(true);
    });

    it('is not a duplicate of a later invoice', () => {
      expect(duplicateOf([earlier({ issuedAt: '2026-02-16T00:00:00Z' })])).toBe(false);
    });

    it('breaks a same-time tie by the smaller invoice number', () => {
      expect(duplicateOf([earlier({ number: 'INV-4', issuedAt: ISSUED_AT })])).toBe(true);
      expect(duplicateOf([earlier({ number: 'INV-6', issuedAt: ISSUED_AT })])).toBe(false);
    });

    it('compares issue times as instants, not as strings', () => {
      // the same instant as ISSUED_AT: tie broken by number
      expect(duplicateOf([earlier({ number: 'INV-6', issuedAt: '2026-02-15T01:00:00+01:00' })])).toBe(false);
      expect(duplicateOf([earlier({ number: 'INV-4', issuedAt: '2026-02-15T01:00:00+01:00' })])).toBe(true);
      // later as a string, earlier as an instant (2026-02-14T23:00Z)
      expect(duplicateOf([earlier({ number: 'INV-9', issuedAt: '2026-02-15T09:00:00+10:00' })])).toBe(true);
    });

    it('is not a duplicate when the quantities differ', () => {
      const other = earlier({ issuedAt: '2026-02-01T00:00:00Z' }, [['A', 10, '100.00'], ['B', 2.4, '40.00']]);
      expect(duplicateOf([other])).toBe(false);
    });

    it('compares multisets: the same pairs a different number of times differ', () => {
      const inv = invoice([['A', 1, '1.00'], ['A', 1, '1.00'], ['B', 2, '1.00']]);
      const other = earlier({ issuedAt: '2026-02-01T00:00:00Z' }, [['A', 1, '1.00'], ['B', 2, '1.00'], ['B', 2, '1.00']]);
      expect(duplicateOf([other], inv)).toBe(false);
      expect(duplicateOf([earlier({ issuedAt: '2026-02-01T00:00:00Z' }, [['A', 1, '1.00']])], inv)).toBe(false);
    });

    it('ignores invoices on another PO and the invoice itself', () => {
      expect(duplicateOf([earlier({ issuedAt: '2026-02-01T00:00:00Z', purchaseOrderId: 'PO-2' })])).toBe(false);
      expect(duplicateOf([earlier({ number: 'INV-5', issuedAt: '2026-02-01T00:00:00Z' })])).toBe(false);
    });

    it('names the first-issued of several earlier duplicates', () => {
      const others = [
        earlier({ number: 'INV-3', issuedAt: '2026-02-10T00:00:00Z' }),
        earlier({ number: 'INV-2', issuedAt: '2026-02-02T00:00:00Z' }),
        earlier({ number: 'INV-1', issuedAt: '2026-02-02T00:00:00Z' }, [['A', 10, '1.00']]),
      ];
      const [first] = analyse(evidence(invoice(billed), { otherInvoices: others }), '1.00').findings;
      expect(first.expected).toBe('billed once, on INV-2');
    });
  });

  describe('recommendedCredit', () => {
    const inv = invoice([['A', 12, '100.00']]);
    const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 10, '100.00']]) });

    it('is capped by the disputed amount', () => {
      expect(analyse(records, '150.00')).toMatchObject({ overbilled: '200.00', recommendedCredit: '150.00' });
      expect(analyse(records, '150')).toMatchObject({ recommendedCredit: '150.00' });
    });

    it('is the overbilled amount when less than disputed', () => {
      expect(analyse(records, '999.99')).toMatchObject({ overbilled: '200.00', recommendedCredit: '200.00' });
    });

    it('refuses a malformed disputed amount', () => {
      expect(() => analyse(records, '150.001')).toThrow('not an amount');
    });
  });

  it('writes every amount with two decimals, whatever the currency', () => {
    const inv = invoice([['A', 3, '10'], ['B', 1, '7.5']], { currency: 'EUR' });
    const records = evidence(inv, { contract: contract({ A: '9.9', B: '7' }, 'EUR') });
    const analysis = analyse(records, '5');
    expect(analysis.findings.map((f) => f.amount)).toEqual(['0.30', '0.50']);
    expect(analysis).toMatchObject({ overbilled: '0.80', recommendedCredit: '0.80' });
  });

  it('orders invoice-level findings first, then lines by lineNo', () => {
    const inv = invoice([]);
    inv.lines = [
      { lineNo: 3, sku: 'A', quantity: 2, unitPrice: '10.00' },
      { lineNo: 1, sku: 'X', quantity: 1, unitPrice: '10.00' },
      { lineNo: 2, sku: 'A', quantity: 1, unitPrice: '10.00' },
    ];
    const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 2, '10.00']]), contract: null, workOrders: [] });
    // line 2 comes before line 3, so it takes one of the PO's two units first
    expect(analyse(records, '100.00').findings.map((f) => [f.code, f.lineNo, f.expected])).toEqual([
      ['CONTRACT_NOT_FOUND', undefined, `contract in force on ${ISSUED_AT}`],
      ['SKU_NOT_ON_PO', 1, '0'],
      ['QUANTITY_OVER_PO', 3, '1'],
    ]);
  });

  it('leaves its evidence untouched and answers the same twice', () => {
    const inv = invoice([['A', 6, '100.00'], ['A', 6, '100.00']]);
    const records = evidence(inv, { purchaseOrder: purchaseOrder([['A', 10, '90.00']]), workOrders: [workOrder({ A: 7 })] });
    const before = JSON.stringify(records);
    const first = analyse(deepFreeze(records), '1000.00');
    expect(JSON.stringify(records)).toBe(before);
    expect(analyse(records, '1000.00')).toEqual(first);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

// ---- Properties over random records, against an oracle written from the contract's formulas ----

const SKUS = ['A', 'B', 'C', 'D'];
const sku = fc.constantFrom(...SKUS);
const quantity = fc.integer({ min: 0, max: 5_000 }).map((milli) => milli / 1000);
const price = fc.integer({ min: 0, max: 20_000 }).map((minor) => formatMoney(BigInt(minor)));
const billedLines = fc.array(fc.tuple(sku, quantity, price), { maxLength: 5 });

const recordsArbitrary = fc
  .record({
    lines: billedLines,
    reverseLineNos: fc.boolean(),
    po: fc.option(fc.array(fc.tuple(sku, quantity, price), { maxLength: 5 }), { nil: null }),
    contractPrices: fc.option(fc.dictionary(sku, price), { nil: null }),
    workOrders: fc.array(fc.dictionary(sku, quantity), { maxLength: 3 }),
    others: fc.array(
      fc.record({
        number: fc.constantFrom('INV-1', 'INV-5', 'INV-9'),
        issuedAt: fc.constantFrom('2026-02-14T00:00:00Z', ISSUED_AT, '2026-02-15T01:00:00+01:00', '2026-02-16T00:00:00Z'),
        copy: fc.boolean(),
        lines: billedLines,
      }),
      { maxLength: 3 },
    ),
    disputed: fc.integer({ min: 0, max: 10_000_000 }).map((minor) => formatMoney(BigInt(minor))),
  })
  .map((r): { records: Evidence; disputed: string } => {
    const inv = invoice(r.lines);
    if (r.reverseLineNos) inv.lines = inv.lines.map((l) => ({ ...l, lineNo: 100 - l.lineNo }));
    const others = r.others.map((o) => invoice(o.copy ? [...r.lines].reverse() : o.lines, { number: o.number, issuedAt: o.issuedAt }));
    return {
      records: {
        invoice: inv,
        purchaseOrder: r.po && purchaseOrder(r.po),
        contract: r.contractPrices && contract(r.contractPrices),
        workOrders: r.workOrders.map((completed) => workOrder(completed)),
        otherInvoices: others,
      },
      disputed: r.disputed,
    };
  });

interface OracleLine {
  lineNo: number;
  /** cents */
  overbilling: bigint;
  /** cents: the allowed quantity at the reference price less at the invoiced price, when that is lower */
  underbilling: bigint;
  /** exact parts in thousandths of a cent; null for a duplicate */
  parts: Record<'price' | 'overPo' | 'notCompleted', bigint> | null;
  onPo: boolean;
}

const milliOf = (q: number) => BigInt(Math.round(q * 1000));
const centsOf = (s: string) => BigInt(s.replace('.', ''));
const lesser = (a: bigint, b: bigint) => (a < b ? a : b);

function oracle({ invoice: inv, purchaseOrder: po, contract: ctr, workOrders, otherInvoices }: Evidence): OracleLine[] {
  const lines = [...inv.lines].sort((a, b) => a.lineNo - b.lineNo);
  const pairs = (i: Invoice) => i.lines.map((l) => `${l.sku}|${milliOf(l.quantity)}`).sort().join(',');
  const instant = (i: Invoice) => new Date(i.issuedAt).getTime();
  const isDuplicate = otherInvoices.some(
    (o) =>
      o.number !== inv.number &&
      o.purchaseOrderId === inv.purchaseOrderId &&
      (instant(o) < instant(inv) || (instant(o) === instant(inv) && o.number < inv.number)) &&
      pairs(o) === pairs(inv),
  );
  if (isDuplicate) {
    return lines.map((l) => ({
      lineNo: l.lineNo,
      overbilling: lineAmount(milliOf(l.quantity), centsOf(l.unitPrice)),
      underbilling: 0n,
      parts: null,
      onPo: true,
    }));
  }
  const ordered = new Map<string, bigint>();
  const completed = new Map<string, bigint>();
  for (const l of po?.lines ?? []) ordered.set(l.sku, (ordered.get(l.sku) ?? 0n) + milliOf(l.quantity));
  for (const w of workOrders) for (const l of w.lines) completed.set(l.sku, (completed.get(l.sku) ?? 0n) + milliOf(l.quantityCompleted));
  const poPrice = (s: string) => [...(po?.lines ?? [])].sort((a, b) => a.lineNo - b.lineNo).find((l) => l.sku === s)?.unitPrice;
  return lines.map((l) => {
    const qty = milliOf(l.quantity);
    const unit = centsOf(l.unitPrice);
    const withinPo = po ? lesser(qty, ordered.get(l.sku) ?? 0n) : qty;
    const allowedQty = po && workOrders.length > 0 ? lesser(withinPo, completed.get(l.sku) ?? 0n) : withinPo;
    if (po) ordered.set(l.sku, (ordered.get(l.sku) ?? 0n) - withinPo);
    completed.set(l.sku, (completed.get(l.sku) ?? 0n) - allowedQty);
    const reference = ctr?.prices.find((p) => p.sku === l.sku)?.unitPrice ?? poPrice(l.sku) ?? l.unitPrice;
    const allowedPrice = lesser(unit, centsOf(reference));
    return {
      lineNo: l.lineNo,
      overbilling: lineAmount(qty, unit) - lineAmount(allowedQty, allowedPrice),
      underbilling: centsOf(reference) > unit ? lineAmount(allowedQty, centsOf(reference)) - lineAmount(allowedQty, unit) : 0n,
      parts: { price: (unit - allowedPrice) * allowedQty, overPo: (qty - withinPo) * unit, notCompleted: (withinPo - allowedQty) * unit },
      onPo: po === null || po.lines.some((p) => p.sku === l.sku),
    };
  });
}

describe('analyse, over random records', () => {
  const runs = { numRuns: 1_000 };

  it("adds each line's findings up to its overbilling", () => {
    fc.assert(
      fc.property(recordsArbitrary, ({ records, disputed }) => {
        const analysis = analyse(records, disputed);
        for (const line of oracle(records)) {
          expect([line.lineNo, sumOf(lineFindings(analysis, line.lineNo))]).toEqual([line.lineNo, formatMoney(line.overbilling)]);
        }
      }),
      runs,
    );
  });

  it('puts each part within a cent of its exact amount, under the code the contract names', () => {
    fc.assert(
      fc.property(recordsArbitrary, ({ records, disputed }) => {
        const analysis = analyse(records, disputed);
        for (const line of oracle(records)) {
          const found = lineFindings(analysis, line.lineNo);
          if (line.parts === null) {
            expect(found.map((f) => [f.code, f.amount])).toEqual([['DUPLICATE_INVOICE', formatMoney(line.overbilling)]]);
            continue;
          }
          const byCode = {
            PRICE_VARIANCE: line.parts.price,
            [line.onPo ? 'QUANTITY_OVER_PO' : 'SKU_NOT_ON_PO']: line.parts.overPo,
            SERVICE_NOT_COMPLETED: line.parts.notCompleted,
          };
          for (const f of found) {
            expect(Object.keys(byCode)).toContain(f.code);
            const gap = parseMoney(f.amount) * 1000n - byCode[f.code];
            expect(gap > -1000n && gap < 1000n).toBe(true);
          }
          for (const [code, exact] of Object.entries(byCode)) {
            if (exact >= 1000n) expect(codes(found)).toContain(code);
          }
        }
      }),
      runs,
    );
  });

  it('overbills no less than nothing and no more than the invoice total, as the sum of the line findings', () => {
    fc.assert(
      fc.property(recordsArbitrary, ({ records, disputed }) => {
        const analysis = analyse(records, disputed);
        const overbilled = parseMoney(analysis.overbilled);
        expect(overbilled >= 0n && overbilled <= parseMoney(invoiceTotal(records.invoice))).toBe(true);
        expect(analysis.overbilled).toBe(sumOf(analysis.findings.filter((f) => f.code !== 'UNDERBILLED')));
      }),
      runs,
    );
  });

  it('finds UNDERBILLED on each line billed below its reference price, for what may be billed, and debits their sum', () => {
    fc.assert(
      fc.property(recordsArbitrary, ({ records, disputed }) => {
        const analysis = analyse(records, disputed);
        const expected = oracle(records).filter((l) => l.underbilling > 0n);
        const found = analysis.findings.filter((f) => f.code === 'UNDERBILLED');
        expect(found.map((f) => [f.lineNo, f.team, f.amount])).toEqual(expected.map((l) => [l.lineNo, 'SALES_OPS', formatMoney(l.underbilling)]));
        expect(analysis.recommendedDebit).toBe(formatMoney(expected.reduce((sum, l) => sum + l.underbilling, 0n)));
      }),
      runs,
    );
  });

  it('analyses one line as the whole invoice measures it: its findings, the invoice\'s own, and its own figures', () => {
    fc.assert(
      fc.property(recordsArbitrary, fc.nat(), ({ records, disputed }, pick) => {
        const lines = oracle(records);
        fc.pre(lines.length > 0);
        const line = lines[pick % lines.length];
        const whole = analyse(records, disputed);
        const one = analyse(records, disputed, line.lineNo);
        expect(one.findings).toEqual(whole.findings.filter((f) => f.lineNo === undefined || f.lineNo === line.lineNo));
        expect(one.overbilled).toBe(formatMoney(line.overbilling));
        expect(one.recommendedCredit).toBe(formatMoney(lesser(centsOf(disputed), line.overbilling)));
        expect(one.recommendedDebit).toBe(formatMoney(line.underbilling));
      }),
      runs,
    );
  });

  it('recommends min(disputed, overbilled)', () => {
    fc.assert(
      fc.property(recordsArbitrary, ({ records, disputed }) => {
        const analysis = analyse(records, disputed);
        const expected = lesser(centsOf(disputed), centsOf(analysis.overbilled));
        expect(analysis.recommendedCredit).toBe(formatMoney(expected));
      }),
      runs,
    );
  });

  it('routes every finding to its team, with a positive amount on lines and zero at invoice level', () => {
    fc.assert(
      fc.property(recordsArbitrary, ({ records, disputed }) => {
        for (const f of analyse(records, disputed).findings) {
          expect(f.team).toBe(FINDING_TEAMS[f.code]);
          expect(f.amount).toMatch(/^\d+\.\d{2}$/);
          const invoiceLevel = f.code === 'PO_NOT_FOUND' || f.code === 'CONTRACT_NOT_FOUND';
          expect(f.lineNo === undefined).toBe(invoiceLevel);
          if (invoiceLevel) expect(f.amount).toBe('0.00');
          else if (f.code !== 'DUPLICATE_INVOICE') expect(parseMoney(f.amount) > 0n).toBe(true);
        }
      }),
      runs,
    );
  });
});
