// The lines of an invoice ticked for a case, a page at a time, each to be ticked and disputed on its own instead of
// the whole invoice. A line's amount starts at what it billed; what credits took of it the server checks (422).
import { useState } from 'react';
import { ErrorMessage, Field, Loading, Money, MoreButton, fieldError } from '../../components/common';
import { api } from '../../lib/api';
import { useCursorList } from '../../lib/cursor-list';
import { showQuantity } from '../../lib/money';
import { formatMoney, lineAmount, parseMoney, parseQuantity } from '../../../../domain/money';
import type { EvidencePage } from '../../../../contract';

type Line = EvidencePage['invoice']['lines'][number];

/** What the line billed (quantity × unit price, rounded as the server rounds it), as the contract writes amounts. */
function billed(line: Line): string {
  return formatMoney(lineAmount(parseQuantity(line.quantity), parseMoney(line.unitPrice)));
}

export function InvoiceLines({ number, currency, ticked, indexOf, error, onTick, onAmount }: {
  number: string;
  currency: string;
  /** lineNo → the amount typed, for the lines ticked. */
  ticked: Record<number, string>;
  /** The index of a ticked line among the items sent, which the server's field names (`items.N.…`) count. */
  indexOf: (lineNo: number) => number;
  error: unknown;
  onTick: (lineNo: number, amount: string | null) => void;
  onAmount: (lineNo: number, amount: string) => void;
}) {
  const [open, setOpen] = useState(Object.keys(ticked).length > 0);
  return (
    <div className="invoice-lines">
      <button type="button" className="button-secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? `Hide the lines of ${number}` : `Dispute lines of ${number}`}
      </button>
      {open ? <LineTable number={number} currency={currency} ticked={ticked} indexOf={indexOf} error={error} onTick={onTick} onAmount={onAmount} /> : null}
    </div>
  );
}

function LineTable({ number, currency, ticked, indexOf, error, onTick, onAmount }: Parameters<typeof InvoiceLines>[0]) {
  const lines = useCursorList(['invoice', number, 'lines'], async (cursor, signal) => {
    const page = await api.invoiceEvidence(number, cursor, signal);
    return { items: page.invoice.lines, nextCursor: page.nextCursor };
  });
  if (lines.error) return <ErrorMessage error={lines.error} />;
  if (lines.pending) return <Loading what={`the lines of ${number}`} />;
  return (
    <>
      <div className="table-scroll">
        <table className="data" data-testid={`lines-of-${number}`}>
          <caption className="visually-hidden">The lines of {number}</caption>
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">In the case</span>
              </th>
              <th scope="col">Line</th>
              <th scope="col">SKU</th>
              <th scope="col" className="num">Quantity</th>
              <th scope="col" className="num">Unit price</th>
              <th scope="col" className="num">Billed</th>
              <th scope="col">Disputed</th>
            </tr>
          </thead>
          <tbody>
            {lines.items.map((line) => {
              const amount = ticked[line.lineNo];
              const index = amount === undefined ? -1 : indexOf(line.lineNo);
              return (
                <tr key={line.lineNo}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Dispute line ${line.lineNo} of ${number}`}
                      checked={amount !== undefined}
                      onChange={(e) => onTick(line.lineNo, e.target.checked ? billed(line) : null)}
                    />
                  </td>
                  <th scope="row">{line.lineNo}</th>
                  <td>{line.sku}</td>
                  <td className="num">{showQuantity(line.quantity)}</td>
                  <td className="num">
                    <Money amount={line.unitPrice} currency={currency} />
                  </td>
                  <td className="num">
                    <Money amount={billed(line)} currency={currency} />
                  </td>
                  <td>
                    {amount === undefined ? null : (
                      <Field
                        label={`Disputed on line ${line.lineNo} of ${number}`}
                        error={fieldError(error, `items.${index}.disputedAmount`) ?? fieldError(error, `items.${index}.lineNo`)}
                      >
                        {(props) => (
                          <input {...props} name={`items.${index}.disputedAmount`} inputMode="decimal" value={amount} onChange={(e) => onAmount(line.lineNo, e.target.value)} />
                        )}
                      </Field>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <MoreButton list={lines} label={`More lines of ${number}`} />
    </>
  );
}
