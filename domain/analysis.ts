// Step 2 of a dispute's life: compare the invoice with its PO, the work orders and the contract in force, line by
// line, and say by how much each line is overbilled and why. Pure and deterministic: the workflow bundle imports it.
import { QUANTITY_SCALE, formatMoney, formatQuantity, lineAmount, minBig, parseMoney, parseQuantity, sumBig } from './money';
import type { FindingCode, MoneyString, Team } from './types';
import type { Evidence, Finding, Invoice, InvoiceLine } from '../contract';

export const FINDING_TEAMS: Record<FindingCode, Team> = {
  PRICE_VARIANCE: 'SALES_OPS',
  CONTRACT_NOT_FOUND: 'SALES_OPS',
  QUANTITY_OVER_PO: 'ORDER_MANAGEMENT',
  SKU_NOT_ON_PO: 'ORDER_MANAGEMENT',
  SERVICE_NOT_COMPLETED: 'ORDER_MANAGEMENT',
  DUPLICATE_INVOICE: 'ORDER_MANAGEMENT',
  PO_NOT_FOUND: 'ORDER_MANAGEMENT',
  UNDERBILLED: 'SALES_OPS',
};

/**
 * The team each finding code goes to under a routing version: the codes its rules name go where they say, the others
 * to FINDING_TEAMS'. Version 0 names none.
 */
export function routedTeams(rules: Partial<Record<FindingCode, Team>>): Record<FindingCode, Team> {
  return { ...FINDING_TEAMS, ...rules };
}

/** The findings with the teams a routing gives them (the analysis makes them with the defaults). */
export function routeFindings<F extends Pick<Finding, 'code' | 'team'>>(findings: readonly F[], teams: Record<FindingCode, Team>): F[] {
  return findings.map((f) => (f.team === teams[f.code] ? f : { ...f, team: teams[f.code] }));
}

/** Findings that measure billing below the price: they raise the debit, never the credit nor the overbilling. */
export const DEBIT_FINDING_CODES: readonly FindingCode[] = ['UNDERBILLED'];

/** The teams that get an investigation task: sorted, each once. */
export function teamsWithFindings(findings: readonly Pick<Finding, 'team'>[]): Team[] {
  return [...new Set(findings.map((f) => f.team))].sort();
}

export function invoiceTotal(invoice: Invoice): MoneyString {
  return formatMoney(sumBig(invoice.lines.map(billedAmount)));
}

/** A finding as the analysis of one invoice makes it; the invoice is its caller's. */
export type InvoiceFinding = Omit<Finding, 'invoiceNumber'>;

/** What the analysis says of an item: an invoice, or one line of it. */
export interface ItemAnalysis {
  findings: InvoiceFinding[];
  /** Sum of the overbilling (the whole invoice, or the line, when it is a duplicate). */
  overbilled: MoneyString;
  /** min(disputed amount, overbilled). */
  recommendedCredit: MoneyString;
  /** Sum of the UNDERBILLED findings. */
  recommendedDebit: MoneyString;
}

/**
 * Findings, overbilled amount and recommendations of a disputed invoice, or of one of its lines (`lineNo`): the
 * invoice is measured whole (its lines share the PO's and the work orders' quantities in line order) and the
 * answer limited to that line, with the invoice's own findings (missing records). Quantities and prices are
 * non-negative, as the records schema guarantees.
 */
export function analyse(evidence: Evidence, disputedAmount: MoneyString, lineNo: number | null = null): ItemAnalysis {
  const lines = [...evidence.invoice.lines].sort((a, b) => a.lineNo - b.lineNo);
  const original = earliestDuplicateOf(evidence.invoice, evidence.otherInvoices);
  const measured = (original ? lines.map((line) => duplicateLine(line, original, evidence.invoice)) : discrepanciesOf(lines, evidence)).filter(
    (_, i) => lineNo === null || lines[i].lineNo === lineNo,
  );
  const overbilled = sumBig(measured.map((m) => m.overbilling));
  const underbilled = sumBig(measured.map((m) => m.underbilling));
  return {
    findings: [...missingRecordFindings(evidence), ...measured.flatMap((m) => m.findings)],
    overbilled: formatMoney(overbilled),
    recommendedCredit: formatMoney(minBig(parseMoney(disputedAmount), overbilled)),
    recommendedDebit: formatMoney(underbilled),
  };
}

interface MeasuredLine {
  /** Minor units; the line's overbilling findings add up to it. */
  overbilling: bigint;
  /** Minor units; its UNDERBILLED finding, if any. */
  underbilling: bigint;
  findings: InvoiceFinding[];
}

function finding(code: FindingCode, fields: Omit<InvoiceFinding, 'code' | 'team'>): InvoiceFinding {
  return { code, team: FINDING_TEAMS[code], ...fields };
}

function billedAmount(line: InvoiceLine): bigint {
  return lineAmount(parseQuantity(line.quantity), parseMoney(line.unitPrice));
}

function missingRecordFindings({ invoice, purchaseOrder, contract }: Evidence): InvoiceFinding[] {
  const findings: InvoiceFinding[] = [];
  if (purchaseOrder === null) {
    findings.push(finding('PO_NOT_FOUND', { expected: invoice.purchaseOrderId, actual: 'not found', amount: formatMoney(0n) }));
  }
  if (contract === null) {
    findings.push(
      finding('CONTRACT_NOT_FOUND', { expected: `contract in force on ${invoice.issuedAt}`, actual: 'not found', amount: formatMoney(0n) }),
    );
  }
  return findings;
}

// ---- Duplicates ----

/** The first-issued other invoice on the same PO that was issued before this one and bills the same (sku, quantity) pairs. */
function earliestDuplicateOf(invoice: Invoice, others: readonly Invoice[]): Invoice | null {
  const billed = billedPairs(invoice);
  const duplicates = others.filter(
    (other) =>
      other.number !== invoice.number &&
      other.purchaseOrderId === invoice.purchaseOrderId &&
      compareIssue(other, invoice) < 0 &&
      billedPairs(other) === billed,
  );
  return duplicates.sort(compareIssue)[0] ?? null;
}

/** The invoice's (sku, quantity) multiset, as a canonical string. */
function billedPairs(invoice: Invoice): string {
  const pairs = invoice.lines.map((l) => JSON.stringify([l.sku, parseQuantity(l.quantity).toString()]));
  return JSON.stringify(pairs.sort());
}

/** Issue order: by issue time, then by invoice number in code-unit order (locale-independent, so deterministic). */
function compareIssue(a: Invoice, b: Invoice): number {
  const byTime = Date.parse(a.issuedAt) - Date.parse(b.issuedAt);
  if (byTime !== 0) return byTime;
  return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
}

/** A duplicate counts in full: one finding per line for its whole amount, replacing any other line finding. */
function duplicateLine(line: InvoiceLine, original: Invoice, invoice: Invoice): MeasuredLine {
  const amount = billedAmount(line);
  return {
    overbilling: amount,
    underbilling: 0n,
    findings: [
      finding('DUPLICATE_INVOICE', {
        lineNo: line.lineNo,
        expected: `billed once, on ${original.number}`,
        actual: `billed again on ${invoice.number}`,
        amount: formatMoney(amount),
      }),
    ],
  };
}

// ---- Price and quantity discrepancies ----

/**
 * Quantities still available per SKU, consumed by the invoice's lines in lineNo order, so that billing one SKU on
 * several lines cannot claim the PO's (or the work orders') quantity more than once. null: no limit.
 */
type QuantityBudget = Map<string, bigint> | null;

function quantitiesBySku<T extends { sku: string }>(items: readonly T[], quantity: (item: T) => number): Map<string, bigint> {
  const bySku = new Map<string, bigint>();
  for (const item of items) bySku.set(item.sku, (bySku.get(item.sku) ?? 0n) + parseQuantity(quantity(item)));
  return bySku;
}

function firstPriceBySku<T extends { sku: string; unitPrice: MoneyString }>(items: readonly T[]): Map<string, bigint> {
  const bySku = new Map<string, bigint>();
  for (const item of items) if (!bySku.has(item.sku)) bySku.set(item.sku, parseMoney(item.unitPrice));
  return bySku;
}

function available(budget: QuantityBudget, sku: string, wanted: bigint): bigint {
  return budget === null ? wanted : minBig(wanted, budget.get(sku) ?? 0n);
}

function consume(budget: QuantityBudget, sku: string, taken: bigint): void {
  budget?.set(sku, (budget.get(sku) ?? 0n) - taken);
}

function discrepanciesOf(lines: readonly InvoiceLine[], { purchaseOrder, workOrders, contract }: Evidence): MeasuredLine[] {
  const poLines = [...(purchaseOrder?.lines ?? [])].sort((a, b) => a.lineNo - b.lineNo);
  const skusOnPo = new Set(poLines.map((l) => l.sku));
  const poPrices = firstPriceBySku(poLines);
  const contractPrices = firstPriceBySku(contract?.prices ?? []);
  const orderedLeft: QuantityBudget = purchaseOrder ? quantitiesBySku(poLines, (l) => l.quantity) : null;
  const completedLeft: QuantityBudget =
    purchaseOrder && workOrders.length > 0
      ? quantitiesBySku(workOrders.flatMap((w) => w.lines), (l) => l.quantityCompleted)
      : null;

  return lines.map((line) => {
    const invoicedQty = parseQuantity(line.quantity);
    const invoicedPrice = parseMoney(line.unitPrice);
    const withinPoQty = available(orderedLeft, line.sku, invoicedQty);
    const allowedQty = available(completedLeft, line.sku, withinPoQty);
    consume(orderedLeft, line.sku, withinPoQty);
    consume(completedLeft, line.sku, allowedQty);
    const referencePrice = contractPrices.get(line.sku) ?? poPrices.get(line.sku) ?? invoicedPrice;
    return measureLine({
      line,
      invoicedQty,
      invoicedPrice,
      withinPoQty,
      allowedQty,
      referencePrice,
      onPo: skusOnPo.has(line.sku),
    });
  });
}

interface LineLimits {
  line: InvoiceLine;
  invoicedQty: bigint;
  invoicedPrice: bigint;
  /** min(invoiced qty, PO qty still available to this line). */
  withinPoQty: bigint;
  /** min(withinPoQty, completed qty still available to this line). */
  allowedQty: bigint;
  /** The contract price, else the PO price, else the invoiced price (nothing to compare with). */
  referencePrice: bigint;
  /** Whether the PO orders the SKU at all; without a PO nothing is over it, so the flag does not matter. */
  onPo: boolean;
}

/**
 * The line's overbilling (invoiced amount − allowed amount, each rounded to cents) split into its price, over-PO and
 * not-completed parts. expected/actual: unit prices for PRICE_VARIANCE; for the quantity codes, quantities as
 * decimals — the quantity the PO (or the work orders) still allow this line against the quantity billed.
 */
function measureLine(limits: LineLimits): MeasuredLine {
  const { line, invoicedQty, invoicedPrice, withinPoQty, allowedQty, referencePrice, onPo } = limits;
  const allowedPrice = minBig(invoicedPrice, referencePrice);
  const overbilling = lineAmount(invoicedQty, invoicedPrice) - lineAmount(allowedQty, allowedPrice);
  const quantity = (milli: bigint) => String(formatQuantity(milli));
  const parts = [
    {
      code: 'PRICE_VARIANCE' as const,
      exact: (invoicedPrice - allowedPrice) * allowedQty,
      expected: formatMoney(allowedPrice),
      actual: formatMoney(invoicedPrice),
    },
    {
      code: onPo ? ('QUANTITY_OVER_PO' as const) : ('SKU_NOT_ON_PO' as const),
      exact: (invoicedQty - withinPoQty) * invoicedPrice,
      expected: quantity(withinPoQty),
      actual: quantity(invoicedQty),
    },
    {
      code: 'SERVICE_NOT_COMPLETED' as const,
      exact: (withinPoQty - allowedQty) * invoicedPrice,
      expected: quantity(allowedQty),
      actual: quantity(withinPoQty),
    },
  ];
  const amounts = allocate(overbilling, parts.map((p) => p.exact));
  const findings = parts
    .map((p, i) => ({ ...p, amount: amounts[i] }))
    .filter((p) => p.amount > 0n)
    .map((p) => finding(p.code, { lineNo: line.lineNo, expected: p.expected, actual: p.actual, amount: formatMoney(p.amount) }));
  // Billed below the price for what may be billed: the allowed quantity at each price, each rounded to cents as the
  // overbilling's amounts are. Never part of the overbilling: the price part above is 0 when the price is lower.
  const underbilling =
    invoicedPrice < referencePrice ? lineAmount(allowedQty, referencePrice) - lineAmount(allowedQty, invoicedPrice) : 0n;
  if (underbilling > 0n) {
    findings.push(
      finding('UNDERBILLED', {
        lineNo: line.lineNo,
        expected: formatMoney(referencePrice),
        actual: formatMoney(invoicedPrice),
        amount: formatMoney(underbilling),
      }),
    );
  }
  return { overbilling, underbilling: underbilling > 0n ? underbilling : 0n, findings };
}

/**
 * Splits `total` minor units among parts given exactly in thousandths of a minor unit, by largest remainder (ties to
 * the earlier part), so the parts add up to the total. The total is the difference of two amounts each rounded to
 * cents, so it is within a cent of the exact sum, and at most one cent goes to each part with a remainder.
 */
function allocate(total: bigint, exactParts: readonly bigint[]): bigint[] {
  const amounts = exactParts.map((p) => p / QUANTITY_SCALE);
  const remainder = (i: number) => exactParts[i] % QUANTITY_SCALE;
  const byRemainder = exactParts
    .map((_, i) => i)
    .sort((a, b) => (remainder(a) === remainder(b) ? a - b : remainder(a) > remainder(b) ? -1 : 1));
  const centsLeft = Number(total - sumBig(amounts));
  for (const i of byRemainder.slice(0, centsLeft)) amounts[i] += 1n;
  return amounts;
}
