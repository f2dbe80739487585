// The three-way match (and more) side by side: each invoice line against its PO line, the contract price and the
// quantity the work orders completed, with the differences marked in words as well as colour.
import { lineAmount, minBig, parseMoney, parseQuantity } from '../../../../domain/money';
import { showMoney, showQuantity, totalOf } from '../../lib/money';
import type { EvidencePage as Evidence, Finding, InvoiceLine } from '../../../../contract';

const NUMERIC_COLUMNS = ['Invoiced qty', 'PO qty', 'Completed qty', 'Invoiced price', 'PO price', 'Contract price', 'Line amount'];

interface LineComparison {
  line: InvoiceLine;
  /** Quantities in thousandths. */
  poQty: bigint | null;
  poPrice: string | null;
  contractPrice: string | null;
  completedQty: bigint | null;
  /** The price the analysis allows: contract, else PO, never above the invoiced price. */
  referencePrice: string | null;
  referenceSource: 'contract' | 'PO' | null;
  onPo: boolean;
  findings: Finding[];
}

function compare(evidence: Evidence, findings: Finding[]): LineComparison[] {
  const po = evidence.purchaseOrder;
  const poQty = new Map<string, bigint>();
  const poPrice = new Map<string, string>();
  for (const l of po?.lines ?? []) {
    poQty.set(l.sku, (poQty.get(l.sku) ?? 0n) + parseQuantity(l.quantity));
    if (!poPrice.has(l.sku)) poPrice.set(l.sku, l.unitPrice);
  }
  const contractPrice = new Map<string, string>();
  for (const p of evidence.contract?.prices ?? []) if (!contractPrice.has(p.sku)) contractPrice.set(p.sku, p.unitPrice);
  const completed = new Map<string, bigint>();
  for (const w of evidence.workOrders) for (const l of w.lines) completed.set(l.sku, (completed.get(l.sku) ?? 0n) + parseQuantity(l.quantityCompleted));
  const hasWorkOrders = evidence.workOrders.length > 0;

  return [...evidence.invoice.lines]
    .sort((a, b) => a.lineNo - b.lineNo)
    .map((line) => {
      const cp = contractPrice.get(line.sku) ?? null;
      const pp = poPrice.get(line.sku) ?? null;
      return {
        line,
        poQty: po ? (poQty.get(line.sku) ?? 0n) : null,
        poPrice: pp,
        contractPrice: cp,
        completedQty: po && hasWorkOrders ? (completed.get(line.sku) ?? 0n) : null,
        referencePrice: cp ?? pp,
        referenceSource: cp ? 'contract' : pp ? 'PO' : null,
        onPo: po === null || poQty.has(line.sku),
        findings: findings.filter((f) => f.lineNo === line.lineNo),
      };
    });
}

function Over({ by, unit }: { by: string; unit: string }) {
  return (
    <span className="diff-note">
      <span aria-hidden="true">▲ </span>
      {by} {unit}
    </span>
  );
}

/** Invoice line vs PO line vs contract price vs completed quantity. */
export function EvidenceComparison({
  evidence,
  findings = [],
  currency = 'USD',
  caption = 'Invoice lines against the PO, the contract and the work orders',
}: {
  evidence: Evidence;
  findings?: Finding[];
  currency?: string;
  caption?: string;
}) {
  const rows = compare(evidence, findings);
  return (
    <div className="table-scroll">
      <table className="data evidence-table" data-testid="evidence-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">SKU</th>
            {NUMERIC_COLUMNS.map((label) => (
              <th key={label} scope="col" className="num">
                {label}
              </th>
            ))}
            {findings.length ? (
              <th scope="col" className="num">
                Overbilled
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const invoicedQty = parseQuantity(r.line.quantity);
            const overPo = r.poQty !== null && invoicedQty > r.poQty;
            const overCompleted = r.completedQty !== null && minBig(invoicedQty, r.poQty ?? invoicedQty) > r.completedQty;
            const invoicedPrice = parseMoney(r.line.unitPrice);
            const refPrice = r.referencePrice ? parseMoney(r.referencePrice) : null;
            const priceOver = refPrice !== null && invoicedPrice > refPrice;
            const lineOverbilled = r.findings.length ? totalOf(r.findings.map((f) => f.amount)) : null;
            const amount = lineAmount(invoicedQty, invoicedPrice);
            return (
              <tr key={r.line.lineNo} className={overPo || overCompleted || priceOver || !r.onPo ? 'row-flagged' : undefined}>
                <th scope="row">{r.line.lineNo}</th>
                <td className="nowrap">
                  {r.line.sku}
                  {!r.onPo ? <span className="diff-note"> not on PO</span> : null}
                </td>
                <td className={`num${overPo || overCompleted ? ' diff' : ''}`}>
                  {showQuantity(r.line.quantity)}
                  {overPo ? <Over by={showQuantity(invoicedQty - r.poQty!)} unit="over PO" /> : null}
                  {!overPo && overCompleted ? (
                    <Over by={showQuantity(invoicedQty - r.completedQty!)} unit="not completed" />
                  ) : null}
                </td>
                <td className="num">{r.poQty === null ? 'no PO' : showQuantity(r.poQty)}</td>
                <td className="num">{r.completedQty === null ? 'no work orders' : showQuantity(r.completedQty)}</td>
                <td className={`num${priceOver ? ' diff' : ''}`}>
                  {showMoney(r.line.unitPrice, currency)}
                  {priceOver ? (
                    <Over by={showMoney(invoicedPrice - refPrice!, currency)} unit={`over ${r.referenceSource} price`} />
                  ) : null}
                </td>
                <td className="num">{showMoney(r.poPrice, currency)}</td>
                <td className="num">{r.contractPrice ? showMoney(r.contractPrice, currency) : 'none'}</td>
                <td className="num">{showMoney(amount, currency)}</td>
                {findings.length ? (
                  <td className={`num${lineOverbilled !== null && lineOverbilled > 0n ? ' diff' : ''}`}>
                    {lineOverbilled !== null ? showMoney(lineOverbilled, currency) : '—'}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
