// The three-way match (and more) side by side: each invoice line against its PO line, the contract price and the
// quantity the work orders completed, with the differences marked in words as well as colour.
import { formatMoney, formatQuantity, fromCents, lineAmount, sumMoney, toCents } from '../../lib/money';
import type { Evidence, Finding, InvoiceLine } from '../../lib/types';

interface LineComparison {
  line: InvoiceLine;
  poQty: number | null;
  poPrice: string | null;
  contractPrice: string | null;
  completedQty: number | null;
  /** The price the analysis allows: contract, else PO, never above the invoiced price. */
  referencePrice: string | null;
  referenceSource: 'contract' | 'PO' | null;
  onPo: boolean;
  findings: Finding[];
}

const milli = (q: number) => Math.round(q * 1000);

function compare(evidence: Evidence, findings: Finding[]): LineComparison[] {
  const po = evidence.purchaseOrder;
  const poQty = new Map<string, number>();
  const poPrice = new Map<string, string>();
  for (const l of po?.lines ?? []) {
    poQty.set(l.sku, (poQty.get(l.sku) ?? 0) + milli(l.quantity));
    if (!poPrice.has(l.sku)) poPrice.set(l.sku, l.unitPrice);
  }
  const contractPrice = new Map<string, string>();
  for (const p of evidence.contract?.prices ?? []) if (!contractPrice.has(p.sku)) contractPrice.set(p.sku, p.unitPrice);
  const completed = new Map<string, number>();
  for (const w of evidence.workOrders) for (const l of w.lines) completed.set(l.sku, (completed.get(l.sku) ?? 0) + milli(l.quantityCompleted));
  const hasWorkOrders = evidence.workOrders.length > 0;

  return [...evidence.invoice.lines]
    .sort((a, b) => a.lineNo - b.lineNo)
    .map((line) => {
      const cp = contractPrice.get(line.sku) ?? null;
      const pp = poPrice.get(line.sku) ?? null;
      return {
        line,
        poQty: po ? (poQty.has(line.sku) ? poQty.get(line.sku)! / 1000 : 0) : null,
        poPrice: pp,
        contractPrice: cp,
        completedQty: po && hasWorkOrders ? (completed.get(line.sku) ?? 0) / 1000 : null,
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
            <th scope="col" className="num">
              Invoiced qty
            </th>
            <th scope="col" className="num">
              PO qty
            </th>
            <th scope="col" className="num">
              Completed qty
            </th>
            <th scope="col" className="num">
              Invoiced price
            </th>
            <th scope="col" className="num">
              PO price
            </th>
            <th scope="col" className="num">
              Contract price
            </th>
            <th scope="col" className="num">
              Line amount
            </th>
            {findings.length ? (
              <th scope="col" className="num">
                Overbilled
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const invoicedQty = milli(r.line.quantity);
            const overPo = r.poQty !== null && invoicedQty > milli(r.poQty);
            const overCompleted = r.completedQty !== null && Math.min(invoicedQty, r.poQty === null ? invoicedQty : milli(r.poQty)) > milli(r.completedQty);
            const invoicedPrice = toCents(r.line.unitPrice) ?? 0n;
            const refPrice = r.referencePrice ? toCents(r.referencePrice) : null;
            const priceOver = refPrice !== null && invoicedPrice > refPrice;
            const lineOverbilled = r.findings.length ? sumMoney(r.findings.map((f) => f.amount)) : null;
            const amount = lineAmount(r.line.quantity, r.line.unitPrice);
            return (
              <tr key={r.line.lineNo} className={overPo || overCompleted || priceOver || !r.onPo ? 'row-flagged' : undefined}>
                <th scope="row">{r.line.lineNo}</th>
                <td className="nowrap">
                  {r.line.sku}
                  {!r.onPo ? <span className="diff-note"> not on PO</span> : null}
                </td>
                <td className={`num${overPo || overCompleted ? ' diff' : ''}`}>
                  {formatQuantity(r.line.quantity)}
                  {overPo ? <Over by={formatQuantity((invoicedQty - milli(r.poQty!)) / 1000)} unit="over PO" /> : null}
                  {!overPo && overCompleted ? (
                    <Over by={formatQuantity((invoicedQty - milli(r.completedQty!)) / 1000)} unit="not completed" />
                  ) : null}
                </td>
                <td className="num">{r.poQty === null ? 'no PO' : formatQuantity(r.poQty)}</td>
                <td className="num">{r.completedQty === null ? 'no work orders' : formatQuantity(r.completedQty)}</td>
                <td className={`num${priceOver ? ' diff' : ''}`}>
                  {formatMoney(r.line.unitPrice, currency)}
                  {priceOver ? (
                    <Over by={formatMoney(fromCents(invoicedPrice - refPrice!), currency)} unit={`over ${r.referenceSource} price`} />
                  ) : null}
                </td>
                <td className="num">{formatMoney(r.poPrice, currency)}</td>
                <td className="num">{r.contractPrice ? formatMoney(r.contractPrice, currency) : 'none'}</td>
                <td className="num">{formatMoney(amount, currency)}</td>
                {findings.length ? (
                  <td className={`num${lineOverbilled && toCents(lineOverbilled)! > 0n ? ' diff' : ''}`}>
                    {lineOverbilled ? formatMoney(lineOverbilled, currency) : '—'}
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
