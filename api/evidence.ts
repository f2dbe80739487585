// The evidence as the API answers it, a page of the invoice's lines at a time (see evidenceOut): from a case's
// stored evidence, or from the records for an invoice no case was opened on yet.
import { matchesWithin, storedEvidence, type StoredEvidence } from '../domain/evidence';
import { invoiceTotal } from '../domain/analysis';
import type { Evidence, EvidencePage } from '../contract';
import { encodeCursor } from '../read-model/sql';

/** Which lines a page holds: those after `after` (a lineNo), at most `limit`. */
export interface LineWindow {
  after: number | null;
  limit: number;
}

/** The invoice's lines a window holds, and whether more follow. */
export function windowLines<L extends { lineNo: number }>(lines: readonly L[], window: LineWindow): { lines: L[]; more: boolean } {
  const after = [...lines].sort((a, b) => a.lineNo - b.lineNo).filter((l) => window.after === null || l.lineNo > window.after);
  return { lines: after.slice(0, window.limit), more: after.length > window.limit };
}

export function evidencePage(evidence: StoredEvidence, window: LineWindow): EvidencePage {
  const { invoice, purchaseOrder, contract, workOrders, otherInvoices } = evidence;
  const { lines, more } = windowLines(invoice.lines, window);
  const byNo = new Map(lines.map((l) => [l.lineNo, l]));
  const skus = new Set(lines.map((l) => l.sku));
  const ofPage = <T extends { sku: string }>(items: readonly T[]) => items.filter((i) => skus.has(i.sku));
  const { lines: _lines, ...header } = invoice;
  return {
    invoice: { ...header, total: invoiceTotal(invoice), lineCount: invoice.lines.length, lines },
    purchaseOrder: purchaseOrder && { ...purchaseOrder, lineCount: purchaseOrder.lines.length, lines: ofPage(purchaseOrder.lines) },
    contract: contract && { ...contract, priceCount: contract.prices.length, prices: ofPage(contract.prices) },
    workOrders: workOrders.map((w) => ({ ...w, lineCount: w.lines.length, lines: ofPage(w.lines) })),
    otherInvoices: otherInvoices.map(({ matches, ...other }) => ({
      ...other,
      matchingLines: lines.length
        ? matchesWithin(matches, lines[0].lineNo, lines[lines.length - 1].lineNo).flatMap(([lineNo, matchesLineNo, unitPrice]) => {
            const own = byNo.get(matchesLineNo);
            return own ? [{ lineNo, sku: own.sku, quantity: own.quantity, unitPrice, matchesLineNo }] : [];
          })
        : [],
    })),
    nextCursor: more ? encodeCursor([String(lines[lines.length - 1].lineNo)]) : null,
  };
}

/** A case's stored evidence (either shape) as a page, and the lineNos the page holds (their findings go with it). */
export function caseEvidencePage(stored: StoredEvidence | Evidence, window: LineWindow): { page: EvidencePage; lineNos: number[] } {
  const page = evidencePage(storedEvidence(stored), window);
  return { page, lineNos: page.invoice.lines.map((l) => l.lineNo) };
}
