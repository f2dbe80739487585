// The three-way match (and more) side by side: each invoice line against its PO line, the contract price and the
// quantity the work orders completed, with the differences marked in words as well as colour.
import { Fragment } from 'react';
import { FINDING_LABELS, formatDate, label } from '../lib/format';
import type { EvidencePages } from '../lib/hooks';
import { formatMoney, formatQuantity, fromCents, lineAmount, sumMoney, toCents } from '../lib/money';
import type { Evidence, Finding, InvoiceLine } from '../lib/types';
import { ErrorMessage, Money, Notice, TeamName } from './common';

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

/** The records the comparison came from: PO, contract, work orders, other invoices on the PO. */
export function EvidenceRecords({ evidence, currency = 'USD' }: { evidence: Evidence; currency?: string }) {
  const { purchaseOrder: po, contract, workOrders, otherInvoices } = evidence;
  return (
    <div className="records-grid">
      <div className="record">
        <h3>Purchase order</h3>
        {po ? (
          <p>
            <strong>{po.id}</strong>, ordered {formatDate(po.orderedAt)}, {po.lineCount} line{po.lineCount === 1 ? '' : 's'}
          </p>
        ) : (
          <p className="diff-note">PO {evidence.invoice.purchaseOrderId} is not in the records</p>
        )}
      </div>
      <div className="record">
        <h3>Contract</h3>
        {contract ? (
          <p>
            <strong>{contract.id}</strong>, valid {formatDate(contract.validFrom)} – {contract.validTo ? formatDate(contract.validTo) : 'open-ended'}
            , {contract.priceCount} price{contract.priceCount === 1 ? '' : 's'}
          </p>
        ) : (
          <p className="diff-note">No contract in force on the invoice date</p>
        )}
      </div>
      <div className="record">
        <h3>Work orders</h3>
        {workOrders.length ? (
          <ul className="plain">
            {workOrders.map((w) => (
              <li key={w.id}>
                <strong>{w.id}</strong> {w.status.toLowerCase()}
                {w.completedAt ? `, completed ${formatDate(w.completedAt)}` : ''}:{' '}
                {w.lines.map((l) => `${l.sku} × ${formatQuantity(l.quantityCompleted)}`).join(', ')}
                {w.lineCount > w.lines.length ? ` (of the lines shown; ${w.lineCount} in all)` : ''}
              </li>
            ))}
          </ul>
        ) : (
          <p>None on this PO</p>
        )}
      </div>
      <div className="record">
        <h3>Other invoices on the PO</h3>
        {otherInvoices.length ? (
          <ul className="plain">
            {otherInvoices.map((i) => (
              <li key={i.number}>
                <strong>{i.number}</strong>, issued {formatDate(i.issuedAt)}: {formatMoney(i.total, currency)}
                {i.matchingLineCount ? `; ${i.matchingLineCount} of its ${i.lineCount} lines bill what this invoice bills` : ''}
              </li>
            ))}
          </ul>
        ) : (
          <p>None</p>
        )}
      </div>
    </div>
  );
}

/** The comparison of the lines shown so far, the way to more of them, and the records they come from. */
export function PagedEvidence({ pages, currency, caption }: { pages: EvidencePages; currency: string; caption?: string }) {
  if (!pages.evidence) return null;
  const { lines, lineCount } = pages.evidence.invoice;
  return (
    <>
      <EvidenceComparison evidence={pages.evidence} findings={pages.findings} currency={currency} caption={caption} />
      {lineCount > lines.length ? (
        <p data-testid="evidence-more">
          Lines 1–{lines.length} of {lineCount}.{' '}
          {pages.more ? (
            <button type="button" className="button-secondary button-small" onClick={pages.more} disabled={pages.loading}>
              {pages.loading ? 'Loading…' : 'Show more lines'}
            </button>
          ) : null}
        </p>
      ) : null}
      <ErrorMessage error={pages.error} />
      <EvidenceRecords evidence={pages.evidence} currency={currency} />
    </>
  );
}

export function FindingsTable({ findings, currency = 'USD', showTeam = true }: { findings: Finding[]; currency?: string; showTeam?: boolean }) {
  if (!findings.length) return <p>No findings: the invoice matches its PO, contract and work orders.</p>;
  const total = sumMoney(findings.map((f) => f.amount));
  return (
    <div className="table-scroll">
      <table className="data" data-testid="findings-table">
        <caption className="visually-hidden">Findings</caption>
        <thead>
          <tr>
            <th scope="col">Finding</th>
            {showTeam ? <th scope="col">Team</th> : null}
            <th scope="col">Line</th>
            <th scope="col">Expected</th>
            <th scope="col">Actual</th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f, i) => (
            <Fragment key={i}>
              <tr>
                <th scope="row">
                  {label(FINDING_LABELS, f.code)} <span className="code">{f.code}</span>
                </th>
                {showTeam ? (
                  <td>
                    <TeamName team={f.team} />
                  </td>
                ) : null}
                <td>{f.lineNo ?? 'invoice'}</td>
                <td>{f.expected}</td>
                <td className="diff">{f.actual}</td>
                <td className="num">
                  <Money amount={f.amount} currency={currency} />
                </td>
              </tr>
            </Fragment>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={showTeam ? 5 : 4}>
              Total
            </th>
            <td className="num">
              <Money amount={total} currency={currency} strong />
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** Why there are no records to compare: the collection failed (the source must be fixed), or never ran. */
export function EvidenceMissing({ reason }: { reason: string | null }) {
  return (
    <Notice kind={reason ? 'warning' : 'info'}>
      <p>{reason ? `The evidence could not be collected: ${reason}` : 'No evidence was collected for this case.'}</p>
    </Notice>
  );
}
