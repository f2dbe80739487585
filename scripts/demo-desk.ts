// The demo desk as data: four customers (three with a contract), their purchase orders, work orders and 200 invoices,
// and the 64 cases `npm run demo` opens on some of them, each with the state it is driven to. Everything has a stable
// id (DEMO-…), so a second run finds what the first made. Deterministic: no clock, no randomness but a fixed seed.
import { analyse } from '../domain/analysis';
import { formatMoney, lineAmount, parseMoney, parseQuantity } from '../domain/money';
import type { FindingCode, ReasonCode } from '../domain/types';
import type { Evidence } from '../contract';
import type { RecordsImport } from '../contract';

type Invoice = NonNullable<RecordsImport['invoices']>[number];
type PurchaseOrder = NonNullable<RecordsImport['purchaseOrders']>[number];
type WorkOrder = NonNullable<RecordsImport['workOrders']>[number];
type Contract = NonNullable<RecordsImport['contracts']>[number];

export const INVOICE_COUNT = 200;

/** What a case is driven to. `late` cases are opened with a short SLA, so their waits are overdue and escalated. */
export type Target =
  | 'INVESTIGATION'
  | 'RESOLUTION'
  | 'APPROVAL'
  | 'CLOSED_CREDIT'
  | 'CLOSED_CREDIT_AFTER_REJECT'
  | 'CLOSED_NO_CREDIT'
  | 'CANCELLED_IN_INVESTIGATION'
  | 'CANCELLED_IN_RESOLUTION'
  | 'CANCELLED_IN_APPROVAL';

/** The finding a case is built to show; NONE: an invoice that is right, disputed all the same. */
export type Recipe = FindingCode | 'NONE';

export interface DemoCase {
  key: string;
  recipe: Recipe;
  target: Target;
  late: boolean;
  invoiceNumber: string;
  reasonCode: ReasonCode;
  disputedAmount: string;
  description: string;
  /** What the analysis will find (for the proposal: the recommended credit is read from the case). */
  overbilled: string;
}

const SKUS = {
  'SVC-HVAC-HR': { name: 'HVAC service hour', price: 8500n },
  'FLT-MERV13': { name: 'MERV-13 filter', price: 1850n },
  'PMP-CIRC-3': { name: 'Circulation pump', price: 64000n },
  'INSP-ANNUAL': { name: 'Annual inspection', price: 42000n },
  'ELEC-CALLOUT': { name: 'Electrician call-out', price: 15000n },
} as const;
type Sku = keyof typeof SKUS;
const SKU_IDS = Object.keys(SKUS) as Sku[];

const CUSTOMERS = [
  { id: 'DEMO-NORTHWIND', name: 'Northwind Facilities', contract: 'DEMO-CTR-NORTHWIND-2026', markup: 100n },
  { id: 'DEMO-CONTOSO', name: 'Contoso Field Services', contract: 'DEMO-CTR-CONTOSO-2026', markup: 95n },
  { id: 'DEMO-TAILSPIN', name: 'Tailspin Property Group', contract: 'DEMO-CTR-TAILSPIN-2026', markup: 105n },
  // No contract: every case on it finds CONTRACT_NOT_FOUND, and prices are checked against the PO.
  { id: 'DEMO-FABRIKAM', name: 'Fabrikam Logistics', contract: null, markup: 100n },
] as const;
type Customer = (typeof CUSTOMERS)[number];

const contractPrice = (customer: Customer, sku: Sku): bigint => (SKUS[sku].price * customer.markup) / 100n;
const money = (minor: bigint): string => formatMoney(minor);

/** The cases, by target: every stage the desk can show, every finding code in open and closed cases. */
const PLAN: [Target, Recipe[], Recipe[]?][] = [
  // [target, on-time recipes, late recipes]
  ['INVESTIGATION', ['PRICE_VARIANCE', 'PRICE_VARIANCE', 'QUANTITY_OVER_PO', 'QUANTITY_OVER_PO', 'SKU_NOT_ON_PO', 'SKU_NOT_ON_PO', 'SERVICE_NOT_COMPLETED', 'SERVICE_NOT_COMPLETED', 'DUPLICATE_INVOICE', 'PO_NOT_FOUND', 'CONTRACT_NOT_FOUND', 'PRICE_VARIANCE'], ['PRICE_VARIANCE', 'QUANTITY_OVER_PO', 'SERVICE_NOT_COMPLETED', 'DUPLICATE_INVOICE', 'CONTRACT_NOT_FOUND', 'PO_NOT_FOUND']],
  ['RESOLUTION', ['PRICE_VARIANCE', 'QUANTITY_OVER_PO', 'SKU_NOT_ON_PO', 'UNDERBILLED', 'NONE', 'SERVICE_NOT_COMPLETED', 'DUPLICATE_INVOICE', 'CONTRACT_NOT_FOUND'], ['PRICE_VARIANCE', 'SKU_NOT_ON_PO']],
  ['APPROVAL', ['PRICE_VARIANCE', 'QUANTITY_OVER_PO', 'SERVICE_NOT_COMPLETED', 'DUPLICATE_INVOICE', 'SKU_NOT_ON_PO', 'PO_NOT_FOUND'], ['QUANTITY_OVER_PO', 'CONTRACT_NOT_FOUND']],
  ['CLOSED_CREDIT', ['PRICE_VARIANCE', 'PRICE_VARIANCE', 'QUANTITY_OVER_PO', 'QUANTITY_OVER_PO', 'SKU_NOT_ON_PO', 'SKU_NOT_ON_PO', 'SERVICE_NOT_COMPLETED', 'SERVICE_NOT_COMPLETED', 'DUPLICATE_INVOICE', 'DUPLICATE_INVOICE', 'PO_NOT_FOUND', 'PO_NOT_FOUND', 'CONTRACT_NOT_FOUND', 'CONTRACT_NOT_FOUND']],
  ['CLOSED_CREDIT_AFTER_REJECT', ['PRICE_VARIANCE', 'SERVICE_NOT_COMPLETED']],
  ['CLOSED_NO_CREDIT', ['NONE', 'NONE', 'UNDERBILLED', 'PRICE_VARIANCE', 'SERVICE_NOT_COMPLETED', 'CONTRACT_NOT_FOUND']],
  ['CANCELLED_IN_INVESTIGATION', ['QUANTITY_OVER_PO', 'DUPLICATE_INVOICE', 'SERVICE_NOT_COMPLETED']],
  ['CANCELLED_IN_RESOLUTION', ['PRICE_VARIANCE', 'NONE']],
  ['CANCELLED_IN_APPROVAL', ['SKU_NOT_ON_PO']],
];

const REASONS: Record<Recipe, ReasonCode> = {
  PRICE_VARIANCE: 'PRICING',
  CONTRACT_NOT_FOUND: 'PRICING',
  QUANTITY_OVER_PO: 'QUANTITY',
  SKU_NOT_ON_PO: 'PO_MISMATCH',
  PO_NOT_FOUND: 'PO_MISMATCH',
  SERVICE_NOT_COMPLETED: 'SERVICE_NOT_COMPLETED',
  DUPLICATE_INVOICE: 'DUPLICATE_BILLING',
  UNDERBILLED: 'PRICING',
  NONE: 'OTHER',
};

const COMPLAINTS: Record<Recipe, string> = {
  PRICE_VARIANCE: 'Billed above the agreed contract rate.',
  CONTRACT_NOT_FOUND: 'Customer says the quoted rate was lower than billed.',
  QUANTITY_OVER_PO: 'More units billed than the purchase order allows.',
  SKU_NOT_ON_PO: 'Billed for an item that was never ordered.',
  PO_NOT_FOUND: 'Customer cannot match the invoice to any purchase order.',
  SERVICE_NOT_COMPLETED: 'Work billed in full but not finished on site.',
  DUPLICATE_INVOICE: 'The same work appears on an earlier invoice.',
  UNDERBILLED: 'Customer questions a price that differs from the contract.',
  NONE: 'Customer questions the invoice total.',
};

/** A small deterministic generator (LCG): the same desk on every machine and every run. */
function generator(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

export interface Desk {
  records: Required<RecordsImport>;
  cases: DemoCase[];
}

export function buildDesk(): Desk {
  const pick = generator(20_261_203);
  const contracts: Contract[] = CUSTOMERS.filter((c) => c.contract).map((c) => ({
    id: c.contract!,
    customerId: c.id,
    currency: 'USD',
    validFrom: '2026-01-01',
    validTo: null,
    prices: SKU_IDS.map((sku) => ({ sku, unitPrice: money(contractPrice(c, sku)) })),
  }));
  const purchaseOrders: PurchaseOrder[] = [];
  const workOrders: WorkOrder[] = [];
  const invoices: Invoice[] = [];
  const evidenceOf = new Map<string, Evidence>();

  let po = 0;
  const day = (n: number) => new Date(Date.UTC(2026, 8, 1) + n * 86_400_000).toISOString().slice(0, 10);
  const nextInvoice = (customer: Customer, poId: string, lines: Invoice['lines'], issued: number): Invoice => {
    const invoice: Invoice = {
      number: `DEMO-INV-${String(invoices.length + 1).padStart(4, '0')}`,
      customerId: customer.id,
      purchaseOrderId: poId,
      issuedAt: `${day(issued)}T09:00:00Z`,
      dueAt: `${day(issued + 30)}T09:00:00Z`,
      currency: 'USD',
      lines,
    };
    invoices.push(invoice);
    return invoice;
  };

  /** A PO of 1–3 lines at the contract's (or list) price, completed by one work order, and its invoice. */
  function order(customer: Customer, recipe: Recipe, issued: number): Invoice {
    po += 1;
    const poId = `DEMO-PO-${String(po).padStart(4, '0')}`;
    const skus = [...new Set([SKU_IDS[pick(SKU_IDS.length)], SKU_IDS[pick(SKU_IDS.length)], SKU_IDS[pick(SKU_IDS.length)]])].slice(0, 1 + pick(3));
    const poLines = skus.map((sku, i) => ({ lineNo: i + 1, sku, quantity: 2 + pick(9), unitPrice: money(contractPrice(customer, sku)) }));
    const purchaseOrder: PurchaseOrder = { id: poId, customerId: customer.id, contractId: customer.contract, orderedAt: `${day(issued - 12)}T00:00:00Z`, lines: poLines };
    const completed = poLines.map((l) => ({ sku: l.sku, quantityCompleted: l.quantity }));
    let invoiceLines: Invoice['lines'] = poLines.map((l) => ({ ...l }));
    let workOrder: WorkOrder = { id: `DEMO-WO-${String(po).padStart(4, '0')}`, purchaseOrderId: poId, status: 'COMPLETED', completedAt: `${day(issued - 3)}T16:00:00Z`, lines: completed };
    const first = invoiceLines[0]!;
    switch (recipe) {
      case 'PRICE_VARIANCE':
        invoiceLines = [{ ...first, unitPrice: money((parseMoney(first.unitPrice) * (110n + BigInt(pick(15)))) / 100n) }, ...invoiceLines.slice(1)];
        break;
      case 'CONTRACT_NOT_FOUND':
        // Fabrikam has no contract: the PO's price is the reference, and the invoice is above it.
        invoiceLines = [{ ...first, unitPrice: money(parseMoney(first.unitPrice) + 1000n + BigInt(pick(4)) * 500n) }, ...invoiceLines.slice(1)];
        break;
      case 'UNDERBILLED':
        invoiceLines = [{ ...first, unitPrice: money((parseMoney(first.unitPrice) * (80n + BigInt(pick(15)))) / 100n) }, ...invoiceLines.slice(1)];
        break;
      case 'QUANTITY_OVER_PO':
        invoiceLines = [{ ...first, quantity: first.quantity + 1 + pick(3) }, ...invoiceLines.slice(1)];
        break;
      case 'SKU_NOT_ON_PO': {
        const extra = SKU_IDS.find((sku) => !skus.includes(sku))!;
        invoiceLines = [...invoiceLines, { lineNo: invoiceLines.length + 1, sku: extra, quantity: 1 + pick(3), unitPrice: money(contractPrice(customer, extra)) }];
        break;
      }
      case 'SERVICE_NOT_COMPLETED':
        workOrder = { ...workOrder, status: 'PARTIAL', completedAt: null, lines: completed.map((l, i) => (i === 0 ? { ...l, quantityCompleted: Math.max(0, l.quantityCompleted - 1 - pick(2)) } : l)) };
        break;
      case 'PO_NOT_FOUND':
        // Billed on a PO nobody can find, and above the contract too: both teams have a question.
        purchaseOrder.id = `DEMO-PO-MISSING-${String(po).padStart(4, '0')}`;
        invoiceLines = [{ ...first, unitPrice: money((parseMoney(first.unitPrice) * 112n) / 100n) }, ...invoiceLines.slice(1)];
        break;
      default:
        break;
    }
    const recorded = recipe !== 'PO_NOT_FOUND';
    if (recorded) {
      purchaseOrders.push(purchaseOrder);
      workOrders.push(workOrder);
    }
    const others: Invoice[] = [];
    if (recipe === 'DUPLICATE_INVOICE') others.push(nextInvoice(customer, purchaseOrder.id, poLines.map((l) => ({ ...l })), issued - 20));
    const invoice = nextInvoice(customer, purchaseOrder.id, invoiceLines, issued);
    const contract = contracts.find((c) => c.id === customer.contract) ?? null;
    evidenceOf.set(invoice.number, {
      invoice,
      purchaseOrder: recorded ? { ...purchaseOrder, contractId: purchaseOrder.contractId ?? null } : null,
      contract,
      workOrders: recorded ? [workOrder] : [],
      otherInvoices: others,
    } as Evidence);
    return invoice;
  }

  const cases: DemoCase[] = [];
  let n = 0;
  for (const [target, onTime, late = []] of PLAN) {
    for (const [recipes, isLate] of [[onTime, false], [late, true]] as const) {
      for (const recipe of recipes) {
        n += 1;
        const customer = recipe === 'CONTRACT_NOT_FOUND' ? CUSTOMERS[3] : CUSTOMERS[n % 3];
        const invoice = order(customer, recipe, 10 + ((n * 7) % 80));
        const total = invoice.lines.reduce((sum, l) => sum + lineAmount(parseQuantity(l.quantity), parseMoney(l.unitPrice)), 0n);
        const overbilled = analyse(evidenceOf.get(invoice.number)!, money(total)).overbilled;
        // The customer disputes what is wrong, or, where nothing is, a tenth of the invoice.
        const disputed = parseMoney(overbilled) > 0n ? parseMoney(overbilled) : total / 10n;
        cases.push({
          key: `DEMO-CASE-${String(n).padStart(2, '0')}`,
          recipe,
          target,
          late: isLate,
          invoiceNumber: invoice.number,
          reasonCode: REASONS[recipe],
          disputedAmount: money(disputed),
          description: COMPLAINTS[recipe],
          overbilled,
        });
      }
    }
  }

  // The rest of the 200 invoices: billed as ordered, nobody disputes them.
  while (invoices.length < INVOICE_COUNT) order(CUSTOMERS[invoices.length % 4], 'NONE', invoices.length % 90);

  return {
    records: {
      customers: CUSTOMERS.map(({ id, name }) => ({ id, name })),
      contracts,
      purchaseOrders,
      workOrders,
      invoices,
    },
    cases,
  };
}
