// The source records behind a comparison, each in a line or two: the PO, the contract, the work orders and the other
// invoices on the PO.
import { formatDate } from '../../lib/format';
import { showMoney, showQuantity } from '../../lib/money';
import type { EvidencePage as Evidence } from '../../../../contract';

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
                {w.lines.map((l) => `${l.sku} × ${showQuantity(l.quantityCompleted)}`).join(', ')}
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
                <strong>{i.number}</strong>, issued {formatDate(i.issuedAt)}: {showMoney(i.total, currency)}
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
