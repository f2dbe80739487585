// The evidence a case keeps. The analysis reads every line of every other invoice on the PO (a duplicate is a whole
// earlier invoice billed again), but a case keeps of them only what its readers need: each other invoice's number,
// date, total and line count, and which of its lines bill what this invoice bills. Forty invoices of 2,000 lines
// on one PO made a 5 MB evidence, read back whole on every look at the case.
import { invoiceTotal } from './analysis';
import { parseQuantity } from './money';
import type { MoneyString } from './types';
import type { Contract, Evidence, Invoice, InvoiceLine, PurchaseOrder, WorkOrder } from '../contract';

/** One line of another invoice billing what a line of this one bills: its lineNo, that line's lineNo, its unit price. */
export type LineMatch = [lineNo: number, matchesLineNo: number, unitPrice: MoneyString];

/**
 * Matches as kept: `count` consecutive lines of the other invoice from `lineNo`, matching as many consecutive lines of
 * this one from `matchesLineNo`, all at one unit price. An invoice billed again line for line is one run, however
 * long: forty invoices of 2,000 lines on one PO made 78,000 matches, stored as 39 runs.
 */
export type MatchRun = [lineNo: number, matchesLineNo: number, count: number, unitPrice: MoneyString];

export interface OtherInvoiceSummary {
  number: string;
  issuedAt: string;
  total: MoneyString;
  lineCount: number;
  matchingLineCount: number;
  /** Its lines that bill what this invoice bills, in its lineNo order: all of them, or at least those of the lines asked for. */
  matches: MatchRun[];
}

/** What a case stores: the records whole, other invoices summarised. */
export interface StoredEvidence {
  version: 2;
  invoice: Invoice;
  purchaseOrder: PurchaseOrder | null;
  contract: Contract | null;
  workOrders: WorkOrder[];
  otherInvoices: OtherInvoiceSummary[];
}

const byLineNo = (a: { lineNo: number }, b: { lineNo: number }) => a.lineNo - b.lineNo;

/**
 * The lines of `other` that bill what `invoice` bills: the same SKU and quantity, the pair the duplicate check
 * compares (an earlier invoice whose every line matches one of this invoice's, and the other way round, is the one a
 * DUPLICATE_INVOICE finding names). Each line of either invoice matches at most once: the k-th line of `other` with a
 * given SKU and quantity (in lineNo order) matches the k-th such line of `invoice`. By SKU alone, the invoices of a PO
 * delivered in parts would all match each other line for line, and tell nothing apart.
 */
export function matchingLines(invoice: Invoice, other: Invoice): MatchRun[] {
  const key = (l: InvoiceLine) => `${l.sku}\u0000${parseQuantity(l.quantity)}`;
  const unmatched = new Map<string, number[]>();
  for (const line of [...invoice.lines].sort(byLineNo)) {
    const queue = unmatched.get(key(line)) ?? [];
    queue.push(line.lineNo);
    unmatched.set(key(line), queue);
  }
  const matches: LineMatch[] = [];
  for (const line of [...other.lines].sort(byLineNo)) {
    const own = unmatched.get(key(line))?.shift();
    if (own !== undefined) matches.push([line.lineNo, own, line.unitPrice]);
  }
  return runsOf(matches);
}

/** Matches (in the other invoice's lineNo order) as runs. */
export function runsOf(matches: readonly LineMatch[]): MatchRun[] {
  const runs: MatchRun[] = [];
  for (const [lineNo, matchesLineNo, unitPrice] of matches) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[2] === lineNo && last[1] + last[2] === matchesLineNo && last[3] === unitPrice) last[2] += 1;
    else runs.push([lineNo, matchesLineNo, 1, unitPrice]);
  }
  return runs;
}

/** The matches of runs whose lines of this invoice are in [from, to]. */
export function matchesWithin(runs: readonly MatchRun[], from: number, to: number): LineMatch[] {
  const within: LineMatch[] = [];
  for (const [lineNo, matchesLineNo, count, unitPrice] of runs) {
    for (let j = Math.max(0, from - matchesLineNo); j < count && matchesLineNo + j <= to; j++) {
      within.push([lineNo + j, matchesLineNo + j, unitPrice]);
    }
  }
  return within;
}

export function summariseEvidence(evidence: Evidence): StoredEvidence {
  const { invoice, purchaseOrder, contract, workOrders, otherInvoices } = evidence;
  return {
    version: 2,
    invoice,
    purchaseOrder,
    contract,
    workOrders,
    otherInvoices: otherInvoices.map((other) => {
      const matches = matchingLines(invoice, other);
      return {
        number: other.number,
        issuedAt: other.issuedAt,
        total: invoiceTotal(other),
        lineCount: other.lines.length,
        matchingLineCount: matches.reduce((n, run) => n + run[2], 0),
        matches,
      };
    }),
  };
}

/** Evidence as a case stored it: this shape, or the whole records of cases collected before it (converted). */
export function storedEvidence(stored: StoredEvidence | Evidence): StoredEvidence {
  return 'version' in stored && stored.version === 2 ? stored : summariseEvidence(stored as Evidence);
}
