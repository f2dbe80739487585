// The evidence comes a page of the invoice's lines at a time, each page with the records of its lines' SKUs: pages
// shown one after the other are merged into one evidence, as if it had come whole.
import type { EvidencePage as Evidence } from '../../../contract';

function union<T>(before: T[], after: T[], key: (item: T) => string | number): T[] {
  const seen = new Set(before.map(key));
  return [...before, ...after.filter((item) => !seen.has(key(item)))];
}

/** `next` is the page after `shown`'s last. */
export function mergeEvidence(shown: Evidence, next: Evidence): Evidence {
  const po = shown.purchaseOrder;
  const contract = shown.contract;
  return {
    invoice: { ...next.invoice, lines: [...shown.invoice.lines, ...next.invoice.lines] },
    purchaseOrder: po && next.purchaseOrder ? { ...next.purchaseOrder, lines: union(po.lines, next.purchaseOrder.lines, (l) => l.lineNo) } : next.purchaseOrder,
    contract: contract && next.contract ? { ...next.contract, prices: union(contract.prices, next.contract.prices, (p) => p.sku) } : next.contract,
    workOrders: next.workOrders.map((w) => {
      const before = shown.workOrders.find((s) => s.id === w.id);
      return before ? { ...w, lines: union(before.lines, w.lines, (l) => l.sku) } : w;
    }),
    otherInvoices: next.otherInvoices.map((o) => {
      const before = shown.otherInvoices.find((s) => s.number === o.number);
      return before ? { ...o, matchingLines: [...before.matchingLines, ...o.matchingLines] } : o;
    }),
    nextCursor: next.nextCursor,
  };
}
